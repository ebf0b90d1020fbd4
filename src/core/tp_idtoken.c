/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * ID token claims (see tp_idtoken.h).
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <apr_strings.h>

#include "core/tp_idtoken.h"

/* A NumericDate (RFC 7519 section 2): a JSON number of seconds, a
 * fraction dropped, taken only between 0 and TP_IDTOKEN_MAX_TIME, so that
 * no conversion or sum overflows.  NULL and *out, or why not (naming the
 * claim, never its value). */
static const char *seconds(apr_pool_t *p, json_t *c, const char *name,
                           apr_int64_t *out)
{
    json_t *v = json_object_get(c, name);
    double d;

    if (!v) {
        return apr_pstrcat(p, "no ", name, NULL);
    }
    if (json_is_integer(v)) {
        if (json_integer_value(v) >= 0
            && json_integer_value(v) <= TP_IDTOKEN_MAX_TIME) {
            *out = (apr_int64_t)json_integer_value(v);
            return NULL;
        }
    }
    else if (json_is_real(v)) {
        d = json_real_value(v);
        if (d >= 0 && d <= (double)TP_IDTOKEN_MAX_TIME) {
            *out = (apr_int64_t)d;
            return NULL;
        }
    }
    else {
        return apr_pstrcat(p, name, " is not a number", NULL);
    }
    return apr_pstrcat(p, name, " is out of range (before 1970 or after "
                       "the year 9999)", NULL);
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
    else if ((*why = seconds(p, c, "exp", &out->exp)) != NULL) {
        /* why is set */
    }
    else if (out->exp + TP_IDTOKEN_LEEWAY <= e->now) {
        *why = "expired (exp)";
    }
    else if ((*why = seconds(p, c, "iat", &out->iat)) != NULL) {
        /* why is set */
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

/* Is every audience of a also one of b?  Each is a string or an array of
 * strings. */
static int audiences_within(json_t *a, json_t *b)
{
    json_t *x, *y;
    size_t i, j;
    int found;

    if (json_is_string(a)) {
        if (json_is_string(b)) {
            return json_equal(a, b);
        }
        json_array_foreach(b, j, y) {
            if (json_equal(a, y)) {
                return 1;
            }
        }
        return 0;
    }
    json_array_foreach(a, i, x) {
        if (!json_is_string(x)) {
            return 0;
        }
        found = json_is_string(b) ? json_equal(x, b) : 0;
        json_array_foreach(b, j, y) {
            found |= json_equal(x, y);
        }
        if (!found) {
            return 0;
        }
    }
    return 1;
}

/* Both absent, or both there and equal. */
static int same(json_t *a, json_t *b)
{
    return (!a && !b) || (a && b && json_equal(a, b));
}

int tp_idtoken_same_session(apr_pool_t *p, const char *orig,
                            apr_size_t olen, const char *fresh,
                            apr_size_t flen, const char **why)
{
    json_t *o, *f, *oa, *fa;
    json_error_t jerr;
    apr_int64_t ot = 0, ft = 0;
    int ok = 0;

    o = json_loadb(orig, olen, JSON_REJECT_DUPLICATES, &jerr);
    f = json_loadb(fresh, flen, JSON_REJECT_DUPLICATES, &jerr);
    oa = json_object_get(o, "aud");
    fa = json_object_get(f, "aud");
    if (!json_is_object(o)) {
        *why = "the original ID token's payload is not a JSON object";
    }
    else if (!json_is_object(f)) {
        *why = "the new ID token's payload is not a JSON object";
    }
    else if (!json_is_string(json_object_get(f, "iss"))
             || !same(json_object_get(o, "iss"), json_object_get(f, "iss"))) {
        *why = "iss differs from the original ID token's";
    }
    else if (!json_is_string(json_object_get(f, "sub"))
             || !same(json_object_get(o, "sub"), json_object_get(f, "sub"))) {
        *why = "sub differs from the original ID token's";
    }
    else if (!(json_is_string(oa) || json_is_array(oa))
             || !(json_is_string(fa) || json_is_array(fa))
             || !audiences_within(oa, fa) || !audiences_within(fa, oa)) {
        *why = "aud differs from the original ID token's";
    }
    else if (!same(json_object_get(o, "azp"), json_object_get(f, "azp"))) {
        *why = "azp differs from the original ID token's (or only one has "
               "it)";
    }
    else if (json_object_get(o, "auth_time")
             && json_object_get(f, "auth_time")
             && (seconds(p, o, "auth_time", &ot)
                 || seconds(p, f, "auth_time", &ft) || ot != ft)) {
        *why = "auth_time differs from the original ID token's";
    }
    else if (json_object_get(f, "nonce")
             && !same(json_object_get(o, "nonce"),
                      json_object_get(f, "nonce"))) {
        *why = "nonce differs from the original ID token's";
    }
    else {
        ok = 1;
    }
    json_decref(o);
    json_decref(f);
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
