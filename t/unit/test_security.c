/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* Sealed cookies, key files, chunked cookies and the CSRF decision. */

#include <pthread.h>
#include <string.h>

#include <apr_strings.h>

#include "core/tp_cookie.h"
#include "core/tp_csrf.h"
#include "core/tp_sealcookie.h"
#include "unit.h"

static tp_keyring ring(int n)
{
    tp_keyring kr;
    int i;

    memset(&kr, 0, sizeof(kr));
    kr.n = n;
    for (i = 0; i < n; i++) {
        tp_seal_keygen(kr.keys[i]);
    }
    return kr;
}

START_TEST(sealed_roundtrip)
{
    tp_keyring kr = ring(1);
    const char *s = tp_sealcookie(unit_pool, &kr, "accessToken", "AT.x-y");
    const char *v;
    int which = -1;

    ck_assert_ptr_nonnull(s);
    ck_assert(!strncmp(s, TP_SEALED_PREFIX, 4));
    ck_assert(strstr(s, "AT.x-y") == NULL);
    ck_assert(tp_opencookie(unit_pool, &kr, "accessToken", s, &v, &which));
    ck_assert_str_eq(v, "AT.x-y");
    ck_assert_int_eq(which, 0);
    /* a sealed value is a valid cookie value and token68 */
    ck_assert(strspn(s + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                           "0123456789-_") == strlen(s + 4));
}
END_TEST

START_TEST(sealed_refuses)
{
    tp_keyring kr = ring(1), other = ring(1);
    const char *s = tp_sealcookie(unit_pool, &kr, "accessToken", "AT");
    char *t = apr_pstrdup(unit_pool, s);
    const char *v;
    size_t mid = strlen(t) / 2;

    ck_assert(!tp_opencookie(unit_pool, &other, "accessToken", s, &v, NULL));
    ck_assert(!tp_opencookie(unit_pool, &kr, "refreshToken", s, &v, NULL));
    t[mid] = t[mid] == 'A' ? 'B' : 'A';                      /* tampered */
    ck_assert(!tp_opencookie(unit_pool, &kr, "accessToken", t, &v, NULL));
    ck_assert(!tp_opencookie(unit_pool, &kr, "accessToken",  /* truncated */
                             apr_pstrndup(unit_pool, s, strlen(s) - 3), &v,
                             NULL));
    ck_assert(!tp_opencookie(unit_pool, &kr, "accessToken", "tp1.", &v, NULL));
    ck_assert(!tp_opencookie(unit_pool, &kr, "accessToken", "tp1.!!", &v,
                             NULL));
    ck_assert(!tp_opencookie(unit_pool, &kr, "accessToken", "plain", &v,
                             NULL));
    ck_assert(!tp_opencookie(unit_pool, &kr, "accessToken", NULL, &v, NULL));
}
END_TEST

START_TEST(key_rotation)
{
    tp_keyring old = ring(1), rotated;
    const char *s = tp_sealcookie(unit_pool, &old, "rt", "RT");
    const char *v;
    int which = -1;

    rotated = ring(2);
    memcpy(rotated.keys[1], old.keys[0], TP_SEAL_KEY_LEN);  /* old second */
    ck_assert(tp_opencookie(unit_pool, &rotated, "rt", s, &v, &which));
    ck_assert_str_eq(v, "RT");
    ck_assert_int_eq(which, 1);
    /* the new first key seals; the old ring cannot open that */
    s = tp_sealcookie(unit_pool, &rotated, "rt", "RT2");
    ck_assert(!tp_opencookie(unit_pool, &old, "rt", s, &v, NULL));
}
END_TEST

/* The context each thread keeps for opening: its key changes with the
 * key that opens, a failure leaves nothing behind, and another thread has
 * its own (freed when it ends: ASan's leak check). */
