/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The logout endpoint.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>

#include "conf/tp_conf.h"
#include "core/tp_oidc_req.h"
#include "core/tp_sealcookie.h"
#include "handle/tp_logout_endpoint.h"
#include "oidc/tp_oidc_disc.h"
#include "request/tp_browser.h"
#include "request/tp_cookies.h"
#include "request/tp_reply.h"
#include "request/tp_request.h"
#include "request/tp_revoke.h"
#include "request/tp_selfurl.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* RP-initiated logout: the provider's end_session_endpoint with the ID
 * token as a hint, or NULL when the provider has none. */
static const char *end_session(request_rec *r, const tp_dir_conf *dc,
                               const tp_req *rq)
{
    tp_oidc_meta m;
    const tp_keyring *kr = tp_cookies_id_keys(r, dc);
    const char *idt = NULL;

    if (!tp_oidc_disc_meta(r, dc, &m) || !m.end_session_endpoint) {
        return NULL;
    }
    if (rq->id_cookie && !(kr && tp_opencookie(r->pool, kr,
                                               tp_oidc_id_cookie(dc),
                                               rq->id_cookie, &idt, NULL))) {
        idt = NULL;     /* not one we sealed: no hint */
    }
    return tp_oidc_logout_url(r->pool, m.end_session_endpoint, idt,
                              tp_selfurl(r, tp_oidc_post_logout_url(dc)),
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
    tp_revoke_run(r, dc, rq);
    tp_cookies_clear(r, dc, rq);
    if (tp_oidc_issuer(dc) && tp_browser_is_navigation(r)) {
        const char *loc = end_session(r, dc, rq);
        if (loc) {
            apr_table_setn(r->headers_out, "Location", loc);
            return HTTP_MOVED_TEMPORARILY;
        }
    }
    if (tp_browser_is_navigation(r)) {
        apr_table_setn(r->headers_out, "Location", tp_conf_login_url(dc));
        return HTTP_MOVED_TEMPORARILY;
    }
    r->status = HTTP_NO_CONTENT;
    return OK;
}

int tp_logout_endpoint_handler(request_rec *r)
{
    const tp_dir_conf *dc;
    const char *why;

    if (!r->handler || strcmp(r->handler, TP_HANDLER_LOGOUT)) {
        return DECLINED;
    }
    dc = ap_get_module_config(r->per_dir_config, &tokenproxy_module);
    if ((why = tp_browser_csrf_logout(r, dc)) != NULL) {
        return tp_reply_forbidden(r, why);
    }
    return logout_endpoint(r, dc);
}
