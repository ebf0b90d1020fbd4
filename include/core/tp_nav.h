/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_nav: what happens when a session is over.  A browser navigation is
 * sent to the login page, with a return path that always stays on this
 * site; anything else (fetch, XHR) gets a 401 it can handle.  Works on
 * header values; no request structures.
 */
#ifndef TP_NAV_H
#define TP_NAV_H

#include <apr_pools.h>

/* The request headers that decide. */
typedef struct tp_nav_in {
    const char *method;            /* "GET", ... */
    const char *sec_fetch_mode;    /* Sec-Fetch-Mode or NULL */
    int has_sec_fetch;             /* any Sec-Fetch-* header present */
    const char *accept;            /* Accept or NULL */
    const char *x_requested_with;  /* X-Requested-With or NULL */
} tp_nav_in;

/* GET or HEAD, and Sec-Fetch-Mode: navigate; or, without any Sec-Fetch
 * header, an Accept naming text/html and no X-Requested-With. */
int tp_is_navigation(const tp_nav_in *in);

/* The request target as a same-site path ("/..."), or "/" when it could
 * lead elsewhere ("//host", "/\\host", a scheme, control bytes), also once
 * an application decodes and resolves it: a "." or ".." path segment
 * ("/.//host", "/..//host"), an encoded '/' or '\\' at its start, or a
 * backslash, in any spelling ("%2e", "%2E", "%2f", "%5c"). */
const char *tp_safe_return(apr_pool_t *p, const char *target);

/* login_url with "return=<safe path>" appended as a query parameter. */
const char *tp_login_location(apr_pool_t *p, const char *login_url,
                              const char *target);

#endif /* TP_NAV_H */
