/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * JWS and JWKS with OpenSSL 3 (see tp_jose.h).
 */

#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "core/tp_b64.h"
#include "core/tp_jose.h"

#define MIN_RSA_BITS 2048

typedef enum { KTY_RSA = 1, KTY_EC = 2 } kty_e;

typedef struct jwk {
    const char *kid;            /* or NULL */
    const char *alg;            /* or NULL */
    kty_e kty;
    EVP_PKEY *pkey;
} jwk;

struct tp_jwks {
    apr_array_header_t *keys;   /* jwk */
};

/* base64url text to bytes; NULL on a bad character.  strict: a part of
 * a compact JWS, decoded as RFC 7515 section 2 asks (no padding, no
 * non-zero unused bits), so a token has one encoding only; else a key's
 * member, padding taken. */
static unsigned char *b64dec(apr_pool_t *p, const char *s, apr_size_t len,
                             apr_size_t *out_len, int strict)
{
    unsigned char *out = apr_palloc(p, len * 3 / 4 + 2);
    long n = strict ? tp_b64url_decode_strict(out, s, len)
                    : tp_b64url_decode(out, s, len);

    if (n < 0) {
        return NULL;
    }
    out[n] = '\0';
    *out_len = (apr_size_t)n;
    return out;
}

/* A name from a token, for the log: only when it is short and plain. */
static const char *plain_name(json_t *v)
{
    const char *s = json_string_value(v), *c;

    if (!s || !*s || strlen(s) > 32) {
        return "(a name not shown)";
    }
    for (c = s; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != '_' && *c != '.') {
            return "(a name not shown)";
        }
    }
    return s;
}

/* The header's extensions: NULL when there is none this verifier would
 * have to understand, else why the token is refused.  RFC 7515 section
 * 4.1.11: every name in "crit" must be understood, and this verifier
 * understands no extension; RFC 7797: "b64": false changes what is
 * signed, and is not supported. */
static const char *extensions(apr_pool_t *p, json_t *h)
{
    json_t *crit = json_object_get(h, "crit"), *b64 = json_object_get(h,
                                                                      "b64");
    json_t *name;
    size_t i;

    if (crit) {
        if (!json_is_array(crit) || json_array_size(crit) == 0) {
            return "the header's crit is not a non-empty array of names "
                   "(RFC 7515 section 4.1.11)";
        }
        json_array_foreach(crit, i, name) {
            if (!json_is_string(name)) {
                return "the header's crit holds something that is not a "
                       "name (RFC 7515 section 4.1.11)";
            }
        }
        return apr_psprintf(p, "the header's crit names the extension %s, "
                            "which this verifier does not understand (RFC "
                            "7515 section 4.1.11)",
                            plain_name(json_array_get(crit, 0)));
    }
    if (b64 && !json_is_true(b64)) {
        return "the header has b64 other than true (RFC 7797 unencoded "
               "payload), which is not supported";
    }
    return NULL;
}

int tp_jws_parse(apr_pool_t *p, const char *compact, tp_jws *out,
                 const char **why)
{
    const char *d1, *d2;
    unsigned char *hdr;
    apr_size_t len, hlen;
    json_t *h, *alg, *kid, *typ;
    json_error_t jerr;
    int ok = 0;

    memset(out, 0, sizeof(*out));
    if (!compact || (len = strlen(compact)) > TP_JWS_MAX) {
        *why = "no token, or a token over 32 KiB";
        return 0;
    }
    if (!(d1 = strchr(compact, '.')) || !(d2 = strchr(d1 + 1, '.'))
        || strchr(d2 + 1, '.')) {
        *why = "not a compact JWS (three parts)";
        return 0;
    }
    if (!(hdr = b64dec(p, compact, (apr_size_t)(d1 - compact), &hlen, 1))
        || !(out->payload = (const char *)b64dec(p, d1 + 1,
                                                 (apr_size_t)(d2 - d1 - 1),
                                                 &out->payload_len, 1))
        || !(out->sig = b64dec(p, d2 + 1, strlen(d2 + 1), &out->sig_len,
                               1))) {
        *why = "a part is not strict base64url (RFC 7515 section 2: no "
               "padding, no non-zero unused bits)";
        return 0;
    }
    if (!(h = json_loadb((const char *)hdr, hlen, JSON_REJECT_DUPLICATES,
                         &jerr))) {
        *why = "the header is not JSON";
        return 0;
    }
    alg = json_object_get(h, "alg");
    kid = json_object_get(h, "kid");
    typ = json_object_get(h, "typ");
    if (!json_is_object(h) || !json_is_string(alg)
        || (kid && !json_is_string(kid))) {
        *why = "the header has no string alg";
    }
    else if (typ && !json_is_string(typ)) {
        *why = "the header's typ is not a string";
    }
    else if ((*why = extensions(p, h)) != NULL) {
        /* refused: why is set */
    }
    else {
        out->alg = apr_pstrdup(p, json_string_value(alg));
        out->kid = kid ? apr_pstrdup(p, json_string_value(kid)) : NULL;
        out->typ = typ ? apr_pstrdup(p, json_string_value(typ)) : NULL;
        out->signing_input = compact;
        out->signing_len = (apr_size_t)(d2 - compact);
        ok = 1;
    }
    json_decref(h);
    return ok;
}

