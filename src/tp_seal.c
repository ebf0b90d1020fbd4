/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * AES-256-GCM sealing.
 */

#include <limits.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <apr_strings.h>

#include "tp_seal.h"

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
    if (RAND_bytes(buf, TP_SEAL_NONCE_LEN) != 1
        || !(ctx = EVP_CIPHER_CTX_new())) {
        return 0;
    }
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN,
                               TP_SEAL_NONCE_LEN, NULL) == 1
        && EVP_EncryptInit_ex(ctx, NULL, NULL, key, buf) == 1
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
    if (!(ctx = EVP_CIPHER_CTX_new())) {
        return 0;
    }
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN,
                               TP_SEAL_NONCE_LEN, NULL) == 1
        && EVP_DecryptInit_ex(ctx, NULL, NULL, key, in) == 1
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