static void *open_in_thread(void *arg)
{
    const char **c = arg;   /* ring, sealed value, expected */
    const char *v = NULL;
    apr_pool_t *p;
    void *ok;

    apr_pool_create(&p, NULL);
    ok = tp_opencookie(p, (const tp_keyring *)c[0], "at", c[1], &v, NULL)
         && !strcmp(v, c[2]) ? (void *)c : NULL;
    apr_pool_destroy(p);
    return ok;
}

START_TEST(open_context_reused)
{
    tp_keyring a = ring(1), b = ring(1);
    const char *sa = tp_sealcookie(unit_pool, &a, "at", "AT-a");
    const char *sb = tp_sealcookie(unit_pool, &b, "at", "AT-b");
    char *bad = apr_pstrdup(unit_pool, sa);
    const char *v, *args[3];
    size_t mid = strlen(bad) / 2;
    pthread_t th;
    void *res = NULL;
    int i;

    bad[mid] = bad[mid] == 'A' ? 'B' : 'A';
    for (i = 0; i < 3; i++) {
        ck_assert(tp_opencookie(unit_pool, &a, "at", sa, &v, NULL));
        ck_assert_str_eq(v, "AT-a");
        ck_assert(!tp_opencookie(unit_pool, &a, "at", sb, &v, NULL));
        ck_assert(!tp_opencookie(unit_pool, &a, "at", bad, &v, NULL));
        ck_assert(!tp_opencookie(unit_pool, &a, "rt", sa, &v, NULL));
        ck_assert(tp_opencookie(unit_pool, &b, "at", sb, &v, NULL));
        ck_assert_str_eq(v, "AT-b");
        ck_assert(!tp_opencookie(unit_pool, &b, "at", sa, &v, NULL));
    }
    args[0] = (const char *)&b;
    args[1] = sb;
    args[2] = "AT-b";
    ck_assert_int_eq(pthread_create(&th, NULL, open_in_thread, args), 0);
    ck_assert_int_eq(pthread_join(th, &res), 0);
    ck_assert_ptr_eq(res, args);
    ck_assert(tp_opencookie(unit_pool, &a, "at", sa, &v, NULL));
}
END_TEST

START_TEST(key_files)
{
    unsigned char k[TP_SEAL_KEY_LEN];
    const char *hex = "000102030405060708090a0b0c0d0e0f"
                      "101112131415161718191A1B1C1D1E1F\n";
    /* base64 of the same 32 bytes */
    const char *b64 = "  AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

    ck_assert(tp_key_parse(hex, strlen(hex), k));
    ck_assert_int_eq(k[0], 0);
    ck_assert_int_eq(k[31], 0x1f);
    memset(k, 0, sizeof(k));
    ck_assert(tp_key_parse(b64, strlen(b64), k));
    ck_assert_int_eq(k[31], 0x1f);
    ck_assert(!tp_key_parse("abc", 3, k));
    ck_assert(!tp_key_parse("zz0102030405060708090a0b0c0d0e0f"
                            "101112131415161718191a1b1c1d1e1f", 64, k));
    ck_assert(!tp_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", 40,
                            k));
}
END_TEST

static const char *const NAMES[] = { "at", "rt" };

