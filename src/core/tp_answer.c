/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Token answers in JSON.  Every token read here must be usable as it
 * stands in a cookie and in an Authorization header, so it passes the
 * same token68 check as a cookie value does.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <jansson.h>

#include "core/tp_answer.h"
#include "core/tp_token.h"

/* The largest expiresIn taken as it is: ten years. */
#define TP_MAX_EXPIRES_IN (10LL * 365 * 24 * 3600)

static tp_answer_e token_member(apr_pool_t *p, json_t *root, const char *name,
                                int required, const char **out)
{
    json_t *v = json_object_get(root, name);
    const char *s;

    *out = NULL;
    if (!v || json_is_null(v)) {
        return required ? TP_ANSWER_NO_ACCESS : TP_ANSWER_OK;
    }
    if (!json_is_string(v)) {
        return TP_ANSWER_BAD_TYPE;
    }
    s = json_string_value(v);
    if (tp_token_check(s, json_string_length(v)) != TP_TOKEN_OK
        || strlen(s) != json_string_length(v)) {
        return TP_ANSWER_BAD_TOKEN;
    }
    *out = apr_pstrdup(p, s);
    return TP_ANSWER_OK;
}

static tp_answer_e read_tokens(apr_pool_t *p, json_t *root, const tp_fields *f,
                               int check_token_type, tp_tokens *out)
{
    tp_answer_e st;
    json_t *v;

    if (!json_is_object(root)) {
        return TP_ANSWER_NOT_OBJECT;
    }
    if ((st = token_member(p, root, f->access, 1, &out->access))
        != TP_ANSWER_OK) {
        return st;
    }
    if ((st = token_member(p, root, f->refresh, 0, &out->refresh))
        != TP_ANSWER_OK) {
        return st;
    }
    out->expires_in = -1;
    v = json_object_get(root, f->expires);
    if (v && !json_is_null(v)) {
        double d;
        if (json_is_integer(v)) {
            d = (double)json_integer_value(v);
        }
        else if (json_is_real(v)) {
            d = json_real_value(v);
        }
        else {
            return TP_ANSWER_BAD_TYPE;
        }
        if (!(d >= 0)) {
            return TP_ANSWER_BAD_TYPE;
        }
        out->expires_in = d > (double)TP_MAX_EXPIRES_IN ? TP_MAX_EXPIRES_IN
                                                        : (apr_int64_t)d;
    }
    if (check_token_type && (v = json_object_get(root, "token_type"))) {
        if (!json_is_string(v)) {
            return TP_ANSWER_BAD_TYPE;
        }
        if (strcasecmp(json_string_value(v), "Bearer")) {
            return TP_ANSWER_BAD_TOKEN_TYPE;
        }
    }
    return TP_ANSWER_OK;
}

static json_t *load(const char *body, apr_size_t len)
{
    json_error_t err;

    if (!body) {
        return NULL;
    }
    return json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                      &err);
}

tp_answer_e tp_answer_parse(apr_pool_t *p, const char *body, apr_size_t len,
                            const tp_fields *f, int check_token_type,
                            tp_tokens *out)
{
    json_t *root = load(body, len);
    tp_answer_e st;

    memset(out, 0, sizeof(*out));
    out->expires_in = -1;
    if (!root) {
        return TP_ANSWER_NOT_JSON;
    }
    st = read_tokens(p, root, f, check_token_type, out);
    json_decref(root);
    return st;
}

tp_answer_e tp_answer_capture(apr_pool_t *p, const char *body,
                              apr_size_t len, const tp_fields *f,
                              tp_tokens *out, const char **out_body,
                              apr_size_t *out_len)
{
    json_t *root = load(body, len);
    tp_answer_e st;
    char *s;

    memset(out, 0, sizeof(*out));
    out->expires_in = -1;
    *out_body = NULL;
    *out_len = 0;
    if (!root) {
        return TP_ANSWER_NOT_JSON;
    }
    st = read_tokens(p, root, f, 0, out);
    if (st == TP_ANSWER_OK) {
        json_object_del(root, f->access);
        json_object_del(root, f->refresh);
        json_object_del(root, f->expires);
        s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!s) {
            st = TP_ANSWER_NOT_JSON;
        }
        else {
            *out_len = strlen(s);
            *out_body = apr_pstrmemdup(p, s, *out_len);
            free(s);
        }
    }
    json_decref(root);
    return st;
}

const char *tp_answer_str(tp_answer_e st)
{
    switch (st) {
    case TP_ANSWER_OK:             return "ok";
    case TP_ANSWER_NOT_JSON:       return "the answer is not JSON";
    case TP_ANSWER_NOT_OBJECT:     return "the answer is not a JSON object";
    case TP_ANSWER_NO_ACCESS:      return "the answer has no access token";
    case TP_ANSWER_BAD_TYPE:       return "a member of the answer has the "
                                          "wrong JSON type";
    case TP_ANSWER_BAD_TOKEN:      return "a token in the answer is not "
                                          "token68";
    case TP_ANSWER_BAD_TOKEN_TYPE: return "token_type is not Bearer";
    }
    return "the answer is invalid";
}

int tp_is_json_type(const char *ct)
{
    const char *semi;
    apr_size_t n;

    if (!ct) {
        return 0;
    }
    while (*ct == ' ') ct++;
    semi = strchr(ct, ';');
    n = semi ? (apr_size_t)(semi - ct) : strlen(ct);
    while (n > 0 && ct[n - 1] == ' ') n--;
    if (n == 16 && !strncasecmp(ct, "application/json", 16)) {
        return 1;
    }
    /* application/<something>+json */
    return n > 17 && !strncasecmp(ct, "application/", 12)
           && !strncasecmp(ct + n - 5, "+json", 5);
}
