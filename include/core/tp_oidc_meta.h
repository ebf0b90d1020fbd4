/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_meta: an OpenID provider's discovery document
 * (ISSUER/.well-known/openid-configuration), and the login request's
 * random values: state, nonce and the PKCE verifier and challenge
 * (RFC 7636, S256).  No request structures; never logs.
 */
#ifndef TP_OIDC_META_H
#define TP_OIDC_META_H

#include <apr_pools.h>

/* The largest discovery document or key set taken, in bytes. */
#define TP_OIDC_MAX_DOC (256 * 1024)

typedef struct tp_oidc_meta {
    const char *issuer;
    const char *authorization_endpoint;
    const char *token_endpoint;
    const char *jwks_uri;
    const char *revocation_endpoint;    /* or NULL */
    const char *end_session_endpoint;   /* or NULL */
    const char *userinfo_endpoint;      /* or NULL */
    unsigned int id_token_algs;         /* TP_ALG_* bits of
                                         * id_token_signing_alg_values_
                                         * supported (the ones tp_jose
                                         * knows) */
    int iss_param_supported;            /* authorization_response_iss_
                                         * parameter_supported: true
                                         * (RFC 9207) */
} tp_oidc_meta;

/* Parse a discovery document.  Its "issuer" must equal `issuer` exactly;
 * authorization_endpoint, token_endpoint and jwks_uri are required, and
 * every endpoint must be an https:// URL (http:// only for loopback
 * hosts: 127.0.0.1, [::1], localhost).  1 on success; 0 and *why. */
int tp_oidc_meta_parse(apr_pool_t *p, const char *json, apr_size_t len,
                       const char *issuer, tp_oidc_meta *out,
                       const char **why);

/* The algorithms an ID token of this provider may be signed with
 * (TP_ALG_* bits): RS256, PS256 and ES256 with the provider's keys, and
 * HS256 with the client secret only when there is one and the provider
 * announces HS256 in id_token_signing_alg_values_supported. */
unsigned int tp_oidc_id_token_algs(const tp_oidc_meta *m,
                                   const char *client_secret);

/* n random bytes as base64url (state: 32, nonce: 32, verifier: 32, which
 * gives the 43 characters RFC 7636 asks for); NULL without random bytes. */
const char *tp_oidc_random(apr_pool_t *p, apr_size_t n);

/* The S256 code_challenge of a verifier: BASE64URL(SHA-256(verifier)). */
const char *tp_pkce_challenge(apr_pool_t *p, const char *verifier);

#endif /* TP_OIDC_META_H */
