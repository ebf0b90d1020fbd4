/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Logout tokens (see tp_logout.h).
 */

#include <string.h>

#include <jansson.h>

#include <apr_strings.h>

#include "core/tp_idtoken.h"
#include "core/tp_logout.h"

/* A NumericDate between 0 and TP_IDTOKEN_MAX_TIME: 1 and *out. */
static int seconds(json_t *v, apr_int64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0
        && json_integer_value(v) <= TP_IDTOKEN_MAX_TIME) {
        *out = (apr_int64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v) && json_real_value(v) >= 0
        && json_real_value(v) <= (double)TP_IDTOKEN_MAX_TIME) {
        *out = (apr_int64_t)json_real_value(v);
        return 1;
    }
    return 0;
}

static int audience_has(json_t *aud, const char *client_id)
{
    size_t i;
    json_t *a;

    if (json_is_string(aud)) {
        return !strcmp(json_string_value(aud), client_id);
    }
    if (!json_is_array(aud)) {
        return 0;
    }
    json_array_foreach(aud, i, a) {
        if (json_is_string(a) && !strcmp(json_string_value(a), client_id)) {
            return 1;
        }
    }
    return 0;
}

/* A non-empty string member, copied; NULL when absent.  *bad when it is
 * there and not a non-empty string. */
static const char *str(apr_pool_t *p, json_t *c, const char *name, int *bad)
{
    json_t *v = json_object_get(c, name);

    if (!v) {
        return NULL;
    }
    if (!json_is_string(v) || !*json_string_value(v)) {
        *bad = 1;
        return NULL;
    }
    return apr_pstrdup(p, json_string_value(v));
}

int tp_logout_check(apr_pool_t *p, const tp_jws *jws,
                    const tp_logout_expect *e, tp_logout_claims *out,
                    const char **why)
{
    json_t *c, *iss, *events, *exp;
    json_error_t jerr;
    int bad_sub = 0, bad_sid = 0, bad_jti = 0, ok = 0;

    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (jws->typ && strcmp(jws->typ, "logout+jwt")
        && strcmp(jws->typ, "application/logout+jwt")) {
        *why = "the header's typ is not logout+jwt";
        return 0;
    }
    if (!(c = json_loadb(jws->payload, jws->payload_len,
                         JSON_REJECT_DUPLICATES, &jerr))
        || !json_is_object(c)) {
        json_decref(c);
        *why = "the payload is not a JSON object";
        return 0;
    }
    iss = json_object_get(c, "iss");
    events = json_object_get(c, "events");
    exp = json_object_get(c, "exp");
    out->sub = str(p, c, "sub", &bad_sub);
    out->sid = str(p, c, "sid", &bad_sid);
    out->jti = str(p, c, "jti", &bad_jti);
    if (!json_is_string(iss) || strcmp(json_string_value(iss), e->issuer)) {
        *why = "iss is not the provider";
    }
    else if (!audience_has(json_object_get(c, "aud"), e->client_id)) {
        *why = "aud does not contain this client";
    }
    else if (!seconds(json_object_get(c, "iat"), &out->iat)) {
        *why = "no iat, or one out of range";
    }
    else if (out->iat > e->now + TP_LOGOUT_LEEWAY) {
        *why = "issued in the future (iat)";
    }
    else if (out->iat < e->now - TP_LOGOUT_MAX_AGE) {
        *why = "issued too long ago (iat)";
    }
    else if (exp && !seconds(exp, &out->exp)) {
        *why = "exp is out of range";
    }
    else if (exp && out->exp + TP_LOGOUT_LEEWAY <= e->now) {
        *why = "expired (exp)";
    }
    else if (!out->jti || bad_jti) {
        *why = "no jti";
    }
    else if (!events) {
        *why = "no events";
    }
    else if (!json_is_object(events)) {
        *why = "events is not an object";
    }
    else if (!json_is_object(json_object_get(events, TP_LOGOUT_EVENT))) {
        *why = "events does not hold the back-channel logout event as an "
               "object";
    }
    else if (bad_sub || bad_sid) {
        *why = "sub or sid is not a non-empty string";
    }
    else if (!out->sub && !out->sid) {
        *why = "neither sid nor sub";
    }
    else if (json_object_get(c, "nonce")) {
        *why = "a nonce (a logout token must not have one)";
    }
    else {
        out->iss = apr_pstrdup(p, json_string_value(iss));
        ok = 1;
    }
    json_decref(c);
    if (!ok) {
        out->sub = out->sid = out->jti = NULL;
    }
    return ok;
}

tp_jose_e tp_logout_verify(apr_pool_t *p, const char *compact,
                           const tp_jwks *ks, const char *hmac_secret,
                           unsigned int allowed, const tp_logout_expect *e,
                           tp_logout_claims *out, const char **why)
{
    tp_jws jws;
    tp_jose_e v;

    *why = NULL;
    memset(out, 0, sizeof(*out));
    if (!tp_jws_parse(p, compact, &jws, why)) {
        return TP_JOSE_BAD;
    }
    if ((v = tp_jws_verify(p, &jws, ks, hmac_secret, allowed, why))
        != TP_JOSE_OK) {
        if (!*why) {
            *why = v == TP_JOSE_UNKNOWN_KID ? "no key with the token's kid"
                                            : "bad signature";
        }
        return v;
    }
    return tp_logout_check(p, &jws, e, out, why) ? TP_JOSE_OK : TP_JOSE_BAD;
}

apr_int64_t tp_logout_jti_until(const tp_logout_claims *c)
{
    apr_int64_t end = c->exp ? c->exp : c->iat + TP_LOGOUT_MAX_AGE;

    return end + TP_LOGOUT_LEEWAY;
}

int tp_logout_session_of(apr_pool_t *p, const char *payload, apr_size_t len,
                         const char **iss, const char **sub,
                         const char **sid, apr_int64_t *started)
{
    json_t *c, *v;
    json_error_t jerr;
    int bad = 0;

    *iss = *sub = *sid = NULL;
    *started = 0;
    if (!(c = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr))
        || !json_is_object(c)
        || !json_is_string(v = json_object_get(c, "iss"))) {
        json_decref(c);
        return 0;
    }
    *iss = apr_pstrdup(p, json_string_value(v));
    *sub = str(p, c, "sub", &bad);
    *sid = str(p, c, "sid", &bad);
    if (!seconds(json_object_get(c, "auth_time"), started)) {
        seconds(json_object_get(c, "iat"), started);
    }
    json_decref(c);
    return 1;
}
