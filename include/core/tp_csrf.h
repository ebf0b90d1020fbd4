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
    /* for tp_csrf_logout() */
    const char *sec_fetch_mode;     /* or NULL */
    const char *sec_fetch_dest;     /* or NULL */
    int has_sec_fetch;              /* any Sec-Fetch-* header at all */
} tp_csrf_in;

/* NULL to let the request through, or why it is refused (for the log). */
const char *tp_csrf_check(apr_pool_t *p, const tp_csrf_in *in);

/* The same for a request to the logout endpoint, which logs out whatever
 * the method: an unsafe method by tp_csrf_check(); GET, HEAD and OPTIONS
 * only as a top-level navigation that the browser marks same-origin or
 * user-initiated (Sec-Fetch-Site: same-origin or none, Sec-Fetch-Mode:
 * navigate, Sec-Fetch-Dest: document when sent), or from a client that
 * sends no Sec-Fetch-* header at all (an older browser, or no browser).
 * An image, a frame or a link from another page, even of this site's
 * siblings, is refused: it would log the user out and revoke the
 * refresh token. */
const char *tp_csrf_logout(apr_pool_t *p, const tp_csrf_in *in);

/* "scheme://host[:port]" lowercased, the default port dropped; NULL when
 * it is not an origin. */
const char *tp_origin_normalize(apr_pool_t *p, const char *origin);

#endif /* TP_CSRF_H */
