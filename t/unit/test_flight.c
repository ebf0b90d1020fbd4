/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_seal and tp_flight: sealing, and the single-flight state machine
 * against an in-memory store with a fake clock. */

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "tp_flight.h"
#include "tp_seal.h"
#include "unit.h"

/* ---- sealing ---- */

START_TEST(seal_roundtrip)
{
    unsigned char key[TP_SEAL_KEY_LEN], other[TP_SEAL_KEY_LEN];
    unsigned char *sealed, *plain;
    apr_size_t slen, plen;

    ck_assert(tp_seal_keygen(key));
    ck_assert(tp_seal_keygen(other));
    ck_assert(tp_seal(unit_pool, key, "aad", 3, "hello", 5, &sealed, &slen));
    ck_assert_uint_eq(slen, 5 + TP_SEAL_OVERHEAD);
    ck_assert(tp_unseal(unit_pool, key, "aad", 3, sealed, slen, &plain,
                        &plen));
    ck_assert_uint_eq(plen, 5);
    ck_assert_str_eq((char *)plain, "hello");
    /* wrong key, wrong aad, tampered, truncated */
    ck_assert(!tp_unseal(unit_pool, other, "aad", 3, sealed, slen, &plain,
                         &plen));
    ck_assert(!tp_unseal(unit_pool, key, "aaX", 3, sealed, slen, &plain,
                         &plen));
    sealed[TP_SEAL_NONCE_LEN] ^= 1;
    ck_assert(!tp_unseal(unit_pool, key, "aad", 3, sealed, slen, &plain,
                         &plen));
    sealed[TP_SEAL_NONCE_LEN] ^= 1;
    ck_assert(!tp_unseal(unit_pool, key, "aad", 3, sealed, slen - 1, &plain,
                         &plen));
    ck_assert(!tp_unseal(unit_pool, key, "aad", 3, sealed, 10, &plain,
                         &plen));
}
END_TEST

START_TEST(seal_nonce_random)
{
    unsigned char key[TP_SEAL_KEY_LEN], *a, *b;
    apr_size_t la, lb;

    tp_seal_keygen(key);
    tp_seal(unit_pool, key, NULL, 0, "same", 4, &a, &la);
    tp_seal(unit_pool, key, NULL, 0, "same", 4, &b, &lb);
    ck_assert(memcmp(a, b, la) != 0);
}
END_TEST

/* ---- a fake store: one table, a clock that sleeping advances ---- */

typedef struct fake {
    apr_pool_t *p;
    apr_hash_t *data;       /* key -> entry */
    apr_time_t now;
    int locked, locks, puts, fail_put_big, fail_lock;
    /* called from sleep, to let "another request" act */
    void (*on_sleep)(struct fake *f);
    int sleeps;
} fake;

typedef struct fentry {
    unsigned char *data;
    apr_size_t len;
    apr_time_t expiry;
} fentry;

static int f_lock(void *c)
{
    fake *f = c;
    if (f->fail_lock) return 0;
    ck_assert(!f->locked);
    f->locked = 1;
    f->locks++;
    return 1;
}

static void f_unlock(void *c)
{
    fake *f = c;
    ck_assert(f->locked);
    f->locked = 0;
}

static int f_get(void *c, apr_pool_t *p, const unsigned char *key,
                 apr_size_t klen, unsigned char **data, apr_size_t *len)
{
    fake *f = c;
    fentry *e = apr_hash_get(f->data, key, (apr_ssize_t)klen);
    ck_assert(f->locked);
    if (!e || e->expiry <= f->now) return 0;
    *data = apr_pmemdup(p, e->data, e->len);
    *len = e->len;
    return 1;
}

static int f_put(void *c, apr_pool_t *p, const unsigned char *key,
                 apr_size_t klen, apr_time_t expiry,
                 const unsigned char *data, apr_size_t len)
{
    fake *f = c;
    fentry *e;
    (void)p;
    ck_assert(f->locked);
    if (f->fail_put_big && len > 2 && data[2] == 2) return 0;  /* done */
    e = apr_palloc(f->p, sizeof(*e));
    e->data = apr_pmemdup(f->p, data, len);
    e->len = len;
    e->expiry = expiry;
    apr_hash_set(f->data, apr_pmemdup(f->p, key, klen), (apr_ssize_t)klen, e);
    f->puts++;
    return 1;
}

static apr_time_t f_now(void *c) { return ((fake *)c)->now; }

