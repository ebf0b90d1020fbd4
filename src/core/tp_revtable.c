/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The revocation table: a header and an array of 40-byte slots, laid out
 * like tp_claims' (a key's home slot from its first four bytes; slots
 * never go back to "never used", so a search stops at the first one).
 */

#include <string.h>

#include <openssl/evp.h>

#include <apr_atomic.h>
#include <apr_strings.h>

#include "core/tp_b64.h"
#include "core/tp_revtable.h"
#include "core/tp_seal.h"

#define MAGIC 0x54505231u      /* "TPR1" */
#define WIRE_LEN (1 + TP_REVTABLE_KEY_LEN + 8 + 8)
#define WIRE_AAD "tokenproxy-revocation-1"

typedef struct slot {
    unsigned char key[TP_REVTABLE_KEY_LEN];
    apr_int64_t iat;
    apr_int64_t until;
    unsigned char kind, pad[7];
} slot;

struct tp_revtable {
    apr_uint32_t magic, nslots;
    /* the latest until of a sid or sub entry: read without the lock */
    volatile apr_uint64_t live_until;
    slot s[];
};

void tp_revtable_key(tp_rev_kind_e kind, const char *issuer,
                     const char *value, unsigned char *key)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char k = (unsigned char)kind;

    memset(md, 0, sizeof(md));
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        EVP_DigestUpdate(ctx, &k, 1);
        EVP_DigestUpdate(ctx, issuer, strlen(issuer) + 1);  /* with NUL */
        EVP_DigestUpdate(ctx, value, strlen(value));
        EVP_DigestFinal_ex(ctx, md, &n);
    }
    EVP_MD_CTX_free(ctx);
    memcpy(key, md, TP_REVTABLE_KEY_LEN);
}

apr_size_t tp_revtable_slot_size(void)
{
    return sizeof(slot);
}

apr_size_t tp_revtable_size(apr_uint32_t slots)
{
    return sizeof(tp_revtable) + (apr_size_t)slots * sizeof(slot);
}

tp_revtable *tp_revtable_init(void *mem, apr_uint32_t slots)
{
    tp_revtable *t = mem;

    memset(t, 0, tp_revtable_size(slots));
    t->magic = MAGIC;
    t->nslots = slots;
    return t;
}

apr_uint32_t tp_revtable_slots(const tp_revtable *t)
{
    return t->nslots;
}

static apr_uint32_t home(const tp_revtable *t, const unsigned char *key)
{
    apr_uint32_t h = ((apr_uint32_t)key[0] << 24) | ((apr_uint32_t)key[1] << 16)
                     | ((apr_uint32_t)key[2] << 8) | key[3];

    return h % t->nslots;
}

static apr_uint32_t reach(const tp_revtable *t)
{
    return t->nslots < TP_REVTABLE_PROBE ? t->nslots : TP_REVTABLE_PROBE;
}

static apr_uint32_t next(const tp_revtable *t, apr_uint32_t at)
{
    return at + 1 == t->nslots ? 0 : at + 1;
}

/* The slot of (kind, key) live or not, else a free one (NULL: none
 * within reach); *own says which. */
static slot *find(tp_revtable *t, tp_rev_kind_e kind,
                  const unsigned char *key, apr_int64_t now, int *own)
{
    apr_uint32_t i, at = home(t, key), n = reach(t);
    slot *free_slot = NULL;

    *own = 0;
    for (i = 0; i < n; i++, at = next(t, at)) {
        slot *sl = &t->s[at];

        if (sl->kind != TP_REV_NONE && sl->kind == (unsigned char)kind
            && sl->until > now
            && !memcmp(sl->key, key, TP_REVTABLE_KEY_LEN)) {
            *own = 1;
            return sl;
        }
        if (!free_slot && (sl->kind == TP_REV_NONE || sl->until <= now)) {
            free_slot = sl;
        }
        if (sl->kind == TP_REV_NONE) {
            break;
        }
    }
    return free_slot;
}

int tp_revtable_add(tp_revtable *t, const tp_rev_entry *e, int n,
                    apr_int64_t now)
{
    slot *sl[8];
    int own[8], i, j;

    if (n < 1 || n > 8) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!(sl[i] = find(t, e[i].kind, e[i].key, now, &own[i]))) {
            return 0;
        }
        for (j = 0; j < i; j++) {       /* two new entries, one free slot */
            if (sl[j] == sl[i] && !own[i]) {
                return 0;
            }
        }
    }
    for (i = 0; i < n; i++) {
        if (own[i]) {
            if (e[i].until > sl[i]->until) {
                sl[i]->until = e[i].until;
            }
            if (e[i].iat > sl[i]->iat) {
                sl[i]->iat = e[i].iat;
            }
        }
        else {
            memcpy(sl[i]->key, e[i].key, TP_REVTABLE_KEY_LEN);
            sl[i]->iat = e[i].iat;
            sl[i]->until = e[i].until;
            sl[i]->kind = (unsigned char)e[i].kind;
        }
        if (e[i].kind != TP_REV_JTI
            && (apr_uint64_t)e[i].until > apr_atomic_read64(&t->live_until)) {
            apr_atomic_set64(&t->live_until, (apr_uint64_t)e[i].until);
        }
    }
    return 1;
}

