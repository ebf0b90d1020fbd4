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
    const char *body = params;

    out->authorization = NULL;
    if (c->client_id && c->client_secret) {
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
        out->result = TP_GRANT_REJECTED;
        out->why = apr_psprintf(p, "the endpoint refused the refresh token "
                                "(HTTP %d)", status);
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
