/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cache: the machine-wide cache of refresh results (TokenProxyCache, a
 * socache provider, shmcb by default): made at post_config with hints
 * sized for TokenProxyTokenSize, refused when a shmcb cache holds fewer
 * than TP_MIN_RESULTS results (the message names the size to set), and
 * kept across graceful restarts by tp_state.
 */
#ifndef TP_CACHE_H
#define TP_CACHE_H

#include <httpd.h>
#include <ap_socache.h>

/* httpd refuses to start with a cache that holds fewer results */
#define TP_MIN_RESULTS 1000

typedef struct tp_cache {
    const char *spec;                       /* the cache in use */
    const char *provider_name;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_size_t token_size;                  /* the cache's size hint */
    apr_size_t cache_size;                  /* shmcb: its bytes, else 0 */
} tp_cache;

/* "shmcb:<runtime dir>/tokenproxy-cache(32 MiB)" */
const char *tp_cache_default_spec(apr_pool_t *p);

/* "shmcb:PATH(SIZE)" with the spec's path (or the default one). */
const char *tp_cache_spec_with_size(apr_pool_t *p, const char *spec,
                                    apr_size_t size);

/* Make the cache of spec into *c (its strings in the process pool): an
 * error is logged, and returned. */
apr_status_t tp_cache_create(tp_cache *c, server_rec *s, apr_pool_t *ptemp,
                             const char *spec, apr_size_t token_size);

/* After httpd reloaded the modules: find the provider again (its address
 * changed); 0 when it is gone. */
int tp_cache_refind(tp_cache *c);

#endif /* TP_CACHE_H */
