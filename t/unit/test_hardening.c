/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* The security review's findings (issue 18), request-free parts: JWS
 * "crit" and "b64", strict base64url, extreme exp and iat, HS256 only
 * when the provider announces it, OpenID Connect Core 12.2 for refreshed
 * ID tokens, dot segments in return=, and the logout endpoint's rule for
 * GET. */

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <apr_strings.h>

#include "core/tp_b64.h"
#include "core/tp_csrf.h"
#include "core/tp_idtoken.h"
#include "core/tp_jose.h"
#include "core/tp_jwt.h"
#include "core/tp_nav.h"
#include "core/tp_oidc_meta.h"
#include "unit.h"

#define ISS "https://idp.example"
#define SECRET "s3cr3t-client"
#define NOW 1900000000
#define ALPHABET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static const char *b64(const void *d, apr_size_t n)
{
    return tp_b64url_encode(unit_pool, d, n);
}

/* header.payload signed with HS256 under SECRET */
static const char *hs256(const char *hdr, const char *payload)
{
    const char *input = apr_pstrcat(unit_pool, b64(hdr, strlen(hdr)), ".",
                                    b64(payload, strlen(payload)), NULL);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET),
         (const unsigned char *)input, strlen(input), mac, &n);
    return apr_pstrcat(unit_pool, input, ".", b64(mac, n), NULL);
}

#define CLAIMS "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\"," \
               "\"exp\":1900000300,\"iat\":1900000000}"

/* parse, then verify with HS256 allowed: TP_JOSE_OK, or -1 when parsing
 * refuses (*why then) */
static int parse_verify(const char *token, const char **why)
{
    tp_jws jws;

    *why = NULL;
    if (!tp_jws_parse(unit_pool, token, &jws, why)) {
        return -1;
    }
    return tp_jws_verify(unit_pool, &jws, NULL, SECRET, TP_ALG_HS256, why);
}

START_TEST(jws_crit_and_b64)
{
    const char *why;

    /* the control: a plain header verifies */
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\"}", CLAIMS),
                                  &why), TP_JOSE_OK);
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"b64\":true}",
                                        CLAIMS), &why), TP_JOSE_OK);
    /* RFC 7515 4.1.11: an extension this verifier does not understand */
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"crit\":"
                                        "[\"exp\"],\"exp\":1}", CLAIMS),
                                  &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "crit names the extension exp"));
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"crit\":"
                                        "[\"urn:x\\n\"],\"urn:x\\n\":1}",
                                        CLAIMS), &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "(a name not shown)"));
    /* RFC 7797: b64 false, with crit as it requires, and without */
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"b64\":false,"
                                        "\"crit\":[\"b64\"]}", CLAIMS),
                                  &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "crit names the extension b64"));
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"b64\":false}",
                                        CLAIMS), &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "b64"));
    /* malformed crit */
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"crit\":[]}",
                                        CLAIMS), &why), -1);
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"crit\":"
                                        "\"b64\"}", CLAIMS), &why), -1);
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"crit\":[1]}",
                                        CLAIMS), &why), -1);
    ck_assert_int_eq(parse_verify(hs256("{\"alg\":\"HS256\",\"crit\":null}",
                                        CLAIMS), &why), -1);
}
END_TEST

