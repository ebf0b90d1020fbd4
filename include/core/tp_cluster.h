/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cluster: single flight across the nodes of a cluster, through a store
 * that all nodes share (Redis in production, a scripted table in the unit
 * tests).  It runs under the node-local single flight (tp_flight): only a
 * node's leader for a refresh token gets here.
 *
 * One entry per refresh token, under "tokenproxy:<hex of the flight key>":
 *
 *   value  = owner id (32 hex digits, random per claim)
 *            || AES-256-GCM sealed (TokenProxyClusterKey; the entry's name
 *               is the additional authenticated data) of
 *               "T<written>+<ttl>|" (when it was written, in ms since the
 *               epoch, and its TTL in ms), then
 *               state ('F' in flight, 'D' done, 'R' rejected,
 *               'U' unavailable) and, for D, "expires_in|access|refresh",
 *               for R and U, the reason (no secrets).
 *
 *   An entry read after its written time plus its TTL (plus
 *   TP_CLUSTER_CLOCK_SKEW) is refused like one that does not open: whoever
 *   can write to the store cannot put an old entry back.
 *
 *   1. claim: SET key owner||F NX PX lease.  One claim in the cluster wins.
 *   2. the winner refreshes and publishes its result with an owner check
 *      (a script: SET only while the entry still begins with its owner
 *      id), for the grace window (rejected too) or briefly (unavailable).
 *   3. the others wait for a result, until their deadline (unavailable).
 *      With a store that can tell (watch/wait: a notice when an entry is
 *      published), a waiter GETs the entry, waits for the notice or the
 *      end of the claim's lease, and takes the entry from the notice (or
 *      GETs it again when the notice came without): no polling.  Without
 *      (or when the store cannot tell), it GETs the entry with a backoff
 *      (5 ms growing to 50 ms).  An entry that vanished (its lease ran
 *      out: the node died) is claimed again: exactly one waiter in the
 *      cluster takes over.
 *
 *   A store in a failover (a command answers TP_CLUSTER_FAILOVER: the
 *   Sentinels answer, but the master is not usable yet) refreshes
 *   nothing: unavailable, and the caller answers 503 at once.  A winner
 *   whose publish meets a failover publishes again (every 100 ms) until
 *   its lease ends, so that its result reaches the new master and nobody
 *   takes over with the used token.
 *
 * Every lifetime is a TTL in the store (PX); the nodes' clocks only
 * refuse entries past it.  An entry that does not open, or is past its
 * lifetime, counts as unavailable, never as rejected.  When
 * the store fails before anyone else's claim was seen, the leader
 * refreshes on its own (machine-wide single flight still holds); a store
 * that fails while another node's claim is live answers unavailable, so a
 * token is not refreshed twice.  No request structures; never logs.
 */
#ifndef TP_CLUSTER_H
#define TP_CLUSTER_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_flight.h"
#include "core/tp_grant.h"

#define TP_CLUSTER_OWNER_LEN 32
/* How far the nodes' clocks may differ before the last moments of an
 * entry's life are refused. */
#define TP_CLUSTER_CLOCK_SKEW apr_time_from_sec(2)
#define TP_CLUSTER_KEY_PREFIX "tokenproxy:"

