/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* OpenID Connect, request-free parts: JWS and JWKS (tp_jose), ID token
 * claims (tp_idtoken), discovery and PKCE (tp_oidc_meta), with keys the
 * tests generate. */

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <apr_strings.h>

#include "core/tp_b64.h"
#include "core/tp_idtoken.h"
#include "core/tp_jose.h"
#include "core/tp_oidc_meta.h"
#include "unit.h"

#define ISS "https://idp.example"
#define NOW 1900000000

static EVP_PKEY *rsa, *rsa2, *ec;

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

static const char *rsa_jwk(EVP_PKEY *k, const char *kid, const char *alg)
{
    return apr_psprintf(unit_pool, "{\"kty\":\"RSA\",\"kid\":\"%s\","
                        "\"use\":\"sig\",%s%s%s\"n\":\"%s\",\"e\":\"%s\"}",
                        kid, alg ? "\"alg\":\"" : "", alg ? alg : "",
                        alg ? "\"," : "", bn_b64(k, OSSL_PKEY_PARAM_RSA_N),
                        bn_b64(k, OSSL_PKEY_PARAM_RSA_E));
}

static const char *ec_jwk(EVP_PKEY *k, const char *kid)
{
    unsigned char pub[65];
    size_t n = 0;

    ck_assert(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub,
                                              sizeof(pub), &n));
    ck_assert_uint_eq(n, 65);
    return apr_psprintf(unit_pool, "{\"kty\":\"EC\",\"kid\":\"%s\","
                        "\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", kid,
                        b64(pub + 1, 32), b64(pub + 33, 32));
}

static tp_jwks *jwks(const char *keys)
{
    const char *why = NULL;
    const char *doc = apr_psprintf(unit_pool, "{\"keys\":[%s]}", keys);
    tp_jwks *ks = tp_jwks_parse(unit_pool, doc, strlen(doc), &why);

    ck_assert_msg(ks != NULL, "%s", why);
    return ks;
}

/* sign header.payload with alg (and key or secret) */
static const char *sign(const char *alg, const char *kid, EVP_PKEY *key,
                        const char *secret, const char *payload)
{
    const char *hdr = apr_psprintf(unit_pool, "{\"alg\":\"%s\"%s%s%s}", alg,
                                   kid ? ",\"kid\":\"" : "", kid ? kid : "",
                                   kid ? "\"" : "");
    const char *input = apr_pstrcat(unit_pool, b64(hdr, strlen(hdr)), ".",
                                    b64(payload, strlen(payload)), NULL);
    unsigned char sig[1024];
    size_t slen = sizeof(sig);

    if (!strcmp(alg, "none")) {
        return apr_pstrcat(unit_pool, input, ".", NULL);
    }
    if (!strcmp(alg, "HS256")) {
        unsigned int n = 0;
        HMAC(EVP_sha256(), secret, (int)strlen(secret),
             (const unsigned char *)input, strlen(input), sig, &n);
        slen = n;
    }
    else {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        ck_assert(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key));
        if (!strcmp(alg, "PS256")) {
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
        }
        ck_assert(EVP_DigestSign(md, sig, &slen, (const unsigned char *)input,
                                 strlen(input)));
        EVP_MD_CTX_free(md);
        if (!strcmp(alg, "ES256")) {      /* DER to r || s */
            const unsigned char *d = sig;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &d, (long)slen);
            unsigned char rs[64];
            ck_assert_ptr_nonnull(es);
            BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32);
            ECDSA_SIG_free(es);
            memcpy(sig, rs, 64);
            slen = 64;
        }
    }
    return apr_pstrcat(unit_pool, input, ".", b64(sig, slen), NULL);
}

static tp_jose_e verify(const char *token, const tp_jwks *ks,
                        const char *secret, unsigned int allowed)
{
    tp_jws jws;
    const char *why = NULL;

    if (!tp_jws_parse(unit_pool, token, &jws, &why)) {
        return TP_JOSE_BAD;
    }
    return tp_jws_verify(unit_pool, &jws, ks, secret, allowed, &why);
}

