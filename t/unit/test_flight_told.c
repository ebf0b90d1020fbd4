/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_flight with a store that can tell: a machine's waiters learn of a
 * result from a notice instead of polling the shared state, and still
 * behave as before when nothing tells them (a dead leader is taken over
 * exactly once; a store that cannot tell is polled). */

#include <string.h>

#include <apr_strings.h>

#include "flight_fake.h"
#include "unit.h"

static const tp_flight_params PRM = {
    APR_USEC_PER_SEC * 3,    /* lease */
    APR_USEC_PER_SEC * 30,   /* grace */
    APR_USEC_PER_SEC * 1,    /* failed_ttl */
    APR_USEC_PER_SEC * 7     /* deadline */
};

static unsigned char KEY[32];

static fake *told_fake(tp_flight_store *st)
{
    fake *f = fake_new(st, 1024);
    fake_told(st);
    f->watch_ok = 1;
    return f;
}

/* another request of this machine holds the claim until lease_end */
static void write_inflight(fake *f, apr_time_t lease_end)
{
    fake_inflight(f, KEY, lease_end);
}

/* that other request finishes: it refreshes, publishes and tells */
static void other_publishes(fake *f)
{
    fake_other_publishes(f, KEY, &PRM, 1);
}

static int publish_then_tell(fake *f, apr_pool_t *p, apr_interval_time_t t,
                             tp_grant_res *res)
{
    (void)p; (void)t; (void)res;
    other_publishes(f);
    return 1;
}

START_TEST(a_told_waiter_never_polls)
{
    tp_flight_store st;
    fake *f = told_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;
    apr_time_t start = f->now;

    tp_flight_key("u", "RT-T1", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    f->on_wait = publish_then_tell;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 0);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert_str_eq(out.res.tokens.access, "AT101");
    ck_assert_int_eq(out.told, 1);
    ck_assert_int_eq(out.polls, 0);
    ck_assert_int_eq(f->sleeps, 0);
    ck_assert_int_eq(f->waits, 1);
    ck_assert_int_eq(f->watches, 1);
    ck_assert_int_eq(f->unwatches, 1);
    ck_assert(f->now == start);         /* answered when told, not later */
    /* the leader told once, after its result was stored, unlocked */
    ck_assert_int_eq(f->tells, 1);
    ck_assert_int_eq(f->told_locked, 0);
    ck_assert_int_eq(f->told_unstored, 0);
}
END_TEST

/* the cluster's notice reaches this waiter before this machine's leader
 * has stored the result: it looks again after 1 ms, not 20 */
static int tell_early(fake *f, apr_pool_t *p, apr_interval_time_t t,
                      tp_grant_res *res)
{
    (void)p; (void)t; (void)res;
    f->on_sleep = other_publishes;
    return 1;
}

START_TEST(told_before_the_result_is_here)
{
    tp_flight_store st;
    fake *f = told_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RT-T2", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    f->on_wait = tell_early;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert_int_eq(out.told, 1);
    ck_assert_int_eq(f->sleeps, 1);
    ck_assert(f->last_sleep == apr_time_from_msec(1));
    ck_assert_int_eq(c.calls, 0);
}
END_TEST

START_TEST(untold_waiters_look_every_20ms_and_take_over_once)
{
    tp_flight_store st;
    fake *f = told_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RT-T3", KEY);
    /* the leader died: nobody will ever tell */
    write_inflight(f, f->now + apr_time_from_sec(3));
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);
    ck_assert(out.took_over);
    ck_assert_int_eq(out.how, TP_FLIGHT_REFRESHED);
    ck_assert_int_eq(out.told, 0);
    ck_assert(f->max_wait <= apr_time_from_msec(20));
    ck_assert_int_ge(f->waits, 3000 / 20);
    ck_assert_int_le(f->waits, 3000 / 20 + 2);
    ck_assert_int_eq(f->sleeps, 0);
    ck_assert_int_eq(f->unwatches, 1);
    ck_assert_int_eq(f->tells, 1);     /* the takeover tells the rest */

    /* the others now share the takeover's result */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
}
END_TEST

/* the fourth sleep of a polling waiter: the other request finishes */
static void publish_at_fourth_sleep(fake *f)
{
    if (f->sleeps == 4) {
        f->on_sleep = NULL;
        other_publishes(f);
    }
}

