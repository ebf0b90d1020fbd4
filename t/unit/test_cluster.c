/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_cluster: the claim and publish protocol against a scripted store
 * that keeps TTLs as Redis does, with a fake clock that sleeping
 * advances. */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_cluster.h"
#include "core/tp_redis_url.h"
#include "core/tp_seal.h"
#include "unit.h"

#define KEY "tokenproxy:00ff"
#define OTHER "0123456789abcdef0123456789abcdef"
#define NOW apr_time_from_sec(1000000)

typedef struct script {
    apr_pool_t *p;
    apr_time_t now;
    /* the one entry */
    unsigned char *val;
    apr_size_t len;
    apr_time_t expiry;          /* 0: none */
    /* what was asked */
    int claims, gets, publishes, sleeps, calls;
    apr_int64_t last_ms, min_ms;
    /* failures to inject */
    int fail_claim, fail_get, fail_publish;
    /* a failover: commands from the nth on answer TP_CLUSTER_FAILOVER,
     * publishes for the first failover_publishes */
    int failover_claim, failover_get, failover_publishes;
    /* the notices (watch/wait): told_at, when another node publishes;
     * wait_broken: wait answers -1 */
    int watches, waits, unwatches, told_count, wait_broken;
    int told_with_entry;        /* the notice carries the entry */
    apr_time_t told_at;
    /* another node's doing, from sleep (after n sleeps) or from fn */
    int act_after;
    void (*act)(struct script *s);
    unsigned char key[TP_SEAL_KEY_LEN];
} script;

static int alive(script *s)
{
    return s->val && s->expiry > s->now;
}

static void set(script *s, const unsigned char *val, apr_size_t len,
                apr_int64_t ms)
{
    s->val = apr_pmemdup(s->p, val, len);
    s->len = len;
    s->expiry = s->now + apr_time_from_msec(ms);
    s->last_ms = ms;
    if (!s->min_ms || ms < s->min_ms) {
        s->min_ms = ms;
    }
}

static int s_claim(void *c, apr_pool_t *p, const char *key,
                   const unsigned char *val, apr_size_t len, apr_int64_t ms)
{
    script *s = c;
    (void)p;
    ck_assert_str_eq(key, KEY);
    s->claims++;
    if (s->failover_claim && s->claims >= s->failover_claim)
        return TP_CLUSTER_FAILOVER;
    if (s->fail_claim && s->claims >= s->fail_claim) return -1;
    if (alive(s)) return 0;
    ck_assert_int_gt(ms, 0);    /* every entry has a TTL */
    set(s, val, len, ms);
    return 1;
}

static int s_get(void *c, apr_pool_t *p, const char *key,
                 unsigned char **val, apr_size_t *len)
{
    script *s = c;
    ck_assert_str_eq(key, KEY);
    s->gets++;
    if (s->failover_get && s->gets >= s->failover_get)
        return TP_CLUSTER_FAILOVER;
    if (s->fail_get && s->gets >= s->fail_get) return -1;
    if (!alive(s)) return 0;
    *val = apr_pmemdup(p, s->val, s->len);
    *len = s->len;
    return 1;
}

static int s_publish(void *c, apr_pool_t *p, const char *key,
                     const char *owner, const unsigned char *val,
                     apr_size_t len, apr_int64_t ms)
{
    script *s = c;
    (void)p;
    ck_assert_str_eq(key, KEY);
    s->publishes++;
    if (s->publishes <= s->failover_publishes) return TP_CLUSTER_FAILOVER;
    if (s->fail_publish) return -1;
    /* as the script: while ours, or when gone */
    if (alive(s) && memcmp(s->val, owner, TP_CLUSTER_OWNER_LEN)) return 0;
    ck_assert_int_gt(ms, 0);
    set(s, val, len, ms);
    return 1;
}

static apr_time_t s_now(void *c)
{
    return ((script *)c)->now;
}

static void s_sleep(void *c, apr_interval_time_t t)
{
    script *s = c;
    ck_assert_int_le(t, apr_time_from_msec(100));
    s->now += t;
    s->sleeps++;
    if (s->act && s->sleeps == s->act_after) {
        s->act(s);
    }
}

