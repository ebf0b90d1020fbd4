/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_revtable: the machine-wide table of back-channel logouts.  Three
 * kinds of entry, each keyed by 128 bits of a SHA-256 of the kind, the
 * provider's issuer and a value (never the value itself):
 *   - a sid: every session with that sid (at that provider) is over;
 *   - a sub: every session of that subject at that provider that began
 *     before the entry's iat is over;
 *   - a jti: a logout token already taken (replays are refused).
 * Each entry is kept until its `until` (epoch seconds), then its slot is
 * free again.  An open-addressed hash table (linear probing, at most
 * TP_REVTABLE_PROBE slots from a key's home) in memory the caller gives,
 * in practice anonymous shared memory: like tp_claims, it never evicts a
 * live entry; an entry that finds no free slot is refused (the caller
 * answers 503).  The caller serializes writers and readers (a global
 * mutex); tp_revtable_live() alone may be read without it.  Entries
 * travel between nodes sealed (tp_revtable_seal).  No request
 * structures; never logs.
 */
#ifndef TP_REVTABLE_H
#define TP_REVTABLE_H

#include <apr.h>
#include <apr_pools.h>

#define TP_REVTABLE_KEY_LEN 16
#define TP_REVTABLE_PROBE   256
#define TP_REVTABLE_MIN     1024
#define TP_REVTABLE_MAX     16777216
#define TP_REVTABLE_DEFAULT 65536

typedef enum {
    TP_REV_NONE = 0,
    TP_REV_SID = 1,
    TP_REV_SUB = 2,
    TP_REV_JTI = 3
} tp_rev_kind_e;

typedef struct tp_rev_entry {
    tp_rev_kind_e kind;
    unsigned char key[TP_REVTABLE_KEY_LEN];
    apr_int64_t iat;            /* TP_REV_SUB: sessions begun before it */
    apr_int64_t until;          /* kept until then (epoch seconds) */
} tp_rev_entry;

typedef struct tp_revtable tp_revtable;

/* The key of (kind, issuer, value). */
void tp_revtable_key(tp_rev_kind_e kind, const char *issuer,
                     const char *value, unsigned char *key);

apr_size_t tp_revtable_size(apr_uint32_t slots);
/* Bytes per slot. */
apr_size_t tp_revtable_slot_size(void);
/* Lay out an empty table (tp_revtable_size(slots) bytes, 8-aligned). */
tp_revtable *tp_revtable_init(void *mem, apr_uint32_t slots);
apr_uint32_t tp_revtable_slots(const tp_revtable *t);

/* Add (or extend) entries, all or none: 1 when every one has a slot, 0
 * when one finds none (the table is full there; nothing was changed).
 * An entry already there keeps the later until, and for a sub the later
 * iat. */
int tp_revtable_add(tp_revtable *t, const tp_rev_entry *e, int n,
                    apr_int64_t now);

/* 1 and *e when key of kind has a live entry at now. */
int tp_revtable_get(const tp_revtable *t, tp_rev_kind_e kind,
                    const unsigned char *key, apr_int64_t now,
                    tp_rev_entry *e);

/* Is the session (issuer, sub, sid; started: when it began, epoch
 * seconds, 0 unknown) over by a back-channel logout?  1 when a live sid
 * entry names its sid, or a live sub entry its subject with an iat after
 * the session's start (an unknown start counts as before it). */
int tp_revtable_session_over(const tp_revtable *t, const char *issuer,
                             const char *sub, const char *sid,
                             apr_int64_t started, apr_int64_t now);

/* Without the lock: may a session be over at now at all?  0 when no
 * sid or sub entry has been live since now (the request path then skips
 * the lookup). */
int tp_revtable_live(const tp_revtable *t, apr_int64_t now);

/* Slot i's entry when it is live at now (to copy a table). */
int tp_revtable_entry_at(const tp_revtable *t, apr_uint32_t i,
                         apr_int64_t now, tp_rev_entry *e);

typedef struct tp_revtable_fill {
    long slots, sids, subs, jtis;
} tp_revtable_fill;

void tp_revtable_count(const tp_revtable *t, apr_int64_t now,
                       tp_revtable_fill *f);

/* An entry for Redis: sealed with key (AES-256-GCM, a random nonce, so
 * every member is unique) and base64url-encoded; NULL on failure. */
const char *tp_revtable_seal(apr_pool_t *p, const unsigned char *key,
                             const tp_rev_entry *e);
/* Open what tp_revtable_seal made: 1 and *e, 0 when it does not open. */
int tp_revtable_open(apr_pool_t *p, const unsigned char *key,
                     const char *s, apr_size_t len, tp_rev_entry *e);

#endif /* TP_REVTABLE_H */
