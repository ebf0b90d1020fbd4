/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * base64url codec.
 */

#include <apr_strings.h>

#include "tp_b64.h"

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *tp_b64url_encode(apr_pool_t *p, const unsigned char *in,
                             apr_size_t len)
{
    char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1), *o = out;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *o++ = url_alphabet[in[i] >> 2];
        *o++ = url_alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = url_alphabet[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        *o++ = url_alphabet[in[i + 2] & 63];
    }
    if (len - i == 1) {
        *o++ = url_alphabet[in[i] >> 2];
        *o++ = url_alphabet[(in[i] & 3) << 4];
    }
    else if (len - i == 2) {
        *o++ = url_alphabet[in[i] >> 2];
        *o++ = url_alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = url_alphabet[(in[i + 1] & 15) << 2];
    }
    *o = '\0';
    return out;
}

static int value_of(unsigned char c, int std)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (std ? '+' : '-')) return 62;
    if (c == (std ? '/' : '_')) return 63;
    return -1;
}

long tp_b64_decode(unsigned char *out, const char *in, apr_size_t len,
                   int std)
{
    apr_size_t i;
    unsigned int acc = 0;
    int bits = 0;
    long n = 0;

    while (len > 0 && in[len - 1] == '=') {
        len--;
    }
    if (len % 4 == 1) {
        return -1;      /* a single leftover character carries no byte */
    }
    for (i = 0; i < len; i++) {
        int v = value_of((unsigned char)in[i], std);
        if (v < 0) {
            return -1;
        }
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    return n;
}
