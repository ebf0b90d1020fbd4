/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* Back-channel logout, request-free parts: the logout token's rules
 * (tp_logout, one test per rule) and the revocation table (tp_revtable),
 * with keys the tests generate. */

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <apr_strings.h>

#include "core/tp_b64.h"
#include "core/tp_jose.h"
#include "core/tp_logout.h"
#include "core/tp_revtable.h"
#include "unit.h"

#define ISS "https://idp.example"
#define NOW 1900000000
#define EVENT "\"events\":{\"" TP_LOGOUT_EVENT "\":{}}"

static EVP_PKEY *key;

static const char *b64(const void *d, apr_size_t n)
{
    return tp_b64url_encode(unit_pool, d, n);
}

static const char *bn_b64(const EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int n;

    ck_assert(EVP_PKEY_get_bn_param(k, name, &bn));
    n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64(buf, (apr_size_t)n);
}

static tp_jwks *keyset(void)
{
    const char *why = NULL;
    const char *doc = apr_psprintf(unit_pool, "{\"keys\":[{\"kty\":\"RSA\","
                                   "\"kid\":\"k1\",\"use\":\"sig\",\"n\":"
                                   "\"%s\",\"e\":\"%s\"}]}",
                                   bn_b64(key, OSSL_PKEY_PARAM_RSA_N),
                                   bn_b64(key, OSSL_PKEY_PARAM_RSA_E));
    tp_jwks *ks = tp_jwks_parse(unit_pool, doc, strlen(doc), &why);

    ck_assert_msg(ks != NULL, "%s", why);
    return ks;
}

/* A logout token: header with alg (RS256 signed, or "none"), kid, typ. */
static const char *token(const char *alg, const char *kid, const char *typ,
                         const char *payload)
{
    const char *hdr = apr_psprintf(unit_pool, "{\"alg\":\"%s\",\"kid\":"
                                   "\"%s\"%s%s%s}", alg, kid,
                                   typ ? ",\"typ\":\"" : "", typ ? typ : "",
                                   typ ? "\"" : "");
    const char *input = apr_pstrcat(unit_pool, b64(hdr, strlen(hdr)), ".",
                                    b64(payload, strlen(payload)), NULL);
    unsigned char sig[1024];
    size_t slen = sizeof(sig);
    EVP_MD_CTX *md;

    if (!strcmp(alg, "none")) {
        return apr_pstrcat(unit_pool, input, ".", NULL);
    }
    md = EVP_MD_CTX_new();
    ck_assert(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key));
    ck_assert(EVP_DigestSign(md, sig, &slen, (const unsigned char *)input,
                             strlen(input)));
    EVP_MD_CTX_free(md);
    return apr_pstrcat(unit_pool, input, ".", b64(sig, slen), NULL);
}

/* The claims: iss, aud, iat, exp, jti, then `more` (events, sid, sub...) */
static const char *claims(const char *iss, const char *aud, long iat,
                          const char *more)
{
    return apr_psprintf(unit_pool, "{\"iss\":\"%s\",\"aud\":\"%s\","
                        "\"iat\":%ld,\"exp\":%ld,\"jti\":\"j-1\"%s%s}",
                        iss, aud, iat, iat + 120, *more ? "," : "", more);
}

static tp_jose_e check(const char *t, tp_logout_claims *c, const char **why)
{
    tp_logout_expect e = { ISS, "app", NOW };

    return tp_logout_verify(unit_pool, t, keyset(), NULL, TP_ALG_RS256, &e,
                            c, why);
}

/* refused, with a why that contains `part` */
static void refused(const char *t, const char *part)
{
    tp_logout_claims c;
    const char *why = NULL;

    ck_assert_int_ne(check(t, &c, &why), TP_JOSE_OK);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, part) != NULL, "why: %s (wanted %s)", why,
                  part);
    ck_assert_ptr_null(c.sid);
    ck_assert_ptr_null(c.sub);
}

static void setup_key(void)
{
    if (!key) {
        key = EVP_RSA_gen(2048);
    }
}