static int s_watch(void *c, const char *key)
{
    script *s = c;
    ck_assert_str_eq(key, KEY);
    s->watches++;
    return 1;
}

/* told when another node publishes within t (the act runs then) */
static int s_wait(void *c, const char *key, apr_interval_time_t t,
                  unsigned char **val, apr_size_t *len)
{
    script *s = c;
    ck_assert_str_eq(key, KEY);
    ck_assert_int_ge(s->watches, 1);
    ck_assert_int_gt(t, 0);
    s->waits++;
    if (s->wait_broken) return -1;
    if (s->told_at && s->now + t >= s->told_at) {
        s->now = s->told_at;
        s->told_at = 0;
        s->told_count++;
        if (s->act) s->act(s);
        if (s->told_with_entry && alive(s)) {
            *val = apr_pmemdup(s->p, s->val, s->len);
            *len = s->len;
        }
        return 1;
    }
    s->now += t;
    return 0;
}

static void s_unwatch(void *c, const char *key)
{
    script *s = c;
    ck_assert_str_eq(key, KEY);
    s->unwatches++;
}

static tp_cluster_store store_of(script *s)
{
    tp_cluster_store st;

    memset(&st, 0, sizeof(st));
    st.ctx = s;
    st.claim = s_claim;
    st.get = s_get;
    st.publish = s_publish;
    st.now = s_now;
    st.sleep = s_sleep;
    st.seal_key = s->key;
    return st;
}

static script *new_script(void)
{
    script *s = apr_pcalloc(unit_pool, sizeof(*s));

    s->p = unit_pool;
    s->now = apr_time_from_sec(1000000);
    tp_seal_keygen(s->key);
    return s;
}

static const tp_flight_params PRM = {
    apr_time_from_sec(7),       /* lease */
    apr_time_from_sec(30),      /* grace */
    apr_time_from_sec(1),       /* unavailable */
    apr_time_from_sec(15)       /* deadline */
};

/* the refresh call: counts, answers the next tokens */
static void refresh_ok(void *baton, apr_pool_t *p, tp_grant_res *res)
{
    script *s = baton;
    (void)p;
    s->calls++;
    memset(res, 0, sizeof(*res));
    res->result = TP_GRANT_OK;
    res->tokens.access = "AT-new";
    res->tokens.refresh = "RT-new";
    res->tokens.expires_in = 300;
    if (s->act && s->act_after == 0) {
        s->act(s);      /* another node acts while we refresh */
    }
}

static void refresh_rejected(void *baton, apr_pool_t *p, tp_grant_res *res)
{
    script *s = baton;
    (void)p;
    s->calls++;
    memset(res, 0, sizeof(*res));
    res->result = TP_GRANT_REJECTED;
    res->why = "invalid_grant";
}

/* another node's entry in the store */
static void put_other(script *s, char state, apr_int64_t ms)
{
    tp_grant_res res;
    unsigned char *v;
    apr_size_t len;

    memset(&res, 0, sizeof(res));
    res.tokens.access = "AT-other";
    res.tokens.refresh = "RT-other";
    res.tokens.expires_in = 60;
    res.why = "invalid_grant";
    ck_assert(tp_cluster_encode(s->p, s->key, KEY, OTHER, state, &res,
                                s->now, ms, &v, &len));
    set(s, v, len, ms);
}

static void other_publishes_done(script *s) { put_other(s, 'D', 30000); }

START_TEST(won_then_grace)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;
    const char *owner = tp_cluster_owner(unit_pool);

    ck_assert_uint_eq(strlen(owner), TP_CLUSTER_OWNER_LEN);
    tp_cluster_run(unit_pool, &st, &PRM, owner, KEY, refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_WON);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
    ck_assert_int_eq(s->calls, 1);
    ck_assert_int_eq(out.published, 1);
    ck_assert_int_eq(s->last_ms, 30000);         /* kept for the grace */
    ck_assert_int_eq(memcmp(s->val, owner, TP_CLUSTER_OWNER_LEN), 0);
    /* the claim's lease: the refresh timeout plus a margin */
    ck_assert_int_eq(s->min_ms, 7000);
    /* no token in clear in the store */
    ck_assert_ptr_null(memmem(s->val, s->len, "AT-new", 6));
    ck_assert_ptr_null(memmem(s->val, s->len, "RT-new", 6));

    /* another node, later, with the old refresh token: the result */
    s->now += apr_time_from_sec(10);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_GRACE);
    ck_assert_int_eq(s->calls, 1);
    ck_assert_str_eq(out.res.tokens.access, "AT-new");
    ck_assert_str_eq(out.res.tokens.refresh, "RT-new");
    ck_assert_int_eq(out.res.tokens.expires_in, 300);
    ck_assert_int_eq(s->sleeps, 0);

    /* after the grace window: gone, claimed again */
    s->now += apr_time_from_sec(21);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_WON);
    ck_assert_int_eq(s->calls, 2);
}
END_TEST

