/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The status handler.
 */

#include <string.h>

#include <httpd.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include "handle/tp_status.h"
#include "handle/tp_status_revocations.h"
#include "shared/tp_apicache.h"
#include "shared/tp_cluster_glue.h"
#include "shared/tp_cluster_stats.h"
#include "shared/tp_session_stats.h"
#include "shared/tp_state.h"
#include "shared/tp_stats.h"

/* The cluster's part: a JSON member "cluster":{...} (without a leading
 * comma), or Prometheus lines. */
static void cluster_status(request_rec *r, int prometheus)
{
    const char *state = tp_cluster_state(r);
    int i;

    if (prometheus) {
        ap_rprintf(r, "# HELP tokenproxy_cluster_up 1 when the cluster's "
                   "Redis answers, 0 when it does not, -1 when no "
                   "TokenProxyCluster is configured.\n"
                   "# TYPE tokenproxy_cluster_up gauge\n"
                   "tokenproxy_cluster_up %d\n",
                   !strcmp(state, "up") ? 1 : !strcmp(state, "off") ? -1
                                                                    : 0);
        if (*tp_cluster_master(r)) {
            ap_rprintf(r, "# HELP tokenproxy_cluster_master_info The "
                       "Redis master in use (Sentinel).\n"
                       "# TYPE tokenproxy_cluster_master_info gauge\n"
                       "tokenproxy_cluster_master_info{master=\"%s\"} 1\n",
                       ap_escape_quotes(r->pool, tp_cluster_master(r)));
        }
        for (i = 0; i < TP_CL_COUNT; i++) {
            ap_rprintf(r, "# HELP tokenproxy_cluster_%s_total %s\n"
                       "# TYPE tokenproxy_cluster_%s_total counter\n"
                       "tokenproxy_cluster_%s_total %" APR_UINT64_T_FMT "\n",
                       tp_cluster_stat_name(i), tp_cluster_stat_help(i),
                       tp_cluster_stat_name(i), tp_cluster_stat_name(i),
                       tp_cluster_stat_get(i));
        }
        return;
    }
    ap_rprintf(r, "\"cluster\":{\"state\":\"%s\"", state);
    if (strcmp(state, "off")) {
        ap_rprintf(r, ",\"master\":\"%s\"",
                   ap_escape_quotes(r->pool, tp_cluster_master(r)));
    }
    for (i = 0; i < TP_CL_COUNT; i++) {
        ap_rprintf(r, ",\"%s\":%" APR_UINT64_T_FMT, tp_cluster_stat_name(i),
                   tp_cluster_stat_get(i));
    }
    ap_rputs("}", r);
}

/* issue 19: sessions ended by a limit, as JSON members (each followed by
 * a comma) or Prometheus counters. */
static void session_status(request_rec *r, int prometheus)
{
    int i;

    for (i = 0; i < TP_SS_COUNT; i++) {
        if (prometheus) {
            ap_rprintf(r, "# HELP tokenproxy_%s_total %s\n"
                       "# TYPE tokenproxy_%s_total counter\n"
                       "tokenproxy_%s_total %" APR_UINT64_T_FMT "\n",
                       tp_session_stat_name(i), tp_session_stat_help(i),
                       tp_session_stat_name(i), tp_session_stat_name(i),
                       tp_session_stat_get(i));
        }
        else {
            ap_rprintf(r, "\"%s\":%" APR_UINT64_T_FMT ",",
                       tp_session_stat_name(i), tp_session_stat_get(i));
        }
    }
}

/* The API tokens' part (TokenProxyTokenType, TokenProxyExchange): a JSON
 * member "api":{...}, (with a trailing comma), or Prometheus lines. */
