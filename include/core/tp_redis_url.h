/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_redis_url: TokenProxyCluster's URL,
 * redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or
 * redis-sentinel://[[USER]:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER
 * [/DB] (Sentinel port 26379 by default), and
 * TokenProxyClusterSentinelAuth's [USER:]PASSWORD; %XX decoded in the
 * credentials.  No request structures; never logs.
 */
#ifndef TP_REDIS_URL_H
#define TP_REDIS_URL_H

#include <apr_pools.h>

#define TP_REDIS_MAX_SENTINELS 16
#define TP_REDIS_SENTINEL_PORT 26379

typedef struct tp_redis_addr {
    const char *host;
    int port;
} tp_redis_addr;

typedef struct tp_redis_url {
    const char *host;           /* redis-sentinel: the first Sentinel's */
    int port;                   /* default 6379 */
    const char *user;           /* NULL: none (AUTH PASSWORD) */
    const char *password;       /* NULL: no AUTH */
    int db;                     /* default 0 */
    /* redis-sentinel:// */
    int sentinel;
    int nsentinels;
    tp_redis_addr sentinels[TP_REDIS_MAX_SENTINELS];  /* default port
                                                       * 26379 */
    const char *master_name;
    const char *sentinel_user;      /* TokenProxyClusterSentinelAuth */
    const char *sentinel_password;
} tp_redis_url;

/* Parse a TokenProxyCluster URL; NULL on success, else why not (the text
 * never contains the password). */
const char *tp_redis_url_parse(apr_pool_t *p, const char *url,
                               tp_redis_url *out);

/* TokenProxyClusterSentinelAuth [USER:]PASSWORD (%XX decoded) into url;
 * NULL on success, else why not (without the password). */
const char *tp_redis_sentinel_auth_parse(apr_pool_t *p, const char *arg,
                                         tp_redis_url *url);

/* The URL without its credentials, for the log. */
const char *tp_redis_url_where(apr_pool_t *p, const tp_redis_url *url);

#endif /* TP_REDIS_URL_H */
