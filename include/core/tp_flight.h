/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_flight: single-flight refresh.  Exactly one refresh runs per refresh
 * token across all threads and processes; the others wait for its result
 * and use it, and requests that still carry the old refresh token within
 * the grace window get the new tokens without a second call.
 *
 * The state lives in two stores, keyed by a SHA-256 of the refresh token,
 * never the token itself:
 *
 *   claims   a fixed table that never evicts (tp_claims): per token, "in
 *            flight" (a refresh runs; its lease outlives the refresh
 *            timeout; a lease that ran out, because the refresher died or
 *            hung, is taken over by exactly one waiter), "done" (a result
 *            was published, until the grace window ends) or "failed"
 *            (rejected: kept for the grace window; unavailable: briefly);
 *   results  a cache that may evict (httpd's socache): the new tokens of a
 *            "done" refresh, sealed (AES-256-GCM) with a per-start key,
 *            for the grace window.
 *
 * Other users' results can therefore never push out a running claim.  A
 * claim that finds the table full answers "unavailable" and refreshes
 * nothing.  A "done" claim whose result is gone from the cache is a
 * detected eviction: "unavailable", never a second refresh with a token
 * the provider has already rotated.  Both stores sit behind one lock.
 *
 * The lock is held only to read and write the state, never across the
 * refresh call.  Waiters give up at a deadline.  With a store that can
 * tell (watch/wait/tell: the child's subscriber connection of a cluster),
 * a waiter waits to be told that a result was published, here or on
 * another node, looking at the state at least every 20 ms all the same
 * (a refresh whose outcome nobody announces).  A notice that carries the
 * result ends the wait with it; one that does not makes it look again at
 * once and then every 1 ms growing to 20 ms, until this machine's leader
 * has stored the result.  Without, or when the store cannot tell,
 * waiters sleep with a backoff (5 ms growing to 20 ms).  No request
 * structures; never logs.
 */
#ifndef TP_FLIGHT_H
#define TP_FLIGHT_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_claims.h"
#include "core/tp_grant.h"

/* The largest result entry: two 16 KiB tokens, sealed, and a header. */
#define TP_FLIGHT_MAX_ENTRY (2 * 16384 + 1024)
/* A result entry's bytes besides the two tokens: an 8-byte header, the
 * seal's nonce and tag, and the separator between the tokens. */
#define TP_FLIGHT_ENTRY_OVERHEAD (8 + 12 + 16 + 1)

typedef struct tp_flight_store {
    void *ctx;
    int (*lock)(void *ctx);                     /* 1 when locked */
    void (*unlock)(void *ctx);
    /* the claims: as tp_claims_get and tp_claims_put */
    int (*claim_get)(void *ctx, const unsigned char *key, apr_size_t klen,
                     apr_time_t now, tp_claim *c);
    int (*claim_put)(void *ctx, const unsigned char *key, apr_size_t klen,
                     apr_time_t now, const tp_claim *c);  /* 0: full */
    /* the results: 1 and the entry (allocated from p) when found and not
     * expired */
    int (*get)(void *ctx, apr_pool_t *p, const unsigned char *key,
               apr_size_t klen, unsigned char **data, apr_size_t *len);
    int (*put)(void *ctx, apr_pool_t *p, const unsigned char *key,
               apr_size_t klen, apr_time_t expiry,
               const unsigned char *data, apr_size_t len);  /* 1 stored */
    apr_time_t (*now)(void *ctx);
    void (*sleep)(void *ctx, apr_interval_time_t t);
    const unsigned char *seal_key;              /* TP_SEAL_KEY_LEN bytes */
    /* optional (NULL: poll), all four or none; called unlocked.  watch:
     * 1 when notices of key's result reach this waiter from now on, 0
     * when they cannot; wait: 2 told with the result (res, allocated
     * from p: the notice carried it), 1 told, 0 the timeout passed, -1
     * cannot tell any more (then poll); unwatch after the last wait;
     * tell: the leader has stored key's outcome (wakes this process's
     * waiters). */
    int (*watch)(void *ctx, const unsigned char *key, apr_size_t klen);
    int (*wait)(void *ctx, apr_pool_t *p, apr_interval_time_t timeout,
                tp_grant_res *res);
    void (*unwatch)(void *ctx);
    void (*tell)(void *ctx, const unsigned char *key, apr_size_t klen);
} tp_flight_store;

typedef struct tp_flight_params {
    apr_interval_time_t lease;        /* longer than the refresh timeout */
    apr_interval_time_t grace;        /* done and rejected entries */
    apr_interval_time_t failed_ttl;   /* unavailable entries */
    apr_interval_time_t deadline;     /* the longest a waiter waits */
} tp_flight_params;

typedef enum {
    TP_FLIGHT_REFRESHED = 0,  /* this caller ran the refresh */
    TP_FLIGHT_SHARED,         /* waited, then used another's result */
    TP_FLIGHT_GRACE,          /* used a stored result at once */
    TP_FLIGHT_GAVE_UP,        /* waited until the deadline: unavailable */
    TP_FLIGHT_LOST            /* refreshed nothing and got no result: the
                                 claims were full, the result was evicted,
                                 or the state could not be locked
                                 (claims_full, evicted, store_failed) */
} tp_flight_how_e;

typedef struct tp_flight_out {
    tp_grant_res res;
    tp_flight_how_e how;
    int waited;               /* found a refresh in flight and waited */
    int took_over;            /* ran the refresh after a lease ran out */
    int store_failed;         /* the shared state could not be used */
    int evicted;              /* a result within its grace window was gone
                                 from the results cache */
    int claims_full;          /* no free claim slot: refreshed nothing */
    int unstored;             /* this caller's result could not be stored */
    apr_size_t stored_len;    /* the bytes of the result entry it stored */
    int told;                 /* waits ended by a notice */
    int polls;                /* sleeps between looks at the state */
} tp_flight_out;

/* Performs the refresh itself (the HTTP call). */
typedef void (*tp_flight_refresh_fn)(void *baton, apr_pool_t *p,
                                     tp_grant_res *res);

void tp_flight_run(apr_pool_t *p, const tp_flight_store *st,
                   const tp_flight_params *prm,
                   const unsigned char *key, apr_size_t klen,
                   tp_flight_refresh_fn fn, void *baton,
                   tp_flight_out *out);

/* 1 when data is a result entry of this version (for the fill level). */
int tp_flight_is_result(const unsigned char *data, apr_size_t len);

/* The store key of a refresh token at an endpoint: SHA-256(url NUL rt). */
#define TP_FLIGHT_KEY_LEN 32
void tp_flight_key(const char *url, const char *rt,
                   unsigned char key[TP_FLIGHT_KEY_LEN]);

#endif /* TP_FLIGHT_H */