START_TEST(chunks_split_and_join)
{
    char *big = apr_palloc(unit_pool, 12001);
    const char *parts[TP_MAX_CHUNKS], *rest;
    tp_cookie_match m[2];
    const char *header;
    int n, i;

    for (i = 0; i < 12000; i++) big[i] = (char)('a' + i % 26);
    big[12000] = '\0';
    n = tp_cookie_split(unit_pool, big, parts);
    ck_assert_int_eq(n, 3);
    ck_assert_uint_eq(strlen(parts[0]), TP_CHUNK_MAX);
    {
        const char *one[TP_MAX_CHUNKS];
        ck_assert_int_eq(tp_cookie_split(unit_pool, "small", one), 1);
        ck_assert_str_eq(one[0], "small");
    }

    header = apr_psprintf(unit_pool, "x=1; at=~3; at.2=%s; at.1=%s; "
                          "at.3=%s; y=2", parts[1], parts[0], parts[2]);
    tp_cookie_take(unit_pool, header, NAMES, 2, m, &rest);
    ck_assert_str_eq(rest, "x=1; y=2");
    ck_assert_int_eq(m[0].max_chunk, 3);
    {
        const char *j = tp_cookie_joined(unit_pool, &m[0]);
        ck_assert_ptr_nonnull(j);
        ck_assert_uint_eq(strlen(j), 12000);
        ck_assert_int_eq(memcmp(j, big, 12000), 0);
    }

    /* a missing chunk: absent */
    header = apr_psprintf(unit_pool, "at=~3; at.1=%s; at.3=%s", parts[0],
                          parts[2]);
    tp_cookie_take(unit_pool, header, NAMES, 2, m, &rest);
    ck_assert_ptr_null(tp_cookie_joined(unit_pool, &m[0]));
    ck_assert_ptr_null(rest);
    /* what arrived, to clear exactly that: the cookie and chunks 1 and 3;
     * nothing of the other name */
    ck_assert_uint_eq(tp_cookie_sent(&m[0]), 1u | 2u | 8u);
    ck_assert_uint_eq(tp_cookie_sent(&m[1]), 0u);
    tp_cookie_take(unit_pool, "at.2=x; rt=", NAMES, 2, m, &rest);
    ck_assert_uint_eq(tp_cookie_sent(&m[0]), 4u);   /* a lone chunk */
    ck_assert_uint_eq(tp_cookie_sent(&m[1]), 1u);   /* empty, but sent */
    tp_cookie_take(unit_pool, "a=1, at=x", NAMES, 2, m, &rest);
    ck_assert_uint_eq(tp_cookie_sent(&m[0]), 1u);   /* merged, unusable */
    tp_cookie_take(unit_pool, "x=1", NAMES, 2, m, &rest);
    ck_assert_uint_eq(tp_cookie_sent(&m[0]) | tp_cookie_sent(&m[1]), 0u);
    /* stale chunks are seen (to be cleared) even without a marker */
    tp_cookie_take(unit_pool, "at=plain; at.7=old", NAMES, 2, m, &rest);
    ck_assert_str_eq(tp_cookie_joined(unit_pool, &m[0]), "plain");
    ck_assert_int_eq(m[0].max_chunk, 7);
    ck_assert_ptr_null(rest);
    /* not chunk cookies: other names, K out of range, leading zero */
    tp_cookie_take(unit_pool, "at.0=a; at.17=b; at.01=c; att.1=d; at.x=e",
                   NAMES, 2, m, &rest);
    ck_assert_str_eq(rest, "at.0=a; at.17=b; at.01=c; att.1=d; at.x=e");
    ck_assert_int_eq(m[0].max_chunk, 0);
    /* bad markers */
    tp_cookie_take(unit_pool, "at=~0", NAMES, 2, m, &rest);
    ck_assert_ptr_null(tp_cookie_joined(unit_pool, &m[0]));
    tp_cookie_take(unit_pool, "at=~17", NAMES, 2, m, &rest);
    ck_assert_ptr_null(tp_cookie_joined(unit_pool, &m[0]));
    tp_cookie_take(unit_pool, "at=~x", NAMES, 2, m, &rest);
    ck_assert_ptr_null(tp_cookie_joined(unit_pool, &m[0]));
}
END_TEST

START_TEST(chunks_limit)
{
    apr_size_t len = (apr_size_t)TP_CHUNK_MAX * TP_MAX_CHUNKS + 1;
    char *huge = apr_palloc(unit_pool, len + 1);
    const char *parts[TP_MAX_CHUNKS];

    memset(huge, 'a', len);
    huge[len] = '\0';
    ck_assert_int_eq(tp_cookie_split(unit_pool, huge, parts), 0);
    huge[len - 1] = '\0';
    ck_assert_int_eq(tp_cookie_split(unit_pool, huge, parts), TP_MAX_CHUNKS);
}
END_TEST

