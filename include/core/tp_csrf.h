/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_csrf: the CSRF decision for an unsafe request (anything but GET, HEAD
 * and OPTIONS) to a TokenProxy location or endpoint (TokenProxyCSRF), in
 * this order:
 *   1. an Origin header that is "null" or does not parse as an origin is
 *      refused; one that is this site's own origin or a
 *      TokenProxyTrustedOrigin passes, whatever Sec-Fetch-Site says (a
 *      page cannot forge Origin); any other origin is refused;
 *   2. with no Origin, Sec-Fetch-Site: cross-site is refused;
 *   3. the configured custom header (TokenProxyCSRFHeader) must be there,
 *      for trusted origins too.
 * SameSite alone does not stop a sibling subdomain; the Origin check does.
 * Works on header values; no request structures.
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
