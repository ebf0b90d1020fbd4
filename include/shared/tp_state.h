/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_shared: the machine-wide refresh state.  The claim table
 * (tp_claims, TokenProxyRefreshSlots slots in anonymous shared memory) and
 * the results cache (a socache instance, TokenProxyCache, default shmcb)
 * guarded by the global mutex "tokenproxy-refresh" (registered with
 * ap_mutex_register, so httpd's Mutex directive configures it), a
 * per-start sealing key, and counters in shared memory summed over all
 * child processes.  All of it is kept in the process pool across graceful
 * restarts, so the old and the new generation of children share one
 * state and never refresh a token twice.
 */
#ifndef TP_SHARED_H
#define TP_SHARED_H

#include <httpd.h>
#include <http_config.h>

#include "core/tp_flight.h"
#include "core/tp_sealcookie.h"

#define TP_MUTEX_NAME "tokenproxy-refresh"
#define TP_DEFAULT_CACHE "shmcb"
#define TP_DEFAULT_CACHE_SIZE 33554432  /* 32 MiB */
#define TP_DEFAULT_TOKEN_SIZE 1024      /* bytes: access + refresh token */
#define TP_DEFAULT_SLOTS      65536
/* httpd refuses to start with a cache that holds fewer results */
#define TP_MIN_RESULTS        1000

typedef enum {
    TP_STAT_STARTED = 0,    /* refresh calls made */
    TP_STAT_SUCCEEDED,
    TP_STAT_REJECTED,
    TP_STAT_UNAVAILABLE,
    TP_STAT_WAITS,          /* waited for another request's refresh */
    TP_STAT_GRACE_HITS,     /* used a stored result at once */
    TP_STAT_TAKEOVERS,      /* lease ran out, refreshed instead */
    TP_STAT_GAVE_UP,        /* waited until the deadline */
    TP_STAT_REPLAYS,        /* requests replayed after an upstream 401 */
    TP_STAT_EVICTIONS,      /* results gone from the cache within grace */
    TP_STAT_UNSTORED,       /* results the cache would not take */
    TP_STAT_CLAIMS_FULL,    /* no free claim slot: 503, nothing refreshed */
    TP_STAT_COUNT
} tp_stat_e;

typedef struct tp_cache_fill {
    long entries;             /* results in the cache */
    apr_uint64_t bytes;       /* their bytes, ids and index slots included */
    long capacity;            /* results it holds (shmcb), 0: unknown */
    apr_size_t size;          /* its bytes (shmcb), 0: unknown */
    tp_claims_fill claims;    /* the claim table */
} tp_cache_fill;

void *tp_shared_srv_create(apr_pool_t *p, server_rec *s);
const char *tp_cmd_cache(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_token_size(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_slots(cmd_parms *cmd, void *dcv, const char *arg);

int tp_shared_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp);
int tp_shared_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                          server_rec *s);
void tp_shared_child_init(apr_pool_t *pchild, server_rec *s);

/* The real clock of the stores (tp_flight's and tp_cluster's). */
apr_time_t tp_shared_now(void *ctx);
void tp_shared_sleep(void *ctx, apr_interval_time_t t);

/* The store for tp_flight_run, or NULL when there is none. */
const tp_flight_store *tp_shared_store(request_rec *r);

/* A key ring holding the per-start key (NULL before post_config): seals
 * what must not be forged when no TokenProxyCookieKey is set. */
const tp_keyring *tp_shared_start_keyring(apr_pool_t *p);

void tp_stat_inc(tp_stat_e which);
apr_uint64_t tp_stat_get(tp_stat_e which);
const char *tp_stat_name(tp_stat_e which);
const char *tp_shared_cache_name(void);
/* Counts the entries under the lock; 0 when there is no cache. */
int tp_shared_fill(request_rec *r, tp_cache_fill *fill);

/* After tp_flight_run: count what the outcome says about the shared
 * state, and warn (rate-limited, machine-wide) when results were evicted
 * or the claim table was full, naming the directive and the size to set. */
void tp_shared_note_outcome(request_rec *r, const tp_flight_out *out);

#endif /* TP_SHARED_H */
