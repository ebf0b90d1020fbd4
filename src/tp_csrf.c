/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The CSRF decision.
 */

#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "tp_csrf.h"

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
    if (!*host || strpbrk(host, "/?#@ \t")) {
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

const char *tp_csrf_check(apr_pool_t *p, const tp_csrf_in *in)
{
    const char *origin, *own;
    int i;

    if (!in->method || !strcmp(in->method, "GET")
        || !strcmp(in->method, "HEAD") || !strcmp(in->method, "OPTIONS")) {
        return NULL;
    }
    if (in->sec_fetch_site && !strcasecmp(in->sec_fetch_site, "cross-site")) {
        return "Sec-Fetch-Site: cross-site";
    }
    if (in->origin) {
        origin = tp_origin_normalize(p, in->origin);
        own = in->host ? tp_origin_normalize(p, apr_pstrcat(p, in->scheme,
                                                            "://", in->host,
                                                            NULL))
                       : NULL;
        if (!origin || !own || strcmp(origin, own)) {
            int trusted = 0;
            for (i = 0; origin && in->trusted && i < in->trusted->nelts;
                 i++) {
                const char *t = APR_ARRAY_IDX(in->trusted, i, const char *);
                if (!strcmp(origin, t)) {
                    trusted = 1;
                    break;
                }
            }
            if (!trusted) {
                return apr_psprintf(p, "Origin %s is neither this site nor "
                                    "a TokenProxyTrustedOrigin",
                                    origin ? origin : "(not an origin)");
            }
        }
    }
    if (in->required_header && !in->has_required_header) {
        return apr_psprintf(p, "no %s header", in->required_header);
    }
    return NULL;
}
