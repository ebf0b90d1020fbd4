/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The single-flight state machine.
 *
 * A result entry in the results cache: an 8-byte header (magic, version,
 * state "done", result, expires_in) followed by the sealed tokens (access
 * NUL refresh; the store key is the additional authenticated data).  Only
 * "done" refreshes have a result entry: claims and failures live in the
 * claim table, which never evicts.
 */

#include <string.h>

#include <openssl/evp.h>

#include <apr_strings.h>

#include "core/tp_flight.h"
#include "core/tp_seal.h"

#define MAGIC 0x54    /* 'T' */
#define VERSION 2
#define ST_DONE 2

typedef struct entry_hdr {
    unsigned char magic, version, state, result;
    apr_int32_t expires_in;
} entry_hdr;

#define HDR_LEN sizeof(entry_hdr)

#define BACKOFF_MIN apr_time_from_msec(5)
#define BACKOFF_MAX apr_time_from_msec(20)
/* once told: the leader of this machine stores the result within a
 * moment (the notice may come from the cluster before it has) */
#define BACKOFF_TOLD apr_time_from_msec(1)

void tp_flight_key(const char *url, const char *rt, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;

    memset(key, 0, 32);
    if (!md) {
        return;
    }
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
        EVP_DigestUpdate(md, url ? url : "", url ? strlen(url) + 1 : 1);
        EVP_DigestUpdate(md, rt, strlen(rt));
        EVP_DigestFinal_ex(md, key, &n);
    }
    EVP_MD_CTX_free(md);
}

int tp_flight_is_result(const unsigned char *data, apr_size_t len)
{
    entry_hdr h;

    if (len < HDR_LEN) {
        return 0;
    }
    memcpy(&h, data, HDR_LEN);
    return h.magic == MAGIC && h.version == VERSION && h.state == ST_DONE;
}

/* Store the new tokens in the results cache; the bytes stored, 0 when
 * they could not be. */
static apr_size_t store_result(apr_pool_t *p, const tp_flight_store *st,
                               const tp_flight_params *prm,
                               const unsigned char *key, apr_size_t klen,
                               apr_time_t now, const tp_grant_res *res)
{
    const char *plain = apr_pstrcat(p, res->tokens.access, "|",
                                    res->tokens.refresh
                                    ? res->tokens.refresh : "", NULL);
    unsigned char *sealed, *buf;
    apr_size_t slen;
    entry_hdr h;

    memset(&h, 0, sizeof(h));
    h.magic = MAGIC;
    h.version = VERSION;
    h.state = ST_DONE;
    h.result = TP_GRANT_OK;
    h.expires_in = res->tokens.expires_in > APR_INT32_MAX
                   ? APR_INT32_MAX : (apr_int32_t)res->tokens.expires_in;
    if (!tp_seal(p, st->seal_key, key, klen, plain, strlen(plain), &sealed,
                 &slen)) {
        return 0;
    }
    buf = apr_palloc(p, HDR_LEN + slen);
    memcpy(buf, &h, HDR_LEN);
    memcpy(buf + HDR_LEN, sealed, slen);
    return st->put(st->ctx, p, key, klen, now + prm->grace, buf,
                   HDR_LEN + slen) ? HDR_LEN + slen : 0;
}

/* Publish the outcome of a refresh: the tokens to the results cache, the
 * outcome to the claim.  A result that cannot be stored still marks the
 * claim "done" for the grace window: later requests with the same token
 * then find it missing and answer "unavailable" instead of refreshing a
 * token the provider has already rotated. */
static void publish(apr_pool_t *p, const tp_flight_store *st,
                    const tp_flight_params *prm, const unsigned char *key,
                    apr_size_t klen, tp_flight_out *out)
{
    const tp_grant_res *res = &out->res;
    apr_time_t now = st->now(st->ctx);
    tp_claim c;

    memset(&c, 0, sizeof(c));
    if (res->result == TP_GRANT_OK) {
        out->stored_len = store_result(p, st, prm, key, klen, now, res);
        out->unstored = out->stored_len == 0;
        c.state = TP_CLAIM_DONE;
        c.result = TP_GRANT_OK;
        c.until = now + prm->grace;
    }
    else {
        c.state = TP_CLAIM_FAILED;
        c.result = res->result == TP_GRANT_REJECTED
                   || res->result == TP_GRANT_MISCONFIGURED
                   ? res->result : TP_GRANT_UNAVAILABLE;
        c.until = now + (res->result == TP_GRANT_REJECTED ? prm->grace
                                                            : prm->failed_ttl);
    }
    /* the claim's own slot: only a claim kept past its time (longer than
     * lease and deadline) can have lost it */
    if (!st->claim_put(st->ctx, key, klen, now, &c)) {
        out->store_failed = 1;
    }
}

