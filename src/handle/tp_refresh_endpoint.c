/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The refresh endpoint.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>

#include "conf/tp_conf.h"
#include "handle/tp_refresh_endpoint.h"
#include "request/tp_browser.h"
#include "request/tp_cookies.h"
#include "request/tp_refresh_run.h"
#include "request/tp_reply.h"
#include "request/tp_request.h"
#include "request/tp_session.h"
#include "request/tp_session_revoked.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;

static int refresh_endpoint(request_rec *r, const tp_dir_conf *dc)
{
    tp_req *rq;
    tp_sess_state_e st;
    int rv;

    if ((rv = tp_reply_only(r, M_POST, "POST")) != DECLINED
        || (rv = ap_discard_request_body(r)) != OK) {
        return rv;
    }
    if (!tp_conf_can_refresh(dc)) {
        return tp_reply_not_configured(r, "TokenProxyRefreshURL");
    }
    rq = tp_req_get(r, dc);
    if ((st = tp_session_check(r, dc, rq, 0)) != TP_SESS_LIVE
        || tp_session_revoked(r, dc, rq)) {
        if (st != TP_SESS_LIVE) {
            tp_session_over(r, dc, rq, st);
        }
        tp_cookies_clear(r, dc, rq);
        return tp_reply_json(r, HTTP_UNAUTHORIZED,
                             "{\"success\":false,\"error\":"
                             "\"session_expired\"}\n",
                             "WWW-Authenticate",
                             "Bearer realm=\"tokenproxy\"");
    }
    if (!tp_req_refresh_token(r, dc, rq)) {
        if (rq->had_token_cookie) {
            tp_cookies_clear(r, dc, rq);
        }
        return tp_reply_json(r, HTTP_UNAUTHORIZED,
                             "{\"success\":false,\"error\":"
                             "\"no_session\"}\n",
                             "WWW-Authenticate",
                             "Bearer realm=\"tokenproxy\"");
    }
    switch (tp_refresh_run(r, dc, rq)) {
    case TP_GRANT_OK:
        return tp_reply_json(r, HTTP_OK, "{\"success\":true}\n", NULL, NULL);
    case TP_GRANT_REJECTED:
        tp_cookies_clear(r, dc, rq);
        return tp_reply_json(r, HTTP_UNAUTHORIZED,
                             "{\"success\":false,\"error\":"
                             "\"session_expired\"}\n",
                             "WWW-Authenticate",
                             "Bearer realm=\"tokenproxy\"");
    case TP_GRANT_MISCONFIGURED:
        return tp_reply_json(r, HTTP_BAD_GATEWAY,
                             "{\"success\":false,\"error\":"
                             "\"misconfigured\"}\n", NULL, NULL);
    case TP_GRANT_UNAVAILABLE:
        break;
    }
    return tp_reply_unavailable(r);
}

int tp_refresh_endpoint_handler(request_rec *r)
{
    const tp_dir_conf *dc;
    const char *why;

    if (!r->handler || strcmp(r->handler, TP_HANDLER_REFRESH)) {
        return DECLINED;
    }
    dc = ap_get_module_config(r->per_dir_config, &tokenproxy_module);
    if ((why = tp_browser_csrf(r, dc)) != NULL) {
        return tp_reply_forbidden(r, why);
    }
    return refresh_endpoint(r, dc);
}