START_TEST(accepted)
{
    tp_logout_claims c;
    const char *why = NULL;

    setup_key();
    ck_assert_int_eq(check(token("RS256", "k1", "logout+jwt",
                                 claims(ISS, "app", NOW - 5,
                                        EVENT ",\"sid\":\"s-1\","
                                        "\"sub\":\"u-1\"")), &c, &why),
                     TP_JOSE_OK);
    ck_assert_str_eq(c.sid, "s-1");
    ck_assert_str_eq(c.sub, "u-1");
    ck_assert_str_eq(c.jti, "j-1");
    ck_assert_str_eq(c.iss, ISS);
    ck_assert_int_eq(c.iat, NOW - 5);
    ck_assert_int_eq(tp_logout_jti_until(&c), NOW - 5 + 120
                                              + TP_LOGOUT_LEEWAY);
    /* sub alone, no typ, aud an array */
    ck_assert_int_eq(check(token("RS256", "k1", NULL,
        "{\"iss\":\"" ISS "\",\"aud\":[\"x\",\"app\"],\"iat\":1900000000,"
        "\"jti\":\"j-2\"," EVENT ",\"sub\":\"u-1\"}"), &c, &why),
        TP_JOSE_OK);
    ck_assert_ptr_null(c.sid);
    ck_assert_str_eq(c.sub, "u-1");
}
END_TEST

START_TEST(rule_nonce)
{
    setup_key();
    refused(token("RS256", "k1", NULL, claims(ISS, "app", NOW,
            EVENT ",\"sid\":\"s\",\"nonce\":\"n\"")), "nonce");
}
END_TEST

START_TEST(rule_no_events)
{
    setup_key();
    refused(token("RS256", "k1", NULL, claims(ISS, "app", NOW,
                                              "\"sid\":\"s\"")),
            "no events");
}
END_TEST

START_TEST(rule_events_not_object)
{
    setup_key();
    refused(token("RS256", "k1", NULL, claims(ISS, "app", NOW,
            "\"events\":[\"" TP_LOGOUT_EVENT "\"],\"sid\":\"s\"")),
            "events is not an object");
    /* the member there, but not an object */
    refused(token("RS256", "k1", NULL, claims(ISS, "app", NOW,
            "\"events\":{\"" TP_LOGOUT_EVENT "\":true},\"sid\":\"s\"")),
            "back-channel logout event");
    /* another event only */
    refused(token("RS256", "k1", NULL, claims(ISS, "app", NOW,
            "\"events\":{\"urn:other\":{}},\"sid\":\"s\"")),
            "back-channel logout event");
}
END_TEST

START_TEST(rule_neither_sid_nor_sub)
{
    setup_key();
    refused(token("RS256", "k1", NULL, claims(ISS, "app", NOW, EVENT)),
            "neither sid nor sub");
}
END_TEST

START_TEST(rule_wrong_aud)
{
    setup_key();
    refused(token("RS256", "k1", NULL, claims(ISS, "other", NOW,
                                              EVENT ",\"sid\":\"s\"")),
            "aud");
}
END_TEST

START_TEST(rule_wrong_iss)
{
    setup_key();
    refused(token("RS256", "k1", NULL, claims("https://evil.example", "app",
                                              NOW, EVENT ",\"sid\":\"s\"")),
            "iss");
}
END_TEST

START_TEST(rule_old_iat)
{
    setup_key();
    refused(token("RS256", "k1", NULL,
                  claims(ISS, "app", NOW - TP_LOGOUT_MAX_AGE - 1,
                         EVENT ",\"sid\":\"s\"")), "too long ago");
    refused(token("RS256", "k1", NULL,
                  claims(ISS, "app", NOW + TP_LOGOUT_LEEWAY + 5,
                         EVENT ",\"sid\":\"s\"")), "future");
    /* exp passed (iat within the window) */
    refused(token("RS256", "k1", NULL,
        "{\"iss\":\"" ISS "\",\"aud\":\"app\",\"iat\":1899999700,"
        "\"exp\":1899999800,\"jti\":\"j\"," EVENT ",\"sid\":\"s\"}"),
        "expired");
    /* no jti */
    refused(token("RS256", "k1", NULL,
        "{\"iss\":\"" ISS "\",\"aud\":\"app\",\"iat\":1900000000,"
        EVENT ",\"sid\":\"s\"}"), "no jti");
}
END_TEST