START_TEST(lost_waits_for_the_result)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 7000);            /* another node refreshes */
    s->act_after = 4;
    s->act = other_publishes_done;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_SHARED);
    ck_assert_int_eq(s->calls, 0);
    ck_assert_int_eq(s->claims, 1);     /* one claim, then GETs */
    ck_assert_int_eq(s->gets, 5);
    ck_assert_int_eq(s->publishes, 0);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
    ck_assert_str_eq(out.res.tokens.access, "AT-other");
    ck_assert(!out.took_over);
}
END_TEST

START_TEST(dead_node_taken_over_once)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 300);             /* its lease runs out in 300 ms */
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_WON);
    ck_assert(out.took_over);
    ck_assert_int_eq(s->calls, 1);
    ck_assert_int_eq(s->claims, 2);
    ck_assert_int_eq(out.published, 1);

    /* a second waiter of the same dead node: the taker's result */
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_GRACE);
    ck_assert(!out.took_over);
    ck_assert_int_eq(s->calls, 1);
}
END_TEST

START_TEST(store_down_falls_back)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    s->fail_claim = 1;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_FALLBACK);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
    ck_assert_int_eq(s->calls, 1);
    ck_assert_int_eq(out.store_errors, 1);
    /* it publishes all the same: with no entry there, the result is
     * stored (the script publishes over an entry that is ours or gone),
     * so that another node finds it instead of refreshing a used token */
    ck_assert_int_eq(s->publishes, 1);
    ck_assert_int_eq(out.published, 1);
    ck_assert_ptr_nonnull(s->val);
}
END_TEST

/* a slow store: the claim times out here, but lands there */
static int s_claim_lands_late(void *c, apr_pool_t *p, const char *key,
                              const unsigned char *val, apr_size_t len,
                              apr_int64_t ms)
{
    s_claim(c, p, key, val, len, ms);
    return -1;
}

START_TEST(late_claim_still_gets_the_result)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    st.claim = s_claim_lands_late;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_FALLBACK);
    ck_assert_int_eq(out.published, 1);
    /* another node then sees the result, not a claim to take over */
    st = store_of(s);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_GRACE);
    ck_assert_int_eq(s->calls, 1);
}
END_TEST

START_TEST(store_fails_while_another_refreshes)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 7000);
    s->fail_get = 3;                    /* the third GET fails */
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_LOST);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(s->calls, 0);      /* never a second refresh */
}
END_TEST

START_TEST(store_fails_at_the_takeover)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 300);             /* seen in flight, then gone */
    s->fail_claim = 2;                  /* and the store fails then */
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_LOST);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(s->calls, 0);      /* the other node may have used
                                         * the token: no second refresh */
}
END_TEST

START_TEST(entry_that_does_not_open)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    put_other(s, 'R', 30000);
    tp_seal_keygen(s->key);             /* this node has another key */
    st = store_of(s);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_LOST);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);  /* never
                                                                * rejected */
    ck_assert_int_eq(out.undecodable, 1);
    ck_assert_int_eq(s->calls, 0);

    /* garbage */
    s->val = (unsigned char *)apr_pstrdup(unit_pool, OTHER "garbage");
    s->len = strlen((char *)s->val);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(s->calls, 0);
}
END_TEST

START_TEST(rejection_is_shared)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_rejected, s, &out);
    ck_assert_int_eq(out.res.result, TP_GRANT_REJECTED);
    ck_assert_int_eq(s->last_ms, 30000);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_GRACE);
    ck_assert_int_eq(out.res.result, TP_GRANT_REJECTED);
    ck_assert_str_eq(out.res.why, "invalid_grant");
    ck_assert_int_eq(s->calls, 1);
}
END_TEST

