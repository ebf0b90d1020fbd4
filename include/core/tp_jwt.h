/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_jwt: reads the "exp" and "iat" claims of a JWT, and nothing else.
 * The payload is never trusted for anything but deciding when to
 * refresh: the upstream verifies the token.
 */
#ifndef TP_JWT_H
#define TP_JWT_H

#include <apr_pools.h>

/* The largest payload decoded, in bytes of base64url. */
#define TP_JWT_MAX_PAYLOAD 16384

/* The claims read: a numeric claim is an integer, or a real between 0
 * and 9e15 (truncated). */
typedef struct tp_jwt_times {
    apr_int64_t exp, iat;
    int has_exp, has_iat;       /* has_iat only with has_exp */
} tp_jwt_times;

/* Fills *t and returns 1 when `token` is a compact JWS/JWT whose payload
 * is a JSON object with a numeric "exp" (and maybe "iat"); returns 0
 * otherwise (not a JWT, no exp, garbage). */
int tp_jwt_times_of(apr_pool_t *p, const char *token, tp_jwt_times *t);

/* Sets *exp as tp_jwt_times_of would; 1 when there is one. */
int tp_jwt_exp(apr_pool_t *p, const char *token, apr_int64_t *exp);

/* The decoded payload, by jansson (JSON_REJECT_DUPLICATES): as
 * tp_jwt_times_of. */
int tp_jwt_parse(const char *json, apr_size_t len, tp_jwt_times *t);

/* The same without jansson, for the payloads it can decide exactly as
 * tp_jwt_parse: 1 or 0 as tp_jwt_parse would return, and *t as it would
 * fill it; -1 when it cannot tell (then tp_jwt_parse decides). */
int tp_jwt_scan(const char *json, apr_size_t len, tp_jwt_times *t);

/* The refresh skew to use for a token: TokenProxyRefreshSkew `skew`, but
 * at most half the token's lifetime (exp - iat) when it has an iat, so
 * that a token shorter-lived than the skew is not refreshed as soon as it
 * is obtained.  Without iat, `skew` as it is. */
apr_int64_t tp_jwt_skew(apr_int64_t skew, const tp_jwt_times *t);

#endif /* TP_JWT_H */
