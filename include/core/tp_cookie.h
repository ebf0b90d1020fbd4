/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cookie: a small RFC 6265 Cookie request-header parser and editor.
 *
 * Knows nothing of httpd: it works on a header value and a pool, so the
 * unit tests and the fuzzer reach it directly.  It never logs.
 */
#ifndef TP_COOKIE_H
#define TP_COOKIE_H

#include <apr_pools.h>

/* Large values travel in chunks: "name=~N" names N chunk cookies
 * "name.1" .. "name.N" of at most TP_CHUNK_MAX bytes each. */
#define TP_MAX_CHUNKS 16
#define TP_CHUNK_MAX 4000

/* What tp_cookie_take() found for one wanted cookie name. */
typedef struct tp_cookie_match {
    /* The value of the first cookie-pair carrying the name, exactly as
     * sent (leading/trailing white space removed), or NULL. */
    const char *value;
    /* How many pieces of the header carried the name. */
    int count;
    /* Non-zero when the name was seen inside a piece that looks like
     * several Cookie headers joined with ", " (HTTP/1.1 clients sending
     * the header twice).  Such occurrences are removed but never used. */
    int merged;
    /* Chunk cookies "name.K" (K from 1 to TP_MAX_CHUNKS): their values
     * (first occurrence), and the highest K sent. */
    const char *chunk[TP_MAX_CHUNKS + 1];
    int max_chunk;
} tp_cookie_match;

/*
 * Find the cookies called names[0..n-1] (case-sensitive, RFC 6265), and
 * their chunk cookies "name.K", in the Cookie header value `header`, fill
 * found[0..n-1], and build in *rest the header with every piece carrying
 * one of these names removed.  All other bytes are kept exactly as sent
 * and in order.  *rest is NULL when nothing
 * but white space and separators would be left (drop the header then).
 *
 * Returns the number of pieces removed.
 */
int tp_cookie_take(apr_pool_t *p, const char *header,
                   const char *const *names, int n,
                   tp_cookie_match *found, const char **rest);

/* The whole value of a match: its value, or, when that is "~N", its N
 * chunks joined; NULL when absent or when a chunk is missing. */
const char *tp_cookie_joined(apr_pool_t *p, const tp_cookie_match *m);

/* What of a match arrived: bit 0 for the cookie itself (usable or not),
 * bit K for its chunk cookie K. */
unsigned int tp_cookie_sent(const tp_cookie_match *m);

/* Split value into parts of at most TP_CHUNK_MAX bytes: returns how many
 * (1: it fits as it is), or 0 when it needs more than TP_MAX_CHUNKS. */
int tp_cookie_split(apr_pool_t *p, const char *value,
                    const char *parts[TP_MAX_CHUNKS]);

/* Non-zero when `name` is a valid cookie-name (an RFC 7230 token). */
int tp_cookie_name_valid(const char *name);

/* The prefixes of RFC 6265bis section 4.1.3: a "__Host-" cookie must be
 * Secure, with Path=/ and no Domain; a "__Secure-" (or "__Host-") one
 * Secure. */
int tp_cookie_host_prefixed(const char *name);
int tp_cookie_secure_prefixed(const char *name);

#endif /* TP_COOKIE_H */
