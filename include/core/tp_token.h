/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_token: decides whether a cookie value may become the credentials of
 * an "Authorization: Bearer" header, and fingerprints values for the log.
 * No request structures; never logs.
 */
#ifndef TP_TOKEN_H
#define TP_TOKEN_H

#include <apr_pools.h>

/* The longest token put into a header: 16 KiB. */
#define TP_TOKEN_MAX_LEN 16384

typedef enum {
    TP_TOKEN_OK = 0,
    TP_TOKEN_EMPTY,
    TP_TOKEN_TOO_LONG,
    TP_TOKEN_CTL,         /* control characters: CR, LF, TAB, NUL, DEL ... */
    TP_TOKEN_SPACE,
    TP_TOKEN_COMMA,
    TP_TOKEN_QUOTE,
    TP_TOKEN_NON_ASCII,
    TP_TOKEN_NOT_TOKEN68  /* any other character, or '=' before the end */
} tp_token_status_e;

/* Check `len` bytes at `v` against RFC 7235 token68 and the length limit.
 * The most telling problem wins: the length first, then the first bad
 * byte. */
tp_token_status_e tp_token_check(const char *v, apr_size_t len);

/* A short text for the error log, e.g. "contains a comma"; never the value. */
const char *tp_token_status_str(tp_token_status_e st);

/* A short, stable fingerprint of a secret for the error log: the first
 * 12 hex digits of its SHA-256.  Allocated from p. */
const char *tp_fingerprint(apr_pool_t *p, const char *v, apr_size_t len);

#endif /* TP_TOKEN_H */