#define ALL (TP_ALG_RS256 | TP_ALG_PS256 | TP_ALG_ES256 | TP_ALG_HS256)
#define CLAIMS "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"app\"," \
               "\"exp\":1900000300,\"iat\":1900000000,\"nonce\":\"n1\"," \
               "\"name\":\"Ann\",\"at_hash\":\"x\"}"

static void setup_keys(void)
{
    if (!rsa) {
        rsa = EVP_RSA_gen(2048);
        rsa2 = EVP_RSA_gen(2048);
        ec = EVP_EC_gen("P-256");
    }
}

static void free_keys(void)
{
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(rsa2);
    EVP_PKEY_free(ec);
    rsa = rsa2 = ec = NULL;
}

START_TEST(signatures)
{
    tp_jwks *ks;

    setup_keys();
    ks = jwks(apr_pstrcat(unit_pool, rsa_jwk(rsa, "r1", NULL), ",",
                          ec_jwk(ec, "e1"), NULL));
    ck_assert_int_eq(tp_jwks_count(ks), 2);
    ck_assert_int_eq(verify(sign("RS256", "r1", rsa, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_OK);
    ck_assert_int_eq(verify(sign("PS256", "r1", rsa, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_OK);
    ck_assert_int_eq(verify(sign("ES256", "e1", ec, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_OK);
    ck_assert_int_eq(verify(sign("HS256", NULL, NULL, "s3cr3t-client",
                                 CLAIMS), ks, "s3cr3t-client", ALL),
                     TP_JOSE_OK);
    /* another secret, another key */
    ck_assert_int_eq(verify(sign("HS256", NULL, NULL, "other", CLAIMS), ks,
                            "s3cr3t-client", ALL), TP_JOSE_BAD);
    ck_assert_int_eq(verify(sign("RS256", "r1", rsa2, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_BAD);
    /* without kid: the only key of the type */
    ck_assert_int_eq(verify(sign("ES256", NULL, ec, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_OK);
    free_keys();
}
END_TEST

START_TEST(refusals)
{
    tp_jwks *ks;
    const char *t, *dot;
    char *tampered;
    unsigned char *der = NULL;
    int n;

    setup_keys();
    ks = jwks(apr_pstrcat(unit_pool, rsa_jwk(rsa, "r1", NULL), ",",
                          ec_jwk(ec, "e1"), NULL));
    /* alg none, and algorithms not allowed or unknown */
    ck_assert_int_eq(verify(sign("none", "r1", NULL, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_BAD);
    ck_assert_int_eq(verify(sign("RS256", "r1", rsa, NULL, CLAIMS), ks, NULL,
                            TP_ALG_ES256), TP_JOSE_BAD);
    ck_assert_int_eq(verify(sign("HS256", NULL, NULL, "s3cr3t-client",
                                 CLAIMS), ks, "s3cr3t-client", TP_ALG_RS256),
                     TP_JOSE_BAD);
    ck_assert_int_eq(verify(sign("HS256", NULL, NULL, "x", CLAIMS), ks, NULL,
                            ALL), TP_JOSE_BAD);      /* no secret */
    ck_assert_int_eq(verify(sign("RS512", "r1", rsa, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_BAD);
    /* alg confusion: HS256 keyed with the RSA public key */
    n = i2d_PUBKEY(rsa, &der);
    ck_assert_int_gt(n, 0);
    t = sign("HS256", "r1", NULL, apr_pstrmemdup(unit_pool, (char *)der,
                                                 (apr_size_t)n), CLAIMS);
    OPENSSL_free(der);
    ck_assert_int_eq(verify(t, ks, "s3cr3t-client", ALL), TP_JOSE_BAD);
    ck_assert_int_eq(verify(t, ks, NULL, ALL), TP_JOSE_BAD);
    /* a key of the wrong type for the algorithm */
    ck_assert_int_eq(verify(sign("ES256", "r1", ec, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_BAD);
    ck_assert_int_eq(verify(sign("RS256", "e1", rsa, NULL, CLAIMS), ks, NULL,
                            ALL), TP_JOSE_BAD);
    /* a key that names another algorithm */
    ck_assert_int_eq(verify(sign("RS256", "r1", rsa, NULL, CLAIMS),
                            jwks(rsa_jwk(rsa, "r1", "PS256")), NULL, ALL),
                     TP_JOSE_BAD);
    /* tampered payload */
    t = sign("RS256", "r1", rsa, NULL, CLAIMS);
    dot = strchr(t, '.');
    tampered = apr_pstrdup(unit_pool, t);
    tampered[dot - t + 5] = tampered[dot - t + 5] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(verify(tampered, ks, NULL, ALL), TP_JOSE_BAD);
    /* no kid and two RSA keys: ambiguous */
    ck_assert_int_eq(verify(sign("RS256", NULL, rsa, NULL, CLAIMS),
                            jwks(apr_pstrcat(unit_pool,
                                             rsa_jwk(rsa, "a", NULL), ",",
                                             rsa_jwk(rsa2, "b", NULL),
                                             NULL)), NULL, ALL),
                     TP_JOSE_BAD);
    /* ES256 signature of the wrong length */
    t = sign("ES256", "e1", ec, NULL, CLAIMS);
    ck_assert_int_eq(verify(apr_pstrcat(unit_pool, t, "AAAA", NULL), ks, NULL,
                            ALL), TP_JOSE_BAD);
    free_keys();
}
END_TEST

START_TEST(unknown_kid)
{
    tp_jwks *old, *fresh;
    const char *t;

    setup_keys();
    old = jwks(rsa_jwk(rsa, "r1", NULL));
    fresh = jwks(apr_pstrcat(unit_pool, rsa_jwk(rsa, "r1", NULL), ",",
                             rsa_jwk(rsa2, "r2", NULL), NULL));
    t = sign("RS256", "r2", rsa2, NULL, CLAIMS);
    /* rotated keys: worth fetching the set again, and then it verifies */
    ck_assert_int_eq(verify(t, old, NULL, ALL), TP_JOSE_UNKNOWN_KID);
    ck_assert_int_eq(verify(t, fresh, NULL, ALL), TP_JOSE_OK);
    ck_assert_int_eq(verify(t, NULL, NULL, ALL), TP_JOSE_UNKNOWN_KID);
    free_keys();
}
END_TEST

START_TEST(parsing)
{
    tp_jws jws;
    const char *why, *doc;
    char big[TP_JWS_MAX + 10];

    ck_assert(!tp_jws_parse(unit_pool, "a.b", &jws, &why));
    ck_assert(!tp_jws_parse(unit_pool, "a.b.c.d", &jws, &why));
    ck_assert(!tp_jws_parse(unit_pool, "a!.b.c", &jws, &why));
    ck_assert(!tp_jws_parse(unit_pool, NULL, &jws, &why));
    ck_assert(!tp_jws_parse(unit_pool, apr_pstrcat(unit_pool,
                                                   b64("[1]", 3), ".e30.",
                                                   NULL), &jws, &why));
    ck_assert(!tp_jws_parse(unit_pool, apr_pstrcat(unit_pool,
                                                   b64("{\"alg\":1}", 9),
                                                   ".e30.", NULL), &jws,
                            &why));
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[10] = big[20] = '.';
    ck_assert(!tp_jws_parse(unit_pool, big, &jws, &why));
    /* key sets: usable keys only */
    setup_keys();
    doc = apr_psprintf(unit_pool, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\"},"
                       "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\","
                       "\"e\":\"AQAB\"},{\"kty\":\"RSA\",\"n\":\"AQAB\","
                       "\"e\":\"AQAB\"},{\"kty\":\"EC\",\"crv\":\"P-384\","
                       "\"x\":\"AA\",\"y\":\"AA\"},5,%s]}",
                       ec_jwk(ec, "e1"));
    ck_assert_int_eq(tp_jwks_count(tp_jwks_parse(unit_pool, doc, strlen(doc),
                                                 &why)), 1);
    ck_assert_ptr_null(tp_jwks_parse(unit_pool, "[]", 2, &why));
    ck_assert_ptr_null(tp_jwks_parse(unit_pool, "{\"keys\":{}}", 11, &why));
    ck_assert_ptr_null(tp_jwks_parse(unit_pool, "not json", 8, &why));
    free_keys();
}
END_TEST

static int claims(const char *payload, const char *nonce, const char **why)
{
    tp_jws jws;
    tp_idtoken t;
    tp_idtoken_expect e = { ISS, "app", nonce, NOW };

    memset(&jws, 0, sizeof(jws));
    jws.payload = payload;
    jws.payload_len = strlen(payload);
    return tp_idtoken_check(unit_pool, &jws, &e, &t, why);
}

#define C(body) "{\"sub\":\"u1\",\"iat\":1900000000,\"exp\":1900000300," body "}"
#define STD "\"iss\":\"" ISS "\",\"aud\":\"app\""

START_TEST(id_token_claims)
{
    const char *why = NULL;
    tp_jws jws;
    tp_idtoken t;
    tp_idtoken_expect e = { ISS, "app", "n1", NOW };

    ck_assert_msg(claims(C(STD ",\"nonce\":\"n1\""), "n1", &why), "%s", why);
    ck_assert(claims(C(STD), NULL, &why));          /* from a refresh */
    ck_assert(!claims(C(STD), "n1", &why));         /* nonce missing */
    ck_assert(!claims(C(STD ",\"nonce\":\"n2\""), "n1", &why));
    ck_assert_str_eq(why, "nonce is not this login's");
    ck_assert(!claims(C("\"iss\":\"https://evil.example\",\"aud\":\"app\""),
                      NULL, &why));
    ck_assert_str_eq(why, "iss is not the provider");
    ck_assert(!claims(C("\"iss\":\"" ISS "/\",\"aud\":\"app\""), NULL, &why));
    ck_assert(!claims(C("\"iss\":\"" ISS "\",\"aud\":\"other\""), NULL, &why));
    ck_assert(!claims(C("\"iss\":\"" ISS "\""), NULL, &why));
    ck_assert(claims(C("\"iss\":\"" ISS "\",\"aud\":[\"app\",\"api\"],"
                       "\"azp\":\"app\""), NULL, &why));
    ck_assert(!claims(C("\"iss\":\"" ISS "\",\"aud\":[\"app\",\"api\"]"),
                      NULL, &why));                 /* several, no azp */
    ck_assert(!claims(C("\"iss\":\"" ISS "\",\"aud\":[\"app\",\"api\"],"
                        "\"azp\":\"api\""), NULL, &why));
    ck_assert_str_eq(why, "azp is not this client");
    ck_assert(!claims(C("\"iss\":\"" ISS "\",\"aud\":[\"api\"]"), NULL,
                      &why));
    /* time */
    ck_assert(!claims("{\"sub\":\"u1\"," STD ",\"iat\":1899990000,"
                      "\"exp\":1899999000}", NULL, &why));
    ck_assert_str_eq(why, "expired (exp)");
    ck_assert(claims("{\"sub\":\"u1\"," STD ",\"iat\":1899990000,"
                     "\"exp\":1899999990}", NULL, &why));   /* leeway */
    ck_assert(!claims("{\"sub\":\"u1\"," STD ",\"iat\":1900000600,"
                      "\"exp\":1900009000}", NULL, &why));
    ck_assert_str_eq(why, "issued in the future (iat)");
    ck_assert(!claims("{\"sub\":\"u1\"," STD ",\"iat\":1800000000,"
                      "\"exp\":1900009000}", NULL, &why));
    ck_assert(!claims("{\"sub\":\"u1\"," STD ",\"exp\":1900009000}", NULL,
                      &why));
    ck_assert(!claims("{" STD ",\"iat\":1900000000,\"exp\":1900000300}",
                      NULL, &why));
    ck_assert_str_eq(why, "no sub");
    ck_assert(!claims("[1]", NULL, &why));
    ck_assert(!claims("{\"sub\":\"u1\",\"sub\":\"u2\"," STD ",\"iat\":1900000000,"
                      "\"exp\":1900000300}", NULL, &why));  /* duplicates */

    /* what the user endpoint shows */
    memset(&jws, 0, sizeof(jws));
    jws.payload = CLAIMS;
    jws.payload_len = strlen(CLAIMS);
    ck_assert(tp_idtoken_check(unit_pool, &jws, &e, &t, &why));
    ck_assert_str_eq(t.sub, "u1");
    ck_assert_int_eq(t.exp, 1900000300);
    ck_assert_str_eq(tp_idtoken_user_json(unit_pool, &t),
                     "{\"aud\":\"app\",\"exp\":1900000300,\"iat\":1900000000,"
                     "\"iss\":\"" ISS "\",\"name\":\"Ann\",\"sub\":\"u1\"}");
}
END_TEST

START_TEST(discovery_and_pkce)
{
    tp_oidc_meta m;
    const char *why = NULL, *a, *b;
#define DOC(iss, ep) "{\"issuer\":\"" iss "\",\"authorization_endpoint\":\"" \
    ep "/auth\",\"token_endpoint\":\"" ep "/token\",\"jwks_uri\":\"" ep \
    "/jwks\",\"end_session_endpoint\":\"" ep "/session/end\"}"
    const char *good = DOC(ISS, ISS);

    ck_assert_msg(tp_oidc_meta_parse(unit_pool, good, strlen(good), ISS, &m,
                                     &why), "%s", why);
    ck_assert_str_eq(m.token_endpoint, ISS "/token");
    ck_assert_str_eq(m.end_session_endpoint, ISS "/session/end");
    ck_assert_ptr_null(m.revocation_endpoint);
    /* the issuer must be the configured one, exactly */
    ck_assert(!tp_oidc_meta_parse(unit_pool, good, strlen(good), ISS "/", &m,
                                  &why));
    /* plain http only to loopback */
    a = DOC("http://127.0.0.1:3000", "http://127.0.0.1:3000");
    ck_assert(tp_oidc_meta_parse(unit_pool, a, strlen(a),
                                 "http://127.0.0.1:3000", &m, &why));
    a = DOC(ISS, "http://idp.example");
    ck_assert(!tp_oidc_meta_parse(unit_pool, a, strlen(a), ISS, &m, &why));
    a = DOC(ISS, "http://127.0.0.1.evil.example");
    ck_assert(!tp_oidc_meta_parse(unit_pool, a, strlen(a), ISS, &m, &why));
    a = DOC(ISS, "https://user@idp.example");
    ck_assert(!tp_oidc_meta_parse(unit_pool, a, strlen(a), ISS, &m, &why));
    a = "{\"issuer\":\"" ISS "\",\"token_endpoint\":\"" ISS "/t\"}";
    ck_assert(!tp_oidc_meta_parse(unit_pool, a, strlen(a), ISS, &m, &why));
    ck_assert(!tp_oidc_meta_parse(unit_pool, "<html>", 6, ISS, &m, &why));

    /* RFC 7636 appendix B */
    ck_assert_str_eq(tp_pkce_challenge(unit_pool,
                                       "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
                     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    a = tp_oidc_random(unit_pool, 32);
    b = tp_oidc_random(unit_pool, 32);
    ck_assert_uint_eq(strlen(a), 43);
    ck_assert_str_ne(a, b);
}
END_TEST

Suite *oidc_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("oidc");
    TCase *tc = tcase_create("jose-idtoken-discovery");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, signatures);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, unknown_kid);
    tcase_add_test(tc, parsing);
    tcase_add_test(tc, id_token_claims);
    tcase_add_test(tc, discovery_and_pkce);
    suite_add_tcase(s, tc);
    return s;
}