START_TEST(base64url_strict)
{
    unsigned char out[16];
    const char *t, *why;
    char *alt;
    apr_size_t n;

    ck_assert_int_eq(tp_b64url_decode_strict(out, "", 0), 0);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QQ", 2), 1);
    ck_assert_int_eq(out[0], 'A');
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QUI", 3), 2);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QUJD", 4), 3);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "_-8", 3), 2);
    /* non-zero unused bits: the lenient decoder takes them, same bytes */
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QR", 2), -1);
    ck_assert_int_eq(tp_b64url_decode(out, "QR", 2), 1);
    ck_assert_int_eq(out[0], 'A');
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QUJ", 3), -1);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QUL", 3), -1);
    /* padding, a lone character, another alphabet */
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QQ==", 4), -1);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QUI=", 4), -1);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QUJD====", 8), -1);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QUJDQ", 5), -1);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QU+D", 4), -1);
    ck_assert_int_eq(tp_b64url_decode_strict(out, "QU=D", 4), -1);
    /* key files keep taking padding and standard base64 */
    ck_assert_int_eq(tp_b64_decode(out, "QUI=", 4, 1), 2);

    /* a token: its signature spelled otherwise no longer verifies */
    t = hs256("{\"alg\":\"HS256\"}", CLAIMS);
    ck_assert_int_eq(parse_verify(t, &why), TP_JOSE_OK);
    n = strlen(t);
    ck_assert_int_eq(parse_verify(apr_pstrcat(unit_pool, t, "=", NULL), &why),
                     -1);
    ck_assert_ptr_nonnull(strstr(why, "strict base64url"));
    /* the last character's unused bits (the 43-character HS256
     * signature leaves 2): the lenient decoder reads the same MAC */
    alt = apr_pstrdup(unit_pool, t);
    alt[n - 1] = ALPHABET[(strchr(ALPHABET, t[n - 1]) - ALPHABET) | 1];
    ck_assert_int_eq(strlen(strrchr(alt, '.') + 1) % 4, 3);
    {
        unsigned char a[40], b[40];
        const char *s1 = strrchr(t, '.') + 1, *s2 = strrchr(alt, '.') + 1;
        ck_assert_int_eq(tp_b64url_decode(a, s1, strlen(s1)), 32);
        ck_assert_int_eq(tp_b64url_decode(b, s2, strlen(s2)), 32);
        ck_assert_int_eq(memcmp(a, b, 32), 0);
    }
    ck_assert_int_eq(parse_verify(alt, &why), -1);
    /* padding in the header part */
    alt = apr_pstrcat(unit_pool, b64("{\"alg\":\"HS256\"}", 15), "=.",
                      strchr(t, '.') + 1, NULL);
    ck_assert_int_eq(parse_verify(alt, &why), -1);
}
END_TEST

static int claims(const char *payload, const char **why)
{
    tp_jws jws;
    tp_idtoken t;
    tp_idtoken_expect e = { ISS, "app", NULL, NOW };

    memset(&jws, 0, sizeof(jws));
    jws.payload = payload;
    jws.payload_len = strlen(payload);
    return tp_idtoken_check(unit_pool, &jws, &e, &t, why);
}

#define TIMES(exp, iat) "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":" \
                        "\"app\",\"exp\":" exp ",\"iat\":" iat "}"

START_TEST(extreme_times)
{
    const char *why = NULL;
    const char *bad[] = { "1e300", "-1e300", "9223372036854775807",
                          "-9223372036854775808", "-1", "1e19",
                          "253402300800" };
    tp_jws jws;
    tp_idtoken t;
    tp_idtoken_expect e = { ISS, "app", NULL, NOW };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *p = apr_psprintf(unit_pool, TIMES("%s", "1900000000"),
                                     bad[i]);
        ck_assert_msg(!claims(p, &why), "exp %s taken", bad[i]);
        ck_assert_msg(strstr(why, "exp is out of range") != NULL,
                      "exp %s: %s", bad[i], why);
        p = apr_psprintf(unit_pool, TIMES("1900000300", "%s"), bad[i]);
        ck_assert_msg(!claims(p, &why), "iat %s taken", bad[i]);
        ck_assert_msg(strstr(why, "iat is out of range") != NULL,
                      "iat %s: %s", bad[i], why);
    }
    /* past what jansson reads as an integer: not JSON to it */
    ck_assert(!claims(TIMES("9223372036854775808", "1900000000"), &why));
    /* not a number */
    ck_assert(!claims(TIMES("\"1900000300\"", "1900000000"), &why));
    ck_assert_str_eq(why, "exp is not a number");
    ck_assert(!claims(TIMES("1900000300", "[1]"), &why));
    ck_assert_str_eq(why, "iat is not a number");
    ck_assert(!claims(TIMES("null", "1900000000"), &why));
    ck_assert_str_eq(why, "exp is not a number");
    /* a fraction of a second is dropped (RFC 7519 NumericDate) */
    memset(&jws, 0, sizeof(jws));
    jws.payload = TIMES("1900000300.75", "1899999999.5");
    jws.payload_len = strlen(jws.payload);
    ck_assert_msg(tp_idtoken_check(unit_pool, &jws, &e, &t, &why), "%s", why);
    ck_assert_int_eq(t.exp, 1900000300);
    ck_assert_int_eq(t.iat, 1899999999);
    /* the largest time taken: an exp near it, no overflow */
    ck_assert(claims(TIMES("253402300799", "1900000000"), &why));
    ck_assert(claims(TIMES("2.53402300799e11", "1900000000"), &why));
}
END_TEST