START_TEST(rule_typ)
{
    setup_key();
    refused(token("RS256", "k1", "JWT", claims(ISS, "app", NOW,
                                               EVENT ",\"sid\":\"s\"")),
            "typ");
}
END_TEST

START_TEST(rule_replayed_jti)
{
    void *mem = calloc(1, tp_revtable_size(TP_REVTABLE_MIN));
    tp_revtable *t = tp_revtable_init(mem, TP_REVTABLE_MIN);
    tp_logout_claims c;
    tp_rev_entry e, got;
    const char *why = NULL, *tok;

    setup_key();
    tok = token("RS256", "k1", NULL,
                claims(ISS, "app", NOW, EVENT ",\"sid\":\"s\""));
    ck_assert_int_eq(check(tok, &c, &why), TP_JOSE_OK);
    memset(&e, 0, sizeof(e));
    e.kind = TP_REV_JTI;
    tp_revtable_key(TP_REV_JTI, c.iss, c.jti, e.key);
    e.until = tp_logout_jti_until(&c);
    /* first time: not seen; taken */
    ck_assert(!tp_revtable_get(t, TP_REV_JTI, e.key, NOW, &got));
    ck_assert(tp_revtable_add(t, &e, 1, NOW));
    /* the same token again: its jti is seen within its window */
    ck_assert_int_eq(check(tok, &c, &why), TP_JOSE_OK);
    tp_revtable_key(TP_REV_JTI, c.iss, c.jti, e.key);
    ck_assert(tp_revtable_get(t, TP_REV_JTI, e.key, NOW + 100, &got));
    /* a jti is no session revocation */
    ck_assert(!tp_revtable_live(t, NOW));
    /* and is forgotten after its window */
    ck_assert(!tp_revtable_get(t, TP_REV_JTI, e.key, e.until, &got));
    free(mem);
}
END_TEST

START_TEST(rule_alg_none)
{
    setup_key();
    refused(token("none", "k1", NULL, claims(ISS, "app", NOW,
                                             EVENT ",\"sid\":\"s\"")), "");
}
END_TEST

START_TEST(rule_unknown_kid)
{
    tp_logout_claims c;
    const char *why = NULL;

    setup_key();
    ck_assert_int_eq(check(token("RS256", "k9", NULL,
                                 claims(ISS, "app", NOW,
                                        EVENT ",\"sid\":\"s\"")), &c, &why),
                     TP_JOSE_UNKNOWN_KID);
    ck_assert_ptr_null(c.sid);
}
END_TEST

START_TEST(rule_tampered_payload)
{
    const char *t, *d1, *d2, *other;

    setup_key();
    t = token("RS256", "k1", NULL, claims(ISS, "app", NOW,
                                          EVENT ",\"sid\":\"s\""));
    other = claims(ISS, "app", NOW, EVENT ",\"sid\":\"someone-else\"");
    d1 = strchr(t, '.');
    d2 = strchr(d1 + 1, '.');
    refused(apr_pstrcat(unit_pool, apr_pstrmemdup(unit_pool, t,
                                                  (apr_size_t)(d1 - t + 1)),
                        b64(other, strlen(other)), d2, NULL),
            "signature");
}
END_TEST

