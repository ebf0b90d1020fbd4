/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_claims: the fixed table of refresh claims.  One slot per refresh
 * token that is being refreshed (in flight, with its lease) or whose
 * outcome is still within its window (done: a result was published to the
 * results cache; failed: the outcome itself, which needs no tokens).
 *
 * The table is an open-addressed hash table (linear probing, at most
 * TP_CLAIMS_PROBE slots from a key's home slot) in memory the caller
 * provides, in practice anonymous shared memory.  It never evicts: a slot
 * is reused only once its time is over, and a claim that finds no free
 * slot fails, so that the caller answers "try again" instead of losing
 * someone else's claim.  The caller serializes all calls (the global
 * mutex); no request structures, no logging.
 */
#ifndef TP_CLAIMS_H
#define TP_CLAIMS_H

#include <apr.h>
#include <apr_time.h>

/* The table keeps this many bytes of the 32-byte SHA-256 store key: two
 * refresh tokens share a slot only if 128 bits of their hashes agree. */
#define TP_CLAIMS_KEY_LEN 16
/* The longest probe sequence, in slots. */
#define TP_CLAIMS_PROBE   256
#define TP_CLAIMS_MIN     1024
#define TP_CLAIMS_MAX     16777216

typedef enum {
    TP_CLAIM_NONE = 0,
    TP_CLAIM_IN_FLIGHT = 1,   /* a refresh runs until lease_end */
    TP_CLAIM_DONE = 2,        /* the new tokens are in the results cache */
    TP_CLAIM_FAILED = 3       /* the refresh failed with `result` */
} tp_claim_state_e;

typedef struct tp_claim {
    tp_claim_state_e state;
    int result;               /* TP_CLAIM_FAILED: a tp_grant_e */
    apr_time_t until;         /* the slot is free from then on */
    apr_time_t lease_end;     /* TP_CLAIM_IN_FLIGHT */
} tp_claim;

typedef struct tp_claims tp_claims;

typedef struct tp_claims_fill {
    long slots, in_flight, done, failed;
} tp_claims_fill;

/* Bytes of memory a table of `slots` slots takes. */
apr_size_t tp_claims_size(apr_uint32_t slots);
/* Bytes per slot. */
apr_size_t tp_claims_slot_size(void);
/* Lay out an empty table in mem (tp_claims_size(slots) bytes, aligned
 * for 8-byte integers). */
tp_claims *tp_claims_init(void *mem, apr_uint32_t slots);
apr_uint32_t tp_claims_slots(const tp_claims *t);

/* 1 and *c when key has a slot whose time is not over at `now` (an
 * in-flight claim's slot outlives its lease: see lease_end). */
int tp_claims_get(const tp_claims *t, const unsigned char *key,
                  apr_time_t now, tp_claim *c);
/* Set key's slot to *c (taking a free slot when key has none); 0 when
 * every slot within reach is taken: the table is full there. */
int tp_claims_put(tp_claims *t, const unsigned char *key, apr_time_t now,
                  const tp_claim *c);
/* Count the slots in use at `now`, by state. */
void tp_claims_count(const tp_claims *t, apr_time_t now, tp_claims_fill *f);

#endif /* TP_CLAIMS_H */
