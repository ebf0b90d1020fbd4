/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_cookie: parsing the Cookie header and taking the token cookies out. */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_cookie.h"
#include "unit.h"

static const char *const NAMES[] = { "accessToken", "refreshToken" };

/* take the two token cookies from h; return the rest ("<none>" if NULL) */
static const char *take(const char *h, tp_cookie_match *m, int *removed)
{
    const char *rest;
    int n = tp_cookie_take(unit_pool, h, NAMES, 2, m, &rest);

    if (removed) {
        *removed = n;
    }
    return rest ? rest : "<none>";
}

START_TEST(finds_and_strips)
{
    tp_cookie_match m[2];
    int n;

    ck_assert_str_eq(take("a=1; accessToken=AT; b=2; refreshToken=RT", m, &n),
                     "a=1; b=2");
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(m[0].value, "AT");
    ck_assert_str_eq(m[1].value, "RT");
    ck_assert_int_eq(m[0].count, 1);
    ck_assert_int_eq(m[0].merged, 0);
}
END_TEST

START_TEST(first_and_last_positions)
{
    tp_cookie_match m[2];

    ck_assert_str_eq(take("accessToken=AT; a=1", m, NULL), "a=1");
    ck_assert_str_eq(take("a=1; accessToken=AT", m, NULL), "a=1");
    ck_assert_str_eq(take("accessToken=AT; refreshToken=R; a=1", m, NULL),
                     "a=1");
    ck_assert_str_eq(take("a=1; accessToken=AT; refreshToken=R", m, NULL),
                     "a=1");
    ck_assert_str_eq(take("accessToken=AT; a=1; refreshToken=R; b=2", m,
                          NULL), "a=1; b=2");
}
END_TEST

START_TEST(nothing_left_means_no_header)
{
    tp_cookie_match m[2];

    ck_assert_str_eq(take("accessToken=AT", m, NULL), "<none>");
    ck_assert_str_eq(take("accessToken=AT; refreshToken=RT", m, NULL),
                     "<none>");
    ck_assert_str_eq(take(" accessToken=AT ;; refreshToken=RT; ", m, NULL),
                     "<none>");
}
END_TEST

START_TEST(other_bytes_kept_exactly)
{
    tp_cookie_match m[2];
    const char *h = "z=1;y=2 ;  accessToken=T;x=\"q w\"; w=a=b";

    ck_assert_str_eq(take(h, m, NULL), "z=1;y=2 ;x=\"q w\"; w=a=b");
    ck_assert_str_eq(m[0].value, "T");
}
END_TEST

START_TEST(untouched_header_is_same_pointer)
{
    tp_cookie_match m[2];
    const char *h = "a=1; b=2";
    int n;

    ck_assert_ptr_eq(take(h, m, &n), h);
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_null(m[0].value);
    ck_assert_int_eq(m[0].count, 0);
}
END_TEST

START_TEST(names_are_case_sensitive_and_exact)
{
    tp_cookie_match m[2];

    ck_assert_str_eq(take("accesstoken=x; AccessToken=y; accessToken2=z; "
                          "xaccessToken=w", m, NULL),
                     "accesstoken=x; AccessToken=y; accessToken2=z; "
                     "xaccessToken=w");
    ck_assert_ptr_null(m[0].value);
}
END_TEST

START_TEST(white_space_around_name_and_value)
{
    tp_cookie_match m[2];

    ck_assert_str_eq(take("a=1;\taccessToken = AT \t; b=2", m, NULL),
                     "a=1; b=2");
    ck_assert_str_eq(m[0].value, "AT");
}
END_TEST

START_TEST(malformed_pieces)
{
    tp_cookie_match m[2];

    /* no '=', empty names, empty pieces: kept, never matched */
    ck_assert_str_eq(take("junk; accessToken=T; =noname; =; ;;", m, NULL),
                     "junk; =noname; =; ;;");
    ck_assert_str_eq(m[0].value, "T");
    ck_assert_str_eq(take("accessToken", m, NULL), "accessToken");
    ck_assert_ptr_null(m[0].value);
    /* nothing removed: passed on as it came, even when odd */
    ck_assert_str_eq(take("", m, NULL), "");
    ck_assert_str_eq(take(";;;", m, NULL), ";;;");
    ck_assert_str_eq(take(";;; accessToken=T;; a=1", m, NULL), "a=1");
    ck_assert_str_eq(take("=accessToken", m, NULL), "=accessToken");
    ck_assert_ptr_null(m[0].value);
}
END_TEST

START_TEST(empty_value)
{
    tp_cookie_match m[2];

    ck_assert_str_eq(take("accessToken=; a=1", m, NULL), "a=1");
    ck_assert_str_eq(m[0].value, "");
    ck_assert_int_eq(m[0].count, 1);
}
END_TEST

