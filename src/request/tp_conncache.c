/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The connection's cache of its last access cookie.
 */

#include <httpd.h>
#include <http_config.h>
#include <apr_thread_mutex.h>

#include "core/tp_opencache.h"
#include "request/tp_conncache.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;

typedef struct tp_conn {
    tp_opencache *oc;
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
#endif
} tp_conn;

int tp_conncache_pre_connection(conn_rec *c, void *csd)
{
    tp_conn *tc;

    (void)csd;
    if (c->master || c->outgoing) {
        return OK;      /* a stream uses its primary's; mod_proxy's
                         * connections to the upstream have no use */
    }
    tc = apr_pcalloc(c->pool, sizeof(*tc));
#if APR_HAS_THREADS
    if (apr_thread_mutex_create(&tc->lock, APR_THREAD_MUTEX_DEFAULT,
                                c->pool) != APR_SUCCESS) {
        return OK;              /* no cache on this connection */
    }
#endif
    tc->oc = tp_opencache_make(c->pool);
    ap_set_module_config(c->conn_config, &tokenproxy_module, tc);
    return OK;
}

/* The cache this request may use, locked when it is shared; NULL when
 * there is none. */
static tp_conn *conn_lock(request_rec *r)
{
    conn_rec *c = r->connection;
    tp_conn *tc;

    tc = ap_get_module_config((c->master ? c->master : c)->conn_config,
                              &tokenproxy_module);
    if (!tc || !tc->oc) {
        return NULL;
    }
#if APR_HAS_THREADS
    if (c->master && apr_thread_mutex_lock(tc->lock) != APR_SUCCESS) {
        return NULL;
    }
#endif
    return tc;
}

static void conn_unlock(request_rec *r, tp_conn *tc)
{
#if APR_HAS_THREADS
    if (r->connection->master) {
        apr_thread_mutex_unlock(tc->lock);
    }
#else
    (void)r;
    (void)tc;
#endif
}

const char *tp_conncache_lookup(request_rec *r, const void *ring,
                                const char *name, const char *arrived,
                                apr_size_t len, const char **bearer,
                                tp_jwt_times *t, int *has_times,
                                unsigned long *gen)
{
    tp_conn *tc = conn_lock(r);
    const char *hit;

    if (!tc) {
        return NULL;
    }
    hit = tp_opencache_get(r->pool, tc->oc, ring, name, arrived, len, bearer,
                           t, has_times);
    if (hit) {
        *gen = tp_opencache_gen(tc->oc);
    }
    conn_unlock(r, tc);
    return hit;
}

int tp_conncache_store(request_rec *r, const void *ring, const char *name,
                       const char *arrived, apr_size_t len,
                       const char *token, apr_size_t token_len,
                       unsigned long *gen)
{
    tp_conn *tc = conn_lock(r);

    if (!tc) {
        return 0;
    }
    tp_opencache_put(tc->oc, ring, name, arrived, len, token, token_len,
                     NULL, -1);
    *gen = tp_opencache_gen(tc->oc);
    conn_unlock(r, tc);
    return 1;
}

void tp_conncache_set_times(request_rec *r, unsigned long gen,
                            const tp_jwt_times *t, int has_times)
{
    tp_conn *tc = conn_lock(r);

    if (tc) {
        tp_opencache_set_times(tc->oc, gen, t, has_times);
        conn_unlock(r, tc);
    }
}
