/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_jwt: reads the "exp" claim of a JWT, and nothing else.  The payload
 * is never trusted for anything but deciding when to refresh: the
 * upstream verifies the token.
 */
#ifndef TP_JWT_H
#define TP_JWT_H

#include <apr_pools.h>

/* The largest payload decoded, in bytes of base64url. */
#define TP_JWT_MAX_PAYLOAD 16384

/* Sets *exp (seconds since the epoch) and returns 1 when `token` is a
 * compact JWS/JWT whose payload is a JSON object with a numeric "exp";
 * returns 0 otherwise (not a JWT, no exp, garbage). */
int tp_jwt_exp(apr_pool_t *p, const char *token, apr_int64_t *exp);

#endif /* TP_JWT_H */