/* Fill res from a result entry; 0 when it cannot be read. */
static int read_result(apr_pool_t *p, const tp_flight_store *st,
                       const unsigned char *key, apr_size_t klen,
                       const unsigned char *data, apr_size_t len,
                       tp_grant_res *res)
{
    unsigned char *plain;
    apr_size_t plen;
    entry_hdr h;
    char *bar;

    memset(res, 0, sizeof(*res));
    if (!tp_flight_is_result(data, len)) {
        return 0;
    }
    memcpy(&h, data, HDR_LEN);
    if (!tp_unseal(p, st->seal_key, key, klen, data + HDR_LEN,
                   len - HDR_LEN, &plain, &plen)
        || !(bar = strchr((char *)plain, '|'))) {
        return 0;
    }
    *bar = '\0';
    res->result = TP_GRANT_OK;
    res->why = "shared";
    res->tokens.access = (const char *)plain;
    res->tokens.refresh = bar[1] ? bar + 1 : NULL;
    res->tokens.expires_in = h.expires_in;
    return 1;
}

static void unavailable(tp_flight_out *out, const char *why)
{
    memset(&out->res, 0, sizeof(out->res));
    out->res.result = TP_GRANT_UNAVAILABLE;
    out->res.why = why;
}

/* Use a published outcome (the lock is held and released here). */
static void use_outcome(apr_pool_t *p, const tp_flight_store *st,
                        const unsigned char *key, apr_size_t klen,
                        const tp_claim *c, tp_flight_out *out)
{
    unsigned char *data;
    apr_size_t len;

    out->how = out->waited ? TP_FLIGHT_SHARED : TP_FLIGHT_GRACE;
    if (c->state == TP_CLAIM_FAILED) {
        st->unlock(st->ctx);
        memset(&out->res, 0, sizeof(out->res));
        out->res.result = c->result == TP_GRANT_REJECTED
                          || c->result == TP_GRANT_MISCONFIGURED
                          ? c->result : TP_GRANT_UNAVAILABLE;
        out->res.why = c->result == TP_GRANT_REJECTED
                       ? "the refresh endpoint rejected the token"
                       : c->result == TP_GRANT_MISCONFIGURED
                       ? "the endpoint said the client's configuration is "
                         "wrong"
                       : "the refresh endpoint was unavailable";
        return;
    }
    if (!st->get(st->ctx, p, key, klen, &data, &len)) {
        st->unlock(st->ctx);
        out->evicted = 1;
        out->how = TP_FLIGHT_LOST;
        unavailable(out, "the stored result was evicted from the cache "
                    "within its grace window");
        return;
    }
    st->unlock(st->ctx);
    if (!read_result(p, st, key, klen, data, len, &out->res)) {
        unavailable(out, "a shared entry could not be opened");
    }
}

/* How a waiter waits: told by the store, or polling. */
typedef struct waiting {
    int watched;                /* watch said yes: unwatch at the end */
    int poll;                   /* cannot be told (any more), or was */
    apr_interval_time_t backoff;
} waiting;

/* Wait once for a refresh in flight, at most until its lease ends (the
 * first time, when the watch begins, not at all); 1 when a notice
 * brought the result (into out). */
static int wait_once(apr_pool_t *p, const tp_flight_store *st,
                     const unsigned char *key, apr_size_t klen,
                     apr_time_t now, apr_time_t until, waiting *w,
                     tp_flight_out *out)
{
    apr_interval_time_t t = until - now;
    int rv;

    if (!w->poll && !w->watched) {
        if (!st->watch || !st->watch(st->ctx, key, klen)) {
            w->poll = 1;
        }
        else {
            /* a result published between the look and the watch
             * reached nobody: look once more */
            w->watched = 1;
            return 0;
        }
    }
    if (w->poll) {
        out->polls++;
        st->sleep(st->ctx, w->backoff);
        w->backoff = w->backoff * 3 / 2;
        if (w->backoff > BACKOFF_MAX) {
            w->backoff = BACKOFF_MAX;
        }
        return 0;
    }
    if (t > BACKOFF_MAX) {
        t = BACKOFF_MAX;
    }
    rv = st->wait(st->ctx, p, t > 0 ? t : 1, &out->res);
    if (rv == 2) {
        out->told++;
        return 1;
    }
    if (rv != 0) {
        /* told: the result is here or a moment away; or the store
         * cannot tell any more: poll from now */
        w->poll = 1;
        if (rv > 0) {
            out->told++;
            w->backoff = BACKOFF_TOLD;
        }
    }
    return 0;
}

