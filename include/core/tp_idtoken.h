/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_idtoken: the claims checks of an OpenID Connect ID token whose
 * signature tp_jose verified (OpenID Connect Core 1.0, section 3.1.3.7).
 * No request structures; never logs.
 */
#ifndef TP_IDTOKEN_H
#define TP_IDTOKEN_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_jose.h"

/* Seconds of clock skew allowed on exp and iat. */
#define TP_IDTOKEN_LEEWAY 60
/* The oldest iat taken: a day. */
#define TP_IDTOKEN_MAX_AGE 86400
/* The latest time taken in exp and iat (9999-12-31T23:59:59Z): a larger
 * number, or a negative one, is refused, never converted. */
#define TP_IDTOKEN_MAX_TIME APR_INT64_C(253402300799)

typedef struct tp_idtoken_expect {
    const char *issuer;         /* "iss" must equal it */
    const char *client_id;      /* "aud" must contain it; "azp" too when
                                 * there are several audiences */
    const char *nonce;          /* "nonce" must equal it; NULL: not checked
                                 * (an ID token from a refresh) */
    apr_int64_t now;            /* seconds since the epoch */
} tp_idtoken_expect;

typedef struct tp_idtoken {
    const char *sub;
    apr_int64_t exp, iat;
    const char *claims;         /* the payload, a JSON object */
} tp_idtoken;

/* 1 and *out when the payload of jws satisfies e; 0 and *why otherwise
 * (why names the claim, never a value). */
int tp_idtoken_check(apr_pool_t *p, const tp_jws *jws,
                     const tp_idtoken_expect *e, tp_idtoken *out,
                     const char **why);

/* OpenID Connect Core 1.0 section 12.2: does the ID token of a refresh
 * answer (its payload `fresh`, which passed tp_idtoken_check) belong to
 * the session of the original one (`orig`, the payload of the ID token
 * the session's ID cookie holds)?  iss, sub and aud (as sets) must be the
 * same, and azp (or its absence); auth_time the same when both have it;
 * a nonce, when the new one has it, the original's.  1 when so; 0 and
 * *why (naming the claim, never a value) otherwise. */
int tp_idtoken_same_session(apr_pool_t *p, const char *orig,
                            apr_size_t olen, const char *fresh,
                            apr_size_t flen, const char **why);

/* What the user endpoint shows: the payload's claims (sub, name, email,
 * exp, iss, aud...) as a JSON object, less nonce, at_hash and c_hash.
 * NULL on garbage. */
const char *tp_idtoken_user_json(apr_pool_t *p, const tp_idtoken *t);

#endif /* TP_IDTOKEN_H */