START_TEST(deadline_bounds_the_wait)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 60000);           /* never finishes */
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_GAVE_UP);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(s->calls, 0);
    ck_assert_int_lt(s->sleeps, 400);   /* 50 ms steps over 15 s */
}
END_TEST

static void other_takes_over(script *s) { put_other(s, 'F', 7000); }

START_TEST(late_publish_is_refused)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    s->act_after = 0;
    s->act = other_takes_over;          /* while we refresh */
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_WON);
    ck_assert_int_eq(out.published, 0);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);   /* still ours */
    ck_assert_int_eq(memcmp(s->val, OTHER, TP_CLUSTER_OWNER_LEN), 0);
}
END_TEST

START_TEST(no_grace_still_reaches_the_waiters)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;
    tp_flight_params prm = PRM;

    prm.grace = 0;
    tp_cluster_run(unit_pool, &st, &prm, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_ge(s->last_ms, 1000);
}
END_TEST

START_TEST(entries_encode_and_decode)
{
    unsigned char key[TP_SEAL_KEY_LEN], *v;
    apr_size_t len;
    tp_grant_res in, out;
    char state;

    tp_seal_keygen(key);
    memset(&in, 0, sizeof(in));
    in.tokens.access = "a.b.c";
    in.tokens.refresh = NULL;           /* not rotated */
    in.tokens.expires_in = -1;          /* not given */
    ck_assert(tp_cluster_encode(unit_pool, key, KEY, OTHER, 'D', &in, NOW,
                                30000, &v, &len));
    ck_assert(tp_cluster_decode(unit_pool, key, KEY, v, len, NOW, &state,
                                &out));
    ck_assert_int_eq(state, 'D');
    ck_assert_str_eq(out.tokens.access, "a.b.c");
    ck_assert_ptr_null(out.tokens.refresh);
    ck_assert_int_eq(out.tokens.expires_in, -1);
    /* another entry's name: does not open (the name is the AAD) */
    ck_assert(!tp_cluster_decode(unit_pool, key, "tokenproxy:00fe", v, len,
                                 NOW, &state, &out));
    /* tampered, truncated, only the owner */
    v[len - 1] ^= 1;
    ck_assert(!tp_cluster_decode(unit_pool, key, KEY, v, len, NOW, &state,
                                 &out));
    v[len - 1] ^= 1;
    ck_assert(!tp_cluster_decode(unit_pool, key, KEY, v, len - 1, NOW,
                                 &state, &out));
    ck_assert(!tp_cluster_decode(unit_pool, key, KEY, v,
                                 TP_CLUSTER_OWNER_LEN, NOW, &state, &out));
    /* an owner of the wrong length is refused */
    ck_assert(!tp_cluster_encode(unit_pool, key, KEY, "short", 'F', NULL,
                                 NOW, 7000, &v, &len));
    /* the claim */
    ck_assert(tp_cluster_encode(unit_pool, key, KEY, OTHER, 'F', NULL, NOW,
                                7000, &v, &len));
    ck_assert(tp_cluster_decode(unit_pool, key, KEY, v, len, NOW, &state,
                                &out));
    ck_assert_int_eq(state, 'F');
    ck_assert_str_eq(tp_cluster_key(unit_pool,
                                    (const unsigned char *)"\x00\xff", 2),
                     KEY);
}
END_TEST

/* another node's entry, written at `written` with a TTL of ttl ms, and
 * kept in the store for ms (the store's own TTL) from now */
static void put_written(script *s, char state, apr_time_t written,
                        apr_int64_t ttl, apr_int64_t ms)
{
    tp_grant_res res;
    unsigned char *v;
    apr_size_t len;

    memset(&res, 0, sizeof(res));
    res.tokens.access = "AT-old";
    res.tokens.refresh = "RT-old";
    res.why = "invalid_grant";
    ck_assert(tp_cluster_encode(s->p, s->key, KEY, OTHER, state, &res,
                                written, ttl, &v, &len));
    set(s, v, len, ms);
}

