/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_state: the machine-wide refresh state and its life.  The claim table
 * (tp_claims, TokenProxyRefreshSlots slots in anonymous shared memory) and
 * the results cache (tp_cache) guarded by the global mutex
 * "tokenproxy-refresh" (registered with ap_mutex_register, so httpd's
 * Mutex directive configures it), and a per-start sealing key.  All of it
 * is kept in the process pool across graceful restarts, so the old and the
 * new generation of children share one state and never refresh a token
 * twice: post_config makes what the configuration needs once (only a
 * changed TokenProxyCache or TokenProxyTokenSize makes a new cache, only a
 * changed TokenProxyRefreshSlots a new table); child_init re-opens the
 * mutex in each child.
 */
#ifndef TP_STATE_H
#define TP_STATE_H

#include <httpd.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>

#include "core/tp_claims.h"
#include "core/tp_sealcookie.h"
#include "shared/tp_cache.h"

#define TP_MUTEX_NAME "tokenproxy-refresh"

typedef struct tp_state {
    int ready;                  /* the sealing key is there */
    apr_global_mutex_t *mutex;
    apr_shm_t *claims_shm;
    tp_claims *claims;
    tp_cache cache;
    unsigned char seal_key[TP_SEAL_KEY_LEN];
    int told_unsealed;          /* the startup notice */
} tp_state;

int tp_state_pre_config(apr_pool_t *pconf);
int tp_state_post_config(apr_pool_t *ptemp, server_rec *s);
void tp_state_child_init(apr_pool_t *pchild, server_rec *s);

/* The state when refreshes can use it (claims, cache and mutex), else
 * NULL. */
const tp_state *tp_state_usable(void);

/* A key ring holding the per-start key (NULL before post_config): seals
 * what must not be forged when no TokenProxyCookieKey is set. */
const tp_keyring *tp_state_start_keyring(apr_pool_t *p);

/* The results cache's provider name, "none" without one. */
const char *tp_state_cache_name(void);

typedef struct tp_cache_fill {
    long entries;             /* results in the cache */
    apr_uint64_t bytes;       /* their bytes, ids and index slots included */
    long capacity;            /* results it holds (shmcb), 0: unknown */
    apr_size_t size;          /* its bytes (shmcb), 0: unknown */
    tp_claims_fill claims;    /* the claim table */
} tp_cache_fill;

/* Counts the entries under the lock; 0 when there is no cache. */
int tp_state_fill(request_rec *r, tp_cache_fill *fill);

/* The claims in their grace window now, counted under the lock; -1 when
 * the lock cannot be had. */
long tp_state_claims_done(void);

#endif /* TP_STATE_H */
