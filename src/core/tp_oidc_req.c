/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Authorization code flow messages and the login state.
 */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "core/tp_form.h"
#include "core/tp_oidc_req.h"
#include "core/tp_token.h"

static int b64url_chars(const char *s)
{
    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
              || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')) {
            return 0;
        }
    }
    return 1;
}

const char *tp_login_state_encode(apr_pool_t *p, const tp_login_state *st)
{
    return apr_psprintf(p, "v1|%" APR_INT64_T_FMT "|%s|%s|%s|%s", st->time,
                        st->state, st->nonce, st->verifier,
                        st->return_path ? st->return_path : "/");
}

int tp_login_state_decode(apr_pool_t *p, const char *s, tp_login_state *out)
{
    char *copy, *f[6], *end;
    int i;

    memset(out, 0, sizeof(*out));
    if (!s || strncmp(s, "v1|", 3)) {
        return 0;
    }
    copy = apr_pstrdup(p, s);
    f[0] = copy;
    for (i = 1; i < 6; i++) {
        char *bar = strchr(f[i - 1], '|');
        if (!bar) {
            return 0;
        }
        *bar = '\0';
        f[i] = bar + 1;
    }
    out->time = apr_strtoi64(f[1], &end, 10);
    if (!*f[1] || *end || out->time <= 0) {
        return 0;
    }
    if (!b64url_chars(f[2]) || !b64url_chars(f[3]) || !b64url_chars(f[4])
        || f[5][0] != '/') {
        return 0;
    }
    out->state = f[2];
    out->nonce = f[3];
    out->verifier = f[4];
    out->return_path = f[5];
    return 1;
}

const char *tp_login_cookie_name(apr_pool_t *p, const char *state,
                                 int secure)
{
    if (!b64url_chars(state) || strlen(state) < TP_LOGIN_NAME_CHARS) {
        return NULL;
    }
    return apr_pstrcat(p, secure ? TP_LOGIN_COOKIE_HOST : TP_LOGIN_COOKIE,
                       apr_pstrmemdup(p, state, TP_LOGIN_NAME_CHARS), NULL);
}

int tp_login_cookie_is(const char *name)
{
    return !strncmp(name, TP_LOGIN_COOKIE, strlen(TP_LOGIN_COOKIE))
           || !strncmp(name, TP_LOGIN_COOKIE_HOST,
                       strlen(TP_LOGIN_COOKIE_HOST));
}

const char *tp_login_cookies_strip(apr_pool_t *p, const char *header,
                                   int *removed)
{
    const char *s = header, *end, *name;
    char *out, *o;
    int kept = 0;

    *removed = 0;
    if (!header) {
        return NULL;
    }
    o = out = apr_palloc(p, strlen(header) + 1);
    while (*s) {
        end = strchr(s, ';');
        if (!end) {
            end = s + strlen(s);
        }
        for (name = s; *name == ' ' || *name == '\t'; name++) {
        }
        if (tp_login_cookie_is(name) && name < end) {
            (*removed)++;
        }
        else if (name < end) {
            if (kept++) {
                *o++ = ';';
            }
            memcpy(o, s, (apr_size_t)(end - s));
            o += end - s;
        }
        s = *end ? end + 1 : end;
    }
    *o = '\0';
    if (!*removed) {
        return header;
    }
    for (o = out; *o == ' ' || *o == '\t'; o++) {
    }
    return *o ? out : NULL;
}

int tp_oidc_state_equal(const char *a, const char *b)
{
    apr_size_t n;

    if (!a || !b || (n = strlen(a)) != strlen(b) || n == 0) {
        return 0;
    }
    return CRYPTO_memcmp(a, b, n) == 0;
}

static const char *param(apr_pool_t *p, const char *name, const char *value)
{
    return apr_pstrcat(p, "&", name, "=", tp_form_escape(p, value), NULL);
}

const char *tp_oidc_auth_url(apr_pool_t *p, const tp_auth_req *a)
{
    const char *u = apr_pstrcat(p, a->endpoint,
                                strchr(a->endpoint, '?') ? "&" : "?",
                                "response_type=code", NULL);
    int i;

    u = apr_pstrcat(p, u, param(p, "client_id", a->client_id),
                    param(p, "redirect_uri", a->redirect_uri),
                    param(p, "scope", a->scope),
                    param(p, "state", a->state),
                    param(p, "nonce", a->nonce),
                    param(p, "code_challenge", a->challenge),
                    "&code_challenge_method=S256", NULL);
    for (i = 0; a->params && i + 1 < a->params->nelts; i += 2) {
        const char *n = APR_ARRAY_IDX(a->params, i, const char *);
        const char *v = APR_ARRAY_IDX(a->params, i + 1, const char *);
        if (!strcmp(n, "response_type") || !strcmp(n, "client_id")
            || !strcmp(n, "redirect_uri") || !strcmp(n, "scope")
            || !strcmp(n, "state") || !strcmp(n, "nonce")
            || !strncmp(n, "code_challenge", 14)) {
            continue;
        }
        u = apr_pstrcat(p, u, param(p, n, v), NULL);
    }
    return u;
}

void tp_oidc_code_request(apr_pool_t *p, const tp_grant_cfg *c,
                          const char *code, const char *redirect_uri,
                          const char *verifier, tp_grant_req *out)
{
    tp_grant_form(p, c, apr_pstrcat(p, "grant_type=authorization_code",
                                      param(p, "code", code),
                                      param(p, "redirect_uri", redirect_uri),
                                      param(p, "code_verifier", verifier),
                                      NULL), out);
}

const char *tp_oidc_answer_id_token(apr_pool_t *p, const char *body,
                                    apr_size_t len)
{
    json_error_t e;
    json_t *root = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &e)
                        : NULL;
    json_t *v;
    const char *out = NULL;

    if (!root) {
        return NULL;
    }
    v = json_object_get(root, "id_token");
    if (json_is_string(v)
        && tp_token_check(json_string_value(v), json_string_length(v))
           == TP_TOKEN_OK
        && strlen(json_string_value(v)) == json_string_length(v)) {
        out = apr_pstrdup(p, json_string_value(v));
    }
    json_decref(root);
    return out;
}

const char *tp_oidc_logout_url(apr_pool_t *p, const char *endpoint,
                               const char *id_token_hint,
                               const char *post_logout,
                               const char *client_id)
{
    const char *u = apr_pstrcat(p, endpoint, strchr(endpoint, '?') ? "&" : "?",
                                "post_logout_redirect_uri=",
                                tp_form_escape(p, post_logout), NULL);

    if (client_id) {
        u = apr_pstrcat(p, u, param(p, "client_id", client_id), NULL);
    }
    if (id_token_hint) {
        u = apr_pstrcat(p, u, param(p, "id_token_hint", id_token_hint), NULL);
    }
    return u;
}

const char *tp_oidc_absolute(apr_pool_t *p, const char *scheme,
                             const char *host, const char *url)
{
    if (url[0] != '/') {
        return url;
    }
    return apr_pstrcat(p, scheme, "://", host, url, NULL);
}
