/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The login, callback and user handlers.  Log lines name codes, states
 * and tokens by fingerprint only.
 */

#include <string.h>
#include <strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>
#include <apr_strings.h>

#include "core/tp_cookie.h"
#include "core/tp_http.h"
#include "core/tp_idtoken.h"
#include "core/tp_jose.h"
#include "core/tp_nav.h"
#include "oidc/tp_oidc_disc.h"
#include "handle/tp_callback.h"
#include "core/tp_oidc_meta.h"
#include "core/tp_loginstate.h"
#include "core/tp_oidc_req.h"
#include "oidc/tp_oidc_verify.h"
#include "request/tp_request.h"
#include "request/tp_refresh_run.h"
#include "core/tp_setcookie.h"
#include "shared/tp_state.h"
#include "core/tp_token.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

static const char *fp(request_rec *r, const char *secret)
{
    return secret ? tp_fingerprint(r->pool, secret, strlen(secret)) : "-";
}

/* A failed login: a small page for a navigation (with a link that starts
 * over), JSON otherwise.  msg is ours, never the provider's. */
static int fail(request_rec *r, const tp_dir_conf *dc, int status,
                const char *error, const char *msg)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (tp_session_is_navigation(r)) {
        const char *again = ap_escape_html2(r->pool, tp_conf_login_url(dc),
                                            1);
        const char *page = apr_psprintf(r->pool,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            "<title>Login failed</title></head>\n<body><h1>Login failed"
            "</h1>\n<p>%s</p>\n<p><a href=\"%s\">Log in again</a></p>\n"
            "</body></html>\n", ap_escape_html2(r->pool, msg, 1), again);
        apr_size_t len = strlen(page);

        r->status = status;
        ap_set_content_type(r, "text/html; charset=utf-8");
        ap_set_content_length(r, (apr_off_t)len);
        if (!r->header_only) {
            ap_rwrite(page, (int)len, r);
        }
        return OK;
    }
    return tp_session_json(r, status,
                           apr_psprintf(r->pool, "{\"error\":\"%s\","
                                        "\"message\":\"%s\"}\n", error,
                                        msg), NULL, NULL);
}

static int unavailable(request_rec *r, const tp_dir_conf *dc)
{
    apr_table_setn(r->err_headers_out, "Retry-After", TP_RETRY_AFTER);
    return fail(r, dc, HTTP_SERVICE_UNAVAILABLE, "provider_unavailable",
                "The identity provider cannot be reached. Try again "
                "shortly.");
}

/* redirect_uri, made absolute from the request's scheme and host. */
static const char *redirect_uri(request_rec *r, const tp_dir_conf *dc)
{
    const char *u = tp_oidc_redirect_uri(dc);
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *h;

    if (!u || u[0] != '/') {
        return u;
    }
    for (h = host; h && *h; h++) {
        if ((unsigned char)*h <= 0x20 || (unsigned char)*h >= 0x7f
            || strchr("/\\?#@", *h)) {
            host = NULL;
            break;
        }
    }
    if (!host || !*host) {
        return ap_construct_url(r->pool, u, r);
    }
    return tp_oidc_absolute(r->pool, ap_http_scheme(r), host, u);
}

static void login_cookie_attrs(const tp_dir_conf *dc, tp_cookie_attrs *a)
{
    tp_conf_cookie_attrs(dc, a);
    a->path = "/";
    a->samesite = TP_SAMESITE_LAX;  /* the provider's redirect is a
                                     * cross-site navigation */
}

typedef struct login_cookie {
    const char *name, *value;
} login_cookie;

/* The login state cookies that arrived. */
static apr_array_header_t *login_cookies(request_rec *r)
{
    apr_array_header_t *out = apr_array_make(r->pool, 4,
                                             sizeof(login_cookie));
    const char *h = apr_table_get(r->headers_in, "Cookie");
    char *copy, *piece, *last;

    if (!h) {
        return out;
    }
    copy = apr_pstrdup(r->pool, h);
    for (piece = apr_strtok(copy, ";", &last); piece;
         piece = apr_strtok(NULL, ";", &last)) {
        char *eq;
        while (*piece == ' ' || *piece == '\t') {
            piece++;
        }
        if (!(eq = strchr(piece, '=')) || !tp_login_cookie_is(piece)) {
            continue;
        }
        *eq = '\0';
        {
            login_cookie *c = apr_array_push(out);
            c->name = piece;
            c->value = eq + 1;
        }
    }
    return out;
}

static int open_state(request_rec *r, const tp_dir_conf *dc,
                      const char *name, const char *value,
                      tp_login_state *st)
{
    const tp_keyring *kr = tp_session_id_keys(r, dc);
    const char *plain;

    return kr && tp_opencookie(r->pool, kr, name, value, &plain, NULL)
           && tp_login_state_decode(r->pool, plain, st);
}

