/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_opencache: a connection's last access cookie, as it was read. */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_opencache.h"
#include "unit.h"

static const int ring_a = 1, ring_b = 2;   /* two key rings' identities */
static const char *SEALED = "tp1.AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIIIJJJJ_-";
static const char *TOKEN = "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.sig";

static tp_opencache *filled(void)
{
    tp_opencache *c = tp_opencache_make(unit_pool);
    tp_jwt_times t = { 1000, 400, 1, 1 };

    tp_opencache_put(c, &ring_a, "accessToken", SEALED,
                     strlen(SEALED), TOKEN, strlen(TOKEN), &t, 1);
    return c;
}

START_TEST(hit_only_for_the_same_value_ring_and_name)
{
    tp_opencache *c = filled();
    tp_jwt_times t;
    const char *bearer = NULL, *tok;
    int has = -2;
    char *other = apr_pstrdup(unit_pool, SEALED);

    tok = tp_opencache_get(unit_pool, c, &ring_a, "accessToken", SEALED,
                           strlen(SEALED), &bearer, &t, &has);
    ck_assert_ptr_nonnull(tok);
    ck_assert_str_eq(tok, TOKEN);
    ck_assert_str_eq(bearer, apr_pstrcat(unit_pool, "Bearer ", TOKEN, NULL));
    ck_assert_ptr_eq(tok, bearer + 7);
    ck_assert_int_eq(has, 1);
    ck_assert_int_eq(t.exp, 1000);
    ck_assert_int_eq(t.iat, 400);
    /* a copy: changing it leaves the cache alone */
    ((char *)tok)[0] = 'X';
    tok = tp_opencache_get(unit_pool, c, &ring_a, "accessToken", SEALED,
                           strlen(SEALED), &bearer, &t, &has);
    ck_assert_str_eq(tok, TOKEN);

    /* the last byte, the first, one in the middle */
    other[strlen(other) - 1] = '+';
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, &ring_a, "accessToken",
                                        other, strlen(other), &bearer, &t,
                                        &has));
    strcpy(other, SEALED);
    other[0] = 'T';
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, &ring_a, "accessToken",
                                        other, strlen(other), &bearer, &t,
                                        &has));
    strcpy(other, SEALED);
    other[20] ^= 1;
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, &ring_a, "accessToken",
                                        other, strlen(other), &bearer, &t,
                                        &has));
    /* a prefix, another ring, another name, no ring */
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, &ring_a, "accessToken",
                                        SEALED, strlen(SEALED) - 1, &bearer,
                                        &t, &has));
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, &ring_b, "accessToken",
                                        SEALED, strlen(SEALED), &bearer, &t,
                                        &has));
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, &ring_a, "refreshToken",
                                        SEALED, strlen(SEALED), &bearer, &t,
                                        &has));
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, NULL, "accessToken",
                                        SEALED, strlen(SEALED), &bearer, &t,
                                        &has));
    /* nothing there */
    ck_assert_ptr_null(tp_opencache_get(unit_pool,
                                        tp_opencache_make(unit_pool),
                                        &ring_a, "accessToken", SEALED,
                                        strlen(SEALED), &bearer, &t, &has));
    ck_assert_ptr_null(tp_opencache_get(unit_pool, NULL, &ring_a,
                                        "accessToken", SEALED,
                                        strlen(SEALED), &bearer, &t, &has));
}
END_TEST

