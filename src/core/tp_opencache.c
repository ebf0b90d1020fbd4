/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * A one-entry cache of what the connection's last access cookie was read
 * as; see include/tp_opencache.h.  The comparison is constant-time: a
 * connection from a load balancer carries many users' requests, and how
 * long a comparison takes must say nothing of another user's cookie.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>

#include "core/tp_opencache.h"

#define BEARER "Bearer "
#define BEARER_LEN (sizeof(BEARER) - 1)

void tp_opencache_clear(tp_opencache *c)
{
    if (c->cap) {
        OPENSSL_cleanse(c->arrived, c->cap);
        OPENSSL_cleanse(c->token, c->cap);
    }
    c->full = 0;
}

/* The buffers are malloc()ed, not taken from the pool: HTTP/2 streams
 * running in other threads share one connection's cache, and a pool is
 * not to be allocated from by several threads. */
static apr_status_t release(void *data)
{
    tp_opencache *c = data;

    tp_opencache_clear(c);
    free(c->arrived);
    free(c->token);
    c->arrived = c->token = NULL;
    c->cap = 0;
    return APR_SUCCESS;
}

tp_opencache *tp_opencache_make(apr_pool_t *p)
{
    tp_opencache *c = apr_pcalloc(p, sizeof(*c));

    apr_pool_cleanup_register(p, c, release, apr_pool_cleanup_null);
    return c;
}

#if defined(__GNUC__)
/* 16 bytes at a time: SSE2 on x86-64, NEON on arm64, and plain words
 * where the target has neither */
typedef uint64_t tp_v2 __attribute__((vector_size(16)));
#endif

int tp_opencache_equal(const char *a, const char *b, apr_size_t len)
{
    uint64_t diff = 0, x, y;
    apr_size_t i = 0;

#if defined(__GNUC__)
    tp_v2 acc = { 0, 0 }, va, vb;

    for (; i + 16 <= len; i += 16) {
        memcpy(&va, a + i, 16);
        memcpy(&vb, b + i, 16);
        acc |= va ^ vb;
    }
    diff = acc[0] | acc[1];
#endif
    for (; i + 8 <= len; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        diff |= x ^ y;
    }
    for (; i < len; i++) {
        diff |= (uint64_t)((unsigned char)a[i] ^ (unsigned char)b[i]);
    }
    return diff == 0;
}

const char *tp_opencache_get(apr_pool_t *p, const tp_opencache *c,
                             const void *ring, const char *name,
                             const char *arrived, apr_size_t len,
                             const char **bearer, tp_jwt_times *t,
                             int *has_times)
{
    if (!c || !c->full || c->ring != ring || c->arrived_len != len
        || strcmp(c->name, name) != 0
        || !tp_opencache_equal(c->arrived, arrived, len)) {
        return NULL;
    }
    *t = c->times;
    *has_times = c->has_times;
    *bearer = apr_pstrmemdup(p, c->token, BEARER_LEN + c->token_len);
    return *bearer + BEARER_LEN;
}

void tp_opencache_put(tp_opencache *c, const void *ring,
                      const char *name, const char *arrived,
                      apr_size_t len, const char *token,
                      apr_size_t token_len, const tp_jwt_times *t,
                      int has_times)
{
    apr_size_t need = len > BEARER_LEN + token_len + 1
                      ? len : BEARER_LEN + token_len + 1;

    if (!c) {
        return;
    }
    if (need > c->cap) {
        apr_size_t cap = c->cap ? c->cap : 256;
        char *a, *b;
        while (cap < need) {
            cap *= 2;
        }
        /* zeroed: the bytes past a value never hold what the heap held */
        a = calloc(1, cap);
        b = calloc(1, cap);
        if (!a || !b) {
            free(a);
            free(b);
            tp_opencache_clear(c);      /* keeps nothing: a miss next time */
            return;
        }
        release(c);
        c->arrived = a;
        c->token = b;
        c->cap = cap;
    }
    else if (c->full) {
        /* nothing of the previous value (maybe another user's, on a
         * load balancer's connection) outlives it */
        OPENSSL_cleanse(c->arrived, c->arrived_len);
        OPENSSL_cleanse(c->token, BEARER_LEN + c->token_len + 1);
    }
    c->ring = ring;
    c->name = name;
    memcpy(c->arrived, arrived, len);
    c->arrived_len = len;
    memcpy(c->token, BEARER, BEARER_LEN);
    memcpy(c->token + BEARER_LEN, token, token_len);
    c->token[BEARER_LEN + token_len] = '\0';
    c->token_len = token_len;
    c->full = 1;
    c->gen++;
    tp_opencache_set_times(c, c->gen, t, has_times);
}

unsigned long tp_opencache_gen(const tp_opencache *c)
{
    return c ? c->gen : 0;
}

void tp_opencache_set_times(tp_opencache *c, unsigned long gen,
                            const tp_jwt_times *t, int has_times)
{
    if (!c || !c->full || c->gen != gen) {
        return;
    }
    if (t && has_times >= 0) {
        c->times = *t;
        c->has_times = has_times;
    }
    else {
        memset(&c->times, 0, sizeof(c->times));
        c->has_times = -1;
    }
}