START_TEST(duplicates_first_wins_all_removed)
{
    tp_cookie_match m[2];

    ck_assert_str_eq(take("accessToken=FIRST; k=1; accessToken=SECOND; "
                          "refreshToken=R1; refreshToken=R2", m, NULL), "k=1");
    ck_assert_str_eq(m[0].value, "FIRST");
    ck_assert_int_eq(m[0].count, 2);
    ck_assert_str_eq(m[1].value, "R1");
    ck_assert_int_eq(m[1].count, 2);
}
END_TEST

START_TEST(comma_merged_headers)
{
    tp_cookie_match m[2];

    /* two Cookie headers joined by httpd: the hidden token is removed with
     * its piece and never used */
    ck_assert_str_eq(take("a=1, accessToken=T; b=2", m, NULL), "b=2");
    ck_assert_ptr_null(m[0].value);
    ck_assert_int_eq(m[0].merged, 1);
    ck_assert_int_eq(m[0].count, 1);

    /* the token first: its value holds the comma, so it is unusable */
    ck_assert_str_eq(take("accessToken=T, a=1", m, NULL), "<none>");
    ck_assert_str_eq(m[0].value, "T, a=1");

    /* a comma inside some other cookie's value does not matter */
    ck_assert_str_eq(take("pref=a,b; accessToken=T", m, NULL), "pref=a,b");
    ck_assert_str_eq(m[0].value, "T");
}
END_TEST

START_TEST(hundred_cookies)
{
    tp_cookie_match m[2];
    const char *h = "", *want = "";
    int i;

    for (i = 0; i < 100; i++) {
        const char *c = apr_psprintf(unit_pool, "c%d=v%d", i, i);
        h = apr_pstrcat(unit_pool, h, i ? "; " : "", c, NULL);
        want = apr_pstrcat(unit_pool, want, i ? "; " : "", c, NULL);
        if (i == 50) {
            h = apr_pstrcat(unit_pool, h, "; accessToken=MID", NULL);
        }
    }
    ck_assert_str_eq(take(h, m, NULL), want);
    ck_assert_str_eq(m[0].value, "MID");
}
END_TEST

START_TEST(big_header)
{
    tp_cookie_match m[2];
    apr_size_t n = 64 * 1024;
    char *big = apr_palloc(unit_pool, n + 1);

    memset(big, 'A', n);
    big[n] = '\0';
    ck_assert_str_eq(take(apr_pstrcat(unit_pool, "a=1; accessToken=", big,
                                      "; b=2", NULL), m, NULL), "a=1; b=2");
    ck_assert_uint_eq(strlen(m[0].value), n);
}
END_TEST

START_TEST(null_header)
{
    tp_cookie_match m[2];
    const char *rest = "x";

    ck_assert_int_eq(tp_cookie_take(unit_pool, NULL, NAMES, 2, m, &rest), 0);
    ck_assert_ptr_null(rest);
}
END_TEST

START_TEST(cookie_names)
{
    ck_assert(tp_cookie_name_valid("accessToken"));
    ck_assert(tp_cookie_name_valid("__Host-at"));
    ck_assert(tp_cookie_name_valid("a!#$%&'*+-.^_`|~9"));
    ck_assert(!tp_cookie_name_valid(""));
    ck_assert(!tp_cookie_name_valid("a b"));
    ck_assert(!tp_cookie_name_valid("a=b"));
    ck_assert(!tp_cookie_name_valid("a;b"));
    ck_assert(!tp_cookie_name_valid("a,b"));
    ck_assert(!tp_cookie_name_valid("a\"b"));
    ck_assert(!tp_cookie_name_valid("\xc3\xa9"));
    ck_assert(!tp_cookie_name_valid(NULL));
}
END_TEST

Suite *cookie_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("cookie");
    TCase *tc = tcase_create("take");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, finds_and_strips);
    tcase_add_test(tc, first_and_last_positions);
    tcase_add_test(tc, nothing_left_means_no_header);
    tcase_add_test(tc, other_bytes_kept_exactly);
    tcase_add_test(tc, untouched_header_is_same_pointer);
    tcase_add_test(tc, names_are_case_sensitive_and_exact);
    tcase_add_test(tc, white_space_around_name_and_value);
    tcase_add_test(tc, malformed_pieces);
    tcase_add_test(tc, empty_value);
    tcase_add_test(tc, duplicates_first_wins_all_removed);
    tcase_add_test(tc, comma_merged_headers);
    tcase_add_test(tc, hundred_cookies);
    tcase_add_test(tc, big_header);
    tcase_add_test(tc, null_header);
    tcase_add_test(tc, cookie_names);
    suite_add_tcase(s, tc);
    return s;
}
