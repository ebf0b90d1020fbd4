/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Token checks (RFC 7235 token68) and SHA-256 fingerprints for the log.
 */

#include <openssl/evp.h>

#include <apr_strings.h>

#include "core/tp_token.h"

static int is_token68_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || c == '-' || c == '.' || c == '_' || c == '~'
        || c == '+' || c == '/';
}

/* the token68 characters but '=', for the common case */
static const unsigned char token68[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['+'] = 1, ['/'] = 1
};

tp_token_status_e tp_token_check(const char *v, apr_size_t len)
{
    apr_size_t i;
    int padding = 0;

    if (!v || len == 0) {
        return TP_TOKEN_EMPTY;
    }
    if (len > TP_TOKEN_MAX_LEN) {
        return TP_TOKEN_TOO_LONG;
    }
    /* the common case, token68 without padding, by table; anything else
     * is classified below */
    for (i = 0; i < len && token68[(unsigned char)v[i]]; i++) {
    }
    if (i == len) {
        return TP_TOKEN_OK;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];

        if (c >= 0x80) return TP_TOKEN_NON_ASCII;
        if (c < 0x20 || c == 0x7f) return TP_TOKEN_CTL;
        if (c == ' ') return TP_TOKEN_SPACE;
        if (c == ',') return TP_TOKEN_COMMA;
        if (c == '"') return TP_TOKEN_QUOTE;
        if (c == '=') {
            /* trailing padding only, and not the whole value */
            if (i == 0) return TP_TOKEN_NOT_TOKEN68;
            padding = 1;
            continue;
        }
        if (padding || !is_token68_char(c)) {
            return TP_TOKEN_NOT_TOKEN68;
        }
    }
    return TP_TOKEN_OK;
}

const char *tp_token_status_str(tp_token_status_e st)
{
    switch (st) {
    case TP_TOKEN_OK:         return "is valid";
    case TP_TOKEN_EMPTY:      return "is empty";
    case TP_TOKEN_TOO_LONG:   return "is longer than 16384 bytes";
    case TP_TOKEN_CTL:        return "contains a control character";
    case TP_TOKEN_SPACE:      return "contains a space";
    case TP_TOKEN_COMMA:      return "contains a comma";
    case TP_TOKEN_QUOTE:      return "contains a double quote";
    case TP_TOKEN_NON_ASCII:  return "contains a non-ASCII byte";
    case TP_TOKEN_NOT_TOKEN68:return "is not token68 (RFC 7235)";
    }
    return "is invalid";
}

const char *tp_fingerprint(apr_pool_t *p, const char *v, apr_size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    char *out = apr_palloc(p, 13);
    int i;

    if (!EVP_Digest(v ? v : "", v ? len : 0, md, &mdlen, EVP_sha256(), NULL)
        || mdlen < 6) {
        return "unavailable";
    }
    for (i = 0; i < 6; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[12] = '\0';
    return out;
}
