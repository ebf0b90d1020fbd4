/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The no-store output filter.
 */

#include <strings.h>

#include <httpd.h>
#include <http_config.h>
#include <util_filter.h>

#include "request/tp_nostore.h"

#define NOSTORE_FILTER "TOKENPROXY_NOSTORE"

void tp_nostore(request_rec *r)
{
    ap_filter_t *f;

    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    for (f = r->output_filters; f; f = f->next) {
        if (!strcasecmp(f->frec->name, NOSTORE_FILTER)) {
            return;
        }
    }
    ap_add_output_filter(NOSTORE_FILTER, NULL, r, r->connection);
}

/* Drops the upstream's caching headers: only no-store goes out. */
static apr_status_t nostore_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    apr_table_unset(f->r->headers_out, "Cache-Control");
    apr_table_unset(f->r->headers_out, "Expires");
    apr_table_setn(f->r->err_headers_out, "Cache-Control", "no-store");
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

void tp_nostore_register(void)
{
    ap_register_output_filter(NOSTORE_FILTER, nostore_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
}
