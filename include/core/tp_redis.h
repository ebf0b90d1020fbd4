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
 * The URL is redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], or
 * redis-sentinel://[[USER]:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER
 * [/DB] (tp_redis_url.c): then every connection begins by asking the
 * Sentinels for the master (SENTINEL get-master-addr-by-name; the first
 * Sentinel that answers), and checks with ROLE that the server reached is
 * a master.  A connection error, a -READONLY, -LOADING or -MASTERDOWN
 * answer, or a failover notice (a process subscribes to +switch-master
 * on one Sentinel, and reads what came before each command, sending
 * nothing) drops the connection, and the next one asks the Sentinels
 * again.
 * A failure while the Sentinels answer (the master they name cannot be
 * reached or is not a master yet) is a failover (reply.failover); when no
 * Sentinel answers, it is an ordinary error.  During a failover the
 * backoff stays short (100 ms doubling to 400 ms), so that the new master
 * is found within half a second of the Sentinels naming it.
 *
 * No request structures; never logs (an error is returned as text
 * without values).
 */
#ifndef TP_REDIS_H
#define TP_REDIS_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_redis_url.h"
#include "core/tp_sentinel.h"

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
    int failover;               /* ERROR: the Sentinels answer, but the
                                 * master they name is not usable (yet) */
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

/* redis-sentinel: rc reads the failover notices of from's subscription
 * (one Sentinel connection per process, not per tp_redis); from outlives
 * rc's commands. */
void tp_redis_share_watch(tp_redis *rc, tp_redis *from);

/* The master in use or last named by the Sentinels ("host:port", into
 * buf; "" before the first connection), and how often the address
 * changed in this process. */
void tp_redis_master(tp_redis *rc, char *buf, apr_size_t size,
                     apr_uint64_t *changes);

/* The address of the server in use (for a second connection to it, as
 * the subscriber's): 1 and host (into buf) and port.  redis://: its
 * server; redis-sentinel://: the master in use or named last, and before
 * the first connection the master the Sentinels name now (asked without
 * connecting to it; not within the backoff after a failure); 0 when
 * there is none. */
int tp_redis_address(tp_redis *rc, char *buf, apr_size_t size, int *port);

#endif /* TP_REDIS_H */