START_TEST(entry_older_than_its_ttl)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    /* a "done" entry written a minute ago for 30 s, put back into the
     * store by someone who can write to it: refused, never used */
    put_written(s, 'D', s->now - apr_time_from_sec(60), 30000, 30000);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_LOST);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert(out.stale);
    ck_assert_int_eq(out.undecodable, 1);
    ck_assert_ptr_null(out.res.tokens.access);
    ck_assert_int_eq(s->calls, 0);
    ck_assert_ptr_nonnull(strstr(out.res.why, "older than the lifetime"));

    /* a rejection put back likewise: unavailable, never a logout */
    put_written(s, 'R', s->now - apr_time_from_sec(60), 30000, 30000);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert(out.stale);

    /* within its lifetime, and within the clocks' allowance past it */
    put_written(s, 'D', s->now - apr_time_from_sec(29), 30000, 1000);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_GRACE);
    ck_assert_str_eq(out.res.tokens.access, "AT-old");
    ck_assert(!out.stale);
    put_written(s, 'D', s->now - apr_time_from_sec(31), 30000, 1000);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_GRACE);
    ck_assert_int_eq(s->calls, 0);
}
END_TEST

START_TEST(entry_lifetime_is_sealed)
{
    unsigned char key[TP_SEAL_KEY_LEN], *v, *sealed;
    apr_size_t len, slen;
    tp_grant_res in, out;
    const char *aad = "mod_tokenproxy cluster v2:" KEY;
    char state;

    tp_seal_keygen(key);
    memset(&in, 0, sizeof(in));
    in.tokens.access = "a.b.c";
    ck_assert(tp_cluster_encode(unit_pool, key, KEY, OTHER, 'D', &in, NOW,
                                30000, &v, &len));
    /* the TTL, then the clocks' allowance, then no more */
    ck_assert_int_eq(tp_cluster_decode(unit_pool, key, KEY, v, len,
                                       NOW + apr_time_from_msec(30000),
                                       &state, &out), 1);
    ck_assert_int_eq(tp_cluster_decode(unit_pool, key, KEY, v, len,
                                       NOW + apr_time_from_msec(30000)
                                       + TP_CLUSTER_CLOCK_SKEW,
                                       &state, &out), 1);
    ck_assert_int_eq(tp_cluster_decode(unit_pool, key, KEY, v, len,
                                       NOW + apr_time_from_msec(30001)
                                       + TP_CLUSTER_CLOCK_SKEW,
                                       &state, &out), -1);
    /* an entry without a time (as sealed before it had one) */
    ck_assert(tp_seal(unit_pool, key, aad, strlen(aad), "D300|AT|RT", 10,
                      &sealed, &slen));
    v = apr_palloc(unit_pool, TP_CLUSTER_OWNER_LEN + slen);
    memcpy(v, OTHER, TP_CLUSTER_OWNER_LEN);
    memcpy(v + TP_CLUSTER_OWNER_LEN, sealed, slen);
    ck_assert_int_eq(tp_cluster_decode(unit_pool, key, KEY, v,
                                       TP_CLUSTER_OWNER_LEN + slen, NOW,
                                       &state, &out), 0);
    /* the time is inside the seal: no clear text of it in the value */
    ck_assert(tp_cluster_encode(unit_pool, key, KEY, OTHER, 'F', NULL, NOW,
                                7000, &v, &len));
    ck_assert_ptr_null(memmem(v, len, "+7000|", 6));
}
END_TEST

/* while the taker refreshes, a reader later in its lease still sees the
 * claim as live: the claim was sealed when it was made, not when the
 * waiting began */
static void claim_is_live(script *s)
{
    unsigned char key[TP_SEAL_KEY_LEN];
    tp_grant_res res;
    char state = 0;

    memcpy(key, s->key, sizeof(key));
    ck_assert_int_eq(tp_cluster_decode(s->p, key, KEY, s->val, s->len,
                                       s->now + apr_time_from_sec(6),
                                       &state, &res), 1);
    ck_assert_int_eq(state, 'F');
}

