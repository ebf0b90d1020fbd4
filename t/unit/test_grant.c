/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_jwt, tp_answer and tp_refresh: JWT exp, token answers, the grant. */

#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>

#include "core/tp_answer.h"
#include "core/tp_b64.h"
#include "core/tp_form.h"
#include "core/tp_jwt.h"
#include "core/tp_grant.h"
#include "unit.h"

static const tp_fields JSONF = { "accessToken", "refreshToken", "expiresIn" };

/* a JWT with the given payload (unsigned: only exp is read) */
static const char *jwt(const char *payload)
{
    int n = (int)strlen(payload);
    char *enc = apr_palloc(unit_pool, (apr_size_t)apr_base64_encode_len(n));
    char *q;

    apr_base64_encode(enc, payload, n);
    for (q = enc; *q; q++) {
        if (*q == '+') *q = '-';
        else if (*q == '/') *q = '_';
        else if (*q == '=') { *q = '\0'; break; }
    }
    return apr_pstrcat(unit_pool, "eyJhbGciOiJIUzI1NiJ9.", enc, ".c2ln", NULL);
}

START_TEST(jwt_exp_read)
{
    apr_int64_t exp = 0;

    ck_assert(tp_jwt_exp(unit_pool, jwt("{\"sub\":\"u\",\"exp\":1700000000}"),
                         &exp));
    ck_assert_int_eq(exp, 1700000000);
    ck_assert(tp_jwt_exp(unit_pool, jwt("{\"exp\":1700000000.5}"), &exp));
    ck_assert_int_eq(exp, 1700000000);
}
END_TEST

START_TEST(jwt_exp_absent_or_garbage)
{
    apr_int64_t exp = 42;

    ck_assert(!tp_jwt_exp(unit_pool, jwt("{\"sub\":\"u\"}"), &exp));
    ck_assert(!tp_jwt_exp(unit_pool, jwt("{\"exp\":\"soon\"}"), &exp));
    ck_assert(!tp_jwt_exp(unit_pool, jwt("[1,2]"), &exp));
    ck_assert(!tp_jwt_exp(unit_pool, jwt("not json"), &exp));
    ck_assert(!tp_jwt_exp(unit_pool, jwt("{\"exp\":1,\"exp\":2}"), &exp));
    ck_assert(!tp_jwt_exp(unit_pool, "opaque-token", &exp));
    ck_assert(!tp_jwt_exp(unit_pool, "a.b", &exp));
    ck_assert(!tp_jwt_exp(unit_pool, "a..c", &exp));
    ck_assert(!tp_jwt_exp(unit_pool, "a.b.c.d", &exp));
    ck_assert(!tp_jwt_exp(unit_pool, "a.!!!.c", &exp));
    ck_assert(!tp_jwt_exp(unit_pool, "a.x.c", &exp));
    ck_assert(!tp_jwt_exp(unit_pool, NULL, &exp));
    ck_assert_int_eq(exp, 42);
}
END_TEST

START_TEST(jwt_iat_and_skew)
{
    tp_jwt_times t;

    ck_assert(tp_jwt_times_of(unit_pool,
                              jwt("{\"iat\":1700000000,\"exp\":1700000008}"),
                              &t));
    ck_assert(t.has_exp && t.has_iat);
    ck_assert_int_eq(t.iat, 1700000000);
    ck_assert_int_eq(t.exp, 1700000008);
    /* an 8-second token: refreshed 4 s before its exp, not 30 */
    ck_assert_int_eq(tp_jwt_skew(30, &t), 4);
    ck_assert_int_eq(tp_jwt_skew(3, &t), 3);
    /* an hour: the configured skew */
    t.exp = t.iat + 3600;
    ck_assert_int_eq(tp_jwt_skew(30, &t), 30);
    /* exp not after iat: only once expired */
    t.exp = t.iat;
    ck_assert_int_eq(tp_jwt_skew(30, &t), 0);
    /* no iat: the configured skew as it is */
    ck_assert(tp_jwt_times_of(unit_pool, jwt("{\"exp\":1700000008}"), &t));
    ck_assert(!t.has_iat);
    ck_assert_int_eq(tp_jwt_skew(30, &t), 30);
    /* an iat that is no number does not count */
    ck_assert(tp_jwt_times_of(unit_pool,
                              jwt("{\"iat\":\"x\",\"exp\":1700000008}"), &t));
    ck_assert(!t.has_iat);
    ck_assert(tp_jwt_times_of(unit_pool,
                              jwt("{\"iat\":1.7e9,\"exp\":1700000008}"), &t));
    ck_assert(t.has_iat);
    ck_assert_int_eq(t.iat, 1700000000);
}
END_TEST