START_TEST(table_sessions)
{
    void *mem = calloc(1, tp_revtable_size(TP_REVTABLE_MIN));
    tp_revtable *t = tp_revtable_init(mem, TP_REVTABLE_MIN);
    tp_rev_entry e;

    ck_assert(!tp_revtable_live(t, NOW));
    /* a sid: every session with it, whenever it began */
    memset(&e, 0, sizeof(e));
    e.kind = TP_REV_SID;
    tp_revtable_key(TP_REV_SID, ISS, "s-1", e.key);
    e.iat = NOW;
    e.until = NOW + 3600;
    ck_assert(tp_revtable_add(t, &e, 1, NOW));
    ck_assert(tp_revtable_live(t, NOW));
    ck_assert(tp_revtable_session_over(t, ISS, "u-1", "s-1", NOW + 10,
                                       NOW + 20));
    ck_assert(tp_revtable_session_over(t, ISS, "u-2", "s-1", NOW - 10,
                                       NOW + 20));
    ck_assert(!tp_revtable_session_over(t, ISS, "u-1", "s-2", NOW - 10,
                                        NOW + 20));
    /* another provider's sid of the same text */
    ck_assert(!tp_revtable_session_over(t, "https://other", "u-1", "s-1",
                                        NOW - 10, NOW + 20));
    /* kept until its until, then gone */
    ck_assert(!tp_revtable_session_over(t, ISS, "u-1", "s-1", NOW - 10,
                                        NOW + 3600));
    ck_assert(!tp_revtable_live(t, NOW + 3600));

    /* a sub: the sessions of that subject begun before its iat */
    e.kind = TP_REV_SUB;
    tp_revtable_key(TP_REV_SUB, ISS, "u-1", e.key);
    ck_assert(tp_revtable_add(t, &e, 1, NOW));
    ck_assert(tp_revtable_session_over(t, ISS, "u-1", "s-9", NOW - 1,
                                       NOW + 5));
    ck_assert(tp_revtable_session_over(t, ISS, "u-1", NULL, NOW - 1,
                                       NOW + 5));
    ck_assert(!tp_revtable_session_over(t, ISS, "u-1", "s-9", NOW + 1,
                                        NOW + 5));
    ck_assert(!tp_revtable_session_over(t, ISS, "u-2", "s-9", NOW - 1,
                                        NOW + 5));
    /* a later logout of the subject moves its iat on */
    e.iat = NOW + 100;
    ck_assert(tp_revtable_add(t, &e, 1, NOW + 100));
    ck_assert(tp_revtable_session_over(t, ISS, "u-1", "s-9", NOW + 1,
                                       NOW + 105));
    free(mem);
}
END_TEST

START_TEST(table_full)
{
    void *mem = calloc(1, tp_revtable_size(TP_REVTABLE_MIN));
    tp_revtable *t = tp_revtable_init(mem, TP_REVTABLE_MIN);
    tp_revtable_fill f;
    tp_rev_entry e;
    int i, added = 0;
    char sid[32];

    memset(&e, 0, sizeof(e));
    e.kind = TP_REV_SID;
    e.iat = NOW;
    e.until = NOW + 3600;
    for (i = 0; i < 2 * TP_REVTABLE_MIN; i++) {
        apr_snprintf(sid, sizeof(sid), "s-%d", i);
        tp_revtable_key(TP_REV_SID, ISS, sid, e.key);
        if (!tp_revtable_add(t, &e, 1, NOW)) {
            break;
        }
        added++;
    }
    /* full (within the probe reach of the refused key's home): refused,
     * and every entry added is still there */
    ck_assert_int_ge(added, TP_REVTABLE_MIN * 9 / 10);
    ck_assert_int_lt(added, 2 * TP_REVTABLE_MIN);
    for (i = 0; i < added; i++) {
        apr_snprintf(sid, sizeof(sid), "s-%d", i);
        ck_assert(tp_revtable_session_over(t, ISS, "u", sid, NOW, NOW + 1));
    }
    tp_revtable_count(t, NOW, &f);
    ck_assert_int_eq(f.sids, added);
    ck_assert_int_eq(f.slots, TP_REVTABLE_MIN);
    /* the refused one is refused again; once the others run out, their
     * slots serve again */
    apr_snprintf(sid, sizeof(sid), "s-%d", added);
    tp_revtable_key(TP_REV_SID, ISS, sid, e.key);
    ck_assert(!tp_revtable_add(t, &e, 1, NOW + 10));
    e.until = NOW + 7200;
    ck_assert(tp_revtable_add(t, &e, 1, NOW + 3600));
    free(mem);
}
END_TEST

