/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The single-flight state machine.
 *
 * An entry: a 24-byte header (magic, state, result, lease end, expires_in)
 * followed, for "done", by the sealed tokens (access NUL refresh NUL; the
 * store key is the additional authenticated data), or, for "failed", by
 * the reason text (no secrets).
 */

#include <string.h>

#include <openssl/evp.h>

#include <apr_strings.h>

#include "tp_flight.h"
#include "tp_seal.h"

#define MAGIC 0x54    /* 'T' */
#define VERSION 1

enum {
    ST_INFLIGHT = TP_ENTRY_IN_FLIGHT,
    ST_DONE = TP_ENTRY_DONE,
    ST_FAILED = TP_ENTRY_FAILED
};

typedef struct entry_hdr {
    unsigned char magic, version, state, result;
    apr_int32_t expires_in;
    apr_time_t lease_end;
    apr_int64_t reserved;
} entry_hdr;

#define HDR_LEN sizeof(entry_hdr)

#define BACKOFF_MIN apr_time_from_msec(5)
#define BACKOFF_MAX apr_time_from_msec(50)

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

tp_entry_state_e tp_flight_entry_state(const unsigned char *data,
                                       apr_size_t len)
{
    entry_hdr h;

    if (len < HDR_LEN) {
        return TP_ENTRY_UNKNOWN;
    }
    memcpy(&h, data, HDR_LEN);
    if (h.magic != MAGIC || h.version != VERSION
        || h.state < ST_INFLIGHT || h.state > ST_FAILED) {
        return TP_ENTRY_UNKNOWN;
    }
    return (tp_entry_state_e)h.state;
}

static int put_entry(apr_pool_t *p, const tp_flight_store *st,
                     const unsigned char *key, apr_size_t klen,
                     apr_time_t expiry, const entry_hdr *h,
                     const unsigned char *body, apr_size_t blen)
{
    unsigned char *buf = apr_palloc(p, HDR_LEN + blen);

    memcpy(buf, h, HDR_LEN);
    if (blen) {
        memcpy(buf + HDR_LEN, body, blen);
    }
    return st->put(st->ctx, p, key, klen, expiry, buf, HDR_LEN + blen);
}

static void init_hdr(entry_hdr *h, int state)
{
    memset(h, 0, sizeof(*h));
    h->magic = MAGIC;
    h->version = VERSION;
    h->state = (unsigned char)state;
}

/* Publish the outcome of a refresh.  A "done" entry that cannot be stored
 * becomes a small "failed: unavailable" one, so that no waiter takes over
 * and refreshes the same token twice. */
static void publish(apr_pool_t *p, const tp_flight_store *st,
                    const tp_flight_params *prm, const unsigned char *key,
                    apr_size_t klen, const tp_refresh_res *res)
{
    entry_hdr h;
    apr_time_t now = st->now(st->ctx);

    if (res->result == TP_REFRESH_OK) {
        const char *plain = apr_pstrcat(p, res->tokens.access, "|",
                                        res->tokens.refresh
                                        ? res->tokens.refresh : "", NULL);
        unsigned char *sealed;
        apr_size_t slen;

        init_hdr(&h, ST_DONE);
        h.result = TP_REFRESH_OK;
        h.expires_in = res->tokens.expires_in > APR_INT32_MAX
                       ? APR_INT32_MAX : (apr_int32_t)res->tokens.expires_in;
        if (tp_seal(p, st->seal_key, key, klen, plain, strlen(plain),
                    &sealed, &slen)
            && put_entry(p, st, key, klen, now + prm->grace, &h, sealed,
                         slen)) {
            return;
        }
        init_hdr(&h, ST_FAILED);
        h.result = TP_REFRESH_UNAVAILABLE;
        put_entry(p, st, key, klen, now + prm->failed_ttl, &h,
                  (const unsigned char *)"the new tokens could not be shared",
                  34);
        return;
    }
    init_hdr(&h, ST_FAILED);
    h.result = (unsigned char)res->result;
    put_entry(p, st, key, klen,
              now + (res->result == TP_REFRESH_REJECTED ? prm->grace
                                                        : prm->failed_ttl),
              &h, (const unsigned char *)res->why,
              res->why ? strlen(res->why) : 0);
}

