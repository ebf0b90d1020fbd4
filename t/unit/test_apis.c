/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* tp_assert, tp_apigrant, tp_tokentype and the "misconfigured" outcome of
 * tp_grant: tokens for several APIs. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/tp_apigrant.h"
#include "core/tp_assert.h"
#include "core/tp_b64.h"
#include "core/tp_grant.h"
#include "core/tp_tokentype.h"
#include "unit.h"

/* ---- private_key_jwt ---- */

/* A fresh key of the type ("RSA", "RSA-PSS", "EC") as unencrypted PEM. */
static EVP_PKEY *new_key(const char *type)
{
    EVP_PKEY_CTX *c;
    EVP_PKEY *k = NULL;

    if (!strcmp(type, "EC")) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    }
    c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(EVP_PKEY_keygen_init(c), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048), 1);
    ck_assert_int_eq(EVP_PKEY_keygen(c, &k), 1);
    EVP_PKEY_CTX_free(c);
    return k;
}

static const char *pem_of(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;
    const char *res;

    ck_assert(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL));
    n = BIO_get_mem_data(b, &data);
    res = apr_pstrmemdup(unit_pool, data, (apr_size_t)n);
    BIO_free(b);
    return res;
}

static json_t *part(const char *s, apr_size_t len)
{
    unsigned char *buf = apr_palloc(unit_pool, len + 4);
    long n = tp_b64url_decode_strict(buf, s, len);

    ck_assert_int_ge(n, 0);
    return json_loadb((const char *)buf, (size_t)n, 0, NULL);
}

/* Verify the JWS with OpenSSL directly, as the provider would. */
static int verify(EVP_PKEY *k, const char *alg, const char *jws)
{
    const char *dot2 = strrchr(jws, '.');
    apr_size_t slen = strlen(dot2 + 1);
    unsigned char *sig = apr_palloc(unit_pool, slen + 4), *der = NULL;
    long n = tp_b64url_decode_strict(sig, dot2 + 1, slen);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok, dlen;

    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, k),
                     1);
    if (!strcmp(alg, "PS256")) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    if (!strcmp(alg, "ES256")) {
        ECDSA_SIG *es = ECDSA_SIG_new();

        ck_assert_int_eq(n, 64);
        ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL),
                       BN_bin2bn(sig + 32, 32, NULL));
        dlen = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        ok = EVP_DigestVerify(md, der, (size_t)dlen,
                              (const unsigned char *)jws,
                              (size_t)(dot2 - jws)) == 1;
        OPENSSL_free(der);
    }
    else {
        ok = EVP_DigestVerify(md, sig, (size_t)n, (const unsigned char *)jws,
                              (size_t)(dot2 - jws)) == 1;
    }
    EVP_MD_CTX_free(md);
    return ok;
}

static void check_assertion(const char *type, const char *alg)
{
    EVP_PKEY *k = new_key(type), *other = new_key(type);
    const char *pem = pem_of(k), *why = NULL, *a, *a2, *dot1, *dot2;
    tp_client_key *ck;
    json_t *h, *c;
    apr_time_t now = apr_time_from_sec(1700000000);

    ck_assert_ptr_nonnull(k);
    ck = tp_client_key_load(unit_pool, pem, strlen(pem), "kid-1", &why);
    ck_assert_msg(ck != NULL, "%s: %s", type, why);
    ck_assert_str_eq(tp_client_key_alg(ck), alg);
    a = tp_assert_make(unit_pool, ck, "bff", "https://op/token", now, &why);
    ck_assert_ptr_nonnull(a);
    dot1 = strchr(a, '.');
    dot2 = strrchr(a, '.');
    ck_assert(dot1 && dot2 > dot1);
    h = part(a, (apr_size_t)(dot1 - a));
    c = part(dot1 + 1, (apr_size_t)(dot2 - dot1 - 1));
    ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), alg);
    ck_assert_str_eq(json_string_value(json_object_get(h, "kid")), "kid-1");
    ck_assert_str_eq(json_string_value(json_object_get(c, "iss")), "bff");
    ck_assert_str_eq(json_string_value(json_object_get(c, "sub")), "bff");
    ck_assert_str_eq(json_string_value(json_object_get(c, "aud")),
                     "https://op/token");
    ck_assert_int_eq(json_integer_value(json_object_get(c, "iat")),
                     1700000000);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "exp")),
                     1700000000 + TP_ASSERT_LIFETIME);
    ck_assert_int_ge(strlen(json_string_value(json_object_get(c, "jti"))),
                     22);
    /* signed with the key, not with another of its type */
    ck_assert_msg(verify(k, alg, a), "%s signature does not verify", alg);
    ck_assert(!verify(other, alg, a));
    /* a fresh jti per call */
    a2 = tp_assert_make(unit_pool, ck, "bff", "https://op/token", now, &why);
    ck_assert_str_ne(a, a2);
    json_decref(h);
    json_decref(c);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
}

