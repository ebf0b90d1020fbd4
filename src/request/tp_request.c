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

#include "conf/tp_conf_app.h"
#include "core/tp_cookie.h"
#include "core/tp_loginstate.h"
#include "core/tp_sealcookie.h"
#include "core/tp_token.h"
#include "request/tp_conncache.h"
#include "request/tp_request.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* The value if it may be used as a token; logs why not otherwise.  For
 * the access cookie (bit 1), a value equal to the one this connection
 * sent last is taken from the connection's cache. */
static const char *usable(request_rec *r, const tp_dir_conf *dc,
                          tp_req *rq, int bit, const char *name,
                          const tp_cookie_match *m)
{
    tp_token_status_e st;
    const char *v, *arrived;
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
    if (bit == 1) {
        const char *hit = tp_conncache_lookup(r, dc->keys, name, v, len,
                                              &rq->bearer, &rq->access_times,
                                              &rq->access_has_times,
                                              &rq->oc_gen);
        if (hit) {
            rq->cached = 1;
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
        if (tp_opencookie_for(r->pool, dc->keys,
                              strncmp(v, TP_BOUND_PREFIX,
                                      strlen(TP_BOUND_PREFIX))
                              ? NULL : tp_conf_app_label(r->pool, dc),
                              name, v, &opened, NULL) != TP_OPEN_OK) {
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
    if (bit == 1 && tp_conncache_store(r, dc->keys, name, arrived, len, v,
                                       strlen(v), &rq->oc_gen)) {
        rq->cached = 1;
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
        rq->access_has_times = tp_jwt_times_of(r->pool, token,
                                               &rq->access_times);
        if (rq->cached) {
            tp_conncache_set_times(r, rq->oc_gen, &rq->access_times,
                                   rq->access_has_times);
        }
    }
    *t = rq->access_times;
    return rq->access_has_times;
}

/* The start of a match's whole value (its first chunk when chunked). */
static const char *head_of(const tp_cookie_match *m)
{
    if (m->value && m->value[0] == '~') {
        return m->max_chunk >= 1 ? m->chunk[1] : NULL;
    }
    return m->value;
}

/* A cookie sealed for another app (issue 22) is treated as absent: not
 * read, and never cleared (it is the other app's session).  The label is
 * made only when a bound cookie arrived. */
static void drop_foreign(request_rec *r, const tp_dir_conf *dc,
                         const char **label, const char *name,
                         tp_cookie_match *m)
{
    const char *h = head_of(m);

    if (!h || strncmp(h, TP_BOUND_PREFIX, strlen(TP_BOUND_PREFIX))) {
        return;
    }
    if (!*label) {
        *label = tp_conf_app_label(r->pool, dc);
    }
    if (tp_sealed_foreign(h, *label)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "tokenproxy: cookie '%s' belongs to another app "
                      "(another provider or client): treated as absent, "
                      "left in place", name);
        memset(m, 0, sizeof(*m));
    }
}

/* The names to take out of the upstream's Cookie header: this section's
 * first (n of them), then every other token cookie name of the server's
 * sections (issue 22).  *all: how many in all. */
static const char **strip_names(request_rec *r, const char **own, int n,
                                int *all)
{
    const tp_srv_conf *sc = tp_srv_apps(r->server);
    const char **names;
    int i, j, k = n;

    if (!sc || !sc->app_names || !sc->app_names->nelts) {
        *all = n;
        return own;
    }
    names = apr_palloc(r->pool, sizeof(*names) * (n + sc->app_names->nelts));
    memcpy(names, own, sizeof(*names) * n);
    for (i = 0; i < sc->app_names->nelts; i++) {
        const char *x = APR_ARRAY_IDX(sc->app_names, i, const char *);
        for (j = 0; j < n && strcmp(own[j], x); j++) {
        }
        if (j == n) {
            names[k++] = x;
        }
    }
    *all = k;
    return names;
}

tp_req *tp_req_get(request_rec *r, const tp_dir_conf *dc)
{
    tp_req *rq = ap_get_module_config(r->request_config, &tokenproxy_module);
    const tp_srv_conf *sc;
    const char *own[4], **names, *label = NULL;
    tp_cookie_match *found;
    int n = 2, all, logins, id_at = -1, sess_at;
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
    own[0] = tp_conf_access_cookie(dc);
    own[1] = tp_conf_refresh_cookie(dc);
    if (tp_oidc_issuer(dc)) {
        id_at = n;
        own[n++] = tp_oidc_id_cookie(dc);       /* never sent upstream */
    }
    sess_at = n;
    own[n++] = tp_conf_session_cookie(dc);      /* nor is this one */
    names = strip_names(r, own, n, &all);
    found = apr_palloc(r->pool, sizeof(*found) * all);
    rq->removed = tp_cookie_take(r->pool, cookie, names, all, found,
                                 &rq->cookie_out);
    sc = tp_srv_apps(r->server);
    logins = id_at >= 0 || (sc && sc->app_login);
    if (logins) {               /* login state cookies stay here too */
        int gone;
        const char *rest = tp_login_cookies_strip(r->pool, rq->removed
                                                  ? rq->cookie_out : cookie,
                                                  &gone);
        if (gone) {
            rq->cookie_out = rest;
            rq->removed += gone;
        }
    }
    if (dc->keys || id_at >= 0) {
        drop_foreign(r, dc, &label, names[0], &found[0]);
        drop_foreign(r, dc, &label, names[1], &found[1]);
        if (id_at >= 0) {
            drop_foreign(r, dc, &label, names[id_at], &found[id_at]);
        }
    }
    rq->had_token_cookie = found[0].count || found[1].count
                           || found[0].max_chunk || found[1].max_chunk
                           || (id_at >= 0 && (found[id_at].count
                                              || found[id_at].max_chunk))
                           || found[sess_at].count
                           || found[sess_at].max_chunk;
    rq->sent[0] = tp_cookie_sent(&found[0]);
    rq->sent[1] = tp_cookie_sent(&found[1]);
    rq->access = usable(r, dc, rq, 1, names[0], &found[0]);
    rq->refresh_found = found[1];
    if (id_at >= 0) {
        rq->id_sent = tp_cookie_sent(&found[id_at]);
        rq->id_cookie = tp_cookie_joined(r->pool, &found[id_at]);
    }
    rq->sess_sent = tp_cookie_sent(&found[sess_at]);
    rq->sess_cookie = tp_cookie_joined(r->pool, &found[sess_at]);
    return rq;
}

const char *tp_req_refresh_token(request_rec *r, const tp_dir_conf *dc,
                                 tp_req *rq)
{
    if (!rq->refresh_read) {
        rq->refresh_read = 1;
        rq->refresh = usable(r, dc, rq, 2, tp_conf_refresh_cookie(dc),
                             &rq->refresh_found);
    }
    return rq->refresh;
}
