/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The refresh and logout endpoints.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "conf/tp_conf.h"
#include "handle/tp_refresh_endpoint.h"
#include "conf/tp_cmd_oidc.h"
#include "oidc/tp_oidc_disc.h"
#include "core/tp_oidc_req.h"
#include "core/tp_sealcookie.h"
#include "request/tp_request.h"
#include "request/tp_refresh_run.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

static int refresh_endpoint(request_rec *r, const tp_dir_conf *dc)
{
    tp_grant_cfg cfg;
    tp_req *rq;
    int rv;

    if (r->method_number != M_POST) {
        return tp_session_json(r, HTTP_METHOD_NOT_ALLOWED,
                               "{\"error\":\"method_not_allowed\"}\n",
                               "Allow", "POST");
    }
    if ((rv = ap_discard_request_body(r)) != OK) {
        return rv;
    }
    if (!tp_conf_refresh(dc, &cfg)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "tokenproxy: handler " TP_HANDLER_REFRESH " needs "
                      "TokenProxyRefreshURL");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rq = tp_req_get(r, dc);
    if (!tp_req_refresh(r, dc, rq)) {
        if (rq->had_token_cookie) {
            tp_session_clear_cookies(r, dc);
        }
        return tp_session_json(r, HTTP_UNAUTHORIZED,
                               "{\"success\":false,\"error\":"
                               "\"no_session\"}\n",
                               "WWW-Authenticate",
                               "Bearer realm=\"tokenproxy\"");
    }
    switch (tp_session_refresh(r, dc, rq)) {
    case TP_GRANT_OK:
        return tp_session_json(r, HTTP_OK, "{\"success\":true}\n", NULL,
                               NULL);
    case TP_GRANT_REJECTED:
        tp_session_clear_cookies(r, dc);
        return tp_session_json(r, HTTP_UNAUTHORIZED,
                               "{\"success\":false,\"error\":"
                               "\"session_expired\"}\n",
                               "WWW-Authenticate",
                               "Bearer realm=\"tokenproxy\"");
    case TP_GRANT_UNAVAILABLE:
        break;
    }
    return tp_session_unavailable(r);
}

/* RP-initiated logout: the provider's end_session_endpoint with the ID
 * token as a hint, or NULL when the provider has none. */
static const char *end_session(request_rec *r, const tp_dir_conf *dc,
                               const tp_req *rq)
{
    tp_oidc_meta m;
    const tp_keyring *kr = tp_session_id_keys(r, dc);
    const char *idt = NULL, *post = tp_oidc_post_logout_url(dc);
    const char *host = apr_table_get(r->headers_in, "Host");

    if (!tp_oidc_disc_meta(r, dc, &m) || !m.end_session_endpoint) {
        return NULL;
    }
    if (rq->id_cookie && !(kr && tp_opencookie(r->pool, kr,
                                               tp_oidc_id_cookie(dc),
                                               rq->id_cookie, &idt, NULL))) {
        idt = NULL;     /* not one we sealed: no hint */
    }
    if (post[0] == '/') {
        post = (host && !strpbrk(host, "/\\?#@ \t"))
               ? tp_oidc_absolute(r->pool, ap_http_scheme(r), host, post)
               : ap_construct_url(r->pool, post, r);
    }
    return tp_oidc_logout_url(r->pool, m.end_session_endpoint, idt, post,
                              dc->client_id);
}

static int logout_endpoint(request_rec *r, const tp_dir_conf *dc)
{
    tp_req *rq;
    int rv;

    if ((rv = ap_discard_request_body(r)) != OK) {
        return rv;
    }
    rq = tp_req_get(r, dc);
    tp_session_revoke(r, dc, rq);
    tp_session_clear_cookies(r, dc);
    if (tp_oidc_issuer(dc) && tp_session_is_navigation(r)) {
        const char *loc = end_session(r, dc, rq);
        if (loc) {
            apr_table_setn(r->headers_out, "Location", loc);
            return HTTP_MOVED_TEMPORARILY;
        }
    }
    if (tp_session_is_navigation(r)) {
        apr_table_setn(r->headers_out, "Location", tp_conf_login_url(dc));
        return HTTP_MOVED_TEMPORARILY;
    }
    r->status = HTTP_NO_CONTENT;
    return OK;
}

int tp_endpoints_handler(request_rec *r)
{
    const tp_dir_conf *dc;
    const char *why;
    int refresh;

    if (!r->handler) {
        return DECLINED;
    }
    refresh = !strcmp(r->handler, TP_HANDLER_REFRESH);
    if (!refresh && strcmp(r->handler, TP_HANDLER_LOGOUT)) {
        return DECLINED;
    }
    dc = ap_get_module_config(r->per_dir_config, &tokenproxy_module);
    if ((why = tp_session_csrf(r, dc)) != NULL) {
        return tp_session_forbidden(r, why);
    }
    return refresh ? refresh_endpoint(r, dc) : logout_endpoint(r, dc);
}