static apr_status_t free_pkey(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

/* A base64url member of a JWK as a BIGNUM (freed by the caller). */
static BIGNUM *bn_member(apr_pool_t *p, json_t *k, const char *name,
                         apr_size_t *bytes)
{
    json_t *v = json_object_get(k, name);
    unsigned char *raw;
    apr_size_t len;

    if (!json_is_string(v)
        || !(raw = b64dec(p, json_string_value(v),
                          strlen(json_string_value(v)), &len, 0))
        || len == 0) {
        return NULL;
    }
    if (bytes) {
        *bytes = len;
    }
    return BN_bin2bn(raw, (int)len, NULL);
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;

    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
            pkey = NULL;
        }
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *rsa_key(apr_pool_t *p, json_t *k)
{
    BIGNUM *n = bn_member(p, k, "n", NULL), *e = bn_member(p, k, "e", NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;

    if (n && e && bld && BN_num_bits(n) >= MIN_RSA_BITS
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
        pkey = from_params("RSA", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return pkey;
}

static EVP_PKEY *ec_key(apr_pool_t *p, json_t *k)
{
    json_t *crv = json_object_get(k, "crv"), *x = json_object_get(k, "x"),
           *y = json_object_get(k, "y");
    unsigned char *xb, *yb, point[65];
    apr_size_t xl, yl;
    OSSL_PARAM_BLD *bld;
    EVP_PKEY *pkey = NULL;

    if (!json_is_string(crv) || strcmp(json_string_value(crv), "P-256")
        || !json_is_string(x) || !json_is_string(y)
        || !(xb = b64dec(p, json_string_value(x),
                         strlen(json_string_value(x)), &xl, 0))
        || !(yb = b64dec(p, json_string_value(y),
                         strlen(json_string_value(y)), &yl, 0))
        || xl != 32 || yl != 32) {
        return NULL;
    }
    point[0] = 0x04;            /* uncompressed: 04 || x || y */
    memcpy(point + 1, xb, 32);
    memcpy(point + 33, yb, 32);
    if (!(bld = OSSL_PARAM_BLD_new())) {
        return NULL;
    }
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                        "prime256v1", 0)
        && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                            point, sizeof(point))) {
        pkey = from_params("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

static const char *str_member(apr_pool_t *p, json_t *k, const char *name)
{
    json_t *v = json_object_get(k, name);

    return json_is_string(v) ? apr_pstrdup(p, json_string_value(v)) : NULL;
}

tp_jwks *tp_jwks_parse(apr_pool_t *p, const char *json, apr_size_t len,
                       const char **why)
{
    json_t *doc, *keys, *k;
    json_error_t jerr;
    tp_jwks *ks;
    size_t i;

    if (!(doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr))) {
        *why = "the key set is not JSON";
        return NULL;
    }
    keys = json_object_get(doc, "keys");
    if (!json_is_object(doc) || !json_is_array(keys)) {
        json_decref(doc);
        *why = "the key set has no \"keys\" array";
        return NULL;
    }
    ks = apr_pcalloc(p, sizeof(*ks));
    ks->keys = apr_array_make(p, (int)json_array_size(keys) + 1,
                              sizeof(jwk));
    json_array_foreach(keys, i, k) {
        const char *kty = str_member(p, k, "kty"),
                   *use = str_member(p, k, "use");
        jwk key;

        if (!json_is_object(k) || !kty || (use && strcmp(use, "sig"))) {
            continue;
        }
        memset(&key, 0, sizeof(key));
        if (!strcmp(kty, "RSA")) {
            key.kty = KTY_RSA;
            key.pkey = rsa_key(p, k);
        }
        else if (!strcmp(kty, "EC")) {
            key.kty = KTY_EC;
            key.pkey = ec_key(p, k);
        }
        if (!key.pkey) {
            continue;           /* a type, curve or size we do not use */
        }
        apr_pool_cleanup_register(p, key.pkey, free_pkey,
                                  apr_pool_cleanup_null);
        key.kid = str_member(p, k, "kid");
        key.alg = str_member(p, k, "alg");
        APR_ARRAY_PUSH(ks->keys, jwk) = key;
    }
    json_decref(doc);
    return ks;
}

int tp_jwks_count(const tp_jwks *ks)
{
    return ks ? ks->keys->nelts : 0;
}

unsigned int tp_jose_alg_bit(const char *alg)
{
    return !strcmp(alg, "RS256") ? TP_ALG_RS256
           : !strcmp(alg, "PS256") ? TP_ALG_PS256
           : !strcmp(alg, "ES256") ? TP_ALG_ES256
           : !strcmp(alg, "HS256") ? TP_ALG_HS256 : 0;
}

/* The key for jws: by kid, else the only one of the type. */
static tp_jose_e find_key(const tp_jws *jws, const tp_jwks *ks, kty_e kty,
                          const jwk **out, const char **why)
{
    const jwk *match = NULL;
    int i, n = 0;

    for (i = 0; ks && i < ks->keys->nelts; i++) {
        const jwk *k = &APR_ARRAY_IDX(ks->keys, i, jwk);
        if (jws->kid ? (k->kid && !strcmp(k->kid, jws->kid)) : k->kty == kty) {
            match = k;
            n++;
        }
    }
    if (n == 0) {
        *why = jws->kid ? "no key with the token's kid" : "no key of the "
               "algorithm's type";
        return TP_JOSE_UNKNOWN_KID;
    }
    if (n > 1) {
        *why = jws->kid ? "several keys with the token's kid"
                        : "no kid, and several keys of the type";
        return TP_JOSE_BAD;
    }
    if (match->kty != kty) {
        *why = "the key is not of the algorithm's type";
        return TP_JOSE_BAD;
    }
    if (match->alg && strcmp(match->alg, jws->alg)) {
        *why = "the key is for another algorithm";
        return TP_JOSE_BAD;
    }
    *out = match;
    return TP_JOSE_OK;
}

/* The JWS form of ES256 (r || s, 32 bytes each) as DER. */
static unsigned char *es256_der(apr_pool_t *p, const unsigned char *sig,
                                int *der_len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL, *out = NULL;
    int n;

    if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
        r = s = NULL;           /* owned by es now */
        n = i2d_ECDSA_SIG(es, &der);
        if (n > 0) {
            out = apr_pmemdup(p, der, (apr_size_t)n);
            *der_len = n;
        }
        OPENSSL_free(der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return out;
}

static int verify_asym(apr_pool_t *p, const tp_jws *jws, const jwk *key,
                       unsigned int bit)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    const unsigned char *sig = jws->sig;
    size_t sig_len = jws->sig_len;
    int ok = 0, der_len = 0;

    if (bit == TP_ALG_ES256) {
        if (jws->sig_len != 64 || !(sig = es256_der(p, jws->sig, &der_len))) {
            EVP_MD_CTX_free(md);
            return 0;
        }
        sig_len = (size_t)der_len;
    }
    if (md && EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL,
                                   key->pkey) == 1
        && (bit != TP_ALG_PS256
            || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                    RSA_PSS_SALTLEN_DIGEST)
                   == 1
                && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1))) {
        ok = EVP_DigestVerify(md, sig, sig_len,
                              (const unsigned char *)jws->signing_input,
                              jws->signing_len) == 1;
    }
    EVP_MD_CTX_free(md);
    return ok;
}

