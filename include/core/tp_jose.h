/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_jose: compact JWS parsing and signature verification for ID tokens,
 * and JSON Web Key Sets, with OpenSSL 3 EVP and jansson.
 *
 * Algorithms: RS256 (RSASSA-PKCS1-v1_5 SHA-256), PS256 (RSASSA-PSS
 * SHA-256, salt 32), ES256 (ECDSA P-256 SHA-256, the JWS r||s form) against
 * keys of the set, and HS256 with a shared secret.  The algorithm is never
 * taken from the token alone: the caller says which are allowed, the key
 * must be of the algorithm's type (RSA for RS/PS, EC P-256 for ES), a key
 * that names its "alg" must name this one, and HS256 is only ever checked
 * with the secret.  "none" and every other algorithm are refused.  No
 * request structures; never logs.
 */
#ifndef TP_JOSE_H
#define TP_JOSE_H

#include <apr_pools.h>

#define TP_ALG_RS256 0x1u
#define TP_ALG_PS256 0x2u
#define TP_ALG_ES256 0x4u
#define TP_ALG_HS256 0x8u

/* The TP_ALG_* bit of an algorithm's name ("RS256"...), 0 for any other
 * ("none" included). */
unsigned int tp_jose_alg_bit(const char *alg);

/* The largest compact JWS taken, in bytes. */
#define TP_JWS_MAX 32768

typedef struct tp_jws {
    const char *alg;            /* header "alg" */
    const char *kid;            /* header "kid", or NULL */
    const char *typ;            /* header "typ", or NULL */
    const char *payload;        /* the decoded payload, NUL-terminated */
    apr_size_t payload_len;
    const char *signing_input;  /* BASE64URL(header) "." BASE64URL(payload) */
    apr_size_t signing_len;
    const unsigned char *sig;   /* the decoded signature */
    apr_size_t sig_len;
} tp_jws;

/* Split and decode a compact JWS (three base64url parts, a JSON object as
 * header with a string "alg").  1 on success; 0 and *why otherwise.  The
 * parts are decoded strictly (RFC 7515 section 2: no padding, unused bits
 * zero); a header with "crit" is refused, since this verifier understands
 * no extension (RFC 7515 section 4.1.11), and so is "b64" other than true
 * (RFC 7797).  A "typ" that is not a string is refused too. */
int tp_jws_parse(apr_pool_t *p, const char *compact, tp_jws *out,
                 const char **why);

typedef struct tp_jwks tp_jwks;

/* Parse a JWK Set ({"keys":[...]}).  Keys it cannot use (other types,
 * curves, "use" other than "sig", bad numbers) are skipped.  NULL and *why
 * when the document is not a key set. */
tp_jwks *tp_jwks_parse(apr_pool_t *p, const char *json, apr_size_t len,
                       const char **why);

/* How many usable keys the set holds. */
int tp_jwks_count(const tp_jwks *ks);

typedef enum {
    TP_JOSE_OK = 0,
    TP_JOSE_BAD,                /* refused: algorithm, key type, signature */
    TP_JOSE_UNKNOWN_KID         /* no key of the set has this kid: the set
                                 * may be worth fetching again */
} tp_jose_e;

/* Verify jws with an allowed algorithm (TP_ALG_* bits): an asymmetric one
 * against ks (the key with the token's kid; without a kid, the one key of
 * the right type), HS256 against hmac_secret (NULL: HS256 refused). */
tp_jose_e tp_jws_verify(apr_pool_t *p, const tp_jws *jws, const tp_jwks *ks,
                        const char *hmac_secret, unsigned int allowed,
                        const char **why);

#endif /* TP_JOSE_H */