START_TEST(access_token_extreme_times)
{
    /* an access cookie is the client's: its exp and iat are read (for the
     * refresh skew), never trusted, and must not overflow either; the
     * nested object sends the reader to jansson */
    const char *payloads[] = {
        "{\"exp\":9223372036854775807,\"iat\":-9223372036854775808,"
        "\"x\":{}}",
        "{\"exp\":-9223372036854775808,\"iat\":-1,\"x\":{}}",
        "{\"exp\":1000000000000000000,\"x\":{}}",
        "{\"exp\":1e300,\"iat\":-1e300,\"x\":{}}"
    };
    tp_jwt_times t;
    apr_size_t i;

    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        const char *tok = apr_pstrcat(unit_pool, b64("{}", 2), ".",
                                      b64(payloads[i], strlen(payloads[i])),
                                      ".x", NULL);
        memset(&t, 0, sizeof(t));
        ck_assert_msg(!tp_jwt_times_of(unit_pool, tok, &t),
                      "%s read as a time", payloads[i]);
        (void)tp_jwt_skew(30, &t);
    }
    /* 18 digits still read, the same as the scanner */
    {
        const char *pl = "{\"exp\":999999999999999999,"
                         "\"iat\":-999999999999999999,\"x\":{}}";
        ck_assert(tp_jwt_times_of(unit_pool,
                                  apr_pstrcat(unit_pool, b64("{}", 2), ".",
                                              b64(pl, strlen(pl)), ".x",
                                              NULL), &t));
    }
    ck_assert_int_eq(tp_jwt_skew(30, &t), 30);
}
END_TEST

START_TEST(hs256_only_when_announced)
{
#define META(list) "{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" \
    ISS "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS "/k\"" \
    list "}"
    const char *docs[] = {
        META(""),
        META(",\"id_token_signing_alg_values_supported\":[\"RS256\"]"),
        META(",\"id_token_signing_alg_values_supported\":\"HS256\""),
        META(",\"id_token_signing_alg_values_supported\":[\"RS256\","
             "\"HS256\"]")
    };
    const char *why = NULL, *t = hs256("{\"alg\":\"HS256\"}", CLAIMS);
    tp_oidc_meta m;
    tp_jws jws;
    int i;

    ck_assert(tp_jws_parse(unit_pool, t, &jws, &why));
    for (i = 0; i < 4; i++) {
        unsigned int algs;
        ck_assert_msg(tp_oidc_meta_parse(unit_pool, docs[i],
                                         strlen(docs[i]), ISS, &m, &why),
                      "%s", why);
        algs = tp_oidc_id_token_algs(&m, SECRET);
        /* the asymmetric ones as before */
        ck_assert_uint_eq(algs & (TP_ALG_RS256 | TP_ALG_PS256
                                  | TP_ALG_ES256),
                          TP_ALG_RS256 | TP_ALG_PS256 | TP_ALG_ES256);
        ck_assert_int_eq(!!(algs & TP_ALG_HS256), i == 3);
        ck_assert_int_eq(tp_jws_verify(unit_pool, &jws, NULL, SECRET, algs,
                                       &why) == TP_JOSE_OK, i == 3);
        /* never without a secret */
        ck_assert_uint_eq(tp_oidc_id_token_algs(&m, NULL) & TP_ALG_HS256, 0);
        ck_assert_uint_eq(tp_oidc_id_token_algs(&m, "") & TP_ALG_HS256, 0);
    }
    ck_assert_uint_eq(m.id_token_algs, TP_ALG_RS256 | TP_ALG_HS256);
    ck_assert_uint_eq(tp_jose_alg_bit("none"), 0);
}
END_TEST

#define ORIG "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\"," \
             "\"exp\":1900000300,\"iat\":1900000000,\"auth_time\":" \
             "1899999000,\"nonce\":\"n1\",\"sid\":\"s1\""

