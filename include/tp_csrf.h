/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_csrf: the CSRF decision for a request that carries a token cookie
 * (TokenProxyCSRF).  An unsafe method (anything but GET, HEAD, OPTIONS) is
 * refused when Sec-Fetch-Site says cross-site, when an Origin header names
 * neither the request's own origin nor a trusted one, or when the
 * configured custom header is missing.  SameSite alone does not stop a
 * sibling subdomain; the Origin check does.  Works on header values; no
 * request structures.
 */
#ifndef TP_CSRF_H
#define TP_CSRF_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct tp_csrf_in {
    const char *method;
    const char *sec_fetch_site;     /* or NULL */
    const char *origin;             /* or NULL */
    const char *scheme;             /* "http" or "https" */
    const char *host;               /* the Host header, or NULL */
    const apr_array_header_t *trusted;  /* const char *: origins, or NULL */
    const char *required_header;    /* TokenProxyCSRFHeader name, or NULL */
    int has_required_header;
} tp_csrf_in;

/* NULL to let the request through, or why it is refused (for the log). */
const char *tp_csrf_check(apr_pool_t *p, const tp_csrf_in *in);

/* "scheme://host[:port]" lowercased, the default port dropped; NULL when
 * it is not an origin. */
const char *tp_origin_normalize(apr_pool_t *p, const char *origin);

#endif /* TP_CSRF_H */
