/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_sealcookie: token cookies sealed with AES-256-GCM (TokenProxyCookieKey).
 * The value is "tp1." followed by base64url(nonce || ciphertext || tag);
 * the cookie's name and the format version are the additional
 * authenticated data, so a value moved to another cookie does not open.
 * The bound form (issue 22) is "tp2.<label>." then the same: the label
 * (tp_binding: the provider and client the cookie was issued for) is in
 * the clear and in the additional data, so a location sees without
 * opening that a cookie belongs to another app, and a value whose label
 * was changed does not open.
 * The first key of a ring seals; every key opens, so keys rotate without
 * logging anyone out.  No request structures; never logs.
 */
#ifndef TP_SEALCOOKIE_H
#define TP_SEALCOOKIE_H

#include <apr_pools.h>

#include "core/tp_seal.h"

#define TP_SEALED_PREFIX "tp1."
#define TP_BOUND_PREFIX  "tp2."
#define TP_MAX_KEYS 8

typedef struct tp_keyring {
    int n;
    unsigned char keys[TP_MAX_KEYS][TP_SEAL_KEY_LEN];
} tp_keyring;

/* The sealed value of cookie `name`, or NULL on a crypto failure. */
const char *tp_sealcookie(apr_pool_t *p, const tp_keyring *kr,
                          const char *name, const char *value);

/* Open a sealed value, of either form (a bound one whatever its label):
 * 1 and *value (and *which, the key's index) on success; 0 when it is not
 * sealed, damaged, truncated, sealed for another cookie or with a key not
 * in the ring. */
int tp_opencookie(apr_pool_t *p, const tp_keyring *kr, const char *name,
                  const char *sealed, const char **value, int *which);

/* The bound forms (label: a tp_binding label; NULL seals the old "tp1."
 * form, for TokenProxyCookieBinding Off). */
const char *tp_sealcookie_for(apr_pool_t *p, const tp_keyring *kr,
                              const char *label, const char *name,
                              const char *value);

typedef enum {
    TP_OPEN_BAD = 0,        /* not sealed, damaged, another key or name */
    TP_OPEN_OK = 1,
    TP_OPEN_FOREIGN = 2     /* bound to another label: another app's */
} tp_open_e;

/* Open a cookie of the app `label`: the old form (tp1.) opens for every
 * label; the bound form only for its own, and is TP_OPEN_FOREIGN (without
 * being opened) for another.  label NULL: any bound cookie opens. */
tp_open_e tp_opencookie_for(apr_pool_t *p, const tp_keyring *kr,
                            const char *label, const char *name,
                            const char *sealed, const char **value,
                            int *which);

/* Is value a bound cookie of another label than `label`?  Reads only the
 * clear prefix. */
int tp_sealed_foreign(const char *value, const char *label);

/* A key file's content: 64 hex digits, or base64/base64url of 32 bytes,
 * surrounding white space ignored.  1 on success. */
int tp_key_parse(const char *text, apr_size_t len,
                 unsigned char key[TP_SEAL_KEY_LEN]);

#endif /* TP_SEALCOOKIE_H */
