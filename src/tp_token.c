/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Token checks (RFC 7235 token68) and SHA-256 fingerprints for the log.
 */

#include <openssl/evp.h>

#include <apr_strings.h>

#include "tp_token.h"

static int is_token68_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || c == '-' || c == '.' || c == '_' || c == '~'
        || c == '+' || c == '/';
}

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
