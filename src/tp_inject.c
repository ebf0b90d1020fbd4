/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Bearer injection and token-cookie removal on the upstream request.
 *
 * The cookies are read once per request from the client's headers and the
 * result is kept in the request's config vector, because the fixups hook
 * runs again for every attempt mod_proxy makes.  Nothing here ever logs a
 * token or a cookie value: a log line that must name a token gives its
 * SHA-256 fingerprint.
 */

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_request.h>
#include <apr_strings.h>

#include "tp_config.h"
#include "tp_cookie.h"
#include "tp_inject.h"
#include "tp_token.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* What the client sent, read once per request. */
typedef struct tp_req {
    const char *access;     /* a usable access token, or NULL */
    const char *cookie_out; /* the Cookie header for upstream, NULL: none */
    int removed;            /* token cookie pieces taken out */
} tp_req;

static void note_unusable(request_rec *r, const char *name,
                          const tp_cookie_match *m)
{
    tp_token_status_e st;

    if (!m->value) {
        if (m->merged) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "tokenproxy: cookie '%s' ignored: it arrived in a "
                          "Cookie header joined from several headers", name);
        }
        return;
    }
    st = tp_token_check(m->value, strlen(m->value));
    if (st != TP_TOKEN_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: cookie '%s' ignored: its value %s "
                      "(%" APR_SIZE_T_FMT " bytes, fp=%s)", name,
                      tp_token_status_str(st), strlen(m->value),
                      tp_fingerprint(r->pool, m->value, strlen(m->value)));
    }
}

static tp_req *read_request(request_rec *r, const tp_dir_conf *dc)
{
    tp_req *rq = ap_get_module_config(r->request_config, &tokenproxy_module);
    const char *names[2];
    tp_cookie_match found[2];
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
    rq->removed = tp_cookie_take(r->pool, cookie, names, 2, found,
                                 &rq->cookie_out);

    if (found[0].count > 1) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: cookie '%s' sent %d times, the first "
                      "one counts", names[0], found[0].count);
    }
    note_unusable(r, names[0], &found[0]);
    if (found[0].value
        && tp_token_check(found[0].value, strlen(found[0].value))
           == TP_TOKEN_OK) {
        rq->access = found[0].value;
    }
    return rq;
}

int tp_inject_fixups(request_rec *r)
{
    const tp_dir_conf *dc = ap_get_module_config(r->per_dir_config,
                                                 &tokenproxy_module);
    tp_req *rq;

    if (!tp_conf_enabled(dc)) {
        return DECLINED;
    }
    rq = read_request(r, dc);

    /* r->headers_in is mod_proxy's private copy here */
    if (rq->removed) {
        if (rq->cookie_out) {
            apr_table_setn(r->headers_in, "Cookie", rq->cookie_out);
        }
        else {
            apr_table_unset(r->headers_in, "Cookie");
        }
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "tokenproxy: %d token cookie(s) kept from upstream",
                      rq->removed);
    }
    if (rq->access) {
        apr_table_setn(r->headers_in, "Authorization",
                       apr_pstrcat(r->pool, "Bearer ", rq->access, NULL));
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "tokenproxy: Bearer token fp=%s sent upstream",
                      tp_fingerprint(r->pool, rq->access,
                                     strlen(rq->access)));
    }
    return OK;
}
