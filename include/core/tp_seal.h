/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_seal: AES-256-GCM (OpenSSL EVP) with a random 96-bit nonce and
 * additional authenticated data.  Output: nonce || ciphertext || tag.
 * No request structures; never logs.
 */
#ifndef TP_SEAL_H
#define TP_SEAL_H

#include <apr_pools.h>

#define TP_SEAL_KEY_LEN   32
#define TP_SEAL_NONCE_LEN 12
#define TP_SEAL_TAG_LEN   16
#define TP_SEAL_OVERHEAD  (TP_SEAL_NONCE_LEN + TP_SEAL_TAG_LEN)

/* Fetch the cipher now (post_config) rather than on the first use;
 * either way once per process and thread-safe. */
void tp_seal_init(void);

/* Fill key with TP_SEAL_KEY_LEN random bytes; 0 on failure. */
int tp_seal_keygen(unsigned char *key);

/* Seal len bytes; *out (len + TP_SEAL_OVERHEAD bytes) from p. */
int tp_seal(apr_pool_t *p, const unsigned char *key,
            const void *aad, apr_size_t aadlen,
            const void *in, apr_size_t len,
            unsigned char **out, apr_size_t *outlen);

/* Open what tp_seal made; 0 when it was tampered with, truncated, or
 * sealed with another key or other aad.  *out is NUL-terminated. */
int tp_unseal(apr_pool_t *p, const unsigned char *key,
              const void *aad, apr_size_t aadlen,
              const unsigned char *in, apr_size_t len,
              unsigned char **out, apr_size_t *outlen);

#endif /* TP_SEAL_H */
