/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_redis: the connection to the Redis server that the nodes of a cluster
 * share (TokenProxyCluster), on hiredis.  One tp_redis per child process:
 * a single connection, made on first use and reused, guarded by a thread
 * mutex.  Every command is bounded by the configured timeout.  After an
 * error the connection is dropped, and the next attempt to connect waits
 * for a backoff (100 ms doubling to 2 s), so while Redis is down a command
 * fails at once instead of costing a timeout each time.
 *
 * The URL is redis://[[USER]:PASSWORD@]HOST[:PORT][/DB].  No request
 * structures; never logs (an error is returned as text without values).
 */
#ifndef TP_REDIS_H
#define TP_REDIS_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct tp_redis_url {
    const char *host;
    int port;                   /* default 6379 */
    const char *user;           /* NULL: none (AUTH PASSWORD) */
    const char *password;       /* NULL: no AUTH */
    int db;                     /* default 0 */
} tp_redis_url;

/* Parse a TokenProxyCluster URL; NULL on success, else why not (the text
 * never contains the password). */
const char *tp_redis_url_parse(apr_pool_t *p, const char *url,
                               tp_redis_url *out);

typedef enum {
    TP_REDIS_ERROR = 0,         /* no answer: down, timeout, garbage */
    TP_REDIS_NIL,
    TP_REDIS_STRING,            /* a bulk string or a status (OK) */
    TP_REDIS_INTEGER,
    TP_REDIS_REFUSED,           /* an error reply (-ERR ..., -NOSCRIPT) */
    TP_REDIS_ARRAY              /* an array of bulk strings (elem) */
} tp_redis_type_e;

typedef struct tp_redis_reply {
    tp_redis_type_e type;
    const char *str;            /* STRING and REFUSED, NUL-terminated */
    apr_size_t len;
    apr_int64_t integer;
    const char *error;          /* ERROR: why */
    int nelem;                  /* ARRAY: its strings (other elements
                                 * are NULL), NUL-terminated */
    const char **elem;
    apr_size_t *elen;
} tp_redis_reply;

typedef struct tp_redis tp_redis;

/* Per child process; the connection is closed with the pool. */
tp_redis *tp_redis_create(apr_pool_t *p, const tp_redis_url *url,
                          apr_interval_time_t timeout);

/* Run one command (binary-safe arguments); the reply is copied into p. */
void tp_redis_command(tp_redis *rc, apr_pool_t *p, int argc,
                      const char *const *argv, const apr_size_t *lens,
                      tp_redis_reply *reply);

/* EVALSHA of a script with one key, falling back to EVAL when the server
 * does not know the script yet (NOSCRIPT). */
void tp_redis_script(tp_redis *rc, apr_pool_t *p, const char *script,
                     const char *key, apr_size_t klen, int argc,
                     const char *const *argv, const apr_size_t *lens,
                     tp_redis_reply *reply);

#endif /* TP_REDIS_H */
