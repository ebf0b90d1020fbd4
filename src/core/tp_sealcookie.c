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

static const char *aad(apr_pool_t *p, const char *name, apr_size_t *len)
{
    const char *a = apr_pstrcat(p, "mod_tokenproxy cookie v1:", name, NULL);

    *len = strlen(a);
    return a;
}

const char *tp_sealcookie(apr_pool_t *p, const tp_keyring *kr,
                          const char *name, const char *value)
{
    unsigned char *sealed;
    apr_size_t slen, alen;
    const char *a = aad(p, name, &alen);

    if (!kr || kr->n < 1
        || !tp_seal(p, kr->keys[0], a, alen, value, strlen(value), &sealed,
                    &slen)) {
        return NULL;
    }
    return apr_pstrcat(p, TP_SEALED_PREFIX,
                       tp_b64url_encode(p, sealed, slen), NULL);
}

int tp_opencookie(apr_pool_t *p, const tp_keyring *kr, const char *name,
                  const char *sealed, const char **value, int *which)
{
    apr_size_t plen = strlen(TP_SEALED_PREFIX), len, alen, olen;
    unsigned char *raw, *out;
    const char *a;
    long n;
    int i;

    if (!kr || !sealed || strncmp(sealed, TP_SEALED_PREFIX, plen)) {
        return 0;
    }
    len = strlen(sealed + plen);
    if (len == 0 || len > MAX_SEALED) {
        return 0;
    }
    raw = apr_palloc(p, len * 3 / 4 + 1);
    n = tp_b64url_decode(raw, sealed + plen, len);
    if (n < TP_SEAL_OVERHEAD) {
        return 0;
    }
    a = aad(p, name, &alen);
    for (i = 0; i < kr->n; i++) {
        if (tp_unseal(p, kr->keys[i], a, alen, raw, (apr_size_t)n, &out,
                      &olen)) {
            if (strlen((const char *)out) != olen) {
                return 0;       /* a NUL inside: not one of our values */
            }
            *value = (const char *)out;
            if (which) {
                *which = i;
            }
            return 1;
        }
    }
    return 0;
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
