/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The cluster-wide single-flight protocol (see tp_cluster.h).
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include <apr_strings.h>

#include "core/tp_cluster.h"
#include "core/tp_seal.h"

/* v2: the sealed value begins with its write time and lifetime */
#define AAD_PREFIX "mod_tokenproxy cluster v2:"

#define BACKOFF_MIN apr_time_from_msec(5)
#define BACKOFF_MAX apr_time_from_msec(50)
#define REPUBLISH_EVERY apr_time_from_msec(100)
/* a waiter that is told wakes this long after the claim's lease ends at
 * the latest, and never sooner than this after its last look */
#define WAIT_MARGIN apr_time_from_msec(20)
#define WAIT_MIN apr_time_from_msec(50)

/* A published result lives at least this long, so that the waiters of
 * this very flight, polling every 50 ms at most, see it even when
 * TokenProxyRefreshGrace is 0. */
#define MIN_RESULT_TTL apr_time_from_sec(1)

static const char hexd[] = "0123456789abcdef";

static char *hex(apr_pool_t *p, const unsigned char *b, apr_size_t n)
{
    char *out = apr_palloc(p, 2 * n + 1);
    apr_size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hexd[b[i] >> 4];
        out[2 * i + 1] = hexd[b[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

const char *tp_cluster_key(apr_pool_t *p, const unsigned char *key,
                           apr_size_t klen)
{
    return apr_pstrcat(p, TP_CLUSTER_KEY_PREFIX, hex(p, key, klen), NULL);
}

const char *tp_cluster_owner(apr_pool_t *p)
{
    unsigned char b[TP_CLUSTER_OWNER_LEN / 2];

    if (RAND_bytes(b, sizeof(b)) != 1) {
        return NULL;
    }
    return hex(p, b, sizeof(b));
}

static const char *aad(apr_pool_t *p, const char *key)
{
    return apr_pstrcat(p, AAD_PREFIX, key, NULL);
}

int tp_cluster_encode(apr_pool_t *p, const unsigned char *seal_key,
                      const char *key, const char *owner, char state,
                      const tp_grant_res *res, apr_time_t written,
                      apr_int64_t ttl_ms, unsigned char **val,
                      apr_size_t *len)
{
    const char *plain, *a = aad(p, key);
    unsigned char *sealed;
    apr_size_t slen;

    switch (state) {
    case 'D':
        plain = apr_psprintf(p, "D%" APR_INT64_T_FMT "|%s|%s",
                             res->tokens.expires_in, res->tokens.access,
                             res->tokens.refresh ? res->tokens.refresh : "");
        break;
    case 'R':
    case 'U':
    case 'M':
        plain = apr_pstrcat(p, state == 'R' ? "R" : state == 'M' ? "M" : "U",
                            res && res->why ? res->why : "", NULL);
        break;
    default:
        plain = "F";
        break;
    }
    /* "T<written, ms since the epoch>+<lifetime, ms>|" first */
    plain = apr_psprintf(p, "T%" APR_INT64_T_FMT "+%" APR_INT64_T_FMT "|%s",
                         (apr_int64_t)apr_time_as_msec(written), ttl_ms,
                         plain);
    if (strlen(owner) != TP_CLUSTER_OWNER_LEN
        || !tp_seal(p, seal_key, a, strlen(a), plain, strlen(plain),
                    &sealed, &slen)) {
        return 0;
    }
    *len = TP_CLUSTER_OWNER_LEN + slen;
    *val = apr_palloc(p, *len);
    memcpy(*val, owner, TP_CLUSTER_OWNER_LEN);
    memcpy(*val + TP_CLUSTER_OWNER_LEN, sealed, slen);
    return 1;
}

/* The write time and lifetime at the start of an opened entry: the rest
 * of it, and 1 while it lives (with TP_CLUSTER_CLOCK_SKEW); 0 for no
 * time, -1 for an entry older than its lifetime. */
static int lifetime(char *plain, apr_time_t now, char **rest,
                    apr_time_t *ends)
{
    apr_int64_t written, ttl;
    char *end;

    if (plain[0] != 'T') {
        return 0;
    }
    written = apr_strtoi64(plain + 1, &end, 10);
    if (end == plain + 1 || *end != '+' || written < 0) {
        return 0;
    }
    ttl = apr_strtoi64(end + 1, rest, 10);
    if (*rest == end + 1 || **rest != '|' || ttl < 0
        || ttl > APR_INT64_C(1) << 40 || written > APR_INT64_C(1) << 50) {
        return 0;
    }
    (*rest)++;
    if (ends) {
        *ends = apr_time_from_msec(written + ttl);
    }
    if (apr_time_as_msec(now) > written + ttl
                                + apr_time_as_msec(TP_CLUSTER_CLOCK_SKEW)) {
        return -1;
    }
    return 1;
}

static int decode(apr_pool_t *p, const unsigned char *seal_key,
                  const char *key, const unsigned char *val,
                  apr_size_t len, apr_time_t now, char *state,
                  tp_grant_res *res, apr_time_t *ends)
{
    const char *a = aad(p, key);
    unsigned char *plain;
    apr_size_t plen;
    char *s, *bar1, *bar2, *end;
    int live;

    memset(res, 0, sizeof(*res));
    if (len <= TP_CLUSTER_OWNER_LEN
        || !tp_unseal(p, seal_key, a, strlen(a), val + TP_CLUSTER_OWNER_LEN,
                      len - TP_CLUSTER_OWNER_LEN, &plain, &plen)
        || plen < 1 || memchr(plain, '\0', plen)) {
        return 0;
    }
    if ((live = lifetime((char *)plain, now, &s, ends)) <= 0) {
        return live;
    }
    plen -= (apr_size_t)(s - (char *)plain);
    switch (s[0]) {
    case 'F':
        *state = 'F';
        return plen == 1;
    case 'R':
    case 'U':
    case 'M':
        *state = s[0];
        res->result = s[0] == 'R' ? TP_GRANT_REJECTED
                      : s[0] == 'M' ? TP_GRANT_MISCONFIGURED
                      : TP_GRANT_UNAVAILABLE;
        res->why = plen > 1 ? apr_pstrdup(p, s + 1) : "failed on another node";
        return 1;
    case 'D':
        if (!(bar1 = strchr(s + 1, '|')) || !(bar2 = strchr(bar1 + 1, '|'))
            || bar2 == bar1 + 1) {
            return 0;
        }
        *bar1 = *bar2 = '\0';
        res->tokens.expires_in = apr_strtoi64(s + 1, &end, 10);
        if (end == s + 1 || *end) {
            return 0;
        }
        *state = 'D';
        res->result = TP_GRANT_OK;
        res->why = "shared by another node";
        res->tokens.access = bar1 + 1;
        res->tokens.refresh = bar2[1] ? bar2 + 1 : NULL;
        return 1;
    }
    return 0;
}

int tp_cluster_decode(apr_pool_t *p, const unsigned char *seal_key,
                      const char *key, const unsigned char *val,
                      apr_size_t len, apr_time_t now, char *state,
                      tp_grant_res *res)
{
    return decode(p, seal_key, key, val, len, now, state, res, NULL);
}

static apr_int64_t ms(apr_interval_time_t t)
{
    apr_int64_t m = apr_time_as_msec(t);

    return m > 0 ? m : 1;
}

static void unavailable(tp_cluster_out *out, tp_cluster_how_e how,
                        const char *why)
{
    memset(&out->res, 0, sizeof(out->res));
    out->res.result = TP_GRANT_UNAVAILABLE;
    out->res.why = why;
    out->how = how;
}

/* The winner: refresh, then publish the result under the owner check. */
static void refresh_and_publish(apr_pool_t *p, const tp_cluster_store *st,
                                const tp_flight_params *prm,
                                const char *owner, const char *key,
                                tp_flight_refresh_fn fn, void *baton,
                                apr_time_t lease_end, tp_cluster_out *out)
{
    unsigned char *val;
    apr_size_t len;
    apr_interval_time_t ttl;
    char state;

    fn(baton, p, &out->res);        /* the store is not held meanwhile */
    out->how = TP_CLUSTER_WON;
    switch (out->res.result) {
    case TP_GRANT_OK:
        state = 'D';
        ttl = prm->grace;
        break;
    case TP_GRANT_REJECTED:
        state = 'R';
        ttl = prm->grace;
        break;
    case TP_GRANT_MISCONFIGURED:
        state = 'M';
        ttl = prm->failed_ttl;
        break;
    default:
        state = 'U';
        ttl = prm->failed_ttl;
        break;
    }
    if (ttl < MIN_RESULT_TTL) {
        ttl = MIN_RESULT_TTL;
    }
    if (!tp_cluster_encode(p, st->seal_key, key, owner, state, &out->res,
                           st->now(st->ctx), ms(ttl), &val, &len)) {
        out->published = -1;
        return;
    }
    out->published = st->publish(st->ctx, p, key, owner, val, len, ms(ttl));
    /* a failover: publish to the new master once it is there, within
     * the lease, so that nobody takes over with the used token */
    while (out->published == TP_CLUSTER_FAILOVER
           && st->now(st->ctx) + REPUBLISH_EVERY < lease_end) {
        st->sleep(st->ctx, REPUBLISH_EVERY);
        out->republished++;
        out->published = st->publish(st->ctx, p, key, owner, val, len,
                                     ms(ttl));
    }
    if (out->published < 0) {
        out->store_errors++;
        out->published = -1;
    }
}

static void run(apr_pool_t *p, const tp_cluster_store *st,
                const tp_flight_params *prm, const char *owner,
                const char *key, tp_flight_refresh_fn fn, void *baton,
                int *registered, tp_cluster_out *out)
{
    int watching = *registered;
    apr_time_t start = st->now(st->ctx), claimed, ends;
    apr_interval_time_t backoff = BACKOFF_MIN;
    unsigned char *claim, *val;
    apr_size_t claim_len, len;
    int waited = 0, seen_flight = 0, noticed = 0, rc;
    char state;

    for (;;) {
        /* sealed with the time of this very claim */
        claimed = st->now(st->ctx);
        if (!tp_cluster_encode(p, st->seal_key, key, owner, 'F', NULL,
                               claimed, ms(prm->lease), &claim,
                               &claim_len)) {
            unavailable(out, TP_CLUSTER_LOST, "cannot seal a cluster claim");
            return;
        }
        rc = st->claim(st->ctx, p, key, claim, claim_len, ms(prm->lease));
        if (rc == TP_CLUSTER_FAILOVER) {
            out->store_errors++;
            unavailable(out, TP_CLUSTER_FAILOVER_503, "the cluster's Redis "
                        "is in a failover");
            return;
        }
        if (rc < 0) {
            out->store_errors++;
            if (seen_flight) {
                /* another node holds the claim: do not refresh twice */
                unavailable(out, TP_CLUSTER_LOST, "the cluster store failed "
                            "while another node was refreshing");
                return;
            }
            /* refresh on this node; then publish all the same, should
             * the claim have reached a slow store after all: a waiter on
             * another node then gets this result instead of taking over
             * with a used token */
            refresh_and_publish(p, st, prm, owner, key, fn, baton,
                                claimed + prm->lease, out);
            out->how = TP_CLUSTER_FALLBACK;
            return;
        }
        if (rc == 1) {
            out->took_over = seen_flight;
            refresh_and_publish(p, st, prm, owner, key, fn, baton,
                                claimed + prm->lease, out);
            return;
        }
        /* someone holds it: wait for a result, told when it comes */
        if (!*registered && st->watch) {
            *registered = watching = st->watch(st->ctx, key) > 0;
        }
        for (;;) {
            if (noticed) {
                rc = 1;                 /* the entry came with the notice */
                noticed = 0;
            }
            else {
                rc = st->get(st->ctx, p, key, &val, &len);
            }
            if (rc == TP_CLUSTER_FAILOVER) {
                out->store_errors++;
                unavailable(out, TP_CLUSTER_FAILOVER_503, "the cluster's "
                            "Redis is in a failover");
                return;
            }
            if (rc < 0) {
                out->store_errors++;
                unavailable(out, TP_CLUSTER_LOST, "the cluster store failed "
                            "while another node was refreshing");
                return;
            }
            if (rc == 0) {
                break;                  /* gone: claim again */
            }
            ends = 0;
            rc = decode(p, st->seal_key, key, val, len, st->now(st->ctx),
                        &state, &out->res, &ends);
            if (rc <= 0) {
                out->undecodable++;
                out->stale = rc < 0;
                unavailable(out, TP_CLUSTER_LOST, rc < 0
                            ? "a cluster entry is older than the lifetime "
                              "sealed into it (put back into the store, "
                              "or the nodes' clocks differ)"
                            : "a cluster entry does not open with "
                              "TokenProxyClusterKey");
                return;
            }
            if (state != 'F') {
                out->how = waited ? TP_CLUSTER_SHARED : TP_CLUSTER_GRACE;
                return;
            }
            seen_flight = 1;
            if (st->now(st->ctx) - start >= prm->deadline) {
                unavailable(out, TP_CLUSTER_GAVE_UP, "gave up waiting for "
                            "another node's refresh");
                return;
            }
            waited = 1;
            if (watching) {
                /* until told, or until the claim's lease has run out */
                apr_time_t now = st->now(st->ctx);
                apr_interval_time_t t = ends - now + WAIT_MARGIN;
                apr_interval_time_t left = start + prm->deadline - now;

                if (t < WAIT_MIN) {
                    t = WAIT_MIN;
                }
                if (t > left) {
                    t = left;
                }
                len = 0;
                rc = st->wait(st->ctx, key, t, &val, &len);
                if (rc > 0) {
                    out->told++;
                    noticed = len > 0;
                    continue;
                }
                if (rc == 0) {
                    out->wait_timeouts++;
                    continue;
                }
                watching = 0;           /* cannot tell: poll (still
                                         * registered until unwatch) */
            }
            out->polls++;
            st->sleep(st->ctx, backoff);
            backoff = backoff * 3 / 2 > BACKOFF_MAX ? BACKOFF_MAX
                                                    : backoff * 3 / 2;
        }
        if (st->now(st->ctx) - start >= prm->deadline) {
            unavailable(out, TP_CLUSTER_GAVE_UP, "gave up waiting for "
                        "another node's refresh");
            return;
        }
    }
}

void tp_cluster_run(apr_pool_t *p, const tp_cluster_store *st,
                    const tp_flight_params *prm, const char *owner,
                    const char *key, tp_flight_refresh_fn fn, void *baton,
                    tp_cluster_out *out)
{
    int registered = 0;

    memset(out, 0, sizeof(*out));
    run(p, st, prm, owner, key, fn, baton, &registered, out);
    /* every watch that succeeded ends with its unwatch, also when the
     * waits stopped telling: the waiter is the caller's memory */
    if (registered && st->unwatch) {
        st->unwatch(st->ctx, key);
    }
}