typedef struct tp_cluster_store {
    void *ctx;
    /* Each command may also answer TP_CLUSTER_FAILOVER (-2). */
    /* SET key val NX PX ms: 1 claimed, 0 held by someone, -1 error */
    int (*claim)(void *ctx, apr_pool_t *p, const char *key,
                 const unsigned char *val, apr_size_t len, apr_int64_t ms);
    /* GET key: 1 found, 0 none, -1 error */
    int (*get)(void *ctx, apr_pool_t *p, const char *key,
               unsigned char **val, apr_size_t *len);
    /* SET key val PX ms while the entry begins with owner: 1 stored,
     * 0 no longer ours, -1 error */
    int (*publish)(void *ctx, apr_pool_t *p, const char *key,
                   const char *owner, const unsigned char *val,
                   apr_size_t len, apr_int64_t ms);
    apr_time_t (*now)(void *ctx);
    void (*sleep)(void *ctx, apr_interval_time_t t);
    const unsigned char *seal_key;      /* TP_SEAL_KEY_LEN bytes */
    /* optional (NULL: poll): be told when key's entry is published.
     * watch (before the GET that finds a claim): 1 when notices for key
     * will be told from now on, 0 when they cannot be; wait: 1 told
     * (*len > 0: the entry came with the notice, in *val: no GET), 0
     * the timeout passed, -1 cannot tell any more (then poll); unwatch
     * after the last wait. */
    int (*watch)(void *ctx, const char *key);
    int (*wait)(void *ctx, const char *key, apr_interval_time_t timeout,
                unsigned char **val, apr_size_t *len);
    void (*unwatch)(void *ctx, const char *key);
} tp_cluster_store;

#define TP_CLUSTER_FAILOVER (-2)

typedef enum {
    TP_CLUSTER_WON = 0,     /* claimed, refreshed, published */
    TP_CLUSTER_SHARED,      /* waited for another node's result */
    TP_CLUSTER_GRACE,       /* another node's stored result, at once */
    TP_CLUSTER_FALLBACK,    /* the store failed: refreshed on this node */
    TP_CLUSTER_GAVE_UP,     /* waited until the deadline */
    TP_CLUSTER_LOST,        /* the store failed while another node held
                             * the claim, or an entry did not open */
    TP_CLUSTER_FAILOVER_503 /* the store is in a failover: nothing done */
} tp_cluster_how_e;

typedef struct tp_cluster_out {
    tp_grant_res res;
    tp_cluster_how_e how;
    int took_over;          /* claimed after another's lease ran out */
    int published;          /* WON: 1 stored, 0 no longer ours, -1 error */
    int store_errors;       /* commands that failed */
    int undecodable;        /* entries that did not open, or were stale */
    int stale;              /* LOST: the entry was past its lifetime */
    int told;               /* waits ended by a notice */
    int wait_timeouts;      /* waits ended by their timeout */
    int polls;              /* backoff sleeps (the store could not tell) */
    int republished;        /* WON: publishes sent again after a failover */
} tp_cluster_out;

/* The store key of a flight key: TP_CLUSTER_KEY_PREFIX + hex. */
const char *tp_cluster_key(apr_pool_t *p, const unsigned char *key,
                           apr_size_t klen);

/* A random owner id of TP_CLUSTER_OWNER_LEN hex digits; NULL without
 * random bytes. */
const char *tp_cluster_owner(apr_pool_t *p);

/* Run fn at most once in the cluster for this key (see above); prm as for
 * tp_flight (lease, grace, failed_ttl, deadline). */
void tp_cluster_run(apr_pool_t *p, const tp_cluster_store *st,
                    const tp_flight_params *prm, const char *owner,
                    const char *key, tp_flight_refresh_fn fn, void *baton,
                    tp_cluster_out *out);

/* Encode and decode an entry (exposed for the unit tests and the status
 * page): state is 'F', 'D', 'R' or 'U'; written (the store's clock, now)
 * and ttl_ms (the TTL it is stored with) are sealed into it. */
int tp_cluster_encode(apr_pool_t *p, const unsigned char *seal_key,
                      const char *key, const char *owner, char state,
                      const tp_grant_res *res, apr_time_t written,
                      apr_int64_t ttl_ms, unsigned char **val,
                      apr_size_t *len);
/* 1 and *state (and res for D, R, U) when it opens and, at now, is within
 * its lifetime; -1 when it opens but is older than that; 0 otherwise. */
int tp_cluster_decode(apr_pool_t *p, const unsigned char *seal_key,
                      const char *key, const unsigned char *val,
                      apr_size_t len, apr_time_t now, char *state,
                      tp_grant_res *res);

#endif /* TP_CLUSTER_H */
