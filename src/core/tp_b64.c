/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * base64url codec.
 */

#include <apr_strings.h>

#include "core/tp_b64.h"

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

/* 1 + the value of each character of the two alphabets, 0 for the rest */
static const unsigned char url_values[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
    ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64
};
static const unsigned char std_values[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
    ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64
};

long tp_b64_decode(unsigned char *out, const char *in, apr_size_t len,
                   int std)
{
    const unsigned char *values = std ? std_values : url_values;
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
    /* whole groups of 4 characters into 3 bytes, the rest bit by bit */
    for (i = 0; i + 4 <= len; i += 4) {
        unsigned int a = values[(unsigned char)in[i]],
                     b = values[(unsigned char)in[i + 1]],
                     c = values[(unsigned char)in[i + 2]],
                     d = values[(unsigned char)in[i + 3]];
        if (!a || !b || !c || !d) {
            return -1;
        }
        acc = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
        out[n++] = (unsigned char)(acc >> 16);
        out[n++] = (unsigned char)(acc >> 8);
        out[n++] = (unsigned char)acc;
    }
    acc = 0;
    for (; i < len; i++) {
        unsigned int v = values[(unsigned char)in[i]];
        if (!v) {
            return -1;
        }
        acc = (acc << 6) | (v - 1);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    return n;
}

long tp_b64url_decode_strict(unsigned char *out, const char *in,
                             apr_size_t len)
{
    unsigned int last;

    if (len > 0 && in[len - 1] == '=') {
        return -1;      /* padding (any other '=' is outside the alphabet) */
    }
    if (len % 4 == 2 || len % 4 == 3) {
        /* 2 characters carry 1 byte (4 bits unused), 3 carry 2 (2 bits) */
        last = url_values[(unsigned char)in[len - 1]];
        if (!last || ((last - 1) & (len % 4 == 2 ? 0x0fu : 0x03u))) {
            return -1;
        }
    }
    return tp_b64_decode(out, in, len, 0);
}
