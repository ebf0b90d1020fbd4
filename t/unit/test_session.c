/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_setcookie and tp_nav: cookies out, and where a finished session goes. */

#include <string.h>

#include "core/tp_nav.h"
#include "core/tp_setcookie.h"
#include "unit.h"

START_TEST(setcookie_defaults)
{
    tp_cookie_attrs a = { "/", 1, TP_SAMESITE_STRICT };

    ck_assert_str_eq(tp_setcookie(unit_pool, "accessToken", "AT", 300, &a),
                     "accessToken=AT; Path=/; Max-Age=300; HttpOnly; Secure; "
                     "SameSite=Strict");
    ck_assert_str_eq(tp_setcookie(unit_pool, "accessToken", "AT", -1, &a),
                     "accessToken=AT; Path=/; HttpOnly; Secure; "
                     "SameSite=Strict");
    ck_assert_str_eq(tp_setcookie_clear(unit_pool, "refreshToken", &a),
                     "refreshToken=; Path=/; Max-Age=0; HttpOnly; Secure; "
                     "SameSite=Strict");
}
END_TEST

START_TEST(setcookie_attributes)
{
    tp_cookie_attrs lax = { "/app", 0, TP_SAMESITE_LAX };
    tp_cookie_attrs none = { "/", 0, TP_SAMESITE_NONE };

    ck_assert_str_eq(tp_setcookie(unit_pool, "a", "v", 0, &lax),
                     "a=v; Path=/app; Max-Age=0; HttpOnly; SameSite=Lax");
    /* SameSite=None forces Secure */
    ck_assert_str_eq(tp_setcookie(unit_pool, "a", "v", 5, &none),
                     "a=v; Path=/; Max-Age=5; HttpOnly; Secure; "
                     "SameSite=None");
}
END_TEST

static int nav(const char *method, const char *mode, int has_sf,
               const char *accept, const char *xrw)
{
    tp_nav_in in = { method, mode, has_sf, accept, xrw };
    return tp_is_navigation(&in);
}

START_TEST(navigation)
{
    ck_assert(nav("GET", "navigate", 1, "*/*", NULL));
    ck_assert(nav("HEAD", "navigate", 1, NULL, NULL));
    ck_assert(!nav("POST", "navigate", 1, "text/html", NULL));
    ck_assert(!nav("GET", "cors", 1, "text/html", NULL));
    ck_assert(!nav("GET", NULL, 1, "text/html", NULL));   /* other Sec-Fetch */
    ck_assert(nav("GET", NULL, 0, "text/html,application/xhtml+xml", NULL));
    ck_assert(nav("GET", NULL, 0, "TEXT/HTML", NULL));
    ck_assert(!nav("GET", NULL, 0, "text/html", "XMLHttpRequest"));
    ck_assert(!nav("GET", NULL, 0, "application/json", NULL));
    ck_assert(!nav("GET", NULL, 0, NULL, NULL));
}
END_TEST

START_TEST(safe_return)
{
    ck_assert_str_eq(tp_safe_return(unit_pool, "/app/x?y=1"), "/app/x?y=1");
    ck_assert_str_eq(tp_safe_return(unit_pool, "/"), "/");
    ck_assert_str_eq(tp_safe_return(unit_pool, "//evil.example/"), "/");
    ck_assert_str_eq(tp_safe_return(unit_pool, "/\\evil.example/"), "/");
    ck_assert_str_eq(tp_safe_return(unit_pool, "/a\\b"), "/");
    ck_assert_str_eq(tp_safe_return(unit_pool, "https://evil.example/"), "/");
    ck_assert_str_eq(tp_safe_return(unit_pool, "evil"), "/");
    ck_assert_str_eq(tp_safe_return(unit_pool, "/a\tb"), "/");
    ck_assert_str_eq(tp_safe_return(unit_pool, "/a\x7f"), "/");
    ck_assert_str_eq(tp_safe_return(unit_pool, NULL), "/");
}
END_TEST

START_TEST(login_location)
{
    ck_assert_str_eq(tp_login_location(unit_pool, "/login", "/app/x?y=1&z"),
                     "/login?return=%2Fapp%2Fx%3Fy%3D1%26z");
    ck_assert_str_eq(tp_login_location(unit_pool, "/login?lang=en", "/a"),
                     "/login?lang=en&return=%2Fa");
    ck_assert_str_eq(tp_login_location(unit_pool, "https://id.example/l",
                                       "//evil"),
                     "https://id.example/l?return=%2F");
}
END_TEST

Suite *session_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("session");
    TCase *tc = tcase_create("cookies-and-login");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, setcookie_defaults);
    tcase_add_test(tc, setcookie_attributes);
    tcase_add_test(tc, navigation);
    tcase_add_test(tc, safe_return);
    tcase_add_test(tc, login_location);
    suite_add_tcase(s, tc);
    return s;
}