tp_jose_e tp_jws_verify(apr_pool_t *p, const tp_jws *jws, const tp_jwks *ks,
                        const char *hmac_secret, unsigned int allowed,
                        const char **why)
{
    unsigned int bit = jws->alg ? tp_jose_alg_bit(jws->alg) : 0;
    const jwk *key = NULL;
    tp_jose_e rc;

    if (!bit || !(bit & allowed)) {
        *why = "the token's algorithm is not allowed";
        return TP_JOSE_BAD;
    }
    if (bit == TP_ALG_HS256) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int mlen = 0;

        if (!hmac_secret || !*hmac_secret) {
            *why = "HS256 without a client secret";
            return TP_JOSE_BAD;
        }
        if (!HMAC(EVP_sha256(), hmac_secret, (int)strlen(hmac_secret),
                  (const unsigned char *)jws->signing_input,
                  jws->signing_len, mac, &mlen)
            || mlen != jws->sig_len
            || CRYPTO_memcmp(mac, jws->sig, mlen) != 0) {
            *why = "the signature does not verify";
            return TP_JOSE_BAD;
        }
        return TP_JOSE_OK;
    }
    rc = find_key(jws, ks, bit == TP_ALG_ES256 ? KTY_EC : KTY_RSA, &key, why);
    if (rc != TP_JOSE_OK) {
        return rc;
    }
    if (!verify_asym(p, jws, key, bit)) {
        *why = "the signature does not verify";
        return TP_JOSE_BAD;
    }
    return TP_JOSE_OK;
}
