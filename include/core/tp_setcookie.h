/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_setcookie: Set-Cookie header values for the token cookies (RFC 6265
 * section 4.1).  Always HttpOnly; never a Domain.  No request structures.
 */
#ifndef TP_SETCOOKIE_H
#define TP_SETCOOKIE_H

#include <apr_pools.h>

typedef enum {
    TP_SAMESITE_STRICT = 0,
    TP_SAMESITE_LAX,
    TP_SAMESITE_NONE          /* forces Secure */
} tp_samesite_e;

typedef struct tp_cookie_attrs {
    const char *path;         /* default "/" */
    int secure;
    tp_samesite_e samesite;
} tp_cookie_attrs;

/* "name=value; Path=/; Max-Age=N; HttpOnly; Secure; SameSite=Strict".
 * max_age < 0 leaves Max-Age out: a session cookie. */
const char *tp_setcookie(apr_pool_t *p, const char *name, const char *value,
                         apr_int64_t max_age, const tp_cookie_attrs *a);

/* The value that clears the cookie: empty, same Path, Max-Age=0. */
const char *tp_setcookie_clear(apr_pool_t *p, const char *name,
                               const tp_cookie_attrs *a);

#endif /* TP_SETCOOKIE_H */
