/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * AES-256-GCM sealing.
 *
 * The cipher is fetched from the default provider once per process
 * (pthread_once): EVP_aes_256_gcm() would make every EVP_*Init_ex look it
 * up again, which was most of the cost of opening a cookie.  The nonce is
 * 12 bytes, GCM's default IV length, so the key and the nonce go in with
 * one init call.
 *
 * Opening, on every request, uses one context per thread (a pthread key,
 * freed when the thread ends), keyed once: as long as the same key opens,
 * each call only sets the nonce, which restarts GCM (counter, AAD and tag)
 * with the key schedule kept.  Nothing is shared between threads but the
 * fetched cipher, which OpenSSL allows.  Sealing, on a refresh only, makes
 * a context per call.
 */

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <apr_strings.h>

#include "core/tp_seal.h"

_Static_assert(TP_SEAL_NONCE_LEN == 12, "the nonce is GCM's default IV");

static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *gcm_fetched;

/* a thread's context for opening, and the key it holds */
typedef struct open_ctx {
    EVP_CIPHER_CTX *ctx;
    unsigned char key[TP_SEAL_KEY_LEN];
    int keyed;
} open_ctx;

static pthread_key_t open_key;
static int open_key_made;

static void open_ctx_free(void *v)
{
    open_ctx *o = v;

    EVP_CIPHER_CTX_free(o->ctx);
    OPENSSL_cleanse(o->key, sizeof(o->key));
    free(o);
}

static void gcm_fetch(void)
{
    gcm_fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    open_key_made = pthread_key_create(&open_key, open_ctx_free) == 0;
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

/* This thread's opening context, made on its first call; NULL when it
 * cannot be made (then the caller makes one for the call). */
static open_ctx *thread_ctx(void)
{
    open_ctx *o;

    if (!open_key_made) {
        return NULL;
    }
    if ((o = pthread_getspecific(open_key)) != NULL) {
        return o;
    }
    if (!(o = calloc(1, sizeof(*o)))) {
        return NULL;
    }
    if (!(o->ctx = EVP_CIPHER_CTX_new())
        || pthread_setspecific(open_key, o) != 0) {
        EVP_CIPHER_CTX_free(o->ctx);
        free(o);
        return NULL;
    }
    return o;
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
    open_ctx *o;
    unsigned char *buf;
    apr_size_t ctlen;
    int n = 0, ok = 0, init;

    if (len < TP_SEAL_OVERHEAD || len > INT_MAX || aadlen > INT_MAX
        || !gcm()) {
        return 0;
    }
    ctlen = len - TP_SEAL_OVERHEAD;
    buf = apr_palloc(p, ctlen + 1);
    if ((o = thread_ctx()) != NULL) {
        ctx = o->ctx;
        if (o->keyed && !CRYPTO_memcmp(o->key, key, TP_SEAL_KEY_LEN)) {
            init = EVP_DecryptInit_ex2(ctx, NULL, NULL, in, NULL);
        }
        else {
            init = EVP_DecryptInit_ex2(ctx, gcm(), key, in, NULL);
            memcpy(o->key, key, TP_SEAL_KEY_LEN);
        }
        o->keyed = init == 1;
    }
    else if ((ctx = EVP_CIPHER_CTX_new()) != NULL) {
        init = EVP_DecryptInit_ex2(ctx, gcm(), key, in, NULL);
    }
    else {
        return 0;
    }
    if (init == 1
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
    if (!o) {
        EVP_CIPHER_CTX_free(ctx);
    }
    return ok;
}
