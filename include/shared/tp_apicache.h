/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_apicache: the machine-wide store of kept API tokens
 * (TokenProxyAPITokenCache, a socache provider, shmcb with 16 MiB by
 * default): client-credentials and exchanged tokens, sealed with the
 * per-start key and bound to their key (AES-256-GCM additional data),
 * each kept until its expiry minus the skew.  Made at post_config only
 * when a location needs such tokens, kept across graceful restarts while
 * its spec is unchanged, and guarded by the refresh state's global mutex
 * (shmcb is not MP-safe).  An eviction costs only a new grant.  Also the
 * counters of API grants for tokenproxy-status.
 */
#ifndef TP_APICACHE_H
#define TP_APICACHE_H

#include <httpd.h>

#include "core/tp_apigrant.h"

int tp_apicache_post_config(apr_pool_t *ptemp, server_rec *s);

/* The kept token of key, or NULL (none, expired, evicted, no store). */
const char *tp_apicache_get(request_rec *r,
                            const unsigned char key[TP_APIGRANT_KEY_LEN]);

/* Keep token for seconds; 0 when the store would not take it. */
int tp_apicache_put(request_rec *r,
                    const unsigned char key[TP_APIGRANT_KEY_LEN],
                    const char *token, apr_int64_t seconds);

void tp_apicache_remove(request_rec *r,
                        const unsigned char key[TP_APIGRANT_KEY_LEN]);

/* The kept tokens now and their bytes (ids and sealed values), counted
 * under the lock; 0 when there is no store or it cannot be iterated. */
int tp_apicache_fill(request_rec *r, long *entries, apr_uint64_t *bytes);

/* The store's name for the status page, "none" without one. */
const char *tp_apicache_name(void);

typedef enum {
    TP_API_GRANTS_CLIENT = 0,   /* client-credentials grants made */
    TP_API_GRANTS_EXCHANGE,     /* token exchanges (and OBO) made */
    TP_API_KEPT,                /* tokens put into the store */
    TP_API_HITS,                /* requests served a kept token */
    TP_API_SHARED,              /* requests that used a grant in flight */
    TP_API_REFUSED,             /* exchanges refused (invalid_grant) */
    TP_API_MISCONFIGURED,       /* grants refused as misconfigured */
    TP_API_UNAVAILABLE,         /* grants that found no endpoint */
    TP_API_STAT_COUNT
} tp_api_stat_e;

void tp_api_stat_inc(tp_api_stat_e which);
apr_uint64_t tp_api_stat_get(tp_api_stat_e which);
const char *tp_api_stat_name(tp_api_stat_e which);
const char *tp_api_stat_help(tp_api_stat_e which);

#endif /* TP_APICACHE_H */
