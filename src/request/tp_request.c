/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The per-request context and the reading of the token cookies.  Nothing
 * here logs a token or a cookie value: a log line names a token by its
 * SHA-256 fingerprint.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "core/tp_cookie.h"
#include "core/tp_loginstate.h"
#include "core/tp_opencache.h"
#include "request/tp_request.h"
#include "core/tp_token.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* What a client connection keeps: its last access cookie as read.  The
 * HTTP/1 requests of a connection run one after another in the
 * connection's thread; the HTTP/2 streams of one run as secondary
 * connections (c->master) in several threads at once, and share the
 * primary connection's cache under its lock. */
typedef struct tp_conn {
    tp_opencache *oc;
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
#endif
} tp_conn;

int tp_req_pre_connection(conn_rec *c, void *csd)
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

/* The value if it may be used as a token; logs why not otherwise.  For
 * the access cookie (bit 1), a value equal to the one this connection
 * sent last is taken from the connection's cache. */
static const char *usable(request_rec *r, const tp_dir_conf *dc,
                          tp_req *rq, int bit, const char *name,
                          const tp_cookie_match *m)
{
    tp_token_status_e st;
    const char *v, *arrived;
    tp_conn *tc = NULL;
    apr_size_t len;

    if (m->count > 1) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: cookie '%s' sent %d times, the first "
                      "one counts", name, m->count);
    }
    if (!m->value) {
        if (m->merged) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "tokenproxy: cookie '%s' ignored: it arrived in a "
                          "Cookie header joined from several headers", name);
        }
        return NULL;
    }
    if (!(v = tp_cookie_joined(r->pool, m))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: cookie '%s' ignored: some of its chunks "
                      "are missing", name);
        rq->unopened |= bit;
        return NULL;
    }
    arrived = v;
    len = strlen(v);
    if (bit == 1 && (tc = conn_lock(r)) != NULL) {
        const char *hit;
        hit = tp_opencache_get(r->pool, tc->oc, dc->keys, name, v, len,
                               &rq->bearer, &rq->access_times,
                               &rq->access_has_times);
        if (hit) {
            rq->oc_gen = tp_opencache_gen(tc->oc);
        }
        conn_unlock(r, tc);
        if (hit) {
            rq->conn = tc;
            rq->access_read = hit;
            ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r,
                          "tokenproxy: cookie '%s' for %s read as this "
                          "connection read it before (fp=%s)", name,
                          ap_escape_logitem(r->pool, r->uri),
                          tp_fingerprint(r->pool, hit, strlen(hit)));
            return hit;
        }
    }
    if (dc->keys) {
        const char *opened;
        if (!tp_opencookie(r->pool, dc->keys, name, v, &opened, NULL)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "tokenproxy: cookie '%s' ignored: it does not "
                          "open with the TokenProxyCookieKey keys (damaged, "
                          "truncated, renamed, or sealed with another key; "
                          "%" APR_SIZE_T_FMT " bytes, fp=%s)", name,
                          strlen(v), tp_fingerprint(r->pool, v, strlen(v)));
            rq->unopened |= bit;
            return NULL;
        }
        v = opened;
    }
    st = tp_token_check(v, strlen(v));
    if (st != TP_TOKEN_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: cookie '%s' ignored: its value %s "
                      "(%" APR_SIZE_T_FMT " bytes, fp=%s)", name,
                      tp_token_status_str(st), strlen(v),
                      tp_fingerprint(r->pool, v, strlen(v)));
        return NULL;
    }
    if (tc && (tc = conn_lock(r)) != NULL) {
        tp_opencache_put(tc->oc, dc->keys, name, arrived, len, v,
                         strlen(v), NULL, -1);
        rq->oc_gen = tp_opencache_gen(tc->oc);
        conn_unlock(r, tc);
        rq->conn = tc;
        rq->access_read = v;
        rq->access_has_times = -1;
    }
    return v;
}

int tp_req_access_times(request_rec *r, tp_req *rq, const char *token,
                        tp_jwt_times *t)
{
    if (!token || token != rq->access_read) {
        return tp_jwt_times_of(r->pool, token, t);
    }
    if (rq->access_has_times < 0) {
        tp_conn *tc;
        rq->access_has_times = tp_jwt_times_of(r->pool, token,
                                               &rq->access_times);
        if (rq->conn && (tc = conn_lock(r)) != NULL) {
            tp_opencache_set_times(tc->oc, rq->oc_gen, &rq->access_times,
                                   rq->access_has_times);
            conn_unlock(r, tc);
        }
    }
    *t = rq->access_times;
    return rq->access_has_times;
}

tp_req *tp_req_get(request_rec *r, const tp_dir_conf *dc)
{
    tp_req *rq = ap_get_module_config(r->request_config, &tokenproxy_module);
    const char *names[3];
    tp_cookie_match found[3];
    int n = 2;
    const char *cookie;

    if (rq) {
        return rq;
    }
    rq = apr_pcalloc(r->pool, sizeof(*rq));
    ap_set_module_config(r->request_config, &tokenproxy_module, rq);

    cookie = apr_table_get(r->headers_in, "Cookie");
    if (!cookie) {
        return rq;
    }
    names[0] = tp_conf_access_cookie(dc);
    names[1] = tp_conf_refresh_cookie(dc);
    if (tp_oidc_issuer(dc)) {
        names[n++] = tp_oidc_id_cookie(dc);     /* never sent upstream */
    }
    rq->removed = tp_cookie_take(r->pool, cookie, names, n, found,
                                 &rq->cookie_out);
    rq->had_token_cookie = rq->removed > 0;
    if (n > 2) {                /* login state cookies stay here too */
        int gone;
        const char *rest = tp_login_cookies_strip(r->pool, rq->removed
                                                  ? rq->cookie_out : cookie,
                                                  &gone);
        if (gone) {
            rq->cookie_out = rest;
            rq->removed += gone;
        }
    }
    rq->sent[0] = tp_cookie_sent(&found[0]);
    rq->sent[1] = tp_cookie_sent(&found[1]);
    rq->access = usable(r, dc, rq, 1, names[0], &found[0]);
    rq->refresh_found = found[1];
    if (n > 2) {
        rq->id_sent = tp_cookie_sent(&found[2]);
        rq->id_cookie = tp_cookie_joined(r->pool, &found[2]);
    }
    return rq;
}

const char *tp_req_refresh(request_rec *r, const tp_dir_conf *dc,
                           tp_req *rq)
{
    if (!rq->refresh_read) {
        rq->refresh_read = 1;
        rq->refresh = usable(r, dc, rq, 2, tp_conf_refresh_cookie(dc),
                             &rq->refresh_found);
    }
    return rq->refresh;
}
