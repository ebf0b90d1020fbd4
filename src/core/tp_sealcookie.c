/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Sealed token cookies.
 */

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "core/tp_b64.h"
#include "core/tp_sealcookie.h"

/* The largest sealed value opened: 64 KiB of base64url. */
#define MAX_SEALED (64 * 1024)

static const char *aad(apr_pool_t *p, const char *label, const char *name,
                       apr_size_t *len)
{
    const char *a = label
        ? apr_pstrcat(p, "mod_tokenproxy cookie v2:", label, ":", name, NULL)
        : apr_pstrcat(p, "mod_tokenproxy cookie v1:", name, NULL);

    *len = strlen(a);
    return a;
}

/* A label: 1 to TP_LABEL_MAX base64url characters. */
#define TP_LABEL_MAX 32

static int label_ok(const char *l, apr_size_t n)
{
    apr_size_t i;

    if (n == 0 || n > TP_LABEL_MAX) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!(apr_isalnum(l[i]) || l[i] == '-' || l[i] == '_')) {
            return 0;
        }
    }
    return 1;
}

const char *tp_sealcookie_for(apr_pool_t *p, const tp_keyring *kr,
                              const char *label, const char *name,
                              const char *value)
{
    unsigned char *sealed;
    apr_size_t slen, alen;
    const char *a;

    if (label && !label_ok(label, strlen(label))) {
        return NULL;
    }
    a = aad(p, label, name, &alen);
    if (!kr || kr->n < 1
        || !tp_seal(p, kr->keys[0], a, alen, value, strlen(value), &sealed,
                    &slen)) {
        return NULL;
    }
    return apr_pstrcat(p, label ? TP_BOUND_PREFIX : TP_SEALED_PREFIX,
                       label ? label : "", label ? "." : "",
                       tp_b64url_encode(p, sealed, slen), NULL);
}

const char *tp_sealcookie(apr_pool_t *p, const tp_keyring *kr,
                          const char *name, const char *value)
{
    return tp_sealcookie_for(p, kr, NULL, name, value);
}

/* The label of a bound value (*len its length, *body what follows its
 * dot), NULL when the value is not of the bound form. */
static const char *bound_label(const char *v, apr_size_t *len,
                               const char **body)
{
    apr_size_t plen = strlen(TP_BOUND_PREFIX);
    const char *dot;

    if (!v || strncmp(v, TP_BOUND_PREFIX, plen)) {
        return NULL;
    }
    v += plen;
    if (!(dot = strchr(v, '.')) || !label_ok(v, (apr_size_t)(dot - v))) {
        return NULL;
    }
    *len = (apr_size_t)(dot - v);
    *body = dot + 1;
    return v;
}

int tp_sealed_foreign(const char *value, const char *label)
{
    apr_size_t n;
    const char *body, *l = bound_label(value, &n, &body);

    return l && label && (strlen(label) != n || strncmp(l, label, n));
}

tp_open_e tp_opencookie_for(apr_pool_t *p, const tp_keyring *kr,
                            const char *label, const char *name,
                            const char *sealed, const char **value,
                            int *which)
{
    apr_size_t plen = strlen(TP_SEALED_PREFIX), len, alen, olen, llen = 0;
    unsigned char *raw, *out;
    const char *a, *body, *l;
    long n;
    int i;

    if (!kr || !sealed) {
        return TP_OPEN_BAD;
    }
    if ((l = bound_label(sealed, &llen, &body))) {
        if (label && (strlen(label) != llen || strncmp(l, label, llen))) {
            return TP_OPEN_FOREIGN;
        }
        a = aad(p, apr_pstrmemdup(p, l, llen), name, &alen);
    }
    else if (!strncmp(sealed, TP_SEALED_PREFIX, plen)) {
        body = sealed + plen;
        a = aad(p, NULL, name, &alen);
    }
    else {
        return TP_OPEN_BAD;
    }
    len = strlen(body);
    if (len == 0 || len > MAX_SEALED) {
        return TP_OPEN_BAD;
    }
    raw = apr_palloc(p, len * 3 / 4 + 1);
    n = tp_b64url_decode(raw, body, len);
    if (n < TP_SEAL_OVERHEAD) {
        return TP_OPEN_BAD;
    }
    for (i = 0; i < kr->n; i++) {
        if (tp_unseal(p, kr->keys[i], a, alen, raw, (apr_size_t)n, &out,
                      &olen)) {
            if (strlen((const char *)out) != olen) {
                return TP_OPEN_BAD;     /* a NUL inside: not one of ours */
            }
            *value = (const char *)out;
            if (which) {
                *which = i;
            }
            return TP_OPEN_OK;
        }
    }
    return TP_OPEN_BAD;
}

int tp_opencookie(apr_pool_t *p, const tp_keyring *kr, const char *name,
                  const char *sealed, const char **value, int *which)
{
    return tp_opencookie_for(p, kr, NULL, name, sealed, value, which)
           == TP_OPEN_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int tp_key_parse(const char *text, apr_size_t len,
                 unsigned char key[TP_SEAL_KEY_LEN])
{
    unsigned char buf[64];
    apr_size_t i;
    long n;

    while (len > 0 && apr_isspace(*text)) {
        text++;
        len--;
    }
    while (len > 0 && apr_isspace(text[len - 1])) {
        len--;
    }
    if (len == 2 * TP_SEAL_KEY_LEN) {
        for (i = 0; i < TP_SEAL_KEY_LEN; i++) {
            int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                break;
            }
            buf[i] = (unsigned char)(hi << 4 | lo);
        }
        if (i == TP_SEAL_KEY_LEN) {
            memcpy(key, buf, TP_SEAL_KEY_LEN);
            return 1;
        }
    }
    if (len >= 43 && len <= 44) {
        n = tp_b64_decode(buf, text, len, 1);
        if (n != TP_SEAL_KEY_LEN) {
            n = tp_b64_decode(buf, text, len, 0);
        }
        if (n == TP_SEAL_KEY_LEN) {
            memcpy(key, buf, TP_SEAL_KEY_LEN);
            return 1;
        }
    }
    return 0;
}