/* Keep at most TP_LOGIN_MAX_COOKIES - 1 of the ones that arrived, so the
 * new one makes TP_LOGIN_MAX_COOKIES: the oldest (and the unreadable)
 * ones are cleared. */
static void bound_login_cookies(request_rec *r, const tp_dir_conf *dc,
                                const tp_cookie_attrs *attrs)
{
    apr_array_header_t *all = login_cookies(r);
    login_cookie *c = (login_cookie *)all->elts;
    apr_int64_t *t = apr_pcalloc(r->pool, sizeof(*t) * (all->nelts + 1));
    int i, keep = 0, excess;

    for (i = 0; i < all->nelts; i++) {
        tp_login_state st;
        if (open_state(r, dc, c[i].name, c[i].value, &st)) {
            t[i] = st.time;
            keep++;
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

static int configured(request_rec *r, const tp_dir_conf *dc)
{
    if (!tp_oidc_issuer(dc) || !dc->client_id || !tp_oidc_redirect_uri(dc)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "tokenproxy: handler %s needs TokenProxyOIDCProvider, "
                      "TokenProxyClient and TokenProxyRedirectURI",
                      r->handler);
        return 0;
    }
    return 1;
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

    if (r->method_number != M_GET) {
        return tp_session_json(r, HTTP_METHOD_NOT_ALLOWED,
                               "{\"error\":\"method_not_allowed\"}\n",
                               "Allow", "GET");
    }
    if (!configured(r, dc)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_args_to_table(r, &args);
    ret = tp_safe_return(r->pool, apr_table_get(args, "return"));
    if (!tp_oidc_disc_meta(r, dc, &m)) {
        return unavailable(r, dc);
    }
    memset(&st, 0, sizeof(st));
    st.state = tp_oidc_random(r->pool, 32);
    st.nonce = tp_oidc_random(r->pool, 32);
    st.verifier = tp_oidc_random(r->pool, 32);
    st.return_path = ret;
    st.time = apr_time_sec(apr_time_now());
    kr = tp_session_id_keys(r, dc);
    login_cookie_attrs(dc, &attrs);
    if (!st.state || !st.nonce || !st.verifier || !kr
        || !(name = tp_login_cookie_name(r->pool, st.state, attrs.secure))
        || !(sealed = tp_sealcookie(r->pool, kr, name,
                                    tp_login_state_encode(r->pool, &st)))) {
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
    a.redirect_uri = redirect_uri(r, dc);
    a.scope = tp_oidc_scope(dc);
    a.state = st.state;
    a.nonce = st.nonce;
    a.challenge = tp_pkce_challenge(r->pool, st.verifier);
    a.params = tp_oidc_params(dc);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "tokenproxy: login started, state fp=%s", fp(r, st.state));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Location", tp_oidc_auth_url(r->pool, &a));
    return HTTP_MOVED_TEMPORARILY;
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

/* The code exchange at the token_endpoint: DECLINED with *res and *idt
 * (the answer's id_token, or NULL), or what the handler returns. */
static int exchange(request_rec *r, const tp_dir_conf *dc,
                    const tp_oidc_meta *m, const char *code,
                    const char *verifier, tp_grant_res *res,
                    const char **idt)
{
    tp_grant_cfg cfg;
    tp_grant_req req;
    tp_http_req hreq;
    tp_http_resp hres;

    if (!tp_session_http()) {
        return unavailable(r, dc);
    }
    tp_conf_refresh(dc, &cfg);
    cfg.url = m->token_endpoint;
    cfg.format = TP_FORMAT_OAUTH2;
    tp_oidc_code_request(r->pool, &cfg, code, redirect_uri(r, dc), verifier,
                         &req);
    memset(&hreq, 0, sizeof(hreq));
    hreq.url = cfg.url;
    hreq.body = req.body;
    hreq.len = req.len;
    hreq.content_type = req.content_type;
    hreq.authorization = req.authorization;
    hreq.timeout = cfg.timeout;
    hreq.max_answer = TP_GRANT_MAX_ANSWER;
    tp_http_post(tp_session_http(), r->pool, &hreq, &hres);
    tp_grant_classify(r->pool, &cfg, hres.error, hres.status,
                        hres.content_type, hres.body, hres.len, res);
    if (res->result == TP_GRANT_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: code exchange (code fp=%s) at %s "
                      "unavailable: %s", fp(r, code), cfg.url, res->why);
        return unavailable(r, dc);
    }
    if (res->result != TP_GRANT_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: code exchange (code fp=%s) refused: %s",
                      fp(r, code), res->why);
        return fail(r, dc, HTTP_UNAUTHORIZED, "invalid_grant",
                    "The identity provider refused the login.");
    }
    *idt = tp_oidc_answer_id_token(r->pool, hres.body, hres.len);
    return DECLINED;
}

static int callback(request_rec *r, const tp_dir_conf *dc)
{
    apr_table_t *args;
    const char *state, *code, *error, *name = NULL, *value = NULL;
    const char *idt = NULL;
    const char *why;
    apr_array_header_t *all;
    tp_cookie_attrs attrs;
    tp_login_state st;
    tp_oidc_meta m;
    tp_grant_res res;
    tp_idtoken idtok;
    tp_verify_e v;
    apr_int64_t age;
    int i, rv;

    if (r->method_number != M_GET) {
        return tp_session_json(r, HTTP_METHOD_NOT_ALLOWED,
                               "{\"error\":\"method_not_allowed\"}\n",
                               "Allow", "GET");
    }
    if (!configured(r, dc)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_args_to_table(r, &args);
    state = apr_table_get(args, "state");
    code = apr_table_get(args, "code");
    error = apr_table_get(args, "error");
    login_cookie_attrs(dc, &attrs);

    /* the login cookie of this state, cleared whatever happens: it is
     * good for one callback */
    if (state && (name = tp_login_cookie_name(r->pool, state,
                                              attrs.secure))) {
        all = login_cookies(r);
        for (i = 0; i < all->nelts; i++) {
            login_cookie *c = &APR_ARRAY_IDX(all, i, login_cookie);
            if (!strcmp(c->name, name)) {
                value = c->value;
                break;
            }
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
        return fail(r, dc, !strcmp(error, "access_denied")
                           ? HTTP_FORBIDDEN : HTTP_BAD_REQUEST,
                    "login_refused", "The identity provider did not log "
                    "you in.");
    }
    if (!state || !value) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback refused: %s (state fp=%s)",
                      !state ? "no state" : "no login of this state in "
                      "progress in this browser", fp(r, state));
        return fail(r, dc, HTTP_BAD_REQUEST, "invalid_state",
                    "This login was not started in this browser, or it "
                    "was already completed.");
    }
    if (!open_state(r, dc, name, value, &st)
        || !tp_login_state_equal(st.state, state)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback refused: the login cookie "
                      "does not open or does not match (state fp=%s)",
                      fp(r, state));
        return fail(r, dc, HTTP_BAD_REQUEST, "invalid_state",
                    "The login state is not valid.");
    }
    age = apr_time_sec(apr_time_now()) - st.time;
    if (age > TP_LOGIN_MAX_AGE || age < -60) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback refused: the login began "
                      "%" APR_INT64_T_FMT " s ago (state fp=%s)", age,
                      fp(r, state));
        return fail(r, dc, HTTP_BAD_REQUEST, "expired_state",
                    "The login took too long.");
    }
    if (!code || !*code) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: login callback without a code");
        return fail(r, dc, HTTP_BAD_REQUEST, "invalid_request",
                    "The identity provider sent no code.");
    }
    if (!tp_oidc_disc_meta(r, dc, &m)) {
        return unavailable(r, dc);
    }

    if ((rv = exchange(r, dc, &m, code, st.verifier, &res, &idt))
        != DECLINED) {
        return rv;
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
        return unavailable(r, dc);
    }
    if (v != TP_VERIFY_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: ID token fp=%s refused: %s", fp(r, idt),
                      why ? why : "?");
        return fail(r, dc, HTTP_UNAUTHORIZED, "invalid_id_token",
                    "The identity provider's answer did not pass the "
                    "checks.");
    }

    tp_session_login_cookies(r, dc, &res.tokens, idt);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: login of sub fp=%s: access token fp=%s, "
                  "refresh token %s, ID token fp=%s",
                  fp(r, idtok.sub), fp(r, res.tokens.access),
                  res.tokens.refresh ? fp(r, res.tokens.refresh) : "none",
                  fp(r, idt));
    apr_table_setn(r->headers_out, "Location", st.return_path);
    return HTTP_MOVED_TEMPORARILY;
}

int tp_oidc_login_handler(request_rec *r)
{
    const tp_dir_conf *dc;

    if (!r->handler) {
        return DECLINED;
    }
    dc = ap_get_module_config(r->per_dir_config, &tokenproxy_module);
    if (!strcmp(r->handler, TP_HANDLER_LOGIN)) {
        return login(r, dc);
    }
    if (!strcmp(r->handler, TP_HANDLER_CALLBACK)) {
        return callback(r, dc);
    }
    return DECLINED;
}
