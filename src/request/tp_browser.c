/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The browser's headers, for the CSRF and navigation decisions.
 */

#include <string.h>
#include <strings.h>

#include <httpd.h>
#include <http_protocol.h>

#include "core/tp_csrf.h"
#include "core/tp_nav.h"
#include "request/tp_browser.h"

static int has_header(void *rec, const char *key, const char *val)
{
    const char **want = rec;

    (void)val;
    if (*want && !strcasecmp(key, *want)) {
        *want = NULL;
        return 0;
    }
    return 1;
}

const char *tp_browser_csrf(request_rec *r, const tp_dir_conf *dc)
{
    tp_csrf_in in;
    const char *want = dc->csrf_header;

    /* GET and HEAD have M_GET, OPTIONS M_OPTIONS: the methods
     * tp_csrf_check() always lets through */
    if (!tp_conf_csrf(dc) || r->method_number == M_GET
        || r->method_number == M_OPTIONS) {
        return NULL;
    }
    memset(&in, 0, sizeof(in));
    in.method = r->method;
    in.sec_fetch_site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    in.origin = apr_table_get(r->headers_in, "Origin");
    in.scheme = ap_http_scheme(r);
    in.host = apr_table_get(r->headers_in, "Host");
    in.trusted = dc->trusted;
    in.required_header = dc->csrf_header;
    if (want) {
        apr_table_do(has_header, &want, r->headers_in, NULL);
        in.has_required_header = (want == NULL);
    }
    return tp_csrf_check(r->pool, &in);
}

static int has_sec_fetch(void *rec, const char *key, const char *val)
{
    (void)val;
    if (!strncasecmp(key, "Sec-Fetch-", 10)) {
        *(int *)rec = 1;
        return 0;
    }
    return 1;
}

const char *tp_browser_csrf_logout(request_rec *r, const tp_dir_conf *dc)
{
    tp_csrf_in in;

    if (!tp_conf_csrf(dc)) {
        return NULL;
    }
    if (r->method_number != M_GET && r->method_number != M_OPTIONS) {
        return tp_browser_csrf(r, dc);
    }
    memset(&in, 0, sizeof(in));
    in.method = r->method;
    in.sec_fetch_site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    in.sec_fetch_mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    in.sec_fetch_dest = apr_table_get(r->headers_in, "Sec-Fetch-Dest");
    apr_table_do(has_sec_fetch, &in.has_sec_fetch, r->headers_in, NULL);
    return tp_csrf_logout(r->pool, &in);
}

int tp_browser_is_navigation(request_rec *r)
{
    tp_nav_in in;

    memset(&in, 0, sizeof(in));
    in.method = r->method;
    in.sec_fetch_mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    apr_table_do(has_sec_fetch, &in.has_sec_fetch, r->headers_in, NULL);
    in.accept = apr_table_get(r->headers_in, "Accept");
    in.x_requested_with = apr_table_get(r->headers_in, "X-Requested-With");
    return tp_is_navigation(&in);
}