static void f_sleep(void *c, apr_interval_time_t t)
{
    fake *f = c;
    ck_assert(!f->locked);          /* never sleeps holding the lock */
    f->now += t;
    f->sleeps++;
    if (f->on_sleep) f->on_sleep(f);
}

static unsigned char seal_key[TP_SEAL_KEY_LEN];

static fake *new_fake(tp_flight_store *st)
{
    fake *f = apr_pcalloc(unit_pool, sizeof(*f));
    f->p = unit_pool;
    f->data = apr_hash_make(unit_pool);
    f->now = apr_time_from_sec(1000000);
    tp_seal_keygen(seal_key);
    memset(st, 0, sizeof(*st));
    st->ctx = f;
    st->lock = f_lock;
    st->unlock = f_unlock;
    st->get = f_get;
    st->put = f_put;
    st->now = f_now;
    st->sleep = f_sleep;
    st->seal_key = seal_key;
    return f;
}

static const tp_flight_params PRM = {
    APR_USEC_PER_SEC * 3,    /* lease */
    APR_USEC_PER_SEC * 30,   /* grace */
    APR_USEC_PER_SEC * 1,    /* failed_ttl */
    APR_USEC_PER_SEC * 7     /* deadline */
};

/* the refresh itself: counts calls, answers what the baton says */
typedef struct call {
    int calls;
    tp_refresh_e result;
    fake *f;
    int locked_during;
} call;

static void do_refresh(void *baton, apr_pool_t *p, tp_refresh_res *res)
{
    call *c = baton;
    c->calls++;
    if (c->f && c->f->locked) c->locked_during = 1;
    memset(res, 0, sizeof(*res));
    res->result = c->result;
    res->why = "test";
    if (c->result == TP_REFRESH_OK) {
        res->tokens.access = apr_psprintf(p, "AT%d", c->calls);
        res->tokens.refresh = apr_psprintf(p, "RT%d", c->calls);
        res->tokens.expires_in = 60;
    }
}

static unsigned char KEY[32];

START_TEST(first_refreshes_then_grace)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_REFRESH_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("http://idp/token", "RT0", KEY);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_REFRESHED);
    ck_assert_int_eq(out.res.result, TP_REFRESH_OK);
    ck_assert_str_eq(out.res.tokens.access, "AT1");
    ck_assert_int_eq(c.calls, 1);
    ck_assert(!c.locked_during);           /* the call ran unlocked */

    /* the old refresh token again, within the grace window */
    f->now += apr_time_from_sec(29);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_str_eq(out.res.tokens.access, "AT1");
    ck_assert_str_eq(out.res.tokens.refresh, "RT1");
    ck_assert_int_eq(out.res.tokens.expires_in, 60);

    /* after the grace window: a new refresh */
    f->now += apr_time_from_sec(2);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_REFRESHED);
    ck_assert_int_eq(c.calls, 2);
}
END_TEST

static void write_inflight(fake *f, apr_time_t lease_end)
{
    /* an in-flight entry as another child writes it: magic, version,
     * state 1, result, expires_in, lease end, reserved */
    unsigned char hdr[24];

    memset(hdr, 0, sizeof(hdr));
    hdr[0] = 0x54; hdr[1] = 1; hdr[2] = 1;
    memcpy(hdr + 8, &lease_end, sizeof(lease_end));
    f->locked = 1;
    f_put(f, unit_pool, KEY, 32, lease_end + apr_time_from_sec(60), hdr, 24);
    f->locked = 0;
}

/* "another request" finishes its refresh during our 4th sleep */
static void finish_other(fake *f)
{
    tp_flight_store s2;
    call c2 = { 100, TP_REFRESH_OK, NULL, 0 };
    tp_flight_out o2;

    if (f->sleeps != 4) {
        return;
    }
    f->on_sleep = NULL;
    apr_hash_clear(f->data);         /* its lease ends as it publishes */
    memset(&s2, 0, sizeof(s2));
    s2.ctx = f; s2.lock = f_lock; s2.unlock = f_unlock;
    s2.get = f_get; s2.put = f_put; s2.now = f_now;
    s2.sleep = f_sleep; s2.seal_key = seal_key;
    tp_flight_run(f->p, &s2, &PRM, KEY, 32, do_refresh, &c2, &o2);
}

START_TEST(waiters_share_the_result)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_REFRESH_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTW", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    f->on_sleep = finish_other;

    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 0);            /* never refreshed itself */
    ck_assert(out.waited);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert_int_eq(out.res.result, TP_REFRESH_OK);
    ck_assert_str_eq(out.res.tokens.access, "AT101");
    ck_assert_int_ge(f->sleeps, 4);
}
END_TEST