START_TEST(assertion_rs256) { check_assertion("RSA", "RS256"); }
END_TEST
START_TEST(assertion_ps256) { check_assertion("RSA-PSS", "PS256"); }
END_TEST
START_TEST(assertion_es256) { check_assertion("EC", "ES256"); }
END_TEST

/* A self-signed certificate of k, as PEM. */
static const char *cert_pem(EVP_PKEY *k)
{
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;
    const char *res;

    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"bff", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
    ck_assert(PEM_write_bio_X509(b, x));
    n = BIO_get_mem_data(b, &data);
    res = apr_pstrmemdup(unit_pool, data, (apr_size_t)n);
    BIO_free(b);
    X509_free(x);
    return res;
}

START_TEST(assertion_x5t)
{
    EVP_PKEY *k = new_key("RSA"), *other = new_key("EC");
    const char *cert = cert_pem(k), *why = NULL, *a, *dot1;
    const char *both = apr_pstrcat(unit_pool, pem_of(k), cert, NULL);
    const char *mismatch = apr_pstrcat(unit_pool, pem_of(other), cert, NULL);
    tp_client_key *ck;
    json_t *h;
    BIO *b = BIO_new_mem_buf(cert, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    unsigned char md[32];
    unsigned int mdlen;

    ck = tp_client_key_load(unit_pool, both, strlen(both), NULL, &why);
    ck_assert_msg(ck != NULL, "%s", why);
    a = tp_assert_make(unit_pool, ck, "bff", "https://op/token",
                       apr_time_now(), &why);
    dot1 = strchr(a, '.');
    h = part(a, (apr_size_t)(dot1 - a));
    X509_digest(x, EVP_sha1(), md, &mdlen);
    ck_assert_str_eq(json_string_value(json_object_get(h, "x5t")),
                     tp_b64url_encode(unit_pool, md, mdlen));
    X509_digest(x, EVP_sha256(), md, &mdlen);
    ck_assert_str_eq(json_string_value(json_object_get(h, "x5t#S256")),
                     tp_b64url_encode(unit_pool, md, mdlen));
    ck_assert_ptr_null(json_object_get(h, "kid"));
    ck_assert(verify(k, "RS256", a));
    /* another key's certificate is refused */
    ck_assert_ptr_null(tp_client_key_load(unit_pool, mismatch,
                                          strlen(mismatch), NULL, &why));
    ck_assert_ptr_nonnull(strstr(why, "not the key's"));
    json_decref(h);
    X509_free(x);
    BIO_free(b);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
}
END_TEST

START_TEST(client_key_refused)
{
    const char *why = NULL;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    const char *p384 = pem_of(k), *pem_ed = pem_of(ed);

    ck_assert_ptr_null(tp_client_key_load(unit_pool, "", 0, NULL, &why));
    ck_assert_ptr_nonnull(why);
    why = NULL;
    ck_assert_ptr_null(tp_client_key_load(unit_pool, "garbage", 7, NULL,
                                          &why));
    ck_assert_ptr_nonnull(why);
    why = NULL;
    ck_assert_ptr_null(tp_client_key_load(unit_pool, p384, strlen(p384),
                                          NULL, &why));
    ck_assert_ptr_nonnull(strstr(why, "P-256"));
    why = NULL;
    ck_assert_ptr_null(tp_client_key_load(unit_pool, pem_ed, strlen(pem_ed),
                                          NULL, &why));
    ck_assert_ptr_nonnull(why);
    EVP_PKEY_free(k);
    EVP_PKEY_free(ed);
}
END_TEST

/* ---- request bodies ---- */

static tp_grant_cfg cfg(const char *secret, const char *assertion)
{
    tp_grant_cfg c;

    memset(&c, 0, sizeof(c));
    c.url = "https://op/token";
    c.format = TP_FORMAT_OAUTH2;
    c.client_id = "bff";
    c.client_secret = secret;
    c.client_assertion = assertion;
    return c;
}

START_TEST(body_client_credentials)
{
    tp_grant_cfg c = cfg("s3cret", NULL);
    tp_grant_req r;

    tp_apigrant_client(unit_pool, &c, "orders:read catalog",
                       "https://api.example/orders", &r);
    ck_assert_str_eq(r.body, "grant_type=client_credentials"
                     "&scope=orders%3Aread%20catalog"
                     "&resource=https%3A%2F%2Fapi.example%2Forders");
    ck_assert_str_eq(r.content_type, "application/x-www-form-urlencoded");
    ck_assert_str_eq(r.authorization, "Basic YmZmOnMzY3JldA==");
    tp_apigrant_client(unit_pool, &c, NULL, NULL, &r);
    ck_assert_str_eq(r.body, "grant_type=client_credentials");
}
END_TEST

START_TEST(body_exchange)
{
    tp_grant_cfg c = cfg("s3cret", NULL);
    tp_grant_req r;
    tp_exchange_target aud = { TP_TARGET_AUDIENCE, "orders-api" };
    tp_exchange_target res = { TP_TARGET_RESOURCE, "https://hr/" };
    tp_exchange_target sc = { TP_TARGET_SCOPE, "api://orders/.default" };

    ck_assert(tp_apigrant_exchange(unit_pool, &c, TP_XFORMAT_RFC8693, &aud,
                                   "opaque-AT", &r));
    ck_assert_str_eq(r.body,
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
        "&subject_token=opaque-AT"
        "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3A"
        "access_token&audience=orders-api");
    ck_assert_ptr_nonnull(r.authorization);
    ck_assert(tp_apigrant_exchange(unit_pool, &c, TP_XFORMAT_RFC8693, &res,
                                   "a.b.c", &r));
    ck_assert_ptr_nonnull(strstr(r.body, "&subject_token=a.b.c&"));
    ck_assert_ptr_nonnull(strstr(r.body, "&resource=https%3A%2F%2Fhr%2F"));
    ck_assert_ptr_null(strstr(r.body, "audience"));
    ck_assert(tp_apigrant_exchange(unit_pool, &c, TP_XFORMAT_RFC8693, &sc,
                                   "AT", &r));
    ck_assert_ptr_nonnull(strstr(r.body,
                                 "&scope=api%3A%2F%2Forders%2F.default"));
    /* Entra ID's on-behalf-of: the scope form only */
    ck_assert(tp_apigrant_exchange(unit_pool, &c, TP_XFORMAT_ENTRA_OBO, &sc,
                                   "AT+/=", &r));
    ck_assert_str_eq(r.body,
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
        "&assertion=AT%2B%2F%3D&requested_token_use=on_behalf_of"
        "&scope=api%3A%2F%2Forders%2F.default");
    ck_assert(!tp_apigrant_exchange(unit_pool, &c, TP_XFORMAT_ENTRA_OBO,
                                    &aud, "AT", &r));
}
END_TEST

START_TEST(body_private_key_jwt)
{
    tp_grant_cfg c = cfg(NULL, "h.c.s");
    tp_grant_req r;

    tp_apigrant_client(unit_pool, &c, NULL, NULL, &r);
    ck_assert_str_eq(r.body, "grant_type=client_credentials&client_id=bff"
                     "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
                     "client-assertion-type%3Ajwt-bearer"
                     "&client_assertion=h.c.s");
    ck_assert_ptr_null(r.authorization);
    /* the refresh and the revocation authenticate the same way */
    tp_grant_refresh(unit_pool, &c, "RT", &r);
    ck_assert_ptr_nonnull(strstr(r.body, "&client_assertion=h.c.s"));
    ck_assert_ptr_null(r.authorization);
    tp_grant_revoke(unit_pool, &c, "RT", &r);
    ck_assert_ptr_nonnull(strstr(r.body, "&client_assertion=h.c.s"));
}
END_TEST

/* ---- kept tokens ---- */

START_TEST(kept_key)
{
    unsigned char a[32], b[32], c[32], d[32], e[32];

    tp_apigrant_key(TP_APIGRANT_EXCHANGE, "u", "bff", "audience x", "AT1", a);
    tp_apigrant_key(TP_APIGRANT_EXCHANGE, "u", "bff", "audience x", "AT2", b);
    tp_apigrant_key(TP_APIGRANT_EXCHANGE, "u", "bff", "audience y", "AT1", c);
    tp_apigrant_key(TP_APIGRANT_CLIENT, "u", "bff", "audience x", "AT1", d);
    tp_apigrant_key(TP_APIGRANT_CLIENT, "u", "bff", "audience x", "AT2", e);
    ck_assert(memcmp(a, b, 32));        /* another user's session */
    ck_assert(memcmp(a, c, 32));        /* another API */
    ck_assert(memcmp(a, d, 32));        /* another grant */
    ck_assert(!memcmp(d, e, 32));       /* a client token has no subject */
    /* no ambiguity from joining the parts */
    tp_apigrant_key(TP_APIGRANT_EXCHANGE, "u", "bf", "faudience x", "AT1", b);
    ck_assert(memcmp(a, b, 32));
}
END_TEST

static const char *jwt(const char *payload)
{
    return apr_pstrcat(unit_pool, "eyJhbGciOiJSUzI1NiJ9.",
                       tp_b64url_encode(unit_pool,
                                        (const unsigned char *)payload,
                                        strlen(payload)), ".c2ln", NULL);
}

START_TEST(kept_lifetime)
{
    apr_int64_t now = 1700000000;

    /* a JWT: its exp minus the skew, whatever expires_in says */
    ck_assert_int_eq(tp_apigrant_keep_for(unit_pool,
                         jwt("{\"exp\":1700000600,\"iat\":1700000000}"),
                         9999, 30, now), 570);
    /* the skew is at most half the lifetime */
    ck_assert_int_eq(tp_apigrant_keep_for(unit_pool,
                         jwt("{\"exp\":1700000020,\"iat\":1700000000}"),
                         -1, 30, now), 10);
    /* opaque: expires_in minus the skew */
    ck_assert_int_eq(tp_apigrant_keep_for(unit_pool, "opaque", 300, 30, now),
                     270);
    ck_assert_int_eq(tp_apigrant_keep_for(unit_pool, "opaque", 10, 30, now),
                     5);
    /* nothing known, or expired: not kept */
    ck_assert_int_eq(tp_apigrant_keep_for(unit_pool, "opaque", -1, 30, now),
                     0);
    ck_assert_int_eq(tp_apigrant_keep_for(unit_pool,
                         jwt("{\"exp\":1600000000}"), 300, 30, now), 0);
}
END_TEST

/* ---- the token-type decision table ---- */

START_TEST(token_types)
{
    static const struct {
        tp_tokentype_e t;
        tp_session_e s;
        tp_send_e send;
        int clear;
    } rows[] = {
        { TP_TT_USER, TP_SESSION_USABLE, TP_SEND_USER, 0 },
        { TP_TT_USER, TP_SESSION_NONE, TP_SEND_OVER, 0 },
        { TP_TT_USER, TP_SESSION_DEAD, TP_SEND_OVER, 1 },
        { TP_TT_CLIENT, TP_SESSION_USABLE, TP_SEND_CLIENT, 0 },
        { TP_TT_CLIENT, TP_SESSION_NONE, TP_SEND_CLIENT, 0 },
        { TP_TT_CLIENT, TP_SESSION_DEAD, TP_SEND_CLIENT, 0 },
        { TP_TT_USER_OR_CLIENT, TP_SESSION_USABLE, TP_SEND_USER, 0 },
        { TP_TT_USER_OR_CLIENT, TP_SESSION_NONE, TP_SEND_CLIENT, 0 },
        { TP_TT_USER_OR_CLIENT, TP_SESSION_DEAD, TP_SEND_CLIENT, 1 },
        { TP_TT_USER_OR_NONE, TP_SESSION_USABLE, TP_SEND_USER, 0 },
        { TP_TT_USER_OR_NONE, TP_SESSION_NONE, TP_SEND_NONE, 0 },
        { TP_TT_USER_OR_NONE, TP_SESSION_DEAD, TP_SEND_NONE, 1 },
    };
    tp_tokentype_e t;
    unsigned i;
    int clear;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ck_assert_int_eq(tp_tokentype_decide(rows[i].t, rows[i].s, &clear),
                         rows[i].send);
        ck_assert_int_eq(clear, rows[i].clear);
    }
    ck_assert(tp_tokentype_parse("User-Or-Client", &t));
    ck_assert_int_eq(t, TP_TT_USER_OR_CLIENT);
    ck_assert(tp_tokentype_parse("client", &t));
    ck_assert_int_eq(t, TP_TT_CLIENT);
    ck_assert(!tp_tokentype_parse("anonymous", &t));
    ck_assert_str_eq(tp_tokentype_name(TP_TT_USER_OR_NONE), "user-or-none");
}
END_TEST

