/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * JWT "exp" and "iat" reader: header.payload.signature, base64url, JSON.
 *
 * A payload is first read by an exact scanner that takes only what it can
 * decide exactly as jansson would: a flat object whose keys are distinct
 * and free of escapes, whose values are escape-free printable ASCII
 * strings, integers of at most 18 digits, true, false or null.  Anything
 * else (nesting, escapes, non-ASCII bytes, fractions, exponents, duplicate
 * keys, malformed input) goes to jansson, which decides.  So the answer is
 * always jansson's (the unit tests and fuzz/fuzz_jwt.c check that); the
 * scanner only spares the common token a parse into a tree.
 */

#include <string.h>

#include <jansson.h>

#include "core/tp_b64.h"
#include "core/tp_jwt.h"

/* The most keys the scanner keeps apart; more go to jansson. */
#define SCAN_MAX_KEYS 64

static apr_size_t ws(const unsigned char *s, apr_size_t n, apr_size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'
                     || s[i] == '\r')) {
        i++;
    }
    return i;
}

/* An escape-free string of printable ASCII at s[i] == '"': the index past
 * its closing quote, or 0 when the scanner cannot take it. */
static apr_size_t plain_string(const unsigned char *s, apr_size_t n,
                               apr_size_t i)
{
    for (i++; i < n && s[i] != '"'; i++) {
        if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '\\') {
            return 0;
        }
    }
    return i < n ? i + 1 : 0;
}

int tp_jwt_scan(const char *json, apr_size_t len, tp_jwt_times *t)
{
    const unsigned char *s = (const unsigned char *)json;
    const unsigned char *keys[SCAN_MAX_KEYS];
    apr_size_t klen[SCAN_MAX_KEYS], i, k0, kl, end;
    int nk = 0, j;

    memset(t, 0, sizeof(*t));
    i = ws(s, len, 0);
    if (i >= len || s[i] != '{') {
        return -1;
    }
    i = ws(s, len, i + 1);
    if (i < len && s[i] == '}') {
        i++;
    }
    else for (;;) {
        if (i >= len || s[i] != '"' || !(end = plain_string(s, len, i))) {
            return -1;
        }
        k0 = i + 1;
        kl = end - 1 - k0;
        for (j = 0; j < nk; j++) {
            if (klen[j] == kl && !memcmp(keys[j], s + k0, kl)) {
                return -1;      /* a duplicate: jansson refuses it */
            }
        }
        if (nk == SCAN_MAX_KEYS) {
            return -1;
        }
        keys[nk] = s + k0;
        klen[nk++] = kl;
        i = ws(s, len, end);
        if (i >= len || s[i] != ':') {
            return -1;
        }
        i = ws(s, len, i + 1);
        if (i >= len) {
            return -1;
        }
        if (s[i] == '"') {
            if (!(end = plain_string(s, len, i))) {
                return -1;
            }
            i = end;
        }
        else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
            int neg = s[i] == '-', digits = 0;
            apr_int64_t v = 0;

            if (neg) {
                i++;
            }
            if (i < len && s[i] == '0' && i + 1 < len && s[i + 1] >= '0'
                && s[i + 1] <= '9') {
                return -1;      /* a leading zero: jansson refuses it */
            }
            for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
                if (++digits > 18) {
                    return -1;  /* near the limits of json_int_t */
                }
                v = v * 10 + (s[i] - '0');
            }
            if (!digits || (i < len && (s[i] == '.' || s[i] == 'e'
                                        || s[i] == 'E'))) {
                return -1;      /* a real: jansson decides */
            }
            if (neg) {
                v = -v;
            }
            if (kl == 3 && !memcmp(s + k0, "exp", 3)) {
                t->exp = v;
                t->has_exp = 1;
            }
            else if (kl == 3 && !memcmp(s + k0, "iat", 3)) {
                t->iat = v;
                t->has_iat = 1;
            }
        }
        else if (len - i >= 4 && !memcmp(s + i, "true", 4)) {
            i += 4;
        }
        else if (len - i >= 5 && !memcmp(s + i, "false", 5)) {
            i += 5;
        }
        else if (len - i >= 4 && !memcmp(s + i, "null", 4)) {
            i += 4;
        }
        else {
            return -1;          /* an object, an array or garbage */
        }
        i = ws(s, len, i);
        if (i < len && s[i] == ',') {
            i = ws(s, len, i + 1);
            continue;
        }
        if (i < len && s[i] == '}') {
            i++;
            break;
        }
        return -1;
    }
    if (ws(s, len, i) != len) {
        return -1;
    }
    if (!t->has_exp) {
        t->has_iat = 0;
        return 0;
    }
    return 1;
}

#define MAX_18_DIGITS APR_INT64_C(999999999999999999)

/* A numeric claim: an integer of at most 18 digits (what the scanner
 * reads, so that exp - iat and exp - now never overflow), or a real
 * between 0 and 9e15. */
static int number(json_t *v, apr_int64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= -MAX_18_DIGITS
        && json_integer_value(v) <= MAX_18_DIGITS) {
        *out = (apr_int64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v) && json_real_value(v) > 0
        && json_real_value(v) < 9.0e15) {
        *out = (apr_int64_t)json_real_value(v);
        return 1;
    }
    return 0;
}

int tp_jwt_parse(const char *json, apr_size_t len, tp_jwt_times *t)
{
    json_t *root, *v;
    json_error_t err;

    memset(t, 0, sizeof(*t));
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        return 0;
    }
    if (json_is_object(root)) {
        if ((v = json_object_get(root, "exp"))) {
            t->has_exp = number(v, &t->exp);
        }
        if (t->has_exp && (v = json_object_get(root, "iat"))) {
            t->has_iat = number(v, &t->iat);
        }
    }
    json_decref(root);
    return t->has_exp;
}

int tp_jwt_times_of(apr_pool_t *p, const char *token, tp_jwt_times *t)
{
    const char *dot1, *dot2;
    apr_size_t len;
    unsigned char *buf;
    long n;
    int rv;

    memset(t, 0, sizeof(*t));
    if (!token || !(dot1 = strchr(token, '.'))
        || !(dot2 = strchr(dot1 + 1, '.')) || strchr(dot2 + 1, '.')) {
        return 0;
    }
    len = (apr_size_t)(dot2 - dot1 - 1);
    if (len == 0 || len > TP_JWT_MAX_PAYLOAD) {
        return 0;
    }
    buf = apr_palloc(p, len);
    n = tp_b64url_decode(buf, dot1 + 1, len);
    if (n <= 0) {
        return 0;
    }
    if ((rv = tp_jwt_scan((const char *)buf, (apr_size_t)n, t)) >= 0) {
        return rv;
    }
    return tp_jwt_parse((const char *)buf, (apr_size_t)n, t);
}

int tp_jwt_exp(apr_pool_t *p, const char *token, apr_int64_t *exp)
{
    tp_jwt_times t;

    if (!tp_jwt_times_of(p, token, &t)) {
        return 0;
    }
    *exp = t.exp;
    return 1;
}

apr_int64_t tp_jwt_skew(apr_int64_t skew, const tp_jwt_times *t)
{
    apr_int64_t half;

    if (!t->has_exp || !t->has_iat) {
        return skew;
    }
    half = t->exp > t->iat ? (t->exp - t->iat) / 2 : 0;
    return half < skew ? half : skew;
}
