/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_claims (the fixed claim table) and tp_sizing (shmcb arithmetic). */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_claims.h"
#include "core/tp_flight.h"
#include "core/tp_sizing.h"
#include "unit.h"

#define T0 apr_time_from_sec(1000000)

static tp_claims *table(apr_uint32_t slots)
{
    return tp_claims_init(apr_palloc(unit_pool, tp_claims_size(slots)), slots);
}

static tp_claim claim(tp_claim_state_e state, apr_time_t until)
{
    tp_claim c;

    memset(&c, 0, sizeof(c));
    c.state = state;
    c.until = until;
    c.lease_end = until;
    return c;
}

/* a key whose home slot is `home` in a table of `slots` */
static void key_at(unsigned char *k, apr_uint32_t home, apr_uint32_t salt,
                   apr_uint32_t slots)
{
    apr_uint32_t h = home + salt * slots;

    memset(k, 0, 32);
    k[0] = (unsigned char)(h >> 24); k[1] = (unsigned char)(h >> 16);
    k[2] = (unsigned char)(h >> 8);  k[3] = (unsigned char)h;
    k[10] = (unsigned char)salt;
}

START_TEST(claims_put_get_expire)
{
    tp_claims *t = table(1024);
    unsigned char a[32], b[32];
    tp_claim c = claim(TP_CLAIM_IN_FLIGHT, T0 + 10), got;

    tp_flight_key("u", "A", a);
    tp_flight_key("u", "B", b);
    ck_assert_uint_eq(tp_claims_slot_size(), 40);
    ck_assert(!tp_claims_get(t, a, T0, &got));
    ck_assert(tp_claims_put(t, a, T0, &c));
    ck_assert(tp_claims_get(t, a, T0 + 9, &got));
    ck_assert_int_eq(got.state, TP_CLAIM_IN_FLIGHT);
    ck_assert(!tp_claims_get(t, b, T0, &got));
    ck_assert(!tp_claims_get(t, a, T0 + 10, &got));    /* its time is over */
    /* the same key: its own slot is updated */
    c = claim(TP_CLAIM_DONE, T0 + 40);
    ck_assert(tp_claims_put(t, a, T0 + 5, &c));
    ck_assert(tp_claims_get(t, a, T0 + 39, &got));
    ck_assert_int_eq(got.state, TP_CLAIM_DONE);
    c = claim(TP_CLAIM_FAILED, T0 + 50);
    c.result = 2;
    ck_assert(tp_claims_put(t, b, T0, &c));
    ck_assert(tp_claims_get(t, b, T0, &got));
    ck_assert_int_eq(got.result, 2);
}
END_TEST

START_TEST(claims_collide_wrap_and_fill)
{
    apr_uint32_t n = 1024, i;
    tp_claims *t = table(n);
    unsigned char k[32];
    tp_claim c, got;
    tp_claims_fill f;

    /* TP_CLAIMS_PROBE keys with the same home slot, near the end of the
     * table so that their probes wrap around to the start */
    for (i = 0; i < TP_CLAIMS_PROBE; i++) {
        key_at(k, n - 3, i, n);
        c = claim(i % 2 ? TP_CLAIM_DONE : TP_CLAIM_IN_FLIGHT, T0 + 100 + i);
        ck_assert(tp_claims_put(t, k, T0, &c));
    }
    for (i = 0; i < TP_CLAIMS_PROBE; i++) {
        key_at(k, n - 3, i, n);
        ck_assert(tp_claims_get(t, k, T0, &got));
        ck_assert_int_eq(got.until, T0 + 100 + i);
    }
    /* one more: every slot within reach is taken, and nothing is evicted */
    key_at(k, n - 3, TP_CLAIMS_PROBE, n);
    c = claim(TP_CLAIM_IN_FLIGHT, T0 + 500);
    ck_assert(!tp_claims_put(t, k, T0, &c));
    key_at(k, n - 3, 0, n);
    ck_assert(tp_claims_get(t, k, T0, &got));
    tp_claims_count(t, T0, &f);
    ck_assert_int_eq(f.slots, 1024);
    ck_assert_int_eq(f.in_flight, TP_CLAIMS_PROBE / 2);
    ck_assert_int_eq(f.done, TP_CLAIMS_PROBE / 2);
    /* once the first's time is over, its slot takes the newcomer */
    key_at(k, n - 3, TP_CLAIMS_PROBE, n);
    ck_assert(tp_claims_put(t, k, T0 + 101, &c));
    ck_assert(tp_claims_get(t, k, T0 + 101, &got));
    key_at(k, n - 3, 2, n);                 /* the others are still there */
    ck_assert(tp_claims_get(t, k, T0 + 101, &got));
    tp_claims_count(t, T0 + 101, &f);
    ck_assert_int_eq(f.in_flight + f.done, TP_CLAIMS_PROBE - 1);
}
END_TEST