/* the scanner answers as jansson or not at all */
START_TEST(jwt_scan_agrees)
{
    static const char *const payloads[] = {
        "{\"sub\":\"u\",\"exp\":1700000000,\"iat\":1699999990,\"jti\":7}",
        " {\n\t\"exp\" : 5 , \"iat\":-3\r} ",
        "{}", "{ }", "{\"exp\":1}", "{\"exp\":-0}", "{\"exp\":0}",
        "{\"exp\":true}", "{\"exp\":null}", "{\"exp\":\"1\"}",
        "{\"iat\":5}", "{\"a\":false,\"exp\":2,\"b\":null}",
        "{\"exp\":123456789012345678}", "{\"exp\":1234567890123456789}",
        "{\"exp\":99999999999999999999}", "{\"exp\":01}", "{\"exp\":-01}",
        "{\"exp\":-}", "{\"exp\":1.5}", "{\"exp\":1e3}", "{\"exp\":1E3}",
        "{\"exp\":1,\"exp\":1}", "{\"a\":1,\"a\":2,\"exp\":3}",
        "{\"a\":{\"a\":1},\"exp\":3}", "{\"aud\":[\"x\"],\"exp\":3}",
        "{\"a\":\"\\u0041\",\"exp\":3}", "{\"\\u0065xp\":3}",
        "{\"a\":\"\xc3\xa9\",\"exp\":3}", "{\"a\":\"\xff\",\"exp\":3}",
        "{\"exp\":3,}", "{\"exp\":3", "{\"exp\" 3}", "{\"exp\":3}x",
        "{\"exp\":3} {}", "{\"exp\":tru}", "{\"exp\":3 4}", "{exp:3}",
        "[1,2]", "", "   ", "{\"exp\":3}\n", "{\"\":1,\"exp\":4}",
        "{\"a\":\"\t\",\"exp\":3}", "{\"exp\":3,\"iat\":4,\"iat\":5}",
        "{\"exp\":3,\"iat\":\"now\"}", "{\"exp\":3,\"iat\":2.5}",
    };
    tp_jwt_times a, b;
    size_t i;
    int r;

    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        apr_size_t len = strlen(payloads[i]);
        int q = tp_jwt_parse(payloads[i], len, &b);

        r = tp_jwt_scan(payloads[i], len, &a);
        if (r >= 0) {
            ck_assert_msg(r == q, "scan %d, jansson %d: %s", r, q,
                          payloads[i]);
            ck_assert_msg(a.has_exp == b.has_exp && a.has_iat == b.has_iat
                          && (!a.has_exp || a.exp == b.exp)
                          && (!a.has_iat || a.iat == b.iat),
                          "claims differ: %s", payloads[i]);
        }
    }
    /* the common token is read without jansson */
    ck_assert_int_eq(tp_jwt_scan(payloads[0], strlen(payloads[0]), &a), 1);
    ck_assert_int_eq(a.exp, 1700000000);
    ck_assert_int_eq(a.iat, 1699999990);
    /* what it cannot decide goes to jansson */
    ck_assert_int_eq(tp_jwt_scan("{\"a\":{},\"exp\":1}", 16, &a), -1);
    ck_assert_int_eq(tp_jwt_scan("{\"exp\":1,\"exp\":1}", 17, &a), -1);
    ck_assert_int_eq(tp_jwt_scan("{\"exp\":1.5}", 11, &a), -1);
}
END_TEST

