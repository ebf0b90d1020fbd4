/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * private_key_jwt: the client's key and its assertions.
 */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/tp_assert.h"
#include "core/tp_b64.h"

typedef enum { ALG_RS256 = 0, ALG_PS256, ALG_ES256 } alg_e;

struct tp_client_key {
    EVP_PKEY *pkey;
    alg_e alg;
    const char *kid;
    const char *x5t;            /* the certificate's SHA-1 thumbprint */
    const char *x5t256;         /* and SHA-256, or NULL without one */
};

static const char *const alg_names[] = { "RS256", "PS256", "ES256" };

static apr_status_t key_free(void *data)
{
    EVP_PKEY_free(((tp_client_key *)data)->pkey);
    return APR_SUCCESS;
}

/* A certificate in the same file (Entra ID's certificate credentials):
 * its thumbprints go into the assertion's header as x5t and x5t#S256.
 * It must be the key's own. */
static int thumbprints(apr_pool_t *p, tp_client_key *k, const char *pem,
                       apr_size_t len, const char **why)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen;
    int ok = 1;

    BIO_free(bio);
    if (!cert) {
        return 1;               /* none: the kid alone */
    }
    if (EVP_PKEY_eq(X509_get0_pubkey(cert), k->pkey) != 1) {
        *why = "the certificate in the file is not the key's";
        ok = 0;
    }
    else if (X509_digest(cert, EVP_sha1(), md, &mdlen) != 1
             || !(k->x5t = tp_b64url_encode(p, md, mdlen))
             || X509_digest(cert, EVP_sha256(), md, &mdlen) != 1
             || !(k->x5t256 = tp_b64url_encode(p, md, mdlen))) {
        *why = "the certificate's thumbprint cannot be computed";
        ok = 0;
    }
    X509_free(cert);
    return ok;
}

tp_client_key *tp_client_key_load(apr_pool_t *p, const char *pem,
                                  apr_size_t len, const char *kid,
                                  const char **why)
{
    BIO *bio;
    EVP_PKEY *pkey;
    tp_client_key *k;
    char group[64];
    size_t glen = 0;

    if (!pem || !len || len > 65536
        || !(bio = BIO_new_mem_buf(pem, (int)len))) {
        *why = "the file is empty or too large";
        return NULL;
    }
    pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!pkey) {
        *why = "no unencrypted PEM private key in it";
        return NULL;
    }
    k = apr_pcalloc(p, sizeof(*k));
    k->pkey = pkey;
    k->kid = kid ? apr_pstrdup(p, kid) : NULL;
    apr_pool_cleanup_register(p, k, key_free, apr_pool_cleanup_null);
    if (EVP_PKEY_is_a(pkey, "RSA-PSS")) {
        k->alg = ALG_PS256;
    }
    else if (EVP_PKEY_is_a(pkey, "RSA")) {
        k->alg = ALG_RS256;
    }
    else if (EVP_PKEY_is_a(pkey, "EC")
             && EVP_PKEY_get_utf8_string_param(pkey,
                                               OSSL_PKEY_PARAM_GROUP_NAME,
                                               group, sizeof(group), &glen)
             && (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))) {
        k->alg = ALG_ES256;
    }
    else {
        *why = "the key is neither RSA (RS256), RSA-PSS (PS256) nor EC "
               "P-256 (ES256)";
        return NULL;
    }
    if (k->alg != ALG_ES256 && EVP_PKEY_get_bits(pkey) < 2048) {
        *why = "an RSA key needs at least 2048 bits";
        return NULL;
    }
    return thumbprints(p, k, pem, len, why) ? k : NULL;
}

const char *tp_client_key_alg(const tp_client_key *k)
{
    return alg_names[k->alg];
}

static const char *json_b64(apr_pool_t *p, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    const char *r;

    json_decref(o);
    if (!s) {
        return NULL;
    }
    r = tp_b64url_encode(p, (const unsigned char *)s, strlen(s));
    free(s);
    return r;
}

/* DER ECDSA-Sig-Value to JWS r||s (32 bytes each). */
static int der_to_raw(const unsigned char *der, size_t dlen,
                      unsigned char raw[64])
{
    const unsigned char *q = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &q, (long)dlen);
    const BIGNUM *r, *s;
    int ok;

    if (!sig) {
        return 0;
    }
    ECDSA_SIG_get0(sig, &r, &s);
    ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok;
}

static const char *sign(apr_pool_t *p, const tp_client_key *k,
                        const char *input, const char **why)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *sig = NULL, raw[64];
    size_t slen = 0;
    const char *res = NULL;

    *why = "the assertion could not be signed";
    if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL,
                                  k->pkey) != 1) {
        goto done;
    }
    if (k->alg == ALG_PS256
        && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                RSA_PSS_SALTLEN_DIGEST) != 1)) {
        goto done;
    }
    if (EVP_DigestSign(md, NULL, &slen, (const unsigned char *)input,
                       strlen(input)) != 1
        || !(sig = malloc(slen))
        || EVP_DigestSign(md, sig, &slen, (const unsigned char *)input,
                          strlen(input)) != 1) {
        goto done;
    }
    if (k->alg == ALG_ES256) {
        if (!der_to_raw(sig, slen, raw)) {
            goto done;
        }
        res = tp_b64url_encode(p, raw, sizeof(raw));
    }
    else {
        res = tp_b64url_encode(p, sig, slen);
    }
    *why = NULL;
done:
    free(sig);
    EVP_MD_CTX_free(md);
    return res;
}

const char *tp_assert_make(apr_pool_t *p, const tp_client_key *k,
                           const char *client_id, const char *aud,
                           apr_time_t now, const char **why)
{
    json_t *h = json_object(), *c = json_object();
    unsigned char rnd[16];
    const char *hs, *cs, *input, *sig;
    json_int_t t = (json_int_t)apr_time_sec(now);

    if (RAND_bytes(rnd, sizeof(rnd)) != 1 || !h || !c) {
        json_decref(h);
        json_decref(c);
        *why = "no random bytes for the assertion's jti";
        return NULL;
    }
    json_object_set_new(h, "alg", json_string(alg_names[k->alg]));
    json_object_set_new(h, "typ", json_string("JWT"));
    if (k->kid) {
        json_object_set_new(h, "kid", json_string(k->kid));
    }
    if (k->x5t) {
        json_object_set_new(h, "x5t", json_string(k->x5t));
        json_object_set_new(h, "x5t#S256", json_string(k->x5t256));
    }
    json_object_set_new(c, "iss", json_string(client_id));
    json_object_set_new(c, "sub", json_string(client_id));
    json_object_set_new(c, "aud", json_string(aud));
    json_object_set_new(c, "jti", json_string(tp_b64url_encode(p, rnd,
                                                              sizeof(rnd))));
    json_object_set_new(c, "iat", json_integer(t));
    json_object_set_new(c, "exp", json_integer(t + TP_ASSERT_LIFETIME));
    hs = json_b64(p, h);
    cs = json_b64(p, c);
    if (!hs || !cs) {
        *why = "the assertion could not be encoded";
        return NULL;
    }
    input = apr_pstrcat(p, hs, ".", cs, NULL);
    if (!(sig = sign(p, k, input, why))) {
        return NULL;
    }
    *why = NULL;
    return apr_pstrcat(p, input, ".", sig, NULL);
}
