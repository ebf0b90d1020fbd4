/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* The authorization code flow's messages (tp_oidc_req): the login state,
 * its cookie name, the authorization URL, the code exchange, the token
 * answer's id_token, the logout URL. */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_fetch_policy.h"
#include "core/tp_loginstate.h"
#include "core/tp_oidc_req.h"
#include "unit.h"

#define S43 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"

START_TEST(login_state_round_trip)
{
    tp_login_state st = { S43, "nonce-" S43, "verifier-" S43,
                          "/app/x?a=1|b", 1900000000 }, out;
    const char *enc = tp_login_state_encode(unit_pool, &st);

    ck_assert_str_eq(enc, "v1|1900000000|" S43 "|nonce-" S43 "|verifier-"
                     S43 "|/app/x?a=1|b");
    ck_assert(tp_login_state_decode(unit_pool, enc, &out));
    ck_assert_str_eq(out.state, st.state);
    ck_assert_str_eq(out.nonce, st.nonce);
    ck_assert_str_eq(out.verifier, st.verifier);
    ck_assert_str_eq(out.return_path, "/app/x?a=1|b");
    ck_assert_int_eq(out.time, 1900000000);
}
END_TEST

START_TEST(login_state_refusals)
{
    tp_login_state out;
    static const char *const bad[] = {
        NULL, "", "v2|1|a|b|c|/", "v1|1|a|b|c", "v1||a|b|c|/",
        "v1|x|a|b|c|/", "v1|-5|a|b|c|/", "v1|1|a b|b|c|/", "v1|1||b|c|/",
        "v1|1|a|b|c|relative", "v1|1|a|b|c|", "v1|1|a+|b|c|/",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(!tp_login_state_decode(unit_pool, bad[i], &out),
                      "accepted %s", bad[i] ? bad[i] : "NULL");
    }
}
END_TEST

START_TEST(cookie_names)
{
    ck_assert_str_eq(tp_login_cookie_name(unit_pool, S43, 0),
                     "tp-login-abcdefgh");
    ck_assert_str_eq(tp_login_cookie_name(unit_pool, S43, 1),
                     "__Host-tp-login-abcdefgh");
    ck_assert_ptr_null(tp_login_cookie_name(unit_pool, "short", 0));
    ck_assert_ptr_null(tp_login_cookie_name(unit_pool, "abcdefgh;x=1", 0));
    ck_assert_ptr_null(tp_login_cookie_name(unit_pool, NULL, 0));
    ck_assert(tp_login_cookie_is("tp-login-abcdefgh"));
    ck_assert(tp_login_cookie_is("__Host-tp-login-abcdefgh"));
    ck_assert(!tp_login_cookie_is("accessToken"));
}
END_TEST

START_TEST(login_cookies_stripped)
{
    int n;

    ck_assert_str_eq(tp_login_cookies_strip(unit_pool,
                     "a=1; tp-login-abcdefgh=tp1.x; b=2", &n), "a=1; b=2");
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(tp_login_cookies_strip(unit_pool,
                     "tp-login-abcdefgh=x;__Host-tp-login-12345678=y; c=3",
                     &n), " c=3");
    ck_assert_int_eq(n, 2);
    ck_assert_ptr_null(tp_login_cookies_strip(unit_pool,
                       "tp-login-abcdefgh=x; tp-login-bcdefghi=y", &n));
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(tp_login_cookies_strip(unit_pool, "a=1;b=tp-login-x",
                                            &n), "a=1;b=tp-login-x");
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_null(tp_login_cookies_strip(unit_pool, NULL, &n));
}
END_TEST