START_TEST(b64url)
{
    unsigned char out[16];

    ck_assert_int_eq(tp_b64url_decode(out, "YWJj", 4), 3);
    ck_assert(!memcmp(out, "abc", 3));
    ck_assert_int_eq(tp_b64url_decode(out, "YWI", 3), 2);
    ck_assert_int_eq(tp_b64url_decode(out, "YWI=", 4), 2);
    ck_assert_int_eq(tp_b64url_decode(out, "-_8", 3), 2);
    ck_assert_int_eq(tp_b64url_decode(out, "YWJjZ", 5), -1);
    ck_assert_int_eq(tp_b64url_decode(out, "YW+j", 4), -1);
    ck_assert_int_eq(tp_b64_decode(out, "YW+j", 4, 1), 3);
    ck_assert_str_eq(tp_b64url_encode(unit_pool, (const unsigned char *)"abc", 3), "YWJj");
    ck_assert_str_eq(tp_b64url_encode(unit_pool, (const unsigned char *)"ab", 2), "YWI");
    ck_assert_str_eq(tp_b64url_encode(unit_pool, (const unsigned char *)"\xfb\xff", 2), "-_8");
    ck_assert_str_eq(tp_b64url_encode(unit_pool, (const unsigned char *)"", 0), "");
}
END_TEST

static tp_answer_e parse(const char *s, tp_tokens *t)
{
    return tp_answer_parse(unit_pool, s, strlen(s), &JSONF, 0, t);
}

START_TEST(answer_ok)
{
    tp_tokens t;

    ck_assert_int_eq(parse("{\"accessToken\":\"AT\",\"refreshToken\":\"RT\","
                           "\"expiresIn\":300}", &t), TP_ANSWER_OK);
    ck_assert_str_eq(t.access, "AT");
    ck_assert_str_eq(t.refresh, "RT");
    ck_assert_int_eq(t.expires_in, 300);

    ck_assert_int_eq(parse("{\"accessToken\":\"AT\"}", &t), TP_ANSWER_OK);
    ck_assert_ptr_null(t.refresh);
    ck_assert_int_eq(t.expires_in, -1);

    ck_assert_int_eq(parse("{\"accessToken\":\"AT\",\"refreshToken\":null,"
                           "\"expiresIn\":12.7,\"other\":[1]}", &t),
                     TP_ANSWER_OK);
    ck_assert_ptr_null(t.refresh);
    ck_assert_int_eq(t.expires_in, 12);
}
END_TEST

START_TEST(answer_bad)
{
    tp_tokens t;

    ck_assert_int_eq(parse("", &t), TP_ANSWER_NOT_JSON);
    ck_assert_int_eq(parse("{garbage", &t), TP_ANSWER_NOT_JSON);
    ck_assert_int_eq(parse("<html>hi</html>", &t), TP_ANSWER_NOT_JSON);
    ck_assert_int_eq(parse("[\"AT\"]", &t), TP_ANSWER_NOT_OBJECT);
    ck_assert_int_eq(parse("\"AT\"", &t), TP_ANSWER_NOT_OBJECT);
    ck_assert_int_eq(parse("{}", &t), TP_ANSWER_NO_ACCESS);
    ck_assert_int_eq(parse("{\"accessToken\":null}", &t), TP_ANSWER_NO_ACCESS);
    ck_assert_int_eq(parse("{\"accessToken\":123}", &t), TP_ANSWER_BAD_TYPE);
    ck_assert_int_eq(parse("{\"accessToken\":{}}", &t), TP_ANSWER_BAD_TYPE);
    ck_assert_int_eq(parse("{\"accessToken\":\"AT\",\"refreshToken\":1}", &t),
                     TP_ANSWER_BAD_TYPE);
    ck_assert_int_eq(parse("{\"accessToken\":\"AT\",\"expiresIn\":\"300\"}",
                           &t), TP_ANSWER_BAD_TYPE);
    ck_assert_int_eq(parse("{\"accessToken\":\"AT\",\"expiresIn\":-1}", &t),
                     TP_ANSWER_BAD_TYPE);
    ck_assert_int_eq(parse("{\"accessToken\":\"A T\"}", &t),
                     TP_ANSWER_BAD_TOKEN);
    ck_assert_int_eq(parse("{\"accessToken\":\"\"}", &t), TP_ANSWER_BAD_TOKEN);
    ck_assert_int_eq(parse("{\"accessToken\":\"A\\u0000T\"}", &t),
                     TP_ANSWER_NOT_JSON);
    ck_assert_int_eq(parse("{\"accessToken\":\"AT\",\"refreshToken\":\"R;T\"}",
                           &t), TP_ANSWER_BAD_TOKEN);
    ck_assert_int_eq(parse("{\"accessToken\":\"a\",\"accessToken\":\"b\"}",
                           &t), TP_ANSWER_NOT_JSON);
}
END_TEST