int tp_revtable_get(const tp_revtable *t, tp_rev_kind_e kind,
                    const unsigned char *key, apr_int64_t now,
                    tp_rev_entry *e)
{
    apr_uint32_t i, at = home(t, key), n = reach(t);

    for (i = 0; i < n; i++, at = next(t, at)) {
        const slot *sl = &t->s[at];

        if (sl->kind == TP_REV_NONE) {
            return 0;
        }
        if (sl->kind == (unsigned char)kind && sl->until > now
            && !memcmp(sl->key, key, TP_REVTABLE_KEY_LEN)) {
            e->kind = kind;
            memcpy(e->key, sl->key, TP_REVTABLE_KEY_LEN);
            e->iat = sl->iat;
            e->until = sl->until;
            return 1;
        }
    }
    return 0;
}

int tp_revtable_session_over(const tp_revtable *t, const char *issuer,
                             const char *sub, const char *sid,
                             apr_int64_t started, apr_int64_t now)
{
    unsigned char key[TP_REVTABLE_KEY_LEN];
    tp_rev_entry e;

    if (!issuer) {
        return 0;
    }
    if (sid && *sid) {
        tp_revtable_key(TP_REV_SID, issuer, sid, key);
        if (tp_revtable_get(t, TP_REV_SID, key, now, &e)) {
            return 1;
        }
    }
    if (sub && *sub) {
        tp_revtable_key(TP_REV_SUB, issuer, sub, key);
        if (tp_revtable_get(t, TP_REV_SUB, key, now, &e)
            && (started <= 0 || started < e.iat)) {
            return 1;
        }
    }
    return 0;
}

int tp_revtable_live(const tp_revtable *t, apr_int64_t now)
{
    return (apr_int64_t)apr_atomic_read64(
               (volatile apr_uint64_t *)&t->live_until) > now;
}

int tp_revtable_entry_at(const tp_revtable *t, apr_uint32_t i,
                         apr_int64_t now, tp_rev_entry *e)
{
    const slot *sl;

    if (i >= t->nslots) {
        return 0;
    }
    sl = &t->s[i];
    if (sl->kind == TP_REV_NONE || sl->until <= now) {
        return 0;
    }
    e->kind = (tp_rev_kind_e)sl->kind;
    memcpy(e->key, sl->key, TP_REVTABLE_KEY_LEN);
    e->iat = sl->iat;
    e->until = sl->until;
    return 1;
}

void tp_revtable_count(const tp_revtable *t, apr_int64_t now,
                       tp_revtable_fill *f)
{
    apr_uint32_t i;

    memset(f, 0, sizeof(*f));
    f->slots = (long)t->nslots;
    for (i = 0; i < t->nslots; i++) {
        const slot *sl = &t->s[i];

        if (sl->kind == TP_REV_NONE || sl->until <= now) {
            continue;
        }
        switch (sl->kind) {
        case TP_REV_SID: f->sids++; break;
        case TP_REV_SUB: f->subs++; break;
        case TP_REV_JTI: f->jtis++; break;
        default:         break;
        }
    }
}

static void put64(unsigned char *b, apr_int64_t v)
{
    apr_uint64_t u = (apr_uint64_t)v;
    int i;

    for (i = 7; i >= 0; i--) {
        b[i] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
}

static apr_int64_t get64(const unsigned char *b)
{
    apr_uint64_t u = 0;
    int i;

    for (i = 0; i < 8; i++) {
        u = (u << 8) | b[i];
    }
    return (apr_int64_t)u;
}

const char *tp_revtable_seal(apr_pool_t *p, const unsigned char *key,
                             const tp_rev_entry *e)
{
    unsigned char wire[WIRE_LEN], *out;
    apr_size_t outlen;

    wire[0] = (unsigned char)e->kind;
    memcpy(wire + 1, e->key, TP_REVTABLE_KEY_LEN);
    put64(wire + 1 + TP_REVTABLE_KEY_LEN, e->iat);
    put64(wire + 1 + TP_REVTABLE_KEY_LEN + 8, e->until);
    if (!tp_seal(p, key, WIRE_AAD, sizeof(WIRE_AAD) - 1, wire, WIRE_LEN,
                 &out, &outlen)) {
        return NULL;
    }
    return tp_b64url_encode(p, out, outlen);
}

int tp_revtable_open(apr_pool_t *p, const unsigned char *key,
                     const char *s, apr_size_t len, tp_rev_entry *e)
{
    unsigned char raw[128], *out;
    apr_size_t outlen;
    long n;

    if (len > 160          /* 120 bytes at most, within raw */
        || (n = tp_b64url_decode_strict(raw, s, len)) < 0
        || (apr_size_t)n != WIRE_LEN + TP_SEAL_OVERHEAD
        || !tp_unseal(p, key, WIRE_AAD, sizeof(WIRE_AAD) - 1, raw,
                      (apr_size_t)n, &out, &outlen)
        || outlen != WIRE_LEN || out[0] < TP_REV_SID || out[0] > TP_REV_JTI) {
        return 0;
    }
    e->kind = (tp_rev_kind_e)out[0];
    memcpy(e->key, out + 1, TP_REVTABLE_KEY_LEN);
    e->iat = get64(out + 1 + TP_REVTABLE_KEY_LEN);
    e->until = get64(out + 1 + TP_REVTABLE_KEY_LEN + 8);
    return 1;
}
