/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Token endpoint grants: request bodies and answer classification.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <jansson.h>

#include "core/tp_form.h"
#include "core/tp_grant.h"

const tp_fields tp_oauth2_fields = {
    "access_token", "refresh_token", "expires_in"
};

/* RFC 6749 section 2.3.1: Basic with form-encoded id and secret */
static const char *basic_auth(apr_pool_t *p, const tp_grant_cfg *c)
{
    const char *cred = apr_pstrcat(p, tp_form_escape(p, c->client_id), ":",
                                   tp_form_escape(p, c->client_secret), NULL);
    int len = (int)strlen(cred);
    char *enc = apr_palloc(p, (apr_size_t)apr_base64_encode_len(len));

    apr_base64_encode(enc, cred, len);
    return apr_pstrcat(p, "Basic ", enc, NULL);
}

/* form body with client authentication as configured */
void tp_grant_form(apr_pool_t *p, const tp_grant_cfg *c,
                         const char *params, tp_grant_req *out)
{
    const char *body = params, *assertion = c->client_assertion, *why;

    out->authorization = NULL;
    if (!assertion && c->client_id && c->client_key) {
        /* a failure leaves the client unauthenticated: the endpoint
         * answers invalid_client, which names the directive */
        assertion = tp_assert_make(p, c->client_key, c->client_id,
                                   c->assertion_aud ? c->assertion_aud
                                                    : c->url,
                                   apr_time_now(), &why);
    }
    if (c->client_id && assertion) {
        body = apr_pstrcat(p, body, "&client_id=",
                           tp_form_escape(p, c->client_id),
                           "&client_assertion_type=urn%3Aietf%3Aparams%3A"
                           "oauth%3Aclient-assertion-type%3Ajwt-bearer"
                           "&client_assertion=",
                           tp_form_escape(p, assertion), NULL);
    }
    else if (c->client_id && c->client_secret) {
        out->authorization = basic_auth(p, c);
    }
    else if (c->client_id) {
        body = apr_pstrcat(p, body, "&client_id=",
                           tp_form_escape(p, c->client_id), NULL);
    }
    out->body = body;
    out->len = strlen(body);
    out->content_type = "application/x-www-form-urlencoded";
}

void tp_grant_refresh(apr_pool_t *p, const tp_grant_cfg *c, const char *rt,
                      tp_grant_req *out)
{
    if (c->format == TP_FORMAT_OAUTH2) {
        tp_grant_form(p, c, apr_pstrcat(p, "grant_type=refresh_token"
                                          "&refresh_token=",
                                       tp_form_escape(p, rt), NULL), out);
        return;
    }
    else {
        json_t *o = json_object();
        char *s;

        json_object_set_new(o, c->fields.refresh, json_string(rt));
        s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        out->body = s ? apr_pstrdup(p, s) : "{}";
        out->len = strlen(out->body);
        free(s);
        out->content_type = "application/json";
        out->authorization = (c->client_id && c->client_secret)
                             ? basic_auth(p, c) : NULL;
    }
}

void tp_grant_revoke(apr_pool_t *p, const tp_grant_cfg *c, const char *rt,
                     tp_grant_req *out)
{
    tp_grant_form(p, c, apr_pstrcat(p, "token=", tp_form_escape(p, rt),
                                   "&token_type_hint=refresh_token", NULL),
                 out);
}

int tp_grant_error_is_config(const char *error)
{
    static const char *const codes[] = {
        "invalid_client", "invalid_target", "invalid_scope",
        "unauthorized_client", "unsupported_grant_type", NULL
    };
    int i;

    for (i = 0; error && codes[i]; i++) {
        if (!strcmp(error, codes[i])) {
            return 1;
        }
    }
    return 0;
}

/* The "error" member of an error answer, when it is a short token of
 * RFC 6749's error characters; NULL otherwise. */
static const char *oauth_error(apr_pool_t *p, const char *body,
                               apr_size_t len)
{
    json_t *o;
    const char *e, *res = NULL;
    apr_size_t i, n;

    if (!body || !len || len > TP_GRANT_MAX_ANSWER
        || !(o = json_loadb(body, len, 0, NULL))) {
        return NULL;
    }
    if (json_is_object(o) && (e = json_string_value(json_object_get(o,
                                                                "error")))) {
        n = strlen(e);
        for (i = 0; i < n && n <= 64; i++) {
            if (e[i] < 0x21 || e[i] > 0x7e || e[i] == '"' || e[i] == '\\') {
                break;
            }
        }
        if (n && n <= 64 && i == n) {
            res = apr_pstrdup(p, e);
        }
    }
    json_decref(o);
    return res;
}

void tp_grant_classify(apr_pool_t *p, const tp_grant_cfg *c,
                         const char *transport_error, int status,
                         const char *content_type, const char *body,
                         apr_size_t len, tp_grant_res *out)
{
    tp_answer_e st;

    memset(out, 0, sizeof(*out));
    out->status = status;
    out->result = TP_GRANT_UNAVAILABLE;
    if (transport_error) {
        out->why = transport_error;
        return;
    }
    if (status == 400 || status == 401 || status == 403) {
        out->error = oauth_error(p, body, len);
        if (tp_grant_error_is_config(out->error)) {
            out->result = TP_GRANT_MISCONFIGURED;
            out->why = apr_psprintf(p, "the endpoint says the client's "
                                    "configuration is wrong: %s (HTTP %d)",
                                    out->error, status);
            return;
        }
        out->result = TP_GRANT_REJECTED;
        out->why = apr_psprintf(p, "the endpoint refused the grant "
                                "(HTTP %d%s%s)", status,
                                out->error ? ", " : "",
                                out->error ? out->error : "");
        return;
    }
    if (status < 200 || status > 299) {
        out->why = apr_psprintf(p, "the endpoint answered HTTP %d", status);
        return;
    }
    if (!tp_is_json_type(content_type)) {
        out->why = "the answer is not application/json";
        return;
    }
    st = tp_answer_parse(p, body, len,
                         c->format == TP_FORMAT_OAUTH2 ? &tp_oauth2_fields
                                                       : &c->fields,
                         c->format == TP_FORMAT_OAUTH2, &out->tokens);
    if (st != TP_ANSWER_OK) {
        out->why = tp_answer_str(st);
        return;
    }
    out->result = TP_GRANT_OK;
    out->why = "refreshed";
}
