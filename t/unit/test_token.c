/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_token: the token68 check and log fingerprints. */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_token.h"
#include "unit.h"

static tp_token_status_e check(const char *v)
{
    return tp_token_check(v, strlen(v));
}

START_TEST(valid_tokens)
{
    ck_assert_int_eq(check("abc"), TP_TOKEN_OK);
    ck_assert_int_eq(check("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig-_~+/"),
                     TP_TOKEN_OK);
    ck_assert_int_eq(check("YWJj=="), TP_TOKEN_OK);
    ck_assert_int_eq(check("a="), TP_TOKEN_OK);
}
END_TEST

START_TEST(invalid_tokens)
{
    ck_assert_int_eq(check(""), TP_TOKEN_EMPTY);
    ck_assert_int_eq(tp_token_check(NULL, 0), TP_TOKEN_EMPTY);
    ck_assert_int_eq(check("ab cd"), TP_TOKEN_SPACE);
    ck_assert_int_eq(check("ab,cd"), TP_TOKEN_COMMA);
    ck_assert_int_eq(check("\"abcd\""), TP_TOKEN_QUOTE);
    ck_assert_int_eq(check("ab\rcd"), TP_TOKEN_CTL);
    ck_assert_int_eq(check("ab\ncd"), TP_TOKEN_CTL);
    ck_assert_int_eq(check("ab\tcd"), TP_TOKEN_CTL);
    ck_assert_int_eq(check("ab\x01" "cd"), TP_TOKEN_CTL);
    ck_assert_int_eq(check("ab\x7f" "cd"), TP_TOKEN_CTL);
    ck_assert_int_eq(check("ab\xc3\xa9" "cd"), TP_TOKEN_NON_ASCII);
    ck_assert_int_eq(check("ab;cd"), TP_TOKEN_NOT_TOKEN68);
    ck_assert_int_eq(check("ab:cd"), TP_TOKEN_NOT_TOKEN68);
    ck_assert_int_eq(check("ab=cd"), TP_TOKEN_NOT_TOKEN68);
    ck_assert_int_eq(check("="), TP_TOKEN_NOT_TOKEN68);
    ck_assert_int_eq(check("==abc"), TP_TOKEN_NOT_TOKEN68);
    /* a NUL inside the counted bytes is a control character */
    ck_assert_int_eq(tp_token_check("ab\0cd", 5), TP_TOKEN_CTL);
}
END_TEST

START_TEST(length_limit)
{
    char *v = apr_palloc(unit_pool, TP_TOKEN_MAX_LEN + 2);

    memset(v, 'a', TP_TOKEN_MAX_LEN + 1);
    v[TP_TOKEN_MAX_LEN + 1] = '\0';
    ck_assert_int_eq(tp_token_check(v, TP_TOKEN_MAX_LEN), TP_TOKEN_OK);
    ck_assert_int_eq(tp_token_check(v, TP_TOKEN_MAX_LEN + 1),
                     TP_TOKEN_TOO_LONG);
    /* too long wins over bad bytes */
    v[3] = ' ';
    ck_assert_int_eq(tp_token_check(v, TP_TOKEN_MAX_LEN + 1),
                     TP_TOKEN_TOO_LONG);
}
END_TEST

START_TEST(status_texts_never_empty)
{
    int st;

    for (st = TP_TOKEN_OK; st <= TP_TOKEN_NOT_TOKEN68; st++) {
        ck_assert(strlen(tp_token_status_str((tp_token_status_e)st)) > 0);
    }
    ck_assert_str_eq(tp_token_status_str(TP_TOKEN_COMMA), "contains a comma");
}
END_TEST

START_TEST(fingerprints)
{
    /* SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223... */
    ck_assert_str_eq(tp_fingerprint(unit_pool, "abc", 3), "ba7816bf8f01");
    ck_assert_str_eq(tp_fingerprint(unit_pool, "", 0), "e3b0c44298fc");
    ck_assert_str_ne(tp_fingerprint(unit_pool, "abd", 3), "ba7816bf8f01");
    ck_assert_uint_eq(strlen(tp_fingerprint(unit_pool, "x", 1)), 12);
}
END_TEST

Suite *token_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("check");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, valid_tokens);
    tcase_add_test(tc, invalid_tokens);
    tcase_add_test(tc, length_limit);
    tcase_add_test(tc, status_texts_never_empty);
    tcase_add_test(tc, fingerprints);
    suite_add_tcase(s, tc);
    return s;
}
