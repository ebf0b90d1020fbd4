/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_sesscookie, tp_iss_resp: the session cookie and its limits (issue
 * 19), and RFC 9207 in the login callback. */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_iss_resp.h"
#include "core/tp_oidc_meta.h"
#include "core/tp_seal.h"
#include "core/tp_sesscookie.h"
#include "unit.h"

#define T0 APR_INT64_C(1900000000)
#define ISS "https://idp.example"

static tp_keyring ring(void)
{
    tp_keyring kr;

    memset(&kr, 0, sizeof(kr));
    kr.n = 1;
    tp_seal_keygen(kr.keys[0]);
    return kr;
}

START_TEST(encode_roundtrip)
{
    tp_sessinfo s = { T0, T0 + 7, ISS, "user|1", "sid-\xc3\xa9" }, o;
    tp_sessinfo bare = { T0, T0, NULL, NULL, NULL };
    const char *e = tp_sess_encode(unit_pool, &s);

    ck_assert(tp_sess_decode(unit_pool, e, &o));
    ck_assert(o.started == T0 && o.last_used == T0 + 7);
    ck_assert_str_eq(o.iss, ISS);
    ck_assert_str_eq(o.sub, "user|1");          /* a bar in a value */
    ck_assert_str_eq(o.sid, "sid-\xc3\xa9");
    e = tp_sess_encode(unit_pool, &bare);
    ck_assert_str_eq(e, "s1|1900000000|1900000000|||");
    ck_assert(tp_sess_decode(unit_pool, e, &o));
    ck_assert(!o.iss && !o.sub && !o.sid);
}
END_TEST

START_TEST(decode_refuses)
{
    static const char *const bad[] = {
        "", "s1", "s1|", "s2|1|1|||", "S1|1|1|||", "s1|1|1||", "s1|1|1||||",
        "s1||1|||", "s1|1||||", "s1|-1|1|||", "s1|+1|1|||", "s1|1 |1|||",
        "s1|0x10|1|||", "s1|01|1|||", "s1|1|00|||", "s1|1|1|=|||", "s1|1|1|a|||",  /* 1 char: no byte */
        "s1|253402300800|1|||", "s1|9999999999999|1|||",
        "s1|1|1|AA|||",                 /* a NUL byte */
        "s1|1|1|aGk=|||",               /* padding: not strict */
        "s1|1|1|aGl|||",                /* unused bits set */
        "s1|1|1|a+b/|||",               /* not base64url */
        NULL
    };
    tp_sessinfo o;
    int i;

    for (i = 0; bad[i]; i++) {
        ck_assert_msg(!tp_sess_decode(unit_pool, bad[i], &o), "took '%s'",
                      bad[i]);
    }
    ck_assert(!tp_sess_decode(unit_pool, NULL, &o));
    ck_assert(tp_sess_decode(unit_pool, "s1|0|253402300799|aGk||", &o));
    ck_assert_str_eq(o.iss, "hi");
}
END_TEST

START_TEST(sealed_cookie)
{
    tp_keyring kr = ring(), other = ring();
    tp_sessinfo s = { T0, T0 + 1, ISS, "u1", "s1" }, o;
    const char *v = tp_sesscookie_seal(unit_pool, &kr, "tpSession", &s);
    char *bent;

    ck_assert_ptr_nonnull(v);
    ck_assert(!strncmp(v, TP_SEALED_PREFIX, strlen(TP_SEALED_PREFIX)));
    ck_assert(!strstr(v, "u1") && !strstr(v, "1900000000"));
    ck_assert(tp_sesscookie_open(unit_pool, &kr, "tpSession", v, &o));
    ck_assert(o.started == T0 && o.last_used == T0 + 1);
    ck_assert_str_eq(o.sid, "s1");
    /* another cookie's name, another key, a changed byte, plain text */
    ck_assert(!tp_sesscookie_open(unit_pool, &kr, "__Host-tpSession", v, &o));
    ck_assert(!tp_sesscookie_open(unit_pool, &other, "tpSession", v, &o));
    bent = apr_pstrdup(unit_pool, v);
    bent[10] = bent[10] == 'A' ? 'B' : 'A';
    ck_assert(!tp_sesscookie_open(unit_pool, &kr, "tpSession", bent, &o));
    ck_assert(!tp_sesscookie_open(unit_pool, &kr, "tpSession",
                                  tp_sess_encode(unit_pool, &s), &o));
    /* a sealed value that is no session (a token cookie's) */
    v = tp_sealcookie(unit_pool, &kr, "tpSession", "eyJ.a.b");
    ck_assert(!tp_sesscookie_open(unit_pool, &kr, "tpSession", v, &o));
    ck_assert(!tp_sesscookie_open(unit_pool, NULL, "tpSession", v, &o));
}
END_TEST