START_TEST(takeover_claim_has_its_own_time)
{
    script *s = new_script();
    tp_cluster_store st = store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 7000);            /* a node that dies */
    s->act_after = 0;
    s->act = claim_is_live;             /* checked while we refresh */
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_WON);
    ck_assert(out.took_over);
    ck_assert_int_eq(s->calls, 1);
}
END_TEST

static tp_cluster_store told_store_of(script *s)
{
    tp_cluster_store st = store_of(s);

    st.watch = s_watch;
    st.wait = s_wait;
    st.unwatch = s_unwatch;
    return st;
}

/* another node holds the claim, and publishes 400 ms later: the waiter
 * looks once, is told, looks once more; it never sleeps */
START_TEST(waiter_is_told_once)
{
    script *s = new_script();
    tp_cluster_store st = told_store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 7000);
    s->told_at = s->now + apr_time_from_msec(400);
    s->act = other_publishes_done;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_SHARED);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
    ck_assert_str_eq(out.res.tokens.access, "AT-other");
    ck_assert_int_eq(s->calls, 0);
    ck_assert_int_eq(s->claims, 1);
    ck_assert_int_eq(s->gets, 2);
    ck_assert_int_eq(s->waits, 1);
    ck_assert_int_eq(out.told, 1);
    ck_assert_int_eq(s->sleeps, 0);
    ck_assert_int_eq(out.polls, 0);
    ck_assert_int_eq(s->watches, 1);
    ck_assert_int_eq(s->unwatches, 1);
}
END_TEST

/* the notice carries the entry: no second GET */
START_TEST(a_notice_with_the_entry_saves_the_second_get)
{
    script *s = new_script();
    tp_cluster_store st = told_store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 7000);
    s->told_at = s->now + apr_time_from_msec(400);
    s->act = other_publishes_done;
    s->told_with_entry = 1;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_SHARED);
    ck_assert_str_eq(out.res.tokens.access, "AT-other");
    ck_assert_int_eq(s->calls, 0);
    ck_assert_int_eq(s->gets, 1);
    ck_assert_int_eq(out.told, 1);
    ck_assert_int_eq(s->sleeps, 0);
    ck_assert_int_eq(s->unwatches, 1);
}
END_TEST

/* three waiters (one per node) on one winner: each is told once and
 * takes the one result; 3 commands each, 0 refreshes */
START_TEST(told_waiters_each_get_the_result_once)
{
    script *s = new_script();
    tp_cluster_store st = told_store_of(s);
    tp_cluster_out out;
    apr_time_t t0;
    int i;

    put_other(s, 'F', 7000);
    t0 = s->now;
    for (i = 0; i < 3; i++) {
        int claims = s->claims, gets = s->gets;
        if (i == 0) {
            s->told_at = t0 + apr_time_from_msec(300);
            s->act = other_publishes_done;
        }
        tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool),
                       KEY, refresh_ok, s, &out);
        ck_assert_int_eq(out.res.result, TP_GRANT_OK);
        ck_assert_str_eq(out.res.tokens.access, "AT-other");
        ck_assert_int_eq(s->claims - claims, 1);
        ck_assert_int_le(s->gets - gets, 2);
    }
    ck_assert_int_eq(s->calls, 0);
    ck_assert_int_eq(s->told_count, 1);     /* one notice: one publish */
    ck_assert_int_eq(s->sleeps, 0);
}
END_TEST

/* the winner dies: no notice comes; the waiter wakes when the claim's
 * lease has run out (not before: one wait), and takes over once */
START_TEST(told_waiter_of_a_dead_winner_takes_over_once)
{
    script *s = new_script();
    tp_cluster_store st = told_store_of(s);
    tp_cluster_out out;
    apr_time_t t0 = s->now;

    put_other(s, 'F', 2000);
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_WON);
    ck_assert(out.took_over);
    ck_assert_int_eq(s->calls, 1);
    ck_assert_int_eq(s->claims, 2);
    ck_assert_int_eq(s->waits, 1);
    ck_assert_int_eq(out.wait_timeouts, 1);
    ck_assert_int_ge(s->now - t0, apr_time_from_msec(2000));
    ck_assert_int_le(s->now - t0, apr_time_from_msec(2100));
    ck_assert_int_eq(s->sleeps, 0);
    ck_assert_int_eq(out.published, 1);
    /* a second waiter after that finds the taker's result */
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_GRACE);
    ck_assert_int_eq(s->calls, 1);
}
END_TEST