START_TEST(answer_token_type)
{
    tp_tokens t;
    const char *ok = "{\"access_token\":\"AT\",\"token_type\":\"bearer\"}";
    const char *mac = "{\"access_token\":\"AT\",\"token_type\":\"mac\"}";

    ck_assert_int_eq(tp_answer_parse(unit_pool, ok, strlen(ok),
                                     &tp_oauth2_fields, 1, &t), TP_ANSWER_OK);
    ck_assert_int_eq(tp_answer_parse(unit_pool, mac, strlen(mac),
                                     &tp_oauth2_fields, 1, &t),
                     TP_ANSWER_BAD_TOKEN_TYPE);
}
END_TEST

START_TEST(answer_capture)
{
    tp_tokens t;
    const char *body;
    apr_size_t len;
    const char *in = "{\"user\":\"ann\",\"accessToken\":\"AT\",\"n\":1,"
                     "\"refreshToken\":\"RT\",\"expiresIn\":60,\"z\":true}";

    ck_assert_int_eq(tp_answer_capture(unit_pool, in, strlen(in), &JSONF, &t,
                                       &body, &len), TP_ANSWER_OK);
    ck_assert_str_eq(body, "{\"user\":\"ann\",\"n\":1,\"z\":true}");
    ck_assert_uint_eq(len, strlen(body));
    ck_assert_str_eq(t.access, "AT");
    ck_assert_str_eq(t.refresh, "RT");
    ck_assert_int_eq(t.expires_in, 60);

    ck_assert_int_eq(tp_answer_capture(unit_pool, "{\"error\":\"x\"}", 13,
                                       &JSONF, &t, &body, &len),
                     TP_ANSWER_NO_ACCESS);
    ck_assert_ptr_null(body);
}
END_TEST

static tp_grant_cfg cfg(tp_format_e f, const char *id, const char *secret)
{
    tp_grant_cfg c;

    memset(&c, 0, sizeof(c));
    c.url = "http://127.0.0.1/token";
    c.format = f;
    c.client_id = id;
    c.client_secret = secret;
    c.fields = JSONF;
    return c;
}

START_TEST(build_json)
{
    tp_grant_cfg c = cfg(TP_FORMAT_JSON, NULL, NULL);
    tp_grant_req r;

    tp_grant_refresh(unit_pool, &c, "R\"T", &r);
    ck_assert_str_eq(r.body, "{\"refreshToken\":\"R\\\"T\"}");
    ck_assert_str_eq(r.content_type, "application/json");
    ck_assert_ptr_null(r.authorization);
    c.fields.refresh = "rt";
    tp_grant_refresh(unit_pool, &c, "X", &r);
    ck_assert_str_eq(r.body, "{\"rt\":\"X\"}");
}
END_TEST

