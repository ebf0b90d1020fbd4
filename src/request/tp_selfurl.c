/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The site's own absolute URLs.
 */

#include <string.h>

#include <httpd.h>
#include <http_core.h>
#include <http_protocol.h>

#include "core/tp_oidc_req.h"
#include "request/tp_selfurl.h"

const char *tp_selfurl(request_rec *r, const char *u)
{
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *h;

    if (!u || u[0] != '/') {
        return u;
    }
    for (h = host; h && *h; h++) {
        if ((unsigned char)*h <= 0x20 || (unsigned char)*h >= 0x7f
            || strchr("/\\?#@", *h)) {
            host = NULL;
            break;
        }
    }
    if (!host || !*host) {
        return ap_construct_url(r->pool, u, r);
    }
    return tp_oidc_absolute(r->pool, ap_http_scheme(r), host, u);
}