static int same(const char *orig, const char *fresh, const char **why)
{
    *why = NULL;
    return tp_idtoken_same_session(unit_pool, orig, strlen(orig), fresh,
                                   strlen(fresh), why);
}

START_TEST(refreshed_id_token_same_session)
{
    const char *why, *o = ORIG "}";

    /* a new iat and exp, the rest the same: one session */
    ck_assert(same(o, "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":[\"app\"],"
                      "\"exp\":1900003900,\"iat\":1900003600,\"auth_time\":"
                      "1899999000.0,\"sid\":\"s2\"}", &why));
    ck_assert(same(o, "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\","
                      "\"nonce\":\"n1\"}", &why));
    /* another subject, issuer, audience */
    ck_assert(!same(o, "{\"iss\":\"" ISS "\",\"sub\":\"mallory\","
                       "\"aud\":\"app\"}", &why));
    ck_assert_str_eq(why, "sub differs from the original ID token's");
    ck_assert(!same(o, "{\"iss\":\"" ISS "\",\"aud\":\"app\"}", &why));
    ck_assert_str_eq(why, "sub differs from the original ID token's");
    ck_assert(!same(o, "{\"iss\":\"https://other.example\",\"sub\":\"u1\","
                       "\"aud\":\"app\"}", &why));
    ck_assert_str_eq(why, "iss differs from the original ID token's");
    ck_assert(!same(o, "{\"iss\":\"" ISS "\",\"sub\":\"u1\","
                       "\"aud\":[\"app\",\"api\"],\"azp\":\"app\"}", &why));
    ck_assert_str_eq(why, "aud differs from the original ID token's");
    ck_assert(!same(o, "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":[]}",
                    &why));
    /* azp: only one of them has it */
    ck_assert(!same(o, "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\","
                       "\"azp\":\"app\"}", &why));
    ck_assert_str_eq(why, "azp differs from the original ID token's (or "
                          "only one has it)");
    ck_assert(!same(ORIG ",\"azp\":\"app\"}", "{\"iss\":\"" ISS "\","
                    "\"sub\":\"u1\",\"aud\":\"app\"}", &why));
    ck_assert(same("{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":[\"api\","
                   "\"app\"],\"azp\":\"app\"}",
                   "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":[\"app\","
                   "\"api\"],\"azp\":\"app\"}", &why));
    /* auth_time: the original authentication's, where both have it */
    ck_assert(!same(o, "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\","
                       "\"auth_time\":1900003600}", &why));
    ck_assert_str_eq(why, "auth_time differs from the original ID token's");
    ck_assert(!same(o, "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\","
                       "\"auth_time\":1e300}", &why));
    ck_assert(same("{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\"}",
                   "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\","
                   "\"auth_time\":1900003600}", &why));
    /* a nonce, when there is one, the original's */
    ck_assert(!same(o, "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\","
                       "\"nonce\":\"n2\"}", &why));
    ck_assert_str_eq(why, "nonce differs from the original ID token's");
    /* garbage on either side */
    ck_assert(!same("[1]", o, &why));
    ck_assert(!same(o, "not json", &why));
}
END_TEST

START_TEST(return_dot_segments)
{
    const char *refused[] = {
        "/.//evil.example", "/..//evil.example", "/./evil", "/../evil",
        "/%2e//evil.example", "/%2E//evil.example", "/%2e%2e//evil.example",
        "/%2E%2e//evil.example", "/.%2e//evil.example", "/%2e.//evil",
        "/app/./x", "/app/../x", "/app/.", "/app/..", "/app/%2E%2E",
        "/app/%2e%2E/x", "/%2f/evil.example", "/%2F%2Fevil.example",
        "/%5cevil.example", "/%5C/evil", "/app%5c..%5cx", "/a%2F..%2Fb",
        "/a%2f.%2f", "/.", "/..", "/a/b/../../..//evil.example?x=1",
        "/a\\b", "/.\\evil"
    };
    const char *kept[] = {
        "/", "/app/x?y=1", "/.well-known/x", "/...", "/app/...", "/a.b/c",
        "/a/..b", "/a/b..", "/.a", "/%2e%2e%2e", "/a%2eb", "/app/x?next=/../y",
        "/app/x?y=.%2F..", "/app#/../x", "/%25%32%65%25%32%65/x", "/%2",
        "/a%", "/%2x"
    };
    apr_size_t i;

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        ck_assert_msg(!strcmp(tp_safe_return(unit_pool, refused[i]), "/"),
                      "%s kept", refused[i]);
    }
    for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        ck_assert_msg(!strcmp(tp_safe_return(unit_pool, kept[i]), kept[i]),
                      "%s refused", kept[i]);
    }
    /* and the login redirect built from them */
    ck_assert_str_eq(tp_login_location(unit_pool, "/login",
                                       "/%2e%2e//evil.example"),
                     "/login?return=%2F");
}
END_TEST

