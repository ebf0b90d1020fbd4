/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * ID token claims (see tp_idtoken.h).
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <apr_strings.h>

#include "core/tp_idtoken.h"

/* A JSON number that is a whole number of seconds. */
static int seconds(json_t *v, apr_int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (apr_int64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        *out = (apr_int64_t)json_real_value(v);
        return 1;
    }
    return 0;
}

static int audience_ok(json_t *aud, json_t *azp, const char *client_id,
                       const char **why)
{
    size_t i, n;
    json_t *a;
    int found = 0;

    if (json_is_string(aud)) {
        if (strcmp(json_string_value(aud), client_id)) {
            *why = "aud is not this client";
            return 0;
        }
        n = 1;
        found = 1;
    }
    else if (json_is_array(aud) && (n = json_array_size(aud)) > 0) {
        json_array_foreach(aud, i, a) {
            if (!json_is_string(a)) {
                *why = "aud holds something that is not a string";
                return 0;
            }
            found |= !strcmp(json_string_value(a), client_id);
        }
        if (!found) {
            *why = "aud does not contain this client";
            return 0;
        }
    }
    else {
        *why = "no aud";
        return 0;
    }
    if (azp && (!json_is_string(azp)
                || strcmp(json_string_value(azp), client_id))) {
        *why = "azp is not this client";
        return 0;
    }
    if (n > 1 && !azp) {
        *why = "several audiences and no azp";
        return 0;
    }
    return 1;
}

int tp_idtoken_check(apr_pool_t *p, const tp_jws *jws,
                     const tp_idtoken_expect *e, tp_idtoken *out,
                     const char **why)
{
    json_t *c, *iss, *sub, *nonce;
    json_error_t jerr;
    int ok = 0;

    memset(out, 0, sizeof(*out));
    if (!(c = json_loadb(jws->payload, jws->payload_len,
                         JSON_REJECT_DUPLICATES, &jerr))
        || !json_is_object(c)) {
        json_decref(c);
        *why = "the payload is not a JSON object";
        return 0;
    }
    iss = json_object_get(c, "iss");
    sub = json_object_get(c, "sub");
    nonce = json_object_get(c, "nonce");
    if (!json_is_string(iss) || strcmp(json_string_value(iss), e->issuer)) {
        *why = "iss is not the provider";
    }
    else if (!json_is_string(sub) || !*json_string_value(sub)) {
        *why = "no sub";
    }
    else if (!audience_ok(json_object_get(c, "aud"),
                          json_object_get(c, "azp"), e->client_id, why)) {
        /* why is set */
    }
    else if (!seconds(json_object_get(c, "exp"), &out->exp)) {
        *why = "no exp";
    }
    else if (out->exp + TP_IDTOKEN_LEEWAY <= e->now) {
        *why = "expired (exp)";
    }
    else if (!seconds(json_object_get(c, "iat"), &out->iat)) {
        *why = "no iat";
    }
    else if (out->iat > e->now + TP_IDTOKEN_LEEWAY) {
        *why = "issued in the future (iat)";
    }
    else if (out->iat < e->now - TP_IDTOKEN_MAX_AGE) {
        *why = "issued too long ago (iat)";
    }
    else if (e->nonce && (!json_is_string(nonce)
                          || strcmp(json_string_value(nonce), e->nonce))) {
        *why = "nonce is not this login's";
    }
    else {
        out->sub = apr_pstrdup(p, json_string_value(sub));
        out->claims = apr_pstrmemdup(p, jws->payload, jws->payload_len);
        ok = 1;
    }
    json_decref(c);
    return ok;
}

const char *tp_idtoken_user_json(apr_pool_t *p, const tp_idtoken *t)
{
    json_t *c;
    json_error_t jerr;
    char *s;
    const char *out;

    if (!t->claims || !(c = json_loads(t->claims, JSON_REJECT_DUPLICATES,
                                       &jerr))) {
        return NULL;
    }
    if (!json_is_object(c)) {
        json_decref(c);
        return NULL;
    }
    json_object_del(c, "nonce");
    json_object_del(c, "at_hash");
    json_object_del(c, "c_hash");
    s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(c);
    if (!s) {
        return NULL;
    }
    out = apr_pstrdup(p, s);
    free(s);
    return out;
}