START_TEST(wire)
{
    unsigned char k1[32], k2[32];
    tp_rev_entry e, got;
    const char *s, *s2;
    char *bad;

    memset(k1, 1, sizeof(k1));
    memset(k2, 2, sizeof(k2));
    memset(&e, 0, sizeof(e));
    e.kind = TP_REV_SUB;
    tp_revtable_key(TP_REV_SUB, ISS, "u-1", e.key);
    e.iat = NOW;
    e.until = NOW + 604800;
    s = tp_revtable_seal(unit_pool, k1, &e);
    s2 = tp_revtable_seal(unit_pool, k1, &e);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_ne(s, s2);            /* a unique member each time */
    ck_assert(tp_revtable_open(unit_pool, k1, s, strlen(s), &got));
    ck_assert_int_eq(got.kind, TP_REV_SUB);
    ck_assert_int_eq(got.iat, NOW);
    ck_assert_int_eq(got.until, NOW + 604800);
    ck_assert(!memcmp(got.key, e.key, TP_REVTABLE_KEY_LEN));
    ck_assert(!tp_revtable_open(unit_pool, k2, s, strlen(s), &got));
    bad = apr_pstrdup(unit_pool, s);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    ck_assert(!tp_revtable_open(unit_pool, k1, bad, strlen(bad), &got));
    ck_assert(!tp_revtable_open(unit_pool, k1, "", 0, &got));
    ck_assert(!tp_revtable_open(unit_pool, k1, s, strlen(s) - 1, &got));
}
END_TEST

START_TEST(session_of)
{
    const char *iss, *sub, *sid, *p;
    apr_int64_t started;

    p = "{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"iat\":5,"
        "\"auth_time\":3}";
    ck_assert(tp_logout_session_of(unit_pool, p, strlen(p), &iss, &sub, &sid,
                                   &started));
    ck_assert_str_eq(iss, ISS);
    ck_assert_str_eq(sub, "u");
    ck_assert_str_eq(sid, "s");
    ck_assert_int_eq(started, 3);
    p = "{\"iss\":\"" ISS "\",\"sub\":\"u\",\"iat\":5}";
    ck_assert(tp_logout_session_of(unit_pool, p, strlen(p), &iss, &sub, &sid,
                                   &started));
    ck_assert_ptr_null(sid);
    ck_assert_int_eq(started, 5);
    ck_assert(!tp_logout_session_of(unit_pool, "[]", 2, &iss, &sub, &sid,
                                    &started));
}
END_TEST

static void free_key(void)
{
    EVP_PKEY_free(key);
    key = NULL;
}

Suite *logout_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("logout");
    TCase *tc = tcase_create("logout-token-revocations");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_unchecked_fixture(tc, NULL, free_key);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, accepted);
    tcase_add_test(tc, rule_nonce);
    tcase_add_test(tc, rule_no_events);
    tcase_add_test(tc, rule_events_not_object);
    tcase_add_test(tc, rule_neither_sid_nor_sub);
    tcase_add_test(tc, rule_wrong_aud);
    tcase_add_test(tc, rule_wrong_iss);
    tcase_add_test(tc, rule_old_iat);
    tcase_add_test(tc, rule_typ);
    tcase_add_test(tc, rule_replayed_jti);
    tcase_add_test(tc, rule_alg_none);
    tcase_add_test(tc, rule_unknown_kid);
    tcase_add_test(tc, rule_tampered_payload);
    tcase_add_test(tc, table_sessions);
    tcase_add_test(tc, table_full);
    tcase_add_test(tc, wire);
    tcase_add_test(tc, session_of);
    suite_add_tcase(s, tc);
    return s;
}