static void api_status(request_rec *r, int prometheus)
{
    long kept = 0;
    apr_uint64_t bytes = 0;
    int have = tp_apicache_fill(r, &kept, &bytes), i;

    if (prometheus) {
        for (i = 0; i < TP_API_STAT_COUNT; i++) {
            ap_rprintf(r, "# HELP tokenproxy_%s_total %s\n"
                       "# TYPE tokenproxy_%s_total counter\n"
                       "tokenproxy_%s_total %" APR_UINT64_T_FMT "\n",
                       tp_api_stat_name(i), tp_api_stat_help(i),
                       tp_api_stat_name(i), tp_api_stat_name(i),
                       tp_api_stat_get(i));
        }
        if (have) {
            ap_rprintf(r, "# HELP tokenproxy_api_tokens API tokens in "
                       "TokenProxyAPITokenCache.\n"
                       "# TYPE tokenproxy_api_tokens gauge\n"
                       "tokenproxy_api_tokens %ld\n"
                       "# HELP tokenproxy_api_tokens_bytes Their bytes.\n"
                       "# TYPE tokenproxy_api_tokens_bytes gauge\n"
                       "tokenproxy_api_tokens_bytes %" APR_UINT64_T_FMT "\n",
                       kept, bytes);
        }
        return;
    }
    ap_rprintf(r, "\"api\":{\"cache\":\"%s\"", tp_apicache_name());
    for (i = 0; i < TP_API_STAT_COUNT; i++) {
        ap_rprintf(r, ",\"%s\":%" APR_UINT64_T_FMT, tp_api_stat_name(i),
                   tp_api_stat_get(i));
    }
    if (have) {
        ap_rprintf(r, ",\"tokens\":%ld,\"bytes\":%" APR_UINT64_T_FMT,
                   kept, bytes);
    }
    ap_rputs("},", r);
}

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
    have_fill = tp_state_fill(r, &fill);
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
                       tp_stat_name(i), tp_stat_help(i), tp_stat_name(i),
                       tp_stat_name(i), tp_stat_get(i));
        }
        session_status(r, 1);
        if (have_fill) {
            ap_rprintf(r, "# HELP tokenproxy_cache_entries Refresh results "
                       "in TokenProxyCache.\n"
                       "# TYPE tokenproxy_cache_entries gauge\n"
                       "tokenproxy_cache_entries %ld\n"
                       "# HELP tokenproxy_cache_bytes Bytes the refresh "
                       "results take in TokenProxyCache.\n"
                       "# TYPE tokenproxy_cache_bytes gauge\n"
                       "tokenproxy_cache_bytes %" APR_UINT64_T_FMT "\n",
                       fill.entries, fill.bytes);
            if (fill.capacity) {
                ap_rprintf(r, "# HELP tokenproxy_cache_capacity_entries "
                           "Refresh results TokenProxyCache holds at "
                           "TokenProxyTokenSize.\n"
                           "# TYPE tokenproxy_cache_capacity_entries gauge\n"
                           "tokenproxy_cache_capacity_entries %ld\n",
                           fill.capacity);
            }
            ap_rprintf(r, "# HELP tokenproxy_claims Slots in use in the "
                       "table of refreshes, by state.\n"
                       "# TYPE tokenproxy_claims gauge\n"
                       "tokenproxy_claims{state=\"in_flight\"} %ld\n"
                       "tokenproxy_claims{state=\"done\"} %ld\n"
                       "tokenproxy_claims{state=\"failed\"} %ld\n"
                       "# HELP tokenproxy_claims_slots Slots of the table of "
                       "refreshes (TokenProxyRefreshSlots).\n"
                       "# TYPE tokenproxy_claims_slots gauge\n"
                       "tokenproxy_claims_slots %ld\n",
                       fill.claims.in_flight, fill.claims.done,
                       fill.claims.failed, fill.claims.slots);
        }
        api_status(r, 1);
        cluster_status(r, 1);
        tp_status_revocations(r, 1);
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
    session_status(r, 0);
    ap_rprintf(r, "\"cache\":{\"provider\":\"%s\"", tp_state_cache_name());
    if (have_fill) {
        ap_rprintf(r, ",\"entries\":%ld,\"bytes\":%" APR_UINT64_T_FMT,
                   fill.entries, fill.bytes);
        if (fill.entries) {
            ap_rprintf(r, ",\"bytes_per_entry\":%" APR_UINT64_T_FMT,
                       fill.bytes / (apr_uint64_t)fill.entries);
        }
        if (fill.capacity) {
            ap_rprintf(r, ",\"size\":%" APR_SIZE_T_FMT ",\"capacity\":%ld,"
                       "\"fill_percent\":%ld", fill.size, fill.capacity,
                       fill.entries * 100 / fill.capacity);
        }
        ap_rprintf(r, "},\"claims\":{\"slots\":%ld,\"in_flight\":%ld,"
                   "\"done\":%ld,\"failed\":%ld", fill.claims.slots,
                   fill.claims.in_flight, fill.claims.done,
                   fill.claims.failed);
    }
    ap_rputs("},", r);
    api_status(r, 0);
    cluster_status(r, 0);
    ap_rputs(",", r);
    tp_status_revocations(r, 0);
    ap_rputs("}\n", r);
    return OK;
}
