/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_assert: private_key_jwt client authentication (RFC 7523, OpenID
 * Connect Core 9): the client's key (TokenProxyClientKey, a PEM private
 * key read at startup) and a fresh signed assertion per call: iss = sub =
 * the client id, aud = the endpoint (or the issuer), a random jti, iat,
 * and a short exp.  The algorithm follows the key's type: RS256 for RSA,
 * PS256 for RSA-PSS, ES256 for EC P-256 (the JWS signature raw r||s).
 * No request structures; never logs.
 */
#ifndef TP_ASSERT_H
#define TP_ASSERT_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct tp_client_key tp_client_key;

/* How long an assertion is valid. */
#define TP_ASSERT_LIFETIME 60   /* seconds */

/* Read a PEM private key (pem of len bytes); kid NULL: none in the
 * header.  A certificate of that key in the same PEM text puts its
 * thumbprints into the header (x5t, x5t#S256), as Entra ID's certificate
 * credentials need.  The key lives as long as p.  NULL and *why when it
 * cannot be read, its type is not RSA, RSA-PSS or EC P-256, or the
 * certificate is another key's. */
tp_client_key *tp_client_key_load(apr_pool_t *p, const char *pem,
                                  apr_size_t len, const char *kid,
                                  const char **why);

/* "RS256", "PS256" or "ES256". */
const char *tp_client_key_alg(const tp_client_key *k);

/* The assertion (a compact JWS) for client_id at aud, made at now; NULL
 * and *why when it cannot be signed. */
const char *tp_assert_make(apr_pool_t *p, const tp_client_key *k,
                           const char *client_id, const char *aud,
                           apr_time_t now, const char **why);

#endif /* TP_ASSERT_H */
