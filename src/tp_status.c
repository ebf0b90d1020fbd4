/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The status handler.
 */

#include <string.h>

#include <httpd.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include "tp_cluster_glue.h"
#include "tp_shared.h"
#include "tp_status.h"

static const char *const help[TP_STAT_COUNT] = {
    "Refresh calls made to the refresh endpoint.",
    "Refresh calls that returned new tokens.",
    "Refresh calls the endpoint rejected (the session was over).",
    "Refresh calls that failed for want of the endpoint.",
    "Requests that waited for another request's refresh.",
    "Requests that used a stored refresh result (grace window).",
    "Refreshes taken over after another's lease ran out.",
    "Requests that gave up waiting for another's refresh.",
    "Requests replayed after an upstream 401."
};

static int wants_prometheus(request_rec *r)
{
    const char *q = r->args;

    while (q && *q) {
        if (!strncmp(q, "format=prometheus", 17)
            && (q[17] == '\0' || q[17] == '&')) {
            return 1;
        }
        q = strchr(q, '&');
        q = q ? q + 1 : NULL;
    }
    return 0;
}

int tp_status_handler(request_rec *r)
{
    tp_cache_fill fill;
    int i, have_fill;

    if (!r->handler || strcmp(r->handler, TP_HANDLER_STATUS)) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    have_fill = tp_shared_fill(r, &fill);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");

    if (wants_prometheus(r)) {
        ap_set_content_type(r, "text/plain; version=0.0.4");
        if (r->header_only) {
            return OK;
        }
        for (i = 0; i < TP_STAT_COUNT; i++) {
            ap_rprintf(r, "# HELP tokenproxy_%s_total %s\n"
                       "# TYPE tokenproxy_%s_total counter\n"
                       "tokenproxy_%s_total %" APR_UINT64_T_FMT "\n",
                       tp_stat_name(i), help[i], tp_stat_name(i),
                       tp_stat_name(i), tp_stat_get(i));
        }
        if (have_fill) {
            ap_rprintf(r, "# HELP tokenproxy_cache_entries Entries in the "
                       "shared refresh state, by state.\n"
                       "# TYPE tokenproxy_cache_entries gauge\n"
                       "tokenproxy_cache_entries{state=\"in_flight\"} %ld\n"
                       "tokenproxy_cache_entries{state=\"done\"} %ld\n"
                       "tokenproxy_cache_entries{state=\"failed\"} %ld\n",
                       fill.in_flight, fill.done, fill.failed);
        }
        tp_cluster_status(r, 1);
        return OK;
    }

    ap_set_content_type(r, "application/json");
    if (r->header_only) {
        return OK;
    }
    ap_rputs("{", r);
    for (i = 0; i < TP_STAT_COUNT; i++) {
        ap_rprintf(r, "\"%s\":%" APR_UINT64_T_FMT ",", tp_stat_name(i),
                   tp_stat_get(i));
    }
    ap_rprintf(r, "\"cache\":{\"provider\":\"%s\"", tp_shared_cache_name());
    if (have_fill) {
        ap_rprintf(r, ",\"entries\":%ld,\"in_flight\":%ld,\"done\":%ld,"
                   "\"failed\":%ld", fill.entries, fill.in_flight, fill.done,
                   fill.failed);
    }
    ap_rputs("},", r);
    tp_cluster_status(r, 0);
    ap_rputs("}\n", r);
    return OK;
}
