/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The start of a login.  Log lines name the state by fingerprint only.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_script.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "conf/tp_conf_app.h"
#include "core/tp_loginstate.h"
#include "core/tp_nav.h"
#include "core/tp_oidc_meta.h"
#include "core/tp_oidc_req.h"
#include "core/tp_sealcookie.h"
#include "core/tp_setcookie.h"
#include "core/tp_token.h"
#include "handle/tp_login.h"
#include "oidc/tp_oidc_disc.h"
#include "request/tp_cookies.h"
#include "request/tp_logincookies.h"
#include "request/tp_reply.h"
#include "request/tp_selfurl.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* Keep at most TP_LOGIN_MAX_COOKIES - 1 of the ones that arrived, so the
 * new one makes TP_LOGIN_MAX_COOKIES: the oldest (and the unreadable)
 * ones are cleared. */
static void bound_login_cookies(request_rec *r, const tp_dir_conf *dc,
                                const tp_cookie_attrs *attrs)
{
    apr_array_header_t *all = tp_logincookies_arrived(r);
    tp_login_cookie *c = (tp_login_cookie *)all->elts;
    apr_int64_t *t = apr_pcalloc(r->pool, sizeof(*t) * (all->nelts + 1));
    int i, keep = 0, excess;

    for (i = 0; i < all->nelts; i++) {
        tp_login_state st;
        int o = tp_logincookies_open(r, dc, c[i].name, c[i].value, &st);
        if (o == TP_OPEN_OK) {
            t[i] = st.time;
            keep++;
        }
        else if (o == TP_OPEN_FOREIGN) {
            continue;           /* another app's login: left alone */
        }
        else {
            apr_table_addn(r->err_headers_out, "Set-Cookie",
                           tp_setcookie_clear(r->pool, c[i].name, attrs));
        }
    }
    for (excess = keep - (TP_LOGIN_MAX_COOKIES - 1); excess > 0; excess--) {
        int oldest = -1;
        for (i = 0; i < all->nelts; i++) {
            if (t[i] > 0 && (oldest < 0 || t[i] < t[oldest])) {
                oldest = i;
            }
        }
        if (oldest < 0) {
            break;
        }
        t[oldest] = 0;
        apr_table_addn(r->err_headers_out, "Set-Cookie",
                       tp_setcookie_clear(r->pool, c[oldest].name, attrs));
    }
}

static int login(request_rec *r, const tp_dir_conf *dc)
{
    apr_table_t *args;
    tp_oidc_meta m;
    tp_login_state st;
    tp_auth_req a;
    tp_cookie_attrs attrs;
    const tp_keyring *kr;
    const char *ret, *name, *sealed;
    int rv;

    if ((rv = tp_reply_only(r, M_GET, "GET")) != DECLINED) {
        return rv;
    }
    if (!tp_oidc_ready(dc)) {
        return tp_reply_not_configured(r, TP_OIDC_READY_NEEDS);
    }
    ap_args_to_table(r, &args);
    ret = tp_safe_return(r->pool, apr_table_get(args, "return"));
    if (!tp_oidc_disc_meta(r, dc, &m)) {
        return tp_reply_provider_unavailable(r, dc);
    }
    memset(&st, 0, sizeof(st));
    st.state = tp_oidc_random(r->pool, 32);
    st.nonce = tp_oidc_random(r->pool, 32);
    st.verifier = tp_oidc_random(r->pool, 32);
    st.return_path = ret;
    st.time = apr_time_sec(apr_time_now());
    kr = tp_cookies_id_keys(r, dc);
    tp_logincookies_attrs(dc, &attrs);
    if (!st.state || !st.nonce || !st.verifier || !kr
        || !(name = tp_login_cookie_name(r->pool, st.state, attrs.secure))
        || !(sealed = tp_sealcookie_for(r->pool, kr,
                                        tp_conf_seal_label(r->pool, dc), name,
                                        tp_login_state_encode(r->pool,
                                                              &st)))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "tokenproxy: no random bytes or no key for a login");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    bound_login_cookies(r, dc, &attrs);
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   tp_setcookie(r->pool, name, sealed, TP_LOGIN_MAX_AGE,
                                &attrs));
    memset(&a, 0, sizeof(a));
    a.endpoint = m.authorization_endpoint;
    a.client_id = dc->client_id;
    a.redirect_uri = tp_selfurl(r, tp_oidc_redirect_uri(dc));
    a.scope = tp_oidc_scope(dc);
    a.state = st.state;
    a.nonce = st.nonce;
    a.challenge = tp_pkce_challenge(r->pool, st.verifier);
    a.params = tp_oidc_params(dc);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "tokenproxy: login started, state fp=%s",
                  tp_fingerprint(r->pool, st.state, strlen(st.state)));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Location", tp_oidc_auth_url(r->pool, &a));
    return HTTP_MOVED_TEMPORARILY;
}

int tp_login_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, TP_HANDLER_LOGIN)) {
        return DECLINED;
    }
    return login(r, ap_get_module_config(r->per_dir_config,
                                         &tokenproxy_module));
}
