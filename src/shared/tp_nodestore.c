/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_flight's store on the machine-wide state.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_global_mutex.h>

#include "core/tp_cluster.h"
#include "shared/tp_nodestore.h"
#include "shared/tp_state.h"

APLOG_USE_MODULE(tokenproxy);

static tp_notify *notify;           /* this child's subscriber, or NULL */
static const unsigned char *cluster_key;    /* and the entries' key */

typedef struct store_ctx {
    server_rec *s;
    apr_pool_t *p;
    const tp_state *st;
    tp_notify_waiter waiter;
    const char *name;               /* the cluster entry's name */
} store_ctx;

static int st_lock(void *ctx)
{
    store_ctx *c = ctx;
    apr_status_t rv = apr_global_mutex_lock(c->st->mutex);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, c->s,
                     "tokenproxy: could not lock " TP_MUTEX_NAME);
        return 0;
    }
    return 1;
}

static void st_unlock(void *ctx)
{
    store_ctx *c = ctx;

    apr_global_mutex_unlock(c->st->mutex);
}

static int st_get(void *ctx, apr_pool_t *p, const unsigned char *key,
                  apr_size_t klen, unsigned char **data, apr_size_t *len)
{
    store_ctx *c = ctx;
    const tp_cache *cache = &c->st->cache;
    unsigned int n = TP_FLIGHT_MAX_ENTRY;
    unsigned char *buf = apr_palloc(p, n);

    if (cache->provider->retrieve(cache->instance, c->s, key,
                                  (unsigned int)klen, buf, &n, p)
        != APR_SUCCESS) {
        return 0;
    }
    *data = buf;
    *len = n;
    return 1;
}

static int st_put(void *ctx, apr_pool_t *p, const unsigned char *key,
                  apr_size_t klen, apr_time_t expiry,
                  const unsigned char *data, apr_size_t len)
{
    store_ctx *c = ctx;
    const tp_cache *cache = &c->st->cache;

    /* a refusal is counted and warned about by tp_capacity_note */
    return cache->provider->store(cache->instance, c->s, key,
                                  (unsigned int)klen, expiry,
                                  (unsigned char *)data, (unsigned int)len,
                                  p) == APR_SUCCESS;
}

static int st_claim_get(void *ctx, const unsigned char *key, apr_size_t klen,
                        apr_time_t now, tp_claim *claim)
{
    store_ctx *c = ctx;

    return klen >= TP_CLAIMS_KEY_LEN
           && tp_claims_get(c->st->claims, key, now, claim);
}

static int st_claim_put(void *ctx, const unsigned char *key, apr_size_t klen,
                        apr_time_t now, const tp_claim *claim)
{
    store_ctx *c = ctx;

    return klen >= TP_CLAIMS_KEY_LEN
           && tp_claims_put(c->st->claims, key, now, claim);
}

apr_time_t tp_nodestore_now(void *ctx)
{
    (void)ctx;
    return apr_time_now();
}

void tp_nodestore_sleep(void *ctx, apr_interval_time_t t)
{
    (void)ctx;
    apr_sleep(t);
}

void tp_nodestore_notify(tp_notify *n, const unsigned char *key)
{
    notify = n;
    cluster_key = key;
}

/* The machine's waiters are told by the notice that the cluster's winner
 * publishes (the same entry name as the cluster's; the entry comes with
 * it), and by the leader of their own child. */
static int st_watch(void *ctx, const unsigned char *key, apr_size_t klen)
{
    store_ctx *c = ctx;

    c->name = tp_cluster_key(c->p, key, klen);
    return tp_notify_watch(notify, &c->waiter, c->name,
                           apr_palloc(c->p, TP_FLIGHT_MAX_ENTRY),
                           TP_FLIGHT_MAX_ENTRY);
}

static int st_wait(void *ctx, apr_pool_t *p, apr_interval_time_t t,
                   tp_grant_res *res)
{
    store_ctx *c = ctx;
    char state = 0;
    int rv = tp_notify_wait(notify, &c->waiter, t);

    /* a result that came with the notice (one that does not open is
     * left to this machine's leader) */
    if (rv == 1 && c->waiter.len
        && tp_cluster_decode(p, cluster_key, c->name, c->waiter.buf,
                             c->waiter.len, apr_time_now(), &state, res) > 0
        && state == 'D') {
        return 2;
    }
    return rv;
}

static void st_unwatch(void *ctx)
{
    tp_notify_unwatch(notify, &((store_ctx *)ctx)->waiter);
}

static void st_tell(void *ctx, const unsigned char *key, apr_size_t klen)
{
    tp_notify_tell(notify, tp_cluster_key(((store_ctx *)ctx)->p, key, klen));
}

const tp_flight_store *tp_nodestore(request_rec *r)
{
    const tp_state *st = tp_state_usable();
    tp_flight_store *fs;
    store_ctx *c;

    if (!st) {
        return NULL;
    }
    c = apr_pcalloc(r->pool, sizeof(*c));
    c->s = r->server;
    c->p = r->pool;
    c->st = st;
    fs = apr_pcalloc(r->pool, sizeof(*fs));
    fs->ctx = c;
    fs->lock = st_lock;
    fs->unlock = st_unlock;
    fs->claim_get = st_claim_get;
    fs->claim_put = st_claim_put;
    fs->get = st_get;
    fs->put = st_put;
    fs->now = tp_nodestore_now;
    fs->sleep = tp_nodestore_sleep;
    fs->seal_key = st->seal_key;
    if (notify) {
        fs->watch = st_watch;
        fs->wait = st_wait;
        fs->unwatch = st_unwatch;
        fs->tell = st_tell;
    }
    return fs;
}
