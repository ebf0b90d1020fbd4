/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_flight: single-flight refresh.  Exactly one refresh runs per refresh
 * token across all threads and processes; the others wait for its result
 * and use it, and requests that still carry the old refresh token within
 * the grace window get the new tokens without a second call.
 *
 * The state lives in a shared store (httpd's socache under a global mutex
 * in production, a table in the unit tests), keyed by a SHA-256 of the
 * refresh token, never the token itself:
 *
 *   in flight  a refresh runs; its lease outlives the refresh timeout.  A
 *              lease that ran out (the refresher died or hung) is taken
 *              over by exactly one waiter;
 *   done       the new tokens, sealed (AES-256-GCM) with a per-start key,
 *              kept for the grace window;
 *   failed     rejected (kept for the grace window) or unavailable (kept
 *              briefly).
 *
 * The lock is held only to read and write the state, never across the
 * refresh call.  Waiters sleep with a backoff (5 ms growing to 50 ms) and
 * give up at a deadline.  No request structures; never logs.
 */
#ifndef TP_FLIGHT_H
#define TP_FLIGHT_H

#include <apr_pools.h>
#include <apr_time.h>

#include "tp_refresh.h"

/* The largest state entry: two 16 KiB tokens, sealed, and a header. */
#define TP_FLIGHT_MAX_ENTRY (2 * 16384 + 1024)

typedef struct tp_flight_store {
    void *ctx;
    int (*lock)(void *ctx);                     /* 1 when locked */
    void (*unlock)(void *ctx);
    /* 1 and the entry (allocated from p) when found and not expired */
    int (*get)(void *ctx, apr_pool_t *p, const unsigned char *key,
               apr_size_t klen, unsigned char **data, apr_size_t *len);
    int (*put)(void *ctx, apr_pool_t *p, const unsigned char *key,
               apr_size_t klen, apr_time_t expiry,
               const unsigned char *data, apr_size_t len);  /* 1 stored */
    apr_time_t (*now)(void *ctx);
    void (*sleep)(void *ctx, apr_interval_time_t t);
    const unsigned char *seal_key;              /* TP_SEAL_KEY_LEN bytes */
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
    TP_FLIGHT_GAVE_UP         /* waited until the deadline: unavailable */
} tp_flight_how_e;

typedef struct tp_flight_out {
    tp_refresh_res res;
    tp_flight_how_e how;
    int waited;               /* found a refresh in flight and waited */
    int took_over;            /* ran the refresh after a lease ran out */
    int store_failed;         /* the shared state could not be used */
} tp_flight_out;

/* Performs the refresh itself (the HTTP call). */
typedef void (*tp_flight_refresh_fn)(void *baton, apr_pool_t *p,
                                     tp_refresh_res *res);

void tp_flight_run(apr_pool_t *p, const tp_flight_store *st,
                   const tp_flight_params *prm,
                   const unsigned char *key, apr_size_t klen,
                   tp_flight_refresh_fn fn, void *baton,
                   tp_flight_out *out);

typedef enum {
    TP_ENTRY_UNKNOWN = 0,
    TP_ENTRY_IN_FLIGHT = 1,
    TP_ENTRY_DONE = 2,
    TP_ENTRY_FAILED = 3
} tp_entry_state_e;

/* The state of a stored entry (for the status handler's fill level). */
tp_entry_state_e tp_flight_entry_state(const unsigned char *data,
                                       apr_size_t len);

/* The store key of a refresh token at an endpoint: SHA-256(url NUL rt). */
#define TP_FLIGHT_KEY_LEN 32
void tp_flight_key(const char *url, const char *rt,
                   unsigned char key[TP_FLIGHT_KEY_LEN]);

#endif /* TP_FLIGHT_H */