START_TEST(begin_from_claims)
{
    tp_sessinfo s;

    tp_sess_begin(unit_pool, &s, T0, "{\"iss\":\"" ISS "\",\"sub\":\"u1\","
                  "\"sid\":\"08a5019c\",\"aud\":\"app\"}");
    ck_assert(s.started == T0 && s.last_used == T0);
    ck_assert_str_eq(s.iss, ISS);
    ck_assert_str_eq(s.sub, "u1");
    ck_assert_str_eq(s.sid, "08a5019c");
    /* no sid; a sid that is no string; garbage; none */
    tp_sess_begin(unit_pool, &s, T0, "{\"iss\":\"" ISS "\",\"sub\":\"u1\"}");
    ck_assert(s.sub && !s.sid);
    tp_sess_begin(unit_pool, &s, T0, "{\"sub\":\"u1\",\"sid\":7}");
    ck_assert(!s.iss && s.sub && !s.sid);
    tp_sess_begin(unit_pool, &s, T0, "{\"sub\":\"a\\u0000b\",\"sid\":\"\"}");
    ck_assert(!s.sub && !s.sid);
    tp_sess_begin(unit_pool, &s, T0, "[\"sub\"]");
    ck_assert(!s.iss && !s.sub && !s.sid);
    tp_sess_begin(unit_pool, &s, T0, "{\"sub\":");
    ck_assert(!s.sub && s.started == T0);
    tp_sess_begin(unit_pool, &s, T0, NULL);
    ck_assert(!s.iss && !s.sub && !s.sid);
}
END_TEST

START_TEST(limits)
{
    tp_sessinfo s = { T0, T0, NULL, NULL, NULL };

    /* off */
    ck_assert_int_eq(tp_sess_state(&s, T0 + 1000000, 0, 0), TP_SESS_LIVE);
    /* idle: over at exactly the limit, not a second before */
    ck_assert_int_eq(tp_sess_state(&s, T0 + 4, 5, 0), TP_SESS_LIVE);
    ck_assert_int_eq(tp_sess_state(&s, T0 + 5, 5, 0), TP_SESS_IDLE);
    s.last_used = T0 + 3;
    ck_assert_int_eq(tp_sess_state(&s, T0 + 7, 5, 0), TP_SESS_LIVE);
    /* age wins over idleness, and ignores use */
    ck_assert_int_eq(tp_sess_state(&s, T0 + 9, 0, 10), TP_SESS_LIVE);
    ck_assert_int_eq(tp_sess_state(&s, T0 + 10, 0, 10), TP_SESS_AGED);
    ck_assert_int_eq(tp_sess_state(&s, T0 + 10, 5, 10), TP_SESS_AGED);
    ck_assert_int_eq(tp_sess_state(&s, T0 + 9, 5, 10), TP_SESS_IDLE);
    /* times ahead of this clock count as now */
    s.started = T0 + 100;
    s.last_used = T0 + 100;
    ck_assert_int_eq(tp_sess_state(&s, T0, 5, 10), TP_SESS_LIVE);
    ck_assert_str_eq(tp_sess_state_str(TP_SESS_IDLE),
                     "idle for TokenProxySessionIdleTimeout");
}
END_TEST

START_TEST(resolution)
{
    tp_sessinfo s = { T0, T0, NULL, NULL, NULL };
    apr_int64_t ie, e;

    ck_assert(tp_sess_resolution(4) == 1);
    ck_assert(tp_sess_resolution(19) == 1);
    ck_assert(tp_sess_resolution(20) == 2);
    ck_assert(tp_sess_resolution(1800) == 180);
    /* written again once it is a resolution old, never with idle off */
    ck_assert(!tp_sess_touch_due(&s, T0, 4));
    ck_assert(tp_sess_touch_due(&s, T0 + 1, 4));
    ck_assert(!tp_sess_touch_due(&s, T0 + 179, 1800));
    ck_assert(tp_sess_touch_due(&s, T0 + 180, 1800));
    ck_assert(!tp_sess_touch_due(&s, T0 + 100000, 0));
    s.last_used = T0 + 30;
    tp_sess_ends(&s, 1800, 36000, &ie, &e);
    ck_assert(ie == T0 + 1830 && e == T0 + 36000);
    tp_sess_ends(&s, 0, 0, &ie, &e);
    ck_assert(ie == 0 && e == 0);
}
END_TEST