static void run(apr_pool_t *p, const tp_flight_store *st,
                const tp_flight_params *prm, const unsigned char *key,
                apr_size_t klen, tp_flight_refresh_fn fn, void *baton,
                waiting *w, tp_flight_out *out)
{
    apr_time_t start = st->now(st->ctx), now;
    unsigned char *data;
    apr_size_t len;
    tp_claim c;

    for (;;) {
        if (!st->lock(st->ctx)) {
            /* no shared state: every request would refresh on its own,
             * one by one with one token, so refresh nothing */
            out->store_failed = 1;
            out->how = TP_FLIGHT_LOST;
            unavailable(out, "the shared refresh state cannot be locked");
            return;
        }
        now = st->now(st->ctx);
        if (st->claim_get(st->ctx, key, klen, now, &c)) {
            if (c.state == TP_CLAIM_DONE || c.state == TP_CLAIM_FAILED) {
                use_outcome(p, st, key, klen, &c, out);
                return;
            }
            if (now < c.lease_end) {
                st->unlock(st->ctx);
                if (now - start >= prm->deadline) {
                    out->how = TP_FLIGHT_GAVE_UP;
                    unavailable(out, "gave up waiting for another request's "
                                "refresh");
                    return;
                }
                out->waited = 1;
                if (wait_once(p, st, key, klen, now,
                              c.lease_end < start + prm->deadline
                              ? c.lease_end : start + prm->deadline, w,
                              out)) {
                    out->how = TP_FLIGHT_SHARED;
                    return;
                }
                continue;
            }
            /* in flight, but its lease ran out: take over */
            out->took_over = 1;
        }
        else if (st->get(st->ctx, p, key, klen, &data, &len)) {
            /* a result without a claim: published before the claim table
             * was made anew (a changed TokenProxyRefreshSlots) */
            st->unlock(st->ctx);
            out->how = out->waited ? TP_FLIGHT_SHARED : TP_FLIGHT_GRACE;
            if (!read_result(p, st, key, klen, data, len, &out->res)) {
                unavailable(out, "a shared entry could not be opened");
            }
            return;
        }
        memset(&c, 0, sizeof(c));
        c.state = TP_CLAIM_IN_FLIGHT;
        c.lease_end = now + prm->lease;
        c.until = now + prm->lease + prm->deadline;
        if (!st->claim_put(st->ctx, key, klen, now, &c)) {
            /* no free slot: refreshing without a claim could refresh the
             * token twice, so refresh nothing */
            st->unlock(st->ctx);
            out->claims_full = 1;
            out->how = TP_FLIGHT_LOST;
            unavailable(out, "no free slot in the table of refreshes "
                        "(TokenProxyRefreshSlots)");
            return;
        }
        st->unlock(st->ctx);

        fn(baton, p, &out->res);      /* never under the lock */
        out->how = TP_FLIGHT_REFRESHED;

        if (st->lock(st->ctx)) {
            publish(p, st, prm, key, klen, out);
            st->unlock(st->ctx);
            if (st->tell) {
                st->tell(st->ctx, key, klen);
            }
        }
        else {
            out->store_failed = 1;
        }
        return;
    }
}

void tp_flight_run(apr_pool_t *p, const tp_flight_store *st,
                   const tp_flight_params *prm,
                   const unsigned char *key, apr_size_t klen,
                   tp_flight_refresh_fn fn, void *baton,
                   tp_flight_out *out)
{
    waiting w;

    memset(out, 0, sizeof(*out));
    memset(&w, 0, sizeof(w));
    w.backoff = BACKOFF_MIN;
    run(p, st, prm, key, klen, fn, baton, &w, out);
    if (w.watched) {
        st->unwatch(st->ctx);
    }
}