START_TEST(a_store_that_cannot_tell_is_polled)
{
    tp_flight_store st;
    fake *f = told_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    f->watch_ok = 0;                    /* no subscriber connection */
    tp_flight_key("u", "RT-T4", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    f->on_sleep = publish_at_fourth_sleep;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert_int_eq(f->sleeps, 4);
    ck_assert_int_eq(out.polls, 4);
    ck_assert_int_eq(f->waits, 0);
    ck_assert_int_eq(f->unwatches, 0);  /* never watched */
}
END_TEST

static int broken(fake *f, apr_pool_t *p, apr_interval_time_t t,
                  tp_grant_res *res)
{
    (void)p; (void)t; (void)res;
    f->on_sleep = publish_at_fourth_sleep;
    return -1;
}

START_TEST(a_broken_notice_connection_falls_back_to_polling)
{
    tp_flight_store st;
    fake *f = told_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RT-T5", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    f->on_wait = broken;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert_int_eq(f->waits, 1);      /* never waits again */
    ck_assert_int_eq(f->sleeps, 4);
    ck_assert_int_eq(f->unwatches, 1);
    ck_assert_int_eq(c.calls, 0);
}
END_TEST

START_TEST(a_result_between_the_look_and_the_watch_is_not_missed)
{
    tp_flight_store st;
    fake *f = told_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RT-T6", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    /* published (and told to nobody) while the watch began */
    f->on_watch = other_publishes;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert_int_eq(f->waits, 0);
    ck_assert_int_eq(f->sleeps, 0);
    ck_assert_int_eq(c.calls, 0);
}
END_TEST

START_TEST(nobody_waiting_nothing_watched)
{
    tp_flight_store st;
    fake *f = told_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;

    tp_flight_key("u", "RT-T7", KEY);
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_REFRESHED);
    ck_assert_int_eq(f->watches, 0);
    ck_assert_int_eq(f->tells, 1);
    /* the grace path neither watches nor tells */
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_GRACE);
    ck_assert_int_eq(f->watches, 0);
    ck_assert_int_eq(f->tells, 1);
}
END_TEST

/* the notice carries the result: the waiter takes it from there, even
 * before this machine's leader has stored it */
static int tell_with_result(fake *f, apr_pool_t *p, apr_interval_time_t t,
                            tp_grant_res *res)
{
    (void)f; (void)t;
    memset(res, 0, sizeof(*res));
    res->result = TP_GRANT_OK;
    res->tokens.access = apr_pstrdup(p, "AT-NOTICE");
    res->tokens.refresh = apr_pstrdup(p, "RT-NOTICE");
    res->tokens.expires_in = 60;
    return 2;
}

START_TEST(a_notice_with_the_result_ends_the_wait_with_it)
{
    tp_flight_store st;
    fake *f = told_fake(&st);
    call c = { 0, TP_GRANT_OK, f, 0 };
    tp_flight_out out;
    apr_time_t start = f->now;
    int locks;

    tp_flight_key("u", "RT-T8", KEY);
    write_inflight(f, f->now + apr_time_from_sec(3));
    f->on_wait = tell_with_result;
    locks = f->locks;
    tp_flight_run(unit_pool, &st, &PRM, KEY, 32, do_refresh, &c, &out);
    ck_assert_int_eq(out.how, TP_FLIGHT_SHARED);
    ck_assert(out.waited);
    ck_assert_int_eq(out.res.result, TP_GRANT_OK);
    ck_assert_str_eq(out.res.tokens.access, "AT-NOTICE");
    ck_assert_str_eq(out.res.tokens.refresh, "RT-NOTICE");
    ck_assert_int_eq(out.told, 1);
    ck_assert_int_eq(f->sleeps, 0);
    ck_assert_int_eq(f->unwatches, 1);
    ck_assert_int_eq(c.calls, 0);
    ck_assert(f->now == start);
    /* two looks at the state (before and after the watch), none after */
    ck_assert_int_eq(f->locks - locks, 2);
}
END_TEST

Suite *flight_told_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("flight_told");
    TCase *tc = tcase_create("told waiters");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_told_waiter_never_polls);
    tcase_add_test(tc, told_before_the_result_is_here);
    tcase_add_test(tc, untold_waiters_look_every_20ms_and_take_over_once);
    tcase_add_test(tc, a_store_that_cannot_tell_is_polled);
    tcase_add_test(tc, a_broken_notice_connection_falls_back_to_polling);
    tcase_add_test(tc, a_result_between_the_look_and_the_watch_is_not_missed);
    tcase_add_test(tc, nobody_waiting_nothing_watched);
    tcase_add_test(tc, a_notice_with_the_result_ends_the_wait_with_it);
    suite_add_tcase(s, tc);
    return s;
}
