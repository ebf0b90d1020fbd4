/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_tokencookie: one token cookie's Set-Cookie values, whole. */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_cookie.h"
#include "core/tp_sealcookie.h"
#include "core/tp_tokencookie.h"
#include "unit.h"

static const tp_cookie_attrs attrs = { "/", 1, TP_SAMESITE_STRICT };

static apr_array_header_t *list(void)
{
    return apr_array_make(unit_pool, 4, sizeof(const char *));
}

static const char *at(const apr_array_header_t *a, int i)
{
    return APR_ARRAY_IDX(a, i, const char *);
}

/* A value of n bytes of token68 characters. */
static const char *big(apr_size_t n)
{
    char *v = apr_palloc(unit_pool, n + 1);
    apr_size_t i;

    for (i = 0; i < n; i++) {
        v[i] = "abcdefghij"[i % 10];
    }
    v[n] = '\0';
    return v;
}

START_TEST(small_plain)
{
    apr_array_header_t *out = list();
    const char *why = NULL;

    ck_assert(tp_tokencookie_set(unit_pool, out, NULL, "accessToken", "AT",
                                 300, 0, &attrs, &why));
    ck_assert_int_eq(out->nelts, 1);
    ck_assert_str_eq(at(out, 0), "accessToken=AT; Path=/; Max-Age=300; "
                     "HttpOnly; Secure; SameSite=Strict");
}
END_TEST

START_TEST(small_clears_chunks_that_arrived)
{
    apr_array_header_t *out = list();
    const char *why = NULL;

    /* the browser had it in chunks 1..3: all three go */
    ck_assert(tp_tokencookie_set(unit_pool, out, NULL, "a", "v", 5,
                                 1u | 2u | 4u | 8u, &attrs, &why));
    ck_assert_int_eq(out->nelts, 4);
    ck_assert_str_eq(at(out, 0), "a=v; Path=/; Max-Age=5; HttpOnly; Secure; "
                     "SameSite=Strict");
    ck_assert(!strncmp(at(out, 1), "a.1=; Path=/; Max-Age=0", 23));
    ck_assert(!strncmp(at(out, 3), "a.3=; Path=/; Max-Age=0", 23));
}
END_TEST

START_TEST(large_in_chunks)
{
    apr_array_header_t *out = list();
    const char *v = big(9000), *why = NULL;
    char joined[9001];
    int i;

    /* 9000 bytes: three chunks; the browser also had a chunk 4 */
    ck_assert(tp_tokencookie_set(unit_pool, out, NULL, "rt", v, -1,
                                 1u | (1u << 4), &attrs, &why));
    ck_assert_int_eq(out->nelts, 5);
    ck_assert(!strncmp(at(out, 0), "rt=~3; ", 7));
    joined[0] = '\0';
    for (i = 1; i <= 3; i++) {
        const char *s = at(out, i), *semi = strchr(s, ';');
        char prefix[8];
        apr_snprintf(prefix, sizeof(prefix), "rt.%d=", i);
        ck_assert(!strncmp(s, prefix, strlen(prefix)));
        strncat(joined, s + strlen(prefix),
                (apr_size_t)(semi - s) - strlen(prefix));
    }
    ck_assert_str_eq(joined, v);
    ck_assert(!strncmp(at(out, 4), "rt.4=; Path=/; Max-Age=0", 24));
}
END_TEST

START_TEST(sealed_opens_again)
{
    apr_array_header_t *out = list();
    tp_keyring kr;
    const char *why = NULL, *value, *opened;

    memset(&kr, 0, sizeof(kr));
    kr.n = 1;
    memset(kr.keys[0], 7, sizeof(kr.keys[0]));
    ck_assert(tp_tokencookie_set(unit_pool, out, &kr, "accessToken", "AT",
                                 60, 0, &attrs, &why));
    ck_assert_int_eq(out->nelts, 1);
    value = apr_pstrndup(unit_pool, at(out, 0) + strlen("accessToken="),
                         (apr_size_t)(strchr(at(out, 0), ';') - at(out, 0))
                         - strlen("accessToken="));
    ck_assert(!strncmp(value, TP_SEALED_PREFIX, strlen(TP_SEALED_PREFIX)));
    ck_assert(tp_opencookie(unit_pool, &kr, "accessToken", value, &opened,
                            NULL));
    ck_assert_str_eq(opened, "AT");
    /* bound to its name */
    ck_assert(!tp_opencookie(unit_pool, &kr, "refreshToken", value, &opened,
                             NULL));
}
END_TEST

START_TEST(too_large_sets_nothing)
{
    apr_array_header_t *out = list();
    const char *why = NULL;

    ck_assert(!tp_tokencookie_set(unit_pool, out, NULL, "a",
                                  big((apr_size_t)TP_CHUNK_MAX
                                      * (TP_MAX_CHUNKS + 1)),
                                  5, 1u, &attrs, &why));
    ck_assert_int_eq(out->nelts, 0);
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_nonnull(strstr(why, "cookie 'a' would need more than"));
}
END_TEST

START_TEST(clear_only_what_arrived)
{
    apr_array_header_t *out = list();

    tp_tokencookie_clear(unit_pool, out, "a", 0, &attrs);
    ck_assert_int_eq(out->nelts, 0);
    tp_tokencookie_clear(unit_pool, out, "a", 1u, &attrs);
    ck_assert_int_eq(out->nelts, 1);
    ck_assert_str_eq(at(out, 0), "a=; Path=/; Max-Age=0; HttpOnly; Secure; "
                     "SameSite=Strict");
    out = list();
    tp_tokencookie_clear(unit_pool, out, "a", (1u << 2) | (1u << 16),
                         &attrs);
    ck_assert_int_eq(out->nelts, 2);
    ck_assert(!strncmp(at(out, 0), "a.2=;", 5));
    ck_assert(!strncmp(at(out, 1), "a.16=;", 6));
}
END_TEST

START_TEST(is_own)
{
    ck_assert(tp_tokencookie_is("accessToken=x; Path=/", "accessToken"));
    ck_assert(tp_tokencookie_is("accessToken.3=x", "accessToken"));
    ck_assert(!tp_tokencookie_is("accessTokenX=x", "accessToken"));
    ck_assert(!tp_tokencookie_is("accessToken.x=1", "accessToken"));
    ck_assert(!tp_tokencookie_is("access=1", "accessToken"));
}
END_TEST

Suite *tokencookie_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("tokencookie");
    TCase *tc = tcase_create("tokencookie");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, small_plain);
    tcase_add_test(tc, small_clears_chunks_that_arrived);
    tcase_add_test(tc, large_in_chunks);
    tcase_add_test(tc, sealed_opens_again);
    tcase_add_test(tc, too_large_sets_nothing);
    tcase_add_test(tc, clear_only_what_arrived);
    tcase_add_test(tc, is_own);
    suite_add_tcase(s, tc);
    return s;
}