START_TEST(expired_lease_taken_over_once)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_REFRESH_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTK", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));  /* refresher died */

    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);
    ck_assert(out.waited);
    ck_assert(out.took_over);
    ck_assert_int_eq(out.how, TP_FLIGHT_REFRESHED);
    ck_assert(f->now >= apr_time_from_sec(1000003));   /* after the lease */

    /* a second waiter now shares the takeover's result */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);
    ck_assert(!out.took_over);
    ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
}
END_TEST

START_TEST(waiter_gives_up_at_deadline)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_REFRESH_OK, f, 0 };
    tp_flight_out out;
    apr_time_t start = f->now;

    tp_flight_key("u", "RTD", KEY);
    write_inflight(f, f->now + apr_time_from_sec(60));  /* a long lease */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 0);
    ck_assert_int_eq(out.how, TP_FLIGHT_GAVE_UP);
    ck_assert_int_eq(out.res.result, TP_REFRESH_UNAVAILABLE);
    ck_assert(f->now - start >= PRM.deadline);
    ck_assert(f->now - start < PRM.deadline + apr_time_from_msec(100));
    /* backoff: no hot spinning (at most 50 ms steps after the ramp) */
    ck_assert_int_le(f->sleeps, 7000 / 50 + 20);
}
END_TEST

START_TEST(failures_are_shared)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_REFRESH_REJECTED, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTF", KEY);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_REFRESH_REJECTED);
    /* a rejected token stays rejected through the grace window */
    f->now += apr_time_from_sec(20);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_REFRESH_REJECTED);
    ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
    ck_assert_int_eq(c.calls, 1);

    /* unavailable is kept briefly only */
    tp_flight_key("u", "RTU", KEY);
    c.result = TP_REFRESH_UNAVAILABLE;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 2);
    ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
    f->now += apr_time_from_sec(2);
    c.result = TP_REFRESH_OK;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 3);
    ck_assert_int_eq(out.res.result, TP_REFRESH_OK);
}
END_TEST

START_TEST(tokens_sealed_in_store)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_REFRESH_OK, f, 0 };
    tp_flight_out out;
    fentry *e;
    apr_size_t i;

    tp_flight_key("u", "RTS", KEY);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    e = apr_hash_get(f->data, KEY, 32);
    ck_assert_ptr_nonnull(e);
    for (i = 0; i + 3 <= e->len; i++) {
        ck_assert(memcmp(e->data + i, "AT1", 3) != 0);
        ck_assert(memcmp(e->data + i, "RT1", 3) != 0);
    }
    /* another key (a restart) cannot open it: no tokens, unavailable */
    tp_seal_keygen(seal_key);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_REFRESH_UNAVAILABLE);
    ck_assert_int_eq(c.calls, 1);
}
END_TEST

START_TEST(unstorable_result_never_invites_a_second_refresh)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_REFRESH_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTB", KEY);
    f->fail_put_big = 1;           /* the sealed tokens do not fit */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_REFRESH_OK);   /* the caller's own */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(out.res.result, TP_REFRESH_UNAVAILABLE);
}
END_TEST

START_TEST(no_lock_still_refreshes)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_REFRESH_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTL", KEY);
    f->fail_lock = 1;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert(out.store_failed);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(out.res.result, TP_REFRESH_OK);
}
END_TEST

START_TEST(keys_differ)
{
    unsigned char a[32], b[32], c[32];

    tp_flight_key("http://a/token", "RT", a);
    tp_flight_key("http://b/token", "RT", b);
    tp_flight_key("http://a/token", "RT2", c);
    ck_assert(memcmp(a, b, 32) != 0);
    ck_assert(memcmp(a, c, 32) != 0);
}
END_TEST

Suite *flight_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("flight");
    TCase *tc = tcase_create("single-flight");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, seal_roundtrip);
    tcase_add_test(tc, seal_nonce_random);
    tcase_add_test(tc, first_refreshes_then_grace);
    tcase_add_test(tc, waiters_share_the_result);
    tcase_add_test(tc, expired_lease_taken_over_once);
    tcase_add_test(tc, waiter_gives_up_at_deadline);
    tcase_add_test(tc, failures_are_shared);
    tcase_add_test(tc, tokens_sealed_in_store);
    tcase_add_test(tc, unstorable_result_never_invites_a_second_refresh);
    tcase_add_test(tc, no_lock_still_refreshes);
    tcase_add_test(tc, keys_differ);
    suite_add_tcase(s, tc);
    return s;
}
