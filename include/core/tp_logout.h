/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_logout: the logout token of OpenID Connect Back-Channel Logout 1.0
 * (section 2.4, validated as section 2.6 asks).  The JWS is verified by
 * tp_jose, the same code and the same key set as the ID token; then its
 * claims: iss the provider, aud containing the client, iat recent, exp in
 * the future, jti present, events holding
 * "http://schemas.openid.net/event/backchannel-logout" as an object, sid
 * or sub (or both), no nonce, and a "typ" header, when there is one,
 * "logout+jwt".  Whether the jti was seen before is the revocation
 * table's (tp_revtable).  No request structures; never logs (why names a
 * claim, never a value).
 */
#ifndef TP_LOGOUT_H
#define TP_LOGOUT_H

#include <apr_pools.h>

#include "core/tp_jose.h"

#define TP_LOGOUT_EVENT "http://schemas.openid.net/event/backchannel-logout"
/* Seconds of clock skew allowed on iat and exp. */
#define TP_LOGOUT_LEEWAY 60
/* The oldest iat taken: a logout token is sent when the session ends. */
#define TP_LOGOUT_MAX_AGE 600

typedef struct tp_logout_expect {
    const char *issuer;         /* "iss" must equal it */
    const char *client_id;      /* "aud" must contain it */
    apr_int64_t now;            /* seconds since the epoch */
} tp_logout_expect;

typedef struct tp_logout_claims {
    const char *iss;
    const char *sub;            /* or NULL */
    const char *sid;            /* or NULL */
    const char *jti;
    apr_int64_t iat;
    apr_int64_t exp;            /* 0: none (then iat + TP_LOGOUT_MAX_AGE
                                 * bounds the jti's window) */
} tp_logout_claims;

/* The claims rules on a verified JWS: 1 and *out, or 0 and *why. */
int tp_logout_check(apr_pool_t *p, const tp_jws *jws,
                    const tp_logout_expect *e, tp_logout_claims *out,
                    const char **why);

/* The whole validation of a compact logout token: parse, verify with an
 * allowed algorithm against ks (HS256 with hmac_secret), check the
 * claims.  TP_JOSE_UNKNOWN_KID: the key set may be worth fetching again
 * (then call again with the new set). */
tp_jose_e tp_logout_verify(apr_pool_t *p, const char *compact,
                           const tp_jwks *ks, const char *hmac_secret,
                           unsigned int allowed, const tp_logout_expect *e,
                           tp_logout_claims *out, const char **why);

/* Until when the jti of a valid token must be remembered: its exp (or
 * iat + TP_LOGOUT_MAX_AGE) plus the leeway. */
apr_int64_t tp_logout_jti_until(const tp_logout_claims *c);

/* What a back-channel logout is matched against, from the payload of
 * the session's ID token: iss, sub, sid (NULL when absent) and when the
 * session began (auth_time, else iat; 0 when neither).  0 when the
 * payload is not a JSON object with a string iss. */
int tp_logout_session_of(apr_pool_t *p, const char *payload, apr_size_t len,
                         const char **iss, const char **sub,
                         const char **sid, apr_int64_t *started);

#endif /* TP_LOGOUT_H */