/* ---- the "misconfigured" outcome ---- */

static tp_grant_res classify(int status, const char *body)
{
    tp_grant_cfg c = cfg("s", NULL);
    tp_grant_res res;

    tp_grant_classify(unit_pool, &c, NULL, status, "application/json", body,
                      strlen(body), &res);
    return res;
}

START_TEST(misconfigured)
{
    static const char *const codes[] = {
        "invalid_client", "invalid_target", "invalid_scope",
        "unauthorized_client", "unsupported_grant_type"
    };
    tp_grant_res res;
    unsigned i;

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        res = classify(i % 2 ? 401 : 400,
                       apr_psprintf(unit_pool, "{\"error\":\"%s\"}",
                                    codes[i]));
        ck_assert_int_eq(res.result, TP_GRANT_MISCONFIGURED);
        ck_assert_str_eq(res.error, codes[i]);
        ck_assert_ptr_nonnull(strstr(res.why, codes[i]));
    }
    res = classify(400, "{\"error\":\"invalid_grant\"}");
    ck_assert_int_eq(res.result, TP_GRANT_REJECTED);
    ck_assert_str_eq(res.error, "invalid_grant");
    /* no error, or a strange one: rejected, and the error not kept */
    res = classify(400, "not json");
    ck_assert_int_eq(res.result, TP_GRANT_REJECTED);
    ck_assert_ptr_null(res.error);
    res = classify(400, "{\"error\":\"invalid_client\\r\\nX: y\"}");
    ck_assert_int_eq(res.result, TP_GRANT_REJECTED);
    ck_assert_ptr_null(res.error);
    res = classify(400, "{\"error\":42}");
    ck_assert_int_eq(res.result, TP_GRANT_REJECTED);
}
END_TEST

Suite *apis_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("apis");
    TCase *tc = tcase_create("apis");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, assertion_rs256);
    tcase_add_test(tc, assertion_ps256);
    tcase_add_test(tc, assertion_es256);
    tcase_add_test(tc, assertion_x5t);
    tcase_add_test(tc, client_key_refused);
    tcase_add_test(tc, body_client_credentials);
    tcase_add_test(tc, body_exchange);
    tcase_add_test(tc, body_private_key_jwt);
    tcase_add_test(tc, kept_key);
    tcase_add_test(tc, kept_lifetime);
    tcase_add_test(tc, token_types);
    tcase_add_test(tc, misconfigured);
    suite_add_tcase(s, tc);
    return s;
}