START_TEST(build_oauth2)
{
    tp_grant_cfg c = cfg(TP_FORMAT_OAUTH2, "my app", NULL);
    tp_grant_req r;

    tp_grant_refresh(unit_pool, &c, "a+b/c=", &r);
    ck_assert_str_eq(r.body, "grant_type=refresh_token&refresh_token="
                             "a%2Bb%2Fc%3D&client_id=my%20app");
    ck_assert_str_eq(r.content_type, "application/x-www-form-urlencoded");
    ck_assert_ptr_null(r.authorization);

    c = cfg(TP_FORMAT_OAUTH2, "app", "s:cret");
    tp_grant_refresh(unit_pool, &c, "RT", &r);
    ck_assert_str_eq(r.body, "grant_type=refresh_token&refresh_token=RT");
    /* base64("app:s%3Acret") */
    ck_assert_str_eq(r.authorization, "Basic YXBwOnMlM0FjcmV0");

    tp_grant_revoke(unit_pool, &c, "RT", &r);
    ck_assert_str_eq(r.body, "token=RT&token_type_hint=refresh_token");
    ck_assert_str_eq(r.authorization, "Basic YXBwOnMlM0FjcmV0");
}
END_TEST

static tp_grant_e classify(tp_format_e f, const char *terr, int status,
                             const char *ct, const char *body)
{
    tp_grant_cfg c = cfg(f, NULL, NULL);
    tp_grant_res res;

    tp_grant_classify(unit_pool, &c, terr, status, ct, body,
                        body ? strlen(body) : 0, &res);
    ck_assert_ptr_nonnull(res.why);
    return res.result;
}

START_TEST(classify_answers)
{
    const char *good = "{\"accessToken\":\"AT\"}";

    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200, "application/json",
                              good), TP_GRANT_OK);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200,
                              "application/json; charset=utf-8", good),
                     TP_GRANT_OK);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200,
                              "application/vnd.api+json", good),
                     TP_GRANT_OK);
    ck_assert_int_eq(classify(TP_FORMAT_OAUTH2, NULL, 200, "application/json",
                              "{\"access_token\":\"AT\",\"token_type\":"
                              "\"Bearer\"}"), TP_GRANT_OK);
    /* rejected: the session is over */
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 400, "application/json",
                              "{\"error\":\"invalid_grant\"}"),
                     TP_GRANT_REJECTED);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 401, NULL, ""),
                     TP_GRANT_REJECTED);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 403, NULL, ""),
                     TP_GRANT_REJECTED);
    /* unavailable: the session may be fine */
    ck_assert_int_eq(classify(TP_FORMAT_JSON, "timed out", 0, NULL, NULL),
                     TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 500, "application/json",
                              good), TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 503, NULL, ""),
                     TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 404, NULL, ""),
                     TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 302, NULL, ""),
                     TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200, "text/html",
                              "<html>login</html>"), TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200, NULL, good),
                     TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200, "application/jsonx",
                              good), TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200, "application/json",
                              "{garbage"), TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200, "application/json",
                              "{\"accessToken\":7}"), TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_JSON, NULL, 200, "application/json",
                              "{}"), TP_GRANT_UNAVAILABLE);
    ck_assert_int_eq(classify(TP_FORMAT_OAUTH2, NULL, 200, "application/json",
                              "{\"access_token\":\"AT\",\"token_type\":"
                              "\"mac\"}"), TP_GRANT_UNAVAILABLE);
}
END_TEST

START_TEST(form_escape)
{
    ck_assert_str_eq(tp_form_escape(unit_pool, "aZ09-._~"), "aZ09-._~");
    ck_assert_str_eq(tp_form_escape(unit_pool, " &=+%\xc3\xa9"),
                     "%20%26%3D%2B%25%C3%A9");
}
END_TEST

Suite *grant_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("refresh");
    TCase *tc = tcase_create("grant");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, jwt_exp_read);
    tcase_add_test(tc, jwt_exp_absent_or_garbage);
    tcase_add_test(tc, jwt_iat_and_skew);
    tcase_add_test(tc, jwt_scan_agrees);
    tcase_add_test(tc, b64url);
    tcase_add_test(tc, answer_ok);
    tcase_add_test(tc, answer_bad);
    tcase_add_test(tc, answer_token_type);
    tcase_add_test(tc, answer_capture);
    tcase_add_test(tc, build_json);
    tcase_add_test(tc, build_oauth2);
    tcase_add_test(tc, classify_answers);
    tcase_add_test(tc, form_escape);
    suite_add_tcase(s, tc);
    return s;
}
