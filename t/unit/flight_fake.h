/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* The unit tests' store for tp_flight: the real claim table, a results
 * table that can evict (at most max_results entries, the oldest go
 * first), a clock that sleeping advances, and a refresh that counts its
 * calls.  Shared by test_flight.c and test_flight_told.c. */
#ifndef FLIGHT_FAKE_H
#define FLIGHT_FAKE_H

#include <apr_hash.h>
#include <apr_tables.h>

#include "core/tp_claims.h"
#include "core/tp_flight.h"
#include "core/tp_seal.h"

typedef struct fake {
    apr_pool_t *p;
    apr_hash_t *data;       /* key -> entry */
    apr_array_header_t *order;  /* keys in the order stored */
    int max_results, evictions;
    tp_claims *claims;
    apr_uint32_t slots;
    apr_time_t now;
    int locked, locks, puts, fail_put_big, fail_lock;
    /* called from sleep, to let "another request" act */
    void (*on_sleep)(struct fake *f);
    int sleeps;
    apr_interval_time_t last_sleep;
    /* a store that can tell (fake_told): what watch answers and what
     * happens in it, what wait answers (NULL: 0, the time passed), and
     * the calls */
    int watch_ok;
    void (*on_watch)(struct fake *f);
    int (*on_wait)(struct fake *f, apr_pool_t *p, apr_interval_time_t t,
                   tp_grant_res *res);
    int watches, unwatches, waits, tells, told_locked, told_unstored;
    apr_interval_time_t max_wait;
} fake;

typedef struct fentry {
    unsigned char *data;
    apr_size_t len;
    apr_time_t expiry;
} fentry;

/* the refresh itself: counts calls, answers what the baton says */
typedef struct call {
    int calls;
    tp_grant_e result;
    fake *f;
    int locked_during;
} call;

extern unsigned char fake_seal_key[TP_SEAL_KEY_LEN];

/* A store of slots claims on a new fake (the clock at 1,000,000 s). */
fake *fake_new(tp_flight_store *st, apr_uint32_t slots);
/* Another request's view of the same fake. */
void fake_fill_store(fake *f, tp_flight_store *st);
/* Give st the told store's four functions (watch, wait, unwatch, tell). */
void fake_told(tp_flight_store *st);
/* As tp_flight's claim_put (the fake must be locked). */
int fake_claim_put(void *c, const unsigned char *key, apr_size_t klen,
                   apr_time_t now, const tp_claim *cl);
/* Another request of the machine holds key's claim until lease_end. */
void fake_inflight(fake *f, const unsigned char *key, apr_time_t lease_end);
/* That other request finishes: refreshes (access token "AT101") and
 * publishes, with the told store's functions when told. */
void fake_other_publishes(fake *f, const unsigned char *key,
                          const tp_flight_params *prm, int told);
/* The refresh: counts calls, answers what the baton (a call) says. */
void do_refresh(void *baton, apr_pool_t *p, tp_grant_res *res);

#endif
