/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The user endpoint: the claims of the session's ID token, only from an
 * ID cookie this module sealed; never a token.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include "core/tp_idtoken.h"
#include "core/tp_jose.h"
#include "core/tp_token.h"
#include "handle/tp_user.h"
#include "request/tp_cookies.h"
#include "request/tp_reply.h"
#include "request/tp_request.h"
#include "request/tp_session.h"
#include "request/tp_session_revoked.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* The claims of the request's ID cookie when this module sealed it, else
 * NULL; an ID cookie that arrived and does not open (a plain one, another
 * key's, a JWT the client put there) is treated as none and cleared. */
static const char *sealed_claims(request_rec *r, const tp_dir_conf *dc,
                                 const tp_req *rq)
{
    const tp_keyring *kr = tp_cookies_id_keys(r, dc);
    const char *idt = NULL, *why = "it does not open with this section's "
                                   "keys (not sealed by this module)";
    tp_jws jws;

    if (!rq->id_cookie) {
        return NULL;
    }
    if (kr && tp_opencookie(r->pool, kr, tp_oidc_id_cookie(dc),
                            rq->id_cookie, &idt, NULL)
        && tp_jws_parse(r->pool, idt, &jws, &why)) {
        return jws.payload;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: ID cookie (fp=%s) ignored and cleared: %s",
                  tp_fingerprint(r->pool, rq->id_cookie,
                                 strlen(rq->id_cookie)), why);
    tp_cookies_clear_id(r, dc, rq);
    return NULL;
}

static int user(request_rec *r, const tp_dir_conf *dc)
{
    tp_req *rq = tp_req_get(r, dc);
    const char *json;
    tp_idtoken t;
    tp_sess_state_e st;
    int rv;

    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if ((rv = tp_reply_only(r, M_GET, "GET")) != DECLINED) {
        return rv;
    }
    if ((st = tp_session_check(r, dc, rq, 1)) != TP_SESS_LIVE
        || tp_session_revoked(r, dc, rq)) {
        if (st != TP_SESS_LIVE) {
            tp_session_over(r, dc, rq, st);
        }
        tp_cookies_clear(r, dc, rq);
        return tp_reply_json(r, HTTP_UNAUTHORIZED,
                             "{\"error\":\"unauthorized\"}\n",
                             "WWW-Authenticate",
                             "Bearer realm=\"tokenproxy\"");
    }
    memset(&t, 0, sizeof(t));
    t.claims = sealed_claims(r, dc, rq);
    if (!(rq->access || tp_req_refresh_token(r, dc, rq)) || !t.claims
        || !(json = tp_idtoken_user_json(r->pool, &t))) {
        return tp_reply_json(r, HTTP_UNAUTHORIZED,
                             "{\"error\":\"unauthorized\"}\n",
                             "WWW-Authenticate",
                             "Bearer realm=\"tokenproxy\"");
    }
    if (rq->session) {
        json = tp_sess_user_json(r->pool, json, rq->session,
                                 tp_conf_session_idle(dc),
                                 tp_conf_session_max_age(dc));
    }
    return tp_reply_json(r, HTTP_OK, apr_pstrcat(r->pool, json, "\n", NULL),
                         NULL, NULL);
}

int tp_user_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, TP_HANDLER_USER)) {
        return DECLINED;
    }
    return user(r, ap_get_module_config(r->per_dir_config,
                                        &tokenproxy_module));
}