START_TEST(state_equality)
{
    ck_assert(tp_login_state_equal(S43, S43));
    ck_assert(!tp_login_state_equal(S43, S43 "x"));
    ck_assert(!tp_login_state_equal(S43, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPR"));
    ck_assert(!tp_login_state_equal("", ""));
    ck_assert(!tp_login_state_equal(NULL, S43));
}
END_TEST

START_TEST(authorization_url)
{
    apr_array_header_t *params = apr_array_make(unit_pool, 4,
                                                sizeof(const char *));
    tp_auth_req a = { "https://idp.example/auth", "my client",
                      "https://app.example/cb", "openid offline_access",
                      "st", "no", "ch", NULL };

    APR_ARRAY_PUSH(params, const char *) = "prompt";
    APR_ARRAY_PUSH(params, const char *) = "consent";
    APR_ARRAY_PUSH(params, const char *) = "state";     /* never taken */
    APR_ARRAY_PUSH(params, const char *) = "evil";
    APR_ARRAY_PUSH(params, const char *) = "code_challenge_method";
    APR_ARRAY_PUSH(params, const char *) = "plain";
    a.params = params;
    ck_assert_str_eq(tp_oidc_auth_url(unit_pool, &a),
        "https://idp.example/auth?response_type=code&client_id=my%20client"
        "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
        "&scope=openid%20offline_access&state=st&nonce=no"
        "&code_challenge=ch&code_challenge_method=S256&prompt=consent");
    a.endpoint = "https://idp.example/auth?tenant=1";
    a.params = NULL;
    ck_assert(!strncmp(tp_oidc_auth_url(unit_pool, &a),
                       "https://idp.example/auth?tenant=1&response_type=code&",
                       52));
}
END_TEST

START_TEST(code_exchange)
{
    tp_grant_cfg c;
    tp_grant_req req;

    memset(&c, 0, sizeof(c));
    c.client_id = "app";
    c.client_secret = "s3cr3t";
    tp_oidc_code_request(unit_pool, &c, "c/1", "https://app.example/cb",
                         "ver", &req);
    ck_assert_str_eq(req.body, "grant_type=authorization_code&code=c%2F1"
                     "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
                     "&code_verifier=ver");
    ck_assert_str_eq(req.authorization, "Basic YXBwOnMzY3IzdA==");
    ck_assert_str_eq(req.content_type, "application/x-www-form-urlencoded");
    c.client_secret = NULL;     /* a public client */
    tp_oidc_code_request(unit_pool, &c, "c", "/cb", "v", &req);
    ck_assert_ptr_null(req.authorization);
    ck_assert_str_eq(req.body, "grant_type=authorization_code&code=c"
                     "&redirect_uri=%2Fcb&code_verifier=v&client_id=app");
}
END_TEST

START_TEST(answer_id_token)
{
    const char *ok = "{\"access_token\":\"a\",\"id_token\":\"h.p.s\"}";
    const char *num = "{\"id_token\":5}";
    const char *sp = "{\"id_token\":\"h.p s\"}";
    const char *dup = "{\"id_token\":\"a\",\"id_token\":\"b\"}";

    ck_assert_str_eq(tp_oidc_answer_id_token(unit_pool, ok, strlen(ok)),
                     "h.p.s");
    ck_assert_ptr_null(tp_oidc_answer_id_token(unit_pool, num, strlen(num)));
    ck_assert_ptr_null(tp_oidc_answer_id_token(unit_pool, sp, strlen(sp)));
    ck_assert_ptr_null(tp_oidc_answer_id_token(unit_pool, dup, strlen(dup)));
    ck_assert_ptr_null(tp_oidc_answer_id_token(unit_pool, "[", 1));
    ck_assert_ptr_null(tp_oidc_answer_id_token(unit_pool, NULL, 0));
}
END_TEST

START_TEST(logout_and_absolute)
{
    ck_assert_str_eq(tp_oidc_logout_url(unit_pool, "https://idp/end",
                                        "h.p.s", "https://app/bye?x=1",
                                        "app"),
                     "https://idp/end?post_logout_redirect_uri="
                     "https%3A%2F%2Fapp%2Fbye%3Fx%3D1&client_id=app"
                     "&id_token_hint=h.p.s");
    ck_assert_str_eq(tp_oidc_logout_url(unit_pool, "https://idp/end?a=b",
                                        NULL, "https://app/", NULL),
                     "https://idp/end?a=b&post_logout_redirect_uri="
                     "https%3A%2F%2Fapp%2F");
    ck_assert_str_eq(tp_oidc_absolute(unit_pool, "https", "app.example:8443",
                                      "/cb"), "https://app.example:8443/cb");
    ck_assert_str_eq(tp_oidc_absolute(unit_pool, "https", "h",
                                      "https://other/cb"),
                     "https://other/cb");
}
END_TEST

#define T0 ((apr_time_t)1900000000 * APR_USEC_PER_SEC)
#define SEC(n) apr_time_from_sec(n)

START_TEST(fetch_policy)
{
    tp_doc_times none = { 0, 0, 0 };
    tp_doc_times failed = { 0, 0, T0 };
    tp_doc_times fresh = { 1, T0, 0 };
    tp_doc_times stale_failed = { 1, T0, T0 + SEC(3600) };

    /* nothing cached: fetch; after a failure, not for 10 s */
    ck_assert(tp_doc_should_fetch(&none, T0, 0));
    ck_assert(!tp_doc_should_fetch(&failed, T0 + SEC(9), 0));
    ck_assert(tp_doc_should_fetch(&failed, T0 + SEC(10), 0));
    /* a document is used for an hour */
    ck_assert(!tp_doc_should_fetch(&fresh, T0 + SEC(3599), 0));
    ck_assert(tp_doc_should_fetch(&fresh, T0 + SEC(3600), 0));
    /* stale, and the fetch failed: the stale one serves for 10 s more */
    ck_assert(!tp_doc_should_fetch(&stale_failed, T0 + SEC(3605), 0));
    ck_assert(tp_doc_should_fetch(&stale_failed, T0 + SEC(3610), 0));
    /* an unknown kid fetches a fresh key set again, at most every 30 s */
    ck_assert(!tp_doc_should_fetch(&fresh, T0 + SEC(29), 1));
    ck_assert(tp_doc_should_fetch(&fresh, T0 + SEC(30), 1));
    fresh.tried = T0 + SEC(100);    /* that refetch failed */
    ck_assert(!tp_doc_should_fetch(&fresh, T0 + SEC(129), 1));
    ck_assert(tp_doc_should_fetch(&fresh, T0 + SEC(130), 1));
    ck_assert(!tp_doc_should_fetch(&fresh, T0 + SEC(130), 0));
}
END_TEST

Suite *oidc_req_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("oidc_req");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, login_state_round_trip);
    tcase_add_test(tc, login_state_refusals);
    tcase_add_test(tc, cookie_names);
    tcase_add_test(tc, state_equality);
    tcase_add_test(tc, login_cookies_stripped);
    tcase_add_test(tc, authorization_url);
    tcase_add_test(tc, code_exchange);
    tcase_add_test(tc, answer_id_token);
    tcase_add_test(tc, logout_and_absolute);
    tcase_add_test(tc, fetch_policy);
    suite_add_tcase(s, tc);
    return s;
}
