/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Set-Cookie values for the token cookies.
 */

#include <apr_strings.h>

#include "core/tp_setcookie.h"

static const char *attrs(apr_pool_t *p, const tp_cookie_attrs *a)
{
    static const char *const samesite[] = { "Strict", "Lax", "None" };
    int secure = a->secure || a->samesite == TP_SAMESITE_NONE;

    return apr_pstrcat(p, "; HttpOnly", secure ? "; Secure" : "",
                       "; SameSite=", samesite[a->samesite], NULL);
}

const char *tp_setcookie(apr_pool_t *p, const char *name, const char *value,
                         apr_int64_t max_age, const tp_cookie_attrs *a)
{
    const char *age = "";

    if (max_age >= 0) {
        age = apr_psprintf(p, "; Max-Age=%" APR_INT64_T_FMT, max_age);
    }
    return apr_pstrcat(p, name, "=", value, "; Path=",
                       a->path ? a->path : "/", age, attrs(p, a), NULL);
}

const char *tp_setcookie_clear(apr_pool_t *p, const char *name,
                               const tp_cookie_attrs *a)
{
    return apr_pstrcat(p, name, "=; Path=", a->path ? a->path : "/",
                       "; Max-Age=0", attrs(p, a), NULL);
}
