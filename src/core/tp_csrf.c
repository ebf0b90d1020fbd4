/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The CSRF decision.
 */

#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "core/tp_csrf.h"

/* host[:port]: a reg-name of letters, digits, '-' and '.', or an IPv6
 * literal in brackets; the port, when there, 1 to 5 digits. */
static int host_port_valid(const char *s)
{
    const char *p = s;
    int digits = 0;

    if (*p == '[') {
        for (p++; apr_isxdigit(*p) || *p == ':' || *p == '.'; p++) {
        }
        if (*p != ']' || p == s + 1) {
            return 0;
        }
        p++;
    }
    else {
        for (; apr_isalnum(*p) || *p == '-' || *p == '.'; p++) {
        }
        if (p == s) {
            return 0;
        }
    }
    if (*p == ':') {
        for (p++; apr_isdigit(*p); p++) {
            digits++;
        }
        if (digits < 1 || digits > 5) {
            return 0;
        }
    }
    return *p == '\0';
}

const char *tp_origin_normalize(apr_pool_t *p, const char *origin)
{
    const char *sep, *host, *port;
    char *out, *q;
    int https;

    if (!origin || !(sep = strstr(origin, "://"))) {
        return NULL;
    }
    if ((apr_size_t)(sep - origin) == 5 && !strncasecmp(origin, "https", 5)) {
        https = 1;
    }
    else if ((apr_size_t)(sep - origin) == 4
             && !strncasecmp(origin, "http", 4)) {
        https = 0;
    }
    else {
        return NULL;
    }
    host = sep + 3;
    if (!host_port_valid(host)) {
        return NULL;        /* an origin has no path, query or user */
    }
    out = apr_pstrcat(p, https ? "https://" : "http://", host, NULL);
    for (q = out; *q; q++) {
        *q = (char)apr_tolower(*q);
    }
    /* drop the default port (IPv6 literals end with ']') */
    port = strrchr(out + (https ? 8 : 7), ':');
    if (port && !strchr(port, ']')
        && !strcmp(port + 1, https ? "443" : "80")) {
        out[port - out] = '\0';
    }
    return out;
}

/* Is origin (normalized) one of the trusted ones? */
static int trusted(const apr_array_header_t *list, const char *origin)
{
    int i;

    for (i = 0; list && i < list->nelts; i++) {
        if (!strcmp(origin, APR_ARRAY_IDX(list, i, const char *))) {
            return 1;
        }
    }
    return 0;
}

/*
 * The rules, in this order:
 *   1. GET, HEAD and OPTIONS pass;
 *   2. with an Origin header: "null", or anything that is not an origin,
 *      is refused; this site's own origin or a trusted one passes the
 *      origin part whatever Sec-Fetch-Site says (a page cannot forge
 *      Origin); any other origin is refused;
 *   3. without one: Sec-Fetch-Site: cross-site is refused;
 *   4. the TokenProxyCSRFHeader, when configured, must be there.
 */
/* The methods the check always lets through; tp_browser_csrf() skips
 * them by method number before it gathers the headers. */
static int safe_method(const char *method)
{
    return !method || !strcmp(method, "GET") || !strcmp(method, "HEAD")
           || !strcmp(method, "OPTIONS");
}

const char *tp_csrf_check(apr_pool_t *p, const tp_csrf_in *in)
{
    const char *origin, *own;

    if (safe_method(in->method)) {
        return NULL;
    }
    if (in->origin) {
        if (!(origin = tp_origin_normalize(p, in->origin))) {
            return apr_psprintf(p, "Origin %.100s is not an origin (an "
                                "opaque origin such as null is never "
                                "trusted)", in->origin);
        }
        own = in->host ? tp_origin_normalize(p, apr_pstrcat(p, in->scheme,
                                                            "://", in->host,
                                                            NULL))
                       : NULL;
        if ((!own || strcmp(origin, own)) && !trusted(in->trusted, origin)) {
            return apr_psprintf(p, "Origin %s is neither this site nor a "
                                "TokenProxyTrustedOrigin", origin);
        }
    }
    else if (in->sec_fetch_site
             && !strcasecmp(in->sec_fetch_site, "cross-site")) {
        return "Sec-Fetch-Site: cross-site without an Origin";
    }
    if (in->required_header && !in->has_required_header) {
        return apr_psprintf(p, "no %s header", in->required_header);
    }
    return NULL;
}

/* an ASCII-case-insensitive header value, or absent */
static int is(const char *value, const char *want)
{
    return value && !strcasecmp(value, want);
}

const char *tp_csrf_logout(apr_pool_t *p, const tp_csrf_in *in)
{
    if (!safe_method(in->method)) {
        return tp_csrf_check(p, in);
    }
    if (!in->has_sec_fetch) {
        return NULL;        /* no Sec-Fetch-*: an older browser, or none */
    }
    if ((is(in->sec_fetch_site, "same-origin")
         || is(in->sec_fetch_site, "none"))
        && is(in->sec_fetch_mode, "navigate")
        && (!in->sec_fetch_dest || is(in->sec_fetch_dest, "document"))) {
        return NULL;
    }
    return apr_psprintf(p, "a logout by %s is only taken as a same-origin "
                        "or user-initiated top-level navigation, and this "
                        "is Sec-Fetch-Site: %.40s, Sec-Fetch-Mode: %.40s, "
                        "Sec-Fetch-Dest: %.40s", in->method ? in->method
                                                            : "GET",
                        in->sec_fetch_site ? in->sec_fetch_site : "(none)",
                        in->sec_fetch_mode ? in->sec_fetch_mode : "(none)",
                        in->sec_fetch_dest ? in->sec_fetch_dest : "(none)");
}
