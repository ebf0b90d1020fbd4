/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_sealcookie: token cookies sealed with AES-256-GCM (TokenProxyCookieKey).
 * The value is "tp1." followed by base64url(nonce || ciphertext || tag);
 * the cookie's name and the format version are the additional
 * authenticated data, so a value moved to another cookie does not open.
 * The first key of a ring seals; every key opens, so keys rotate without
 * logging anyone out.  No request structures; never logs.
 */
#ifndef TP_SEALCOOKIE_H
#define TP_SEALCOOKIE_H

#include <apr_pools.h>

#include "core/tp_seal.h"

#define TP_SEALED_PREFIX "tp1."
#define TP_MAX_KEYS 8

typedef struct tp_keyring {
    int n;
    unsigned char keys[TP_MAX_KEYS][TP_SEAL_KEY_LEN];
} tp_keyring;

/* The sealed value of cookie `name`, or NULL on a crypto failure. */
const char *tp_sealcookie(apr_pool_t *p, const tp_keyring *kr,
                          const char *name, const char *value);

/* Open a sealed value: 1 and *value (and *which, the key's index) on
 * success; 0 when it is not sealed, damaged, truncated, sealed for
 * another cookie or with a key not in the ring. */
int tp_opencookie(apr_pool_t *p, const tp_keyring *kr, const char *name,
                  const char *sealed, const char **value, int *which);

/* A key file's content: 64 hex digits, or base64/base64url of 32 bytes,
 * surrounding white space ignored.  1 on success. */
int tp_key_parse(const char *text, apr_size_t len,
                 unsigned char key[TP_SEAL_KEY_LEN]);

#endif /* TP_SEALCOOKIE_H */
