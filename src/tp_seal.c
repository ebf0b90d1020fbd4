/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * AES-256-GCM sealing.
 *
 * The cipher is fetched from the default provider once per process
 * (pthread_once): EVP_aes_256_gcm() would make every EVP_*Init_ex look it
 * up again, which was most of the cost of opening a cookie.  A context is
 * still made per call, so that nothing is shared between threads but the
 * fetched cipher, which OpenSSL allows.  The nonce is 12 bytes, GCM's
 * default IV length, so the key and the nonce go in with one init call.
 */

#include <limits.h>
#include <pthread.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <apr_strings.h>

#include "tp_seal.h"

_Static_assert(TP_SEAL_NONCE_LEN == 12, "the nonce is GCM's default IV");

static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *gcm_fetched;

static void gcm_fetch(void)
{
    gcm_fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

/* AES-256-GCM, fetched on the first call; NULL when OpenSSL has none */
static const EVP_CIPHER *gcm(void)
{
    pthread_once(&gcm_once, gcm_fetch);
    return gcm_fetched;
}

void tp_seal_init(void)
{
    (void)gcm();
}

int tp_seal_keygen(unsigned char *key)
{
    return RAND_bytes(key, TP_SEAL_KEY_LEN) == 1;
}

int tp_seal(apr_pool_t *p, const unsigned char *key,
            const void *aad, apr_size_t aadlen,
            const void *in, apr_size_t len,
            unsigned char **out, apr_size_t *outlen)
{
    EVP_CIPHER_CTX *ctx;
    unsigned char *buf;
    int n = 0, ok = 0;

    if (len > INT_MAX - TP_SEAL_OVERHEAD || aadlen > INT_MAX) {
        return 0;
    }
    buf = apr_palloc(p, len + TP_SEAL_OVERHEAD);
    if (!gcm() || RAND_bytes(buf, TP_SEAL_NONCE_LEN) != 1
        || !(ctx = EVP_CIPHER_CTX_new())) {
        return 0;
    }
    if (EVP_EncryptInit_ex2(ctx, gcm(), key, buf, NULL) == 1
        && (aadlen == 0
            || EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) == 1)
        && EVP_EncryptUpdate(ctx, buf + TP_SEAL_NONCE_LEN, &n, in,
                             (int)len) == 1
        && EVP_EncryptFinal_ex(ctx, buf + TP_SEAL_NONCE_LEN + n, &n) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TP_SEAL_TAG_LEN,
                               buf + TP_SEAL_NONCE_LEN + len) == 1) {
        ok = 1;
        *out = buf;
        *outlen = len + TP_SEAL_OVERHEAD;
    }
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

int tp_unseal(apr_pool_t *p, const unsigned char *key,
              const void *aad, apr_size_t aadlen,
              const unsigned char *in, apr_size_t len,
              unsigned char **out, apr_size_t *outlen)
{
    EVP_CIPHER_CTX *ctx;
    unsigned char *buf;
    apr_size_t ctlen;
    int n = 0, ok = 0;

    if (len < TP_SEAL_OVERHEAD || len > INT_MAX || aadlen > INT_MAX) {
        return 0;
    }
    ctlen = len - TP_SEAL_OVERHEAD;
    buf = apr_palloc(p, ctlen + 1);
    if (!gcm() || !(ctx = EVP_CIPHER_CTX_new())) {
        return 0;
    }
    if (EVP_DecryptInit_ex2(ctx, gcm(), key, in, NULL) == 1
        && (aadlen == 0
            || EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) == 1)
        && EVP_DecryptUpdate(ctx, buf, &n, in + TP_SEAL_NONCE_LEN,
                             (int)ctlen) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TP_SEAL_TAG_LEN,
                               (void *)(in + TP_SEAL_NONCE_LEN + ctlen)) == 1
        && EVP_DecryptFinal_ex(ctx, buf + n, &n) == 1) {
        ok = 1;
        buf[ctlen] = '\0';
        *out = buf;
        *outlen = ctlen;
    }
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}