START_TEST(waiter_polls_when_it_cannot_be_told)
{
    script *s = new_script();
    tp_cluster_store st = told_store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 7000);
    s->wait_broken = 1;
    s->act_after = 3;
    s->act = other_publishes_done;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_SHARED);
    ck_assert_int_eq(s->calls, 0);
    ck_assert_int_eq(s->waits, 1);          /* then no more */
    ck_assert_int_eq(out.polls, 3);
    /* and the waiter is taken off all the same: it is the caller's
     * memory, gone after the return */
    ck_assert_int_eq(s->watches, 1);
    ck_assert_int_eq(s->unwatches, 1);
}
END_TEST

START_TEST(failover_at_the_claim_refreshes_nothing)
{
    script *s = new_script();
    tp_cluster_store st = told_store_of(s);
    tp_cluster_out out;

    s->failover_claim = 1;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_FAILOVER_503);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(s->calls, 0);          /* no fallback refresh */
}
END_TEST

START_TEST(failover_while_waiting_refreshes_nothing)
{
    script *s = new_script();
    tp_cluster_store st = told_store_of(s);
    tp_cluster_out out;

    put_other(s, 'F', 7000);
    s->failover_get = 2;                    /* after the first look */
    s->failover_claim = 2;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_FAILOVER_503);
    ck_assert_int_eq(s->calls, 0);
    ck_assert_int_eq(s->unwatches, 1);
}
END_TEST

/* the winner's first two publishes meet the failover: it publishes again
 * (within its lease) until the new master takes it */
START_TEST(winner_publishes_after_the_failover)
{
    script *s = new_script();
    tp_cluster_store st = told_store_of(s);
    tp_cluster_out out;
    char state;
    tp_grant_res res;

    s->failover_publishes = 2;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.how, TP_CLUSTER_WON);
    ck_assert_int_eq(out.published, 1);
    ck_assert_int_eq(out.republished, 2);
    ck_assert_int_eq(s->publishes, 3);
    ck_assert_int_eq(s->calls, 1);
    ck_assert_int_eq(tp_cluster_decode(unit_pool, s->key, KEY, s->val,
                                       s->len, s->now, &state, &res), 1);
    ck_assert_int_eq(state, 'D');
    /* a failover that outlasts the lease: given up, counted as an error */
    s = new_script();
    st = told_store_of(s);
    s->failover_publishes = 1000;
    tp_cluster_run(unit_pool, &st, &PRM, tp_cluster_owner(unit_pool), KEY,
                   refresh_ok, s, &out);
    ck_assert_int_eq(out.published, -1);
    ck_assert_int_le(out.republished, 70);  /* 7 s of lease, 100 ms each */
}
END_TEST

