/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_seal and tp_flight: sealing, and the single-flight state machine
 * against an in-memory store with a fake clock: the real claim table, and
 * a results table that can evict like a full cache. */

#include <string.h>

#include <apr_hash.h>
#include <apr_tables.h>
#include <apr_strings.h>

#include "core/tp_claims.h"
#include "core/tp_flight.h"
#include "core/tp_seal.h"
#include "flight_fake.h"
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

static fake *new_fake(tp_flight_store *st)
{
    return fake_new(st, 1024);
}

static const tp_flight_params PRM = {
    APR_USEC_PER_SEC * 3,    /* lease */
    APR_USEC_PER_SEC * 30,   /* grace */
    APR_USEC_PER_SEC * 1,    /* failed_ttl */
    APR_USEC_PER_SEC * 7     /* deadline */
};

static unsigned char KEY[32];

START_TEST(first_refreshes_then_grace)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("http://idp/token", "RT0", KEY);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_REFRESHED);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
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
    fake_inflight(f, KEY, lease_end);
}

/* "another request" finishes its refresh during our 4th sleep */
static void finish_other(fake *f)
{
    if (f->sleeps != 4) {
        return;
    }
    f->on_sleep = NULL;
    fake_other_publishes(f, KEY, &PRM, 0);
}

START_TEST(waiters_share_the_result)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTW", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    f->on_sleep = finish_other;

    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 0);            /* never refreshed itself */
    ck_assert(out.waited);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
    ck_assert_str_eq(out.res.tokens.access, "AT101");
    ck_assert_int_ge(f->sleeps, 4);
}
END_TEST

START_TEST(expired_lease_taken_over_once)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
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
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;
    apr_time_t start = f->now;

    tp_flight_key("u", "RTD", KEY);
    write_inflight(f, f->now + apr_time_from_sec(60));  /* a long lease */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 0);
    ck_assert_int_eq(out.how, TP_FLIGHT_GAVE_UP);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert(f->now - start >= PRM.deadline);
    ck_assert(f->now - start < PRM.deadline + apr_time_from_msec(100));
    /* backoff: no hot spinning (20 ms steps after the ramp: a node's
     * waiters answer within 20 ms of the result) */
    ck_assert_int_le(f->sleeps, 7000 / 20 + 20);
}
END_TEST

START_TEST(failures_are_shared)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_REJECTED, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTF", KEY);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_GRANT_REJECTED);
    /* a rejected token stays rejected through the grace window */
    f->now += apr_time_from_sec(20);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_GRANT_REJECTED);
    ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
    ck_assert_int_eq(c.calls, 1);

    /* unavailable is kept briefly only */
    tp_flight_key("u", "RTU", KEY);
    c.result = TP_GRANT_UNAVAILABLE;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 2);
    ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
    f->now += apr_time_from_sec(2);
    c.result = TP_GRANT_OK;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 3);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
}
END_TEST

START_TEST(tokens_sealed_in_store)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
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
    tp_seal_keygen(fake_seal_key);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(c.calls, 1);
}
END_TEST

START_TEST(unstorable_result_never_invites_a_second_refresh)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTB", KEY);
    f->fail_put_big = 1;           /* the sealed tokens do not fit */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);   /* the caller's own */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
}
END_TEST

START_TEST(no_lock_refreshes_nothing)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;
    int i;

    tp_flight_key("u", "RTL", KEY);
    f->fail_lock = 1;
    /* a storm while the state cannot be used: never one refresh each */
    for (i = 0; i < 40; i++) {
        tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
        ck_assert(out.store_failed);
        ck_assert_int_eq(out.how, TP_FLIGHT_LOST);
        ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    }
    ck_assert_int_eq(c.calls, 0);
}
END_TEST

/* ---- a results cache that evicts ---- */

START_TEST(evicted_result_answers_unavailable_never_refreshes)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RTE", KEY);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
    ck_assert_uint_gt(out.stored_len, 0);
    ck_assert(!out.unstored);
    apr_hash_clear(f->data);            /* the cache dropped the result */

    f->now += apr_time_from_sec(10);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);       /* no second refresh */
    ck_assert(out.evicted);
    ck_assert_int_eq(out.how, TP_FLIGHT_LOST);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    /* and again: still detected, still no refresh, through the grace */
    f->now += apr_time_from_sec(19);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);
    ck_assert(out.evicted);
}
END_TEST