/* the logout endpoint's decision, from the headers browsers send */
static const char *logout(const char *method, const char *site,
                          const char *mode, const char *dest,
                          const char *origin)
{
    tp_csrf_in in;

    memset(&in, 0, sizeof(in));
    in.method = method;
    in.sec_fetch_site = site;
    in.sec_fetch_mode = mode;
    in.sec_fetch_dest = dest;
    in.has_sec_fetch = site || mode || dest;
    in.origin = origin;
    in.scheme = "https";
    in.host = "app.example";
    return tp_csrf_logout(unit_pool, &in);
}

START_TEST(logout_by_get)
{
    const char *why;

    /* <img src> on a sibling site: the Strict cookies go along */
    why = logout("GET", "same-site", "no-cors", "image", NULL);
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_nonnull(strstr(why, "Sec-Fetch-Site: same-site, "
                                      "Sec-Fetch-Mode: no-cors, "
                                      "Sec-Fetch-Dest: image"));
    /* a link from another site (Lax cookies go along), a frame */
    ck_assert_ptr_nonnull(logout("GET", "cross-site", "navigate", "document",
                                 NULL));
    ck_assert_ptr_nonnull(logout("GET", "cross-site", "navigate", "iframe",
                                 NULL));
    ck_assert_ptr_nonnull(logout("GET", "same-site", "navigate", "document",
                                 NULL));
    /* this site's own fetch(), frame, image */
    ck_assert_ptr_nonnull(logout("GET", "same-origin", "cors", "empty",
                                 NULL));
    ck_assert_ptr_nonnull(logout("GET", "same-origin", "navigate", "iframe",
                                 NULL));
    ck_assert_ptr_nonnull(logout("HEAD", "same-origin", "no-cors", "image",
                                 NULL));
    ck_assert_ptr_nonnull(logout("OPTIONS", "cross-site", "cors", "empty",
                                 NULL));
    /* a header set no browser sends */
    ck_assert_ptr_nonnull(logout("GET", NULL, "navigate", NULL, NULL));
    /* a same-origin navigation, one the user typed, one without Dest */
    ck_assert_ptr_null(logout("GET", "same-origin", "navigate", "document",
                              NULL));
    ck_assert_ptr_null(logout("GET", "SAME-ORIGIN", "Navigate", "Document",
                              NULL));
    ck_assert_ptr_null(logout("GET", "none", "navigate", "document", NULL));
    ck_assert_ptr_null(logout("HEAD", "same-origin", "navigate", NULL, NULL));
    /* a browser (or client) that sends no Sec-Fetch-* at all */
    ck_assert_ptr_null(logout("GET", NULL, NULL, NULL, NULL));
    /* POST: the CSRF rules as before */
    ck_assert_ptr_null(logout("POST", "same-origin", "cors", "empty",
                              "https://app.example"));
    ck_assert_ptr_null(logout("POST", NULL, NULL, NULL, NULL));
    ck_assert_ptr_nonnull(logout("POST", "same-site", "cors", "empty",
                                 "https://blog.example"));
    ck_assert_ptr_nonnull(logout("POST", "cross-site", "navigate",
                                 "document", NULL));
}
END_TEST

Suite *hardening_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("hardening");
    TCase *tc = tcase_create("security-review");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, jws_crit_and_b64);
    tcase_add_test(tc, base64url_strict);
    tcase_add_test(tc, extreme_times);
    tcase_add_test(tc, access_token_extreme_times);
    tcase_add_test(tc, hs256_only_when_announced);
    tcase_add_test(tc, refreshed_id_token_same_session);
    tcase_add_test(tc, return_dot_segments);
    tcase_add_test(tc, logout_by_get);
    suite_add_tcase(s, tc);
    return s;
}
