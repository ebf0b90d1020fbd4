/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Authorization code flow messages.
 */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "core/tp_form.h"
#include "core/tp_oidc_req.h"
#include "core/tp_token.h"

int tp_oidc_protocol_param(const char *name)
{
    static const char *const own[] = {
        "response_type", "client_id", "redirect_uri", "scope", "state",
        "nonce", "code_challenge", "code_challenge_method", "response_mode",
        "request", "request_uri", NULL
    };
    int i;

    for (i = 0; own[i]; i++) {
        if (!strcmp(name, own[i])) {
            return 1;
        }
    }
    return 0;
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