static const char *csrf_with(const char *trusted_extra, const char *method,
                             const char *site, const char *origin,
                             const char *header_name, int has_header)
{
    tp_csrf_in in;
    apr_array_header_t *trusted = apr_array_make(unit_pool, 2,
                                                 sizeof(const char *));

    APR_ARRAY_PUSH(trusted, const char *) = "https://admin.example";
    if (trusted_extra) {
        APR_ARRAY_PUSH(trusted, const char *) = trusted_extra;
    }
    memset(&in, 0, sizeof(in));
    in.method = method;
    in.sec_fetch_site = site;
    in.origin = origin;
    in.scheme = "https";
    in.host = "app.example";
    in.trusted = trusted;
    in.required_header = header_name;
    in.has_required_header = has_header;
    return tp_csrf_check(unit_pool, &in);
}

static const char *csrf(const char *method, const char *site,
                        const char *origin, const char *header_name,
                        int has_header)
{
    return csrf_with(NULL, method, site, origin, header_name, has_header);
}

/* refused, and by the rule whose log text contains `rule` */
#define REFUSED(rule, call) do {                                         \
        const char *why_ = (call);                                       \
        ck_assert_msg(why_ != NULL, "%s: not refused", #call);           \
        ck_assert_msg(strstr(why_, rule) != NULL, "%s: refused for '%s', " \
                      "not '%s'", #call, why_, rule);                    \
    } while (0)

#define NEITHER "is neither this site nor a TokenProxyTrustedOrigin"
#define OPAQUE "is not an origin"
#define NO_ORIGIN "Sec-Fetch-Site: cross-site without an Origin"

START_TEST(csrf_decisions)
{
    /* 1. safe methods always pass */
    ck_assert_ptr_null(csrf("GET", "cross-site", "https://evil.example",
                            NULL, 0));
    ck_assert_ptr_null(csrf("HEAD", "cross-site", NULL, NULL, 0));
    ck_assert_ptr_null(csrf("OPTIONS", "cross-site", "null", NULL, 0));
    ck_assert_ptr_null(csrf("GET", NULL, NULL, "X-CSRF", 0));

    /* 2. an Origin: this site passes, whatever Sec-Fetch-Site says */
    ck_assert_ptr_null(csrf("POST", "same-origin", "https://app.example",
                            NULL, 0));
    ck_assert_ptr_null(csrf("POST", NULL, "https://APP.example:443", NULL,
                            0));
    ck_assert_ptr_null(csrf("POST", "cross-site", "https://app.example",
                            NULL, 0));
    /* a trusted origin passes, also from another site (the admin console
     * on https://admin.example calling https://app.example) */
    ck_assert_ptr_null(csrf("POST", "cross-site", "https://admin.example",
                            NULL, 0));
    ck_assert_ptr_null(csrf("PUT", "same-site", "https://admin.example",
                            NULL, 0));
    ck_assert_ptr_null(csrf("POST", NULL, "https://admin.example", NULL, 0));
    /* any other origin is refused, whatever Sec-Fetch-Site says */
    REFUSED(NEITHER, csrf("POST", "cross-site", "https://evil.example", NULL,
                          0));
    REFUSED(NEITHER, csrf("DELETE", NULL, "https://evil.example", NULL, 0));
    REFUSED(NEITHER, csrf("POST", "same-origin", "https://evil.example",
                          NULL, 0));
    REFUSED(NEITHER, csrf("PUT", "same-site", "https://sibling.example",
                          NULL, 0));
    REFUSED(NEITHER, csrf("POST", NULL, "http://app.example", NULL, 0));
    REFUSED(NEITHER, csrf("POST", NULL, "https://app.example:8443", NULL,
                          0));
    REFUSED(NEITHER, csrf("POST", "cross-site", "https://admin.example.evil",
                          NULL, 0));
    /* null and non-origins are never trusted, even if listed */
    REFUSED(OPAQUE, csrf("POST", NULL, "null", NULL, 0));
    REFUSED(OPAQUE, csrf("POST", "cross-site", "null", NULL, 0));
    REFUSED(OPAQUE, csrf_with("null", "POST", "cross-site", "null", NULL,
                              0));
    REFUSED(OPAQUE, csrf("POST", "same-origin", "https://app.example/",
                         NULL, 0));
    REFUSED(OPAQUE, csrf("POST", NULL, "", NULL, 0));
    REFUSED(OPAQUE, csrf("POST", NULL, "app.example", NULL, 0));
    REFUSED(OPAQUE, csrf("POST", NULL, "javascript://app.example", NULL, 0));
    REFUSED(OPAQUE, csrf("POST", NULL, "https://admin.example, "
                         "https://evil.example", NULL, 0));
    REFUSED(OPAQUE, csrf("POST", NULL, "https://app.example:x", NULL, 0));

    /* 3. no Origin: cross-site is refused, anything else passes (an old
     * browser without Sec-Fetch-*, or no browser at all) */
    REFUSED(NO_ORIGIN, csrf("POST", "cross-site", NULL, NULL, 0));
    REFUSED(NO_ORIGIN, csrf("PATCH", "CROSS-SITE", NULL, NULL, 0));
    ck_assert_ptr_null(csrf("POST", "same-origin", NULL, NULL, 0));
    ck_assert_ptr_null(csrf("POST", "same-site", NULL, NULL, 0));
    ck_assert_ptr_null(csrf("POST", "none", NULL, NULL, 0));
    ck_assert_ptr_null(csrf("POST", NULL, NULL, NULL, 0));

    /* 4. the custom header, for this site and trusted origins alike */
    REFUSED("no X-CSRF header", csrf("POST", NULL, NULL, "X-CSRF", 0));
    REFUSED("no X-CSRF header", csrf("POST", "cross-site",
                                     "https://admin.example", "X-CSRF", 0));
    REFUSED("no X-CSRF header", csrf("POST", "same-origin",
                                     "https://app.example", "X-CSRF", 0));
    ck_assert_ptr_null(csrf("POST", NULL, NULL, "X-CSRF", 1));
    ck_assert_ptr_null(csrf("POST", "cross-site", "https://admin.example",
                            "X-CSRF", 1));
    /* the origin rules come first */
    REFUSED(NEITHER, csrf("POST", "cross-site", "https://evil.example",
                          "X-CSRF", 1));
    REFUSED(NO_ORIGIN, csrf("POST", "cross-site", NULL, "X-CSRF", 1));
}
END_TEST

START_TEST(origins)
{
    ck_assert_str_eq(tp_origin_normalize(unit_pool, "HTTPS://A.Example:443"),
                     "https://a.example");
    ck_assert_str_eq(tp_origin_normalize(unit_pool, "http://a:8080"),
                     "http://a:8080");
    ck_assert_str_eq(tp_origin_normalize(unit_pool, "http://[::1]:80"),
                     "http://[::1]");
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "null"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "ftp://a"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://a/path"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://u@a"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://a:"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://a:123456"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://a b"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://[::1"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://[]"));
    ck_assert_ptr_null(tp_origin_normalize(unit_pool, "https://a,b"));
    ck_assert_str_eq(tp_origin_normalize(unit_pool, "https://xn--bcher-kva.example:8443"),
                     "https://xn--bcher-kva.example:8443");
}
END_TEST

Suite *security_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("security");
    TCase *tc = tcase_create("cookies-and-csrf");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, sealed_roundtrip);
    tcase_add_test(tc, sealed_refuses);
    tcase_add_test(tc, key_rotation);
    tcase_add_test(tc, open_context_reused);
    tcase_add_test(tc, key_files);
    tcase_add_test(tc, chunks_split_and_join);
    tcase_add_test(tc, chunks_limit);
    tcase_add_test(tc, csrf_decisions);
    tcase_add_test(tc, origins);
    suite_add_tcase(s, tc);
    return s;
}