START_TEST(a_full_cache_costs_503s_not_second_refreshes)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;
    unsigned char keys[50][32];
    int i, evicted = 0, grace = 0;

    f->max_results = 10;
    for (i = 0; i < 50; i++) {
        tp_flight_key("u", apr_psprintf(unit_pool, "RT-%d", i), keys[i]);
        tp_flight_run(unit_pool, &st, &PRM, keys[i], 32, do_refresh, &c,
                      &out);
        ck_assert_int_eq(out.how, TP_FLIGHT_REFRESHED);
        f->now += apr_time_from_msec(100);
    }
    ck_assert_int_eq(c.calls, 50);
    ck_assert_int_eq(f->evictions, 40);
    /* every old refresh token again, within the grace window */
    for (i = 0; i < 50; i++) {
        tp_flight_run(unit_pool, &st, &PRM, keys[i], 32, do_refresh, &c,
                      &out);
        if (out.evicted) {
            evicted++;
            ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
        }
        else {
            grace++;
            ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
            ck_assert_int_eq(out.res.result, TP_GRANT_OK);
        }
    }
    ck_assert_int_eq(c.calls, 50);      /* not one more */
    ck_assert_int_eq(evicted, 40);
    ck_assert_int_eq(grace, 10);
}
END_TEST

/* the token in flight is finished by its refresher during our 4th sleep;
 * meanwhile 200 other tokens were refreshed through a cache of 5 */
START_TEST(a_claim_survives_other_users_results)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    call others = { 1000, TP_GRANT_OK, NULL, 0 };
    tp_flight_out out;
    unsigned char other[32];
    int i;

    f->max_results = 5;
    tp_flight_key("u", "RT-SLOW", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    for (i = 0; i < 200; i++) {
        tp_flight_key("u", apr_psprintf(unit_pool, "RT-O%d", i), other);
        tp_flight_run(unit_pool, &st, &PRM, other, 32, do_refresh, &others,
                      &out);
        ck_assert_int_eq(out.how, TP_FLIGHT_REFRESHED);
    }
    ck_assert_int_ge(f->evictions, 195);
    f->on_sleep = finish_other;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 0);       /* it waited: the claim was there */
    ck_assert(out.waited);
    ck_assert(!out.took_over);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
}
END_TEST

START_TEST(full_claims_refresh_nothing)
{
    tp_flight_store st;
    fake *f = fake_new(&st, 4);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;
    unsigned char k[32];
    int i;

    for (i = 0; i < 4; i++) {
        tp_flight_key("u", apr_psprintf(unit_pool, "RT-F%d", i), k);
        fake_inflight(f, k, f->now + apr_time_from_sec(3));
    }
    tp_flight_key("u", "RT-NEW", KEY);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 0);
    ck_assert(out.claims_full);
    ck_assert_int_eq(out.how, TP_FLIGHT_LOST);
    ck_assert_int_eq(out.res.result, TP_GRANT_UNAVAILABLE);
    /* once those claims' time is over, their slots are free again */
    f->now += apr_time_from_sec(64);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);
    ck_assert(!out.claims_full);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
}
END_TEST

START_TEST(grace_zero_keeps_nothing)
{
    tp_flight_store st;
    fake *f = new_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;
    tp_flight_params prm = PRM;

    prm.grace = 0;
    tp_flight_key("u", "RT-G0", KEY);
    tp_flight_run(unit_pool, &st, &prm, KEY, 32, do_refresh, &c, &out);
    tp_flight_run(unit_pool, &st, &prm, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 2);
    ck_assert(!out.evicted);
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
    tcase_add_test(tc, no_lock_refreshes_nothing);
    tcase_add_test(tc, evicted_result_answers_unavailable_never_refreshes);
    tcase_add_test(tc, a_full_cache_costs_503s_not_second_refreshes);
    tcase_add_test(tc, a_claim_survives_other_users_results);
    tcase_add_test(tc, full_claims_refresh_nothing);
    tcase_add_test(tc, grace_zero_keeps_nothing);
    tcase_add_test(tc, keys_differ);
    suite_add_tcase(s, tc);
    return s;
}
