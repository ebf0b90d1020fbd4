/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The claim table: a header and an array of 40-byte slots.
 *
 * A key's home slot comes from its first four bytes (a SHA-256, so evenly
 * spread); the key lives in the first free slot from there on.  A slot is
 * free when it was never used or its time is over.  Slots never go back to
 * "never used", so every slot between a key's home and the key itself was
 * in use when the key was written, and a search can stop at the first slot
 * never used.
 */

#include <string.h>

#include "core/tp_claims.h"

#define MAGIC 0x54504331u      /* "TPC1" */

typedef struct slot {
    unsigned char key[TP_CLAIMS_KEY_LEN];
    apr_int64_t until;
    apr_int64_t lease_end;
    unsigned char state, result, pad[6];
} slot;

struct tp_claims {
    apr_uint32_t magic, nslots;
    apr_uint64_t reserved;
    slot s[];
};

apr_size_t tp_claims_slot_size(void)
{
    return sizeof(slot);
}

apr_size_t tp_claims_size(apr_uint32_t slots)
{
    return sizeof(tp_claims) + (apr_size_t)slots * sizeof(slot);
}

tp_claims *tp_claims_init(void *mem, apr_uint32_t slots)
{
    tp_claims *t = mem;

    memset(t, 0, tp_claims_size(slots));
    t->magic = MAGIC;
    t->nslots = slots;
    return t;
}

apr_uint32_t tp_claims_slots(const tp_claims *t)
{
    return t->nslots;
}

static apr_uint32_t home(const tp_claims *t, const unsigned char *key)
{
    apr_uint32_t h = ((apr_uint32_t)key[0] << 24) | ((apr_uint32_t)key[1] << 16)
                     | ((apr_uint32_t)key[2] << 8) | key[3];

    return h % t->nslots;
}

static apr_uint32_t reach(const tp_claims *t)
{
    return t->nslots < TP_CLAIMS_PROBE ? t->nslots : TP_CLAIMS_PROBE;
}

int tp_claims_get(const tp_claims *t, const unsigned char *key,
                  apr_time_t now, tp_claim *c)
{
    apr_uint32_t i, at = home(t, key), n = reach(t);

    for (i = 0; i < n; i++, at = at + 1 == t->nslots ? 0 : at + 1) {
        const slot *sl = &t->s[at];

        if (sl->state == TP_CLAIM_NONE) {
            return 0;                   /* never used: the key is not here */
        }
        if (!memcmp(sl->key, key, TP_CLAIMS_KEY_LEN)) {
            if (sl->until <= now) {
                return 0;
            }
            c->state = (tp_claim_state_e)sl->state;
            c->result = sl->result;
            c->until = sl->until;
            c->lease_end = sl->lease_end;
            return 1;
        }
    }
    return 0;
}

int tp_claims_put(tp_claims *t, const unsigned char *key, apr_time_t now,
                  const tp_claim *c)
{
    apr_uint32_t i, at = home(t, key), n = reach(t);
    slot *free_slot = NULL, *sl = NULL;

    for (i = 0; i < n; i++, at = at + 1 == t->nslots ? 0 : at + 1) {
        slot *cand = &t->s[at];

        if (cand->state != TP_CLAIM_NONE
            && !memcmp(cand->key, key, TP_CLAIMS_KEY_LEN)) {
            sl = cand;                  /* the key's own slot */
            break;
        }
        if (!free_slot && (cand->state == TP_CLAIM_NONE
                           || cand->until <= now)) {
            free_slot = cand;
        }
        if (cand->state == TP_CLAIM_NONE) {
            break;                      /* the key is not further on */
        }
    }
    if (!sl) {
        sl = free_slot;
    }
    if (!sl) {
        return 0;
    }
    memcpy(sl->key, key, TP_CLAIMS_KEY_LEN);
    sl->until = c->until;
    sl->lease_end = c->lease_end;
    sl->result = (unsigned char)c->result;
    sl->state = (unsigned char)c->state;
    return 1;
}

void tp_claims_count(const tp_claims *t, apr_time_t now, tp_claims_fill *f)
{
    apr_uint32_t i;

    memset(f, 0, sizeof(*f));
    f->slots = (long)t->nslots;
    for (i = 0; i < t->nslots; i++) {
        const slot *sl = &t->s[i];

        if (sl->state == TP_CLAIM_NONE || sl->until <= now) {
            continue;
        }
        switch (sl->state) {
        case TP_CLAIM_IN_FLIGHT: f->in_flight++; break;
        case TP_CLAIM_DONE:      f->done++; break;
        case TP_CLAIM_FAILED:    f->failed++; break;
        default:                 break;
        }
    }
}