START_TEST(user_json)
{
    tp_sessinfo s = { T0, T0 + 30, NULL, NULL, NULL };

    ck_assert_str_eq(tp_sess_user_json(unit_pool, "{\"sub\":\"u1\"}", &s,
                                       1800, 36000),
                     "{\"session\":{\"expires\":1900036000,\"idle_expires\":"
                     "1900001830,\"started\":1900000000},\"sub\":\"u1\"}");
    ck_assert_str_eq(tp_sess_user_json(unit_pool, "{\"sub\":\"u1\"}", &s,
                                       0, 0),
                     "{\"session\":{\"started\":1900000000},\"sub\":\"u1\"}");
    /* an ID token's own "session" claim is replaced */
    ck_assert_str_eq(tp_sess_user_json(unit_pool, "{\"session\":1}", &s,
                                       0, 60),
                     "{\"session\":{\"expires\":1900000060,\"started\":"
                     "1900000000}}");
    ck_assert_str_eq(tp_sess_user_json(unit_pool, "[1]", &s, 0, 0), "[1]");
    ck_assert_str_eq(tp_sess_user_json(unit_pool, "{", &s, 0, 0), "{");
}
END_TEST

START_TEST(iss_response)
{
    const char *why;

    ck_assert_ptr_null(tp_iss_resp_check(ISS, ISS, 1));
    ck_assert_ptr_null(tp_iss_resp_check(ISS, ISS, 0));
    ck_assert_ptr_null(tp_iss_resp_check(NULL, ISS, 0));
    ck_assert_ptr_nonnull(why = tp_iss_resp_check(NULL, ISS, 1));
    ck_assert(strstr(why, "no iss") != NULL);
    ck_assert_ptr_nonnull(why = tp_iss_resp_check("https://evil.example",
                                                  ISS, 0));
    ck_assert(strstr(why, "not the provider's issuer") != NULL);
    /* exact comparison: no trailing slash, no case folding */
    ck_assert_ptr_nonnull(tp_iss_resp_check(ISS "/", ISS, 1));
    ck_assert_ptr_nonnull(tp_iss_resp_check("https://IDP.example", ISS, 1));
    ck_assert_ptr_nonnull(tp_iss_resp_check("", ISS, 0));
}
END_TEST

START_TEST(iss_metadata)
{
    tp_oidc_meta m;
    const char *why = NULL, *d;
#define MDOC(extra) "{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" \
    ISS "/auth\",\"token_endpoint\":\"" ISS "/token\",\"jwks_uri\":\"" ISS \
    "/jwks\"" extra "}"

    d = MDOC(",\"authorization_response_iss_parameter_supported\":true");
    ck_assert_msg(tp_oidc_meta_parse(unit_pool, d, strlen(d), ISS, &m, &why),
                  "%s", why);
    ck_assert_int_eq(m.iss_param_supported, 1);
    d = MDOC(",\"authorization_response_iss_parameter_supported\":false");
    ck_assert(tp_oidc_meta_parse(unit_pool, d, strlen(d), ISS, &m, &why));
    ck_assert_int_eq(m.iss_param_supported, 0);
    d = MDOC(",\"authorization_response_iss_parameter_supported\":\"true\"");
    ck_assert(tp_oidc_meta_parse(unit_pool, d, strlen(d), ISS, &m, &why));
    ck_assert_int_eq(m.iss_param_supported, 0);
    d = MDOC("");
    ck_assert(tp_oidc_meta_parse(unit_pool, d, strlen(d), ISS, &m, &why));
    ck_assert_int_eq(m.iss_param_supported, 0);
#undef MDOC
}
END_TEST

Suite *sesscookie_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("sesscookie");
    TCase *tc = tcase_create("session-cookie-limits-rfc9207");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, encode_roundtrip);
    tcase_add_test(tc, decode_refuses);
    tcase_add_test(tc, sealed_cookie);
    tcase_add_test(tc, begin_from_claims);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, resolution);
    tcase_add_test(tc, user_json);
    tcase_add_test(tc, iss_response);
    tcase_add_test(tc, iss_metadata);
    suite_add_tcase(s, tc);
    return s;
}
