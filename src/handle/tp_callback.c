/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The end of a login.  Log lines name codes, states and tokens by
 * fingerprint only.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_script.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "core/tp_idtoken.h"
#include "core/tp_iss_resp.h"
#include "core/tp_loginstate.h"
#include "core/tp_setcookie.h"
#include "core/tp_token.h"
#include "handle/tp_callback.h"
#include "oidc/tp_oidc_disc.h"
#include "oidc/tp_oidc_exchange.h"
#include "oidc/tp_oidc_verify.h"
#include "request/tp_cookies.h"
#include "request/tp_logincookies.h"
#include "request/tp_reply.h"
#include "request/tp_request.h"
#include "request/tp_session.h"
#include "request/tp_selfurl.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

static const char *fp(request_rec *r, const char *secret)
{
    return secret ? tp_fingerprint(r->pool, secret, strlen(secret)) : "-";
}

/* A short word of the provider's error for the log (never its text). */
static const char *error_word(const char *e)
{
    const char *s;

    for (s = e; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || *s == '_')) {
            return "(not an error code)";
        }
    }
    return strlen(e) <= 40 ? e : "(not an error code)";
}

static int callback(request_rec *r, const tp_dir_conf *dc)
{
    apr_table_t *args;
    const char *state, *code, *error, *name = NULL, *value = NULL;
    const char *idt = NULL;
    const char *why;
    tp_cookie_attrs attrs;
    tp_login_state st;
    tp_oidc_meta m;
    tp_grant_res res;
    tp_idtoken idtok;
    tp_verify_e v;
    apr_int64_t age;
    int rv, opened = TP_OPEN_BAD;

    if ((rv = tp_reply_only(r, M_GET, "GET")) != DECLINED) {
        return rv;
    }
    if (!tp_oidc_ready(dc)) {
        return tp_reply_not_configured(r, TP_OIDC_READY_NEEDS);
    }
    ap_args_to_table(r, &args);
    state = apr_table_get(args, "state");
    code = apr_table_get(args, "code");
    error = apr_table_get(args, "error");
    tp_logincookies_attrs(dc, &attrs);

    /* the login cookie of this state, cleared whatever happens: it is
     * good for one callback; but another app's login (another provider or
     * client, issue 22) is refused before anything else and left in
     * place, for its own callback */
    if (state && (name = tp_login_cookie_name(r->pool, state,
                                              attrs.secure))) {
        value = tp_logincookies_find(r, name);
        if (value && (opened = tp_logincookies_open(r, dc, name, value, &st))
                     == TP_OPEN_FOREIGN) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "tokenproxy: login callback refused: the login of "
                          "this state was started by another app (another "
                          "provider or client); its cookie is left in place "
                          "(state fp=%s)", fp(r, state));
            return tp_reply_login_failed(r, dc, HTTP_BAD_REQUEST,
                                         "invalid_state",
                                         "This login was started by another "
                                         "application.");
        }
        if (value) {
            apr_table_addn(r->err_headers_out, "Set-Cookie",
                           tp_setcookie_clear(r->pool, name, &attrs));
        }
    }
    if (error) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login refused by the provider: %s",
                      error_word(error));
        return tp_reply_login_failed(r, dc,
                                     !strcmp(error, "access_denied")
                                     ? HTTP_FORBIDDEN : HTTP_BAD_REQUEST,
                                     "login_refused",
                                     "The identity provider did not log you "
                                     "in.");
    }
    if (!state || !value) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback refused: %s (state fp=%s)",
                      !state ? "no state" : "no login of this state in "
                      "progress in this browser", fp(r, state));
        return tp_reply_login_failed(r, dc, HTTP_BAD_REQUEST, "invalid_state",
                                     "This login was not started in this "
                                     "browser, or it was already completed.");
    }
    if (opened != TP_OPEN_OK || !tp_login_state_equal(st.state, state)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback refused: the login cookie "
                      "does not open or does not match (state fp=%s)",
                      fp(r, state));
        return tp_reply_login_failed(r, dc, HTTP_BAD_REQUEST, "invalid_state",
                                     "The login state is not valid.");
    }
    age = apr_time_sec(apr_time_now()) - st.time;
    if (age > TP_LOGIN_MAX_AGE || age < -60) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback refused: the login began "
                      "%" APR_INT64_T_FMT " s ago (state fp=%s)", age,
                      fp(r, state));
        return tp_reply_login_failed(r, dc, HTTP_BAD_REQUEST, "expired_state",
                                     "The login took too long.");
    }
    /* RFC 9207: the response comes from the provider the login went to */
    if (!tp_oidc_disc_meta(r, dc, &m)) {
        return tp_reply_provider_unavailable(r, dc);
    }
    if ((why = tp_iss_resp_check(apr_table_get(args, "iss"),
                                 tp_oidc_issuer(dc),
                                 m.iss_param_supported))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback refused: %s (state fp=%s)",
                      why, fp(r, state));
        return tp_reply_login_failed(r, dc, HTTP_BAD_REQUEST, "invalid_iss",
                                     "The answer did not come from the "
                                     "configured identity provider.");
    }
    if (!code || !*code) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback without a code");
        return tp_reply_login_failed(r, dc, HTTP_BAD_REQUEST,
                                     "invalid_request",
                                     "The identity provider sent no code.");
    }

    tp_oidc_exchange(r, dc, &m, code,
                     tp_selfurl(r, tp_oidc_redirect_uri(dc)), st.verifier,
                     &res, &idt);
    if (res.result == TP_GRANT_UNAVAILABLE) {
        return tp_reply_provider_unavailable(r, dc);
    }
    if (res.result == TP_GRANT_MISCONFIGURED) {
        return tp_reply_login_failed(r, dc, HTTP_BAD_GATEWAY,
                                     "misconfigured", "The identity "
                                     "provider refused this server's "
                                     "client configuration.");
    }
    if (res.result != TP_GRANT_OK) {
        return tp_reply_login_failed(r, dc, HTTP_UNAUTHORIZED,
                                     "invalid_grant", "The identity provider "
                                     "refused the login.");
    }

    /* the ID token */
    v = idt ? tp_oidc_verify(r, dc, &m, idt, st.nonce, &idtok, &why)
            : TP_VERIFY_BAD;
    if (!idt) {
        why = "the token answer has no id_token";
    }
    if (v == TP_VERIFY_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: ID token fp=%s not checked: %s",
                      fp(r, idt), why);
        return tp_reply_provider_unavailable(r, dc);
    }
    if (v != TP_VERIFY_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: ID token fp=%s refused: %s", fp(r, idt),
                      why ? why : "?");
        return tp_reply_login_failed(r, dc, HTTP_UNAUTHORIZED,
                                     "invalid_id_token",
                                     "The identity provider's answer did not "
                                     "pass the checks.");
    }

    tp_cookies_login(r, dc, tp_req_get(r, dc), &res.tokens, idt);
    tp_session_begin(r, dc, tp_req_get(r, dc), idtok.claims);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: login of sub fp=%s: access token fp=%s, "
                  "refresh token %s, ID token fp=%s",
                  fp(r, idtok.sub), fp(r, res.tokens.access),
                  res.tokens.refresh ? fp(r, res.tokens.refresh) : "none",
                  fp(r, idt));
    apr_table_setn(r->headers_out, "Location", st.return_path);
    return HTTP_MOVED_TEMPORARILY;
}

int tp_callback_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, TP_HANDLER_CALLBACK)) {
        return DECLINED;
    }
    return callback(r, ap_get_module_config(r->per_dir_config,
                                            &tokenproxy_module));
}