START_TEST(claims_hold_their_share)
{
    /* random keys: a table fills to 80% before a claim fails (the first
     * failure comes at 83-87%) */
    apr_uint32_t n = 65536, i;
    tp_claims *t = table(n);
    unsigned char k[32];
    tp_claim c = claim(TP_CLAIM_DONE, T0 + 30);

    for (i = 0; i < n * 8 / 10; i++) {
        tp_flight_key("u", apr_psprintf(unit_pool, "R%u", i), k);
        ck_assert(tp_claims_put(t, k, T0, &c));
    }
}
END_TEST

START_TEST(sizing_formula)
{
    ck_assert_uint_eq(tp_sizing_entry_bytes(150), 243);
    ck_assert_uint_eq(TP_FLIGHT_ENTRY_OVERHEAD, 37);
    /* the default: 32 MiB at 1 KiB of tokens */
    ck_assert_int_eq(tp_sizing_capacity(33554432, 1024), 30016);
    ck_assert_int_ge(tp_sizing_capacity(33554432, 1024), 20000 * 100 / 80);
    /* the test suite's tiny cache at the mock provider's token sizes */
    ck_assert_int_eq(tp_sizing_capacity(262144, 160), 1024);
    ck_assert_int_lt(tp_sizing_capacity(262144, 1024), 1000);
    ck_assert_int_eq(tp_sizing_capacity(4096, 1024), 0);
    /* about size / (tokens + 93) */
    ck_assert_int_ge(tp_sizing_capacity(8388608, 500), 8388608 / 593 * 97 / 100);
    ck_assert_int_le(tp_sizing_capacity(8388608, 500), 8388608 / 593);
}
END_TEST

START_TEST(sizing_suggestions)
{
    apr_size_t b = tp_sizing_bytes_for(20000, 1024);

    ck_assert_uint_gt(b, 0);
    ck_assert_int_ge(tp_sizing_capacity(b, 1024), 25000);
    ck_assert_int_lt(tp_sizing_capacity(b - 64 * 1024, 1024), 25000);
    ck_assert_uint_eq(b % 1024, 0);
    ck_assert_int_ge(tp_sizing_capacity(tp_sizing_bytes_for(1000, 160), 160),
                     1250);
    ck_assert_uint_eq(tp_sizing_bytes_for(100000, 4096), 0);  /* > 64 MiB */
    ck_assert_uint_eq(tp_sizing_shmcb_size("/run/x(262144)"), 262144);
    ck_assert_uint_eq(tp_sizing_shmcb_size("(1048576)"), 1048576);
    ck_assert_uint_eq(tp_sizing_shmcb_size("/run/x"), 524288);
    ck_assert_uint_eq(tp_sizing_shmcb_size(NULL), 524288);
    ck_assert_uint_eq(tp_sizing_shmcb_size("/run/x(12k)"), 0);
}
END_TEST

Suite *claims_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("claims");
    TCase *tc = tcase_create("claims");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, claims_put_get_expire);
    tcase_add_test(tc, claims_collide_wrap_and_fill);
    tcase_add_test(tc, claims_hold_their_share);
    tcase_add_test(tc, sizing_formula);
    tcase_add_test(tc, sizing_suggestions);
    suite_add_tcase(s, tc);
    return s;
}
