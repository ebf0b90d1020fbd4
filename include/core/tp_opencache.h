/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_opencache: the last access cookie one connection sent, as it arrived
 * and as it was read (opened with the TokenProxyCookieKey ring, checked,
 * its JWT exp and iat).  A browser sends the same cookie on every request
 * of a keep-alive connection until the token rotates, so the next request
 * with a byte-for-byte equal value, for the same cookie name and key ring,
 * takes what was read instead of decrypting and parsing again.
 *
 * One entry, compared in constant time, never a value that failed to
 * open or check; wiped when its pool goes.  No request structures; never
 * logs.
 */
#ifndef TP_OPENCACHE_H
#define TP_OPENCACHE_H

#include <apr_pools.h>

#include "core/tp_jwt.h"

typedef struct tp_opencache {
    const void *ring;          /* the key ring it opened with (its
                                * identity; NULL: not sealed) */
    const char *name;          /* the cookie name (the sealing AAD) */
    char *arrived;             /* the value as it arrived */
    apr_size_t arrived_len;
    char *token;               /* "Bearer " and the token it stands for */
    apr_size_t token_len;
    apr_size_t cap;            /* room in each of the two buffers */
    tp_jwt_times times;        /* valid when has_times is 1 */
    int has_times;             /* 1, 0 (not a JWT with exp), -1 (not
                                * read yet) */
    int full;                  /* an entry is there */
    unsigned long gen;         /* counts the entries put */
} tp_opencache;

/* An empty cache in pool `p`, wiped (tokens overwritten) and its
 * buffers freed when `p` is cleared or destroyed.  The cache does no
 * locking: its user serialises calls on one cache. */
tp_opencache *tp_opencache_make(apr_pool_t *p);

/* Overwrites what the cache holds; it holds nothing then. */
void tp_opencache_clear(tp_opencache *c);

/* The token the cache holds for cookie `name` arriving as
 * [arrived, arrived + len) and read with `ring`, copied into `p`, with
 * "Bearer " and the token in *bearer (the same copy), its JWT times in *t
 * and *has_times; NULL when it holds none. */
const char *tp_opencache_get(apr_pool_t *p, const tp_opencache *c,
                             const void *ring, const char *name,
                             const char *arrived, apr_size_t len,
                             const char **bearer, tp_jwt_times *t,
                             int *has_times);

/* The entry there now: a number that changes with every put. */
unsigned long tp_opencache_gen(const tp_opencache *c);

/* The JWT times of entry `gen`'s token, once read: has_times 1 or 0.
 * Nothing happens when another entry has replaced it since. */
void tp_opencache_set_times(tp_opencache *c, unsigned long gen,
                            const tp_jwt_times *t, int has_times);

/* Keep what was read of a value, in place of the entry there: the token
 * it stands for (checked) and its JWT times (`t` NULL and has_times -1:
 * not read yet).  The old entry is overwritten whole.  The buffers
 * (malloc) grow only, to the largest value seen; when memory runs out
 * the cache is left empty. */
void tp_opencache_put(tp_opencache *c, const void *ring,
                      const char *name, const char *arrived,
                      apr_size_t len, const char *token,
                      apr_size_t token_len, const tp_jwt_times *t,
                      int has_times);

/* 1 when [a, a+len) and [b, b+len) are equal, in a time that depends on
 * len only. */
int tp_opencache_equal(const char *a, const char *b, apr_size_t len);

#endif /* TP_OPENCACHE_H */