/* Fill res from a done or failed entry; 0 when it cannot be read. */
static int read_result(apr_pool_t *p, const tp_flight_store *st,
                       const unsigned char *key, apr_size_t klen,
                       const entry_hdr *h, const unsigned char *body,
                       apr_size_t blen, tp_refresh_res *res)
{
    unsigned char *plain;
    apr_size_t plen;
    char *bar;

    memset(res, 0, sizeof(*res));
    if (h->state == ST_FAILED) {
        res->result = h->result == TP_REFRESH_REJECTED ? TP_REFRESH_REJECTED
                                                       : TP_REFRESH_UNAVAILABLE;
        res->why = blen ? apr_pstrmemdup(p, (const char *)body, blen)
                        : "failed";
        return 1;
    }
    if (!tp_unseal(p, st->seal_key, key, klen, body, blen, &plain, &plen)
        || !(bar = strchr((char *)plain, '|'))) {
        return 0;
    }
    *bar = '\0';
    res->result = TP_REFRESH_OK;
    res->why = "shared";
    res->tokens.access = (const char *)plain;
    res->tokens.refresh = bar[1] ? bar + 1 : NULL;
    res->tokens.expires_in = h->expires_in;
    return 1;
}

static void unavailable(tp_flight_out *out, const char *why)
{
    memset(&out->res, 0, sizeof(out->res));
    out->res.result = TP_REFRESH_UNAVAILABLE;
    out->res.why = why;
}

void tp_flight_run(apr_pool_t *p, const tp_flight_store *st,
                   const tp_flight_params *prm,
                   const unsigned char *key, apr_size_t klen,
                   tp_flight_refresh_fn fn, void *baton,
                   tp_flight_out *out)
{
    apr_time_t start = st->now(st->ctx), now;
    apr_interval_time_t backoff = BACKOFF_MIN;
    entry_hdr h;

    memset(out, 0, sizeof(*out));
    for (;;) {
        unsigned char *data;
        apr_size_t len;

        if (!st->lock(st->ctx)) {
            /* no shared state: refresh alone rather than not at all */
            out->store_failed = 1;
            fn(baton, p, &out->res);
            out->how = TP_FLIGHT_REFRESHED;
            return;
        }
        now = st->now(st->ctx);
        if (st->get(st->ctx, p, key, klen, &data, &len)) {
            if (len < HDR_LEN) {
                st->unlock(st->ctx);
                unavailable(out, "a shared entry is damaged");
                return;
            }
            memcpy(&h, data, HDR_LEN);
            if (h.magic != MAGIC || h.version != VERSION) {
                st->unlock(st->ctx);
                unavailable(out, "a shared entry is damaged");
                return;
            }
            if (h.state == ST_DONE || h.state == ST_FAILED) {
                st->unlock(st->ctx);
                if (!read_result(p, st, key, klen, &h, data + HDR_LEN,
                                 len - HDR_LEN, &out->res)) {
                    unavailable(out, "a shared entry could not be opened");
                    return;
                }
                out->how = out->waited ? TP_FLIGHT_SHARED : TP_FLIGHT_GRACE;
                return;
            }
            if (h.state == ST_INFLIGHT && now < h.lease_end) {
                st->unlock(st->ctx);
                if (now - start >= prm->deadline) {
                    out->how = TP_FLIGHT_GAVE_UP;
                    unavailable(out, "gave up waiting for another request's "
                                "refresh");
                    return;
                }
                out->waited = 1;
                st->sleep(st->ctx, backoff);
                backoff = backoff * 3 / 2;
                if (backoff > BACKOFF_MAX) {
                    backoff = BACKOFF_MAX;
                }
                continue;
            }
            /* in flight, but its lease ran out: take over */
            out->took_over = (h.state == ST_INFLIGHT);
        }
        init_hdr(&h, ST_INFLIGHT);
        h.lease_end = now + prm->lease;
        if (!put_entry(p, st, key, klen, now + prm->lease + prm->deadline,
                       &h, NULL, 0)) {
            out->store_failed = 1;
        }
        st->unlock(st->ctx);

        fn(baton, p, &out->res);      /* never under the lock */
        out->how = TP_FLIGHT_REFRESHED;

        if (st->lock(st->ctx)) {
            publish(p, st, prm, key, klen, &out->res);
            st->unlock(st->ctx);
        }
        else {
            out->store_failed = 1;
        }
        return;
    }
}