START_TEST(times_read_later_and_replaced_entries)
{
    tp_opencache *c = tp_opencache_make(unit_pool);
    tp_jwt_times t = { 0, 0, 0, 0 }, set = { 77, 7, 1, 1 };
    const char *bearer, *tok;
    int has = 5;
    char big[5000];
    unsigned long gen;

    /* plain token: the value is the token, times not read yet */
    tp_opencache_put(c, NULL, "at", TOKEN, strlen(TOKEN), TOKEN,
                     strlen(TOKEN), NULL, -1);
    tok = tp_opencache_get(unit_pool, c, NULL, "at", TOKEN, strlen(TOKEN),
                           &bearer, &t, &has);
    ck_assert_str_eq(tok, TOKEN);
    ck_assert_int_eq(has, -1);
    tp_opencache_set_times(c, tp_opencache_gen(c), &set, 1);
    tok = tp_opencache_get(unit_pool, c, NULL, "at", TOKEN, strlen(TOKEN),
                           &bearer, &t, &has);
    ck_assert_int_eq(has, 1);
    ck_assert_int_eq(t.exp, 77);
    tp_opencache_set_times(c, tp_opencache_gen(c), NULL, 0);  /* no t */
    tp_opencache_get(unit_pool, c, NULL, "at", TOKEN, strlen(TOKEN),
                     &bearer, &t, &has);
    ck_assert_int_eq(has, -1);
    tp_opencache_set_times(c, tp_opencache_gen(c), &set, 0);
    tp_opencache_get(unit_pool, c, NULL, "at", TOKEN, strlen(TOKEN),
                     &bearer, &t, &has);
    ck_assert_int_eq(has, 0);

    /* a larger value replaces it: the buffers grow, the old value is
     * gone, and the new one's times start unread; times read for the
     * old entry do not land on the new one */
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    gen = tp_opencache_gen(c);
    tp_opencache_put(c, &ring_a, "at", big, strlen(big), big,
                     strlen(big), NULL, -1);
    ck_assert_uint_ne(tp_opencache_gen(c), gen);
    tp_opencache_set_times(c, gen, &set, 1);
    ck_assert_uint_ge(c->cap, strlen(big) + 8);
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, NULL, "at", TOKEN,
                                        strlen(TOKEN), &bearer, &t, &has));
    tok = tp_opencache_get(unit_pool, c, &ring_a, "at", big, strlen(big),
                           &bearer, &t, &has);
    ck_assert_str_eq(tok, big);
    ck_assert_int_eq(has, -1);
    /* and a smaller one after it reuses them, with nothing of the
     * larger one left behind */
    tp_opencache_put(c, &ring_b, "at", "v", 1, "tok", 3, &set, 1);
    {
        apr_size_t i, left = 0;
        for (i = 0; i < c->cap; i++) {
            left += c->arrived[i] == 'q' || c->token[i] == 'q';
        }
        ck_assert_uint_eq(left, 0);
    }
    tok = tp_opencache_get(unit_pool, c, &ring_b, "at", "v", 1, &bearer,
                           &t, &has);
    ck_assert_str_eq(tok, "tok");
    ck_assert_str_eq(bearer, "Bearer tok");
    ck_assert_ptr_null(tp_opencache_get(unit_pool, c, &ring_a, "at", big,
                                        strlen(big), &bearer, &t, &has));
}
END_TEST

START_TEST(cleared_and_freed)
{
    apr_pool_t *p;
    tp_opencache *c;
    tp_jwt_times t = { 1, 0, 1, 0 };
    const char *bearer;
    char *arrived, *token;
    apr_size_t cap, i;
    int clean = 1, has;

    apr_pool_create(&p, unit_pool);
    c = tp_opencache_make(p);
    tp_opencache_put(c, &ring_a, "at", SEALED, strlen(SEALED), TOKEN,
                     strlen(TOKEN), &t, 1);
    arrived = c->arrived;
    token = c->token;
    cap = c->cap;
    ck_assert_int_eq(memcmp(arrived, SEALED, strlen(SEALED)), 0);
    tp_opencache_clear(c);
    for (i = 0; i < cap; i++) {
        if (arrived[i] || token[i]) {
            clean = 0;
        }
    }
    ck_assert_int_eq(clean, 1);
    ck_assert_ptr_null(tp_opencache_get(p, c, &ring_a, "at", SEALED,
                                        strlen(SEALED), &bearer, &t, &has));
    /* usable again after a clear */
    tp_opencache_put(c, &ring_a, "at", SEALED, strlen(SEALED), TOKEN,
                     strlen(TOKEN), &t, 1);
    ck_assert_ptr_nonnull(tp_opencache_get(p, c, &ring_a, "at", SEALED,
                                           strlen(SEALED), &bearer, &t,
                                           &has));
    /* the pool's cleanup wipes and frees the buffers: under ASan, a
     * leak here fails the run */
    apr_pool_destroy(p);
}
END_TEST

START_TEST(constant_time_equal)
{
    char a[100], b[100];
    apr_size_t len, i;

    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    for (len = 0; len <= sizeof(a); len++) {
        for (i = 0; i < len; i++) {
            a[i] = b[i] = (char)('a' + i % 26);
        }
        ck_assert_int_eq(tp_opencache_equal(a, b, len), 1);
        for (i = 0; i < len; i++) {     /* every position, both halves */
            b[i] ^= (char)0x80;
            ck_assert_int_eq(tp_opencache_equal(a, b, len), 0);
            b[i] ^= (char)0x81;
            ck_assert_int_eq(tp_opencache_equal(a, b, len), 0);
            b[i] ^= (char)0x01;
        }
    }
}
END_TEST

Suite *opencache_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("opencache");
    TCase *tc = tcase_create("opencache");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, hit_only_for_the_same_value_ring_and_name);
    tcase_add_test(tc, times_read_later_and_replaced_entries);
    tcase_add_test(tc, cleared_and_freed);
    tcase_add_test(tc, constant_time_equal);
    suite_add_tcase(s, tc);
    return s;
}