START_TEST(sentinel_urls)
{
    tp_redis_url u;
    const char *why;

    why = tp_redis_url_parse(unit_pool, "redis-sentinel://app:p%40ss@"
                             "10.0.0.1,10.0.0.2:26380,[::1]/my-master.1/3",
                             &u);
    ck_assert_ptr_null(why);
    ck_assert(u.sentinel);
    ck_assert_int_eq(u.nsentinels, 3);
    ck_assert_str_eq(u.sentinels[0].host, "10.0.0.1");
    ck_assert_int_eq(u.sentinels[0].port, 26379);
    ck_assert_str_eq(u.sentinels[1].host, "10.0.0.2");
    ck_assert_int_eq(u.sentinels[1].port, 26380);
    ck_assert_str_eq(u.sentinels[2].host, "::1");
    ck_assert_str_eq(u.master_name, "my-master.1");
    ck_assert_int_eq(u.db, 3);
    ck_assert_str_eq(u.user, "app");
    ck_assert_str_eq(u.password, "p@ss");
    ck_assert_str_eq(tp_redis_url_where(unit_pool, &u),
                     "redis-sentinel://10.0.0.1:26379,10.0.0.2:26380,"
                     "[::1]:26379/my-master.1/3");
    ck_assert_ptr_null(tp_redis_url_parse(unit_pool,
                       "redis-sentinel://h/m", &u));
    ck_assert_int_eq(u.db, 0);
    ck_assert_ptr_null(u.password);
    /* the plain form stays as it was */
    ck_assert_ptr_null(tp_redis_url_parse(unit_pool,
                       "redis://:pw@127.0.0.1:6380/2", &u));
    ck_assert(!u.sentinel);
    ck_assert_str_eq(tp_redis_url_where(unit_pool, &u),
                     "redis://127.0.0.1:6380/2");
    /* refused, never echoing the password */
    {
        static const char *const bad[] = {
            "redis-sentinel://:s3cr3t@h",           /* no master name */
            "redis-sentinel://:s3cr3t@h/",
            "redis-sentinel://:s3cr3t@h,,i/m",
            "redis-sentinel://:s3cr3t@h,/m",
            "redis-sentinel://:s3cr3t@/m",
            "redis-sentinel://:s3cr3t@h:0/m",
            "redis-sentinel://:s3cr3t@h:99999/m",
            "redis-sentinel://:s3cr3t@h/m x",
            "redis-sentinel://:s3cr3t@h/m/x",
            "redis-sentinel://:s3cr3t@h/m/",
            "redis-sentinel://:@h/m",
            "redis-sentinels://h/m",
            "rediss://h",
            "redis-sentinel://h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h/m",
            NULL
        };
        int i;
        for (i = 0; bad[i]; i++) {
            why = tp_redis_url_parse(unit_pool, bad[i], &u);
            ck_assert_msg(why != NULL, "accepted: %s", bad[i]);
            ck_assert_ptr_null(strstr(why, "s3cr3t"));
        }
    }
    /* TokenProxyClusterSentinelAuth */
    memset(&u, 0, sizeof(u));
    ck_assert_ptr_null(tp_redis_sentinel_auth_parse(unit_pool, "pw%3Ax",
                                                    &u));
    ck_assert_ptr_null(u.sentinel_user);
    ck_assert_str_eq(u.sentinel_password, "pw:x");
    ck_assert_ptr_null(tp_redis_sentinel_auth_parse(unit_pool, "sent:pw",
                                                    &u));
    ck_assert_str_eq(u.sentinel_user, "sent");
    ck_assert_str_eq(u.sentinel_password, "pw");
    ck_assert_ptr_nonnull(tp_redis_sentinel_auth_parse(unit_pool, "u:",
                                                       &u));
    ck_assert_ptr_nonnull(tp_redis_sentinel_auth_parse(unit_pool, "", &u));
}
END_TEST

Suite *cluster_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("claim-and-publish");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, won_then_grace);
    tcase_add_test(tc, lost_waits_for_the_result);
    tcase_add_test(tc, dead_node_taken_over_once);
    tcase_add_test(tc, store_down_falls_back);
    tcase_add_test(tc, late_claim_still_gets_the_result);
    tcase_add_test(tc, store_fails_while_another_refreshes);
    tcase_add_test(tc, store_fails_at_the_takeover);
    tcase_add_test(tc, entry_that_does_not_open);
    tcase_add_test(tc, rejection_is_shared);
    tcase_add_test(tc, deadline_bounds_the_wait);
    tcase_add_test(tc, a_notice_with_the_entry_saves_the_second_get);
    tcase_add_test(tc, late_publish_is_refused);
    tcase_add_test(tc, no_grace_still_reaches_the_waiters);
    tcase_add_test(tc, entries_encode_and_decode);
    tcase_add_test(tc, entry_older_than_its_ttl);
    tcase_add_test(tc, entry_lifetime_is_sealed);
    tcase_add_test(tc, takeover_claim_has_its_own_time);
    tcase_add_test(tc, waiter_is_told_once);
    tcase_add_test(tc, told_waiters_each_get_the_result_once);
    tcase_add_test(tc, told_waiter_of_a_dead_winner_takes_over_once);
    tcase_add_test(tc, waiter_polls_when_it_cannot_be_told);
    tcase_add_test(tc, failover_at_the_claim_refreshes_nothing);
    tcase_add_test(tc, failover_while_waiting_refreshes_nothing);
    tcase_add_test(tc, winner_publishes_after_the_failover);
    tcase_add_test(tc, sentinel_urls);
    suite_add_tcase(s, tc);
    return s;
}
