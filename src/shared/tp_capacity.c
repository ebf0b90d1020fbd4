/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Capacity warnings of the machine-wide refresh state.
 */

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "core/tp_sizing.h"
#include "shared/tp_cache.h"
#include "shared/tp_capacity.h"
#include "shared/tp_state.h"
#include "shared/tp_stats.h"

APLOG_USE_MODULE(tokenproxy);

/* Bytes per result measured so far, else what the configuration says. */
static apr_size_t bytes_per_entry(const tp_state *st)
{
    apr_size_t n = tp_stats_bytes_per_result();

    return n ? n : tp_sizing_entry_bytes(st->cache.token_size);
}

/* The size advice of a warning about the results cache. */
static const char *cache_advice(request_rec *r, const tp_state *st)
{
    apr_size_t per = bytes_per_entry(st);
    apr_size_t token = per > TP_SIZING_ENTRY_FIXED
                       ? per - TP_SIZING_ENTRY_FIXED : 1;
    apr_size_t want;
    long live, done;

    if (!st->cache.cache_size) {
        return apr_psprintf(r->pool, "give TokenProxyCache %s more room "
                            "(results take %" APR_SIZE_T_FMT " bytes each)",
                            st->cache.spec, per);
    }
    /* the results the claim table says are within their grace window:
     * the count is taken under the lock, like every access to it */
    if ((done = tp_state_claims_done()) < 0) {
        return "raise TokenProxyCache";
    }
    live = tp_sizing_capacity(st->cache.cache_size, token);
    if (done > live) {
        live = done;
    }
    want = tp_sizing_bytes_for(live + live / 2, token);
    if (!want) {
        return apr_psprintf(r->pool, "TokenProxyCache %s is shmcb's largest; "
                            "use another socache provider, or lower "
                            "TokenProxyRefreshGrace (results take %"
                            APR_SIZE_T_FMT " bytes each)", st->cache.spec,
                            per);
    }
    return apr_psprintf(r->pool, "set TokenProxyCache %s (%ld results "
                        "within their grace window now, %" APR_SIZE_T_FMT
                        " bytes each; TokenProxyTokenSize %" APR_SIZE_T_FMT
                        " is configured)",
                        tp_cache_spec_with_size(r->pool, st->cache.spec,
                                                want),
                        done, per, st->cache.token_size);
}

void tp_capacity_note(request_rec *r, const tp_flight_out *out)
{
    const tp_state *st = tp_state_usable();

    if (!st) {
        return;
    }
    if (out->stored_len) {
        tp_stats_stored(out->stored_len + TP_SIZING_ID_LEN
                        + TP_SIZING_INDEX_LEN);
    }
    if (out->evicted) {
        tp_stat_inc(TP_STAT_EVICTIONS);
        if (tp_stats_warn_due(TP_WARN_EVICTED)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: a refresh result was evicted from "
                          "TokenProxyCache within its grace window (%"
                          APR_UINT64_T_FMT " times so far); requests with "
                          "its old refresh token get 503 instead of the new "
                          "tokens: %s", tp_stat_get(TP_STAT_EVICTIONS),
                          cache_advice(r, st));
        }
    }
    if (out->unstored) {
        tp_stat_inc(TP_STAT_UNSTORED);
        if (tp_stats_warn_due(TP_WARN_UNSTORED)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: TokenProxyCache %s did not take a "
                          "refresh result (%" APR_UINT64_T_FMT " times so "
                          "far); requests with its old refresh token get "
                          "503: %s", st->cache.spec,
                          tp_stat_get(TP_STAT_UNSTORED),
                          cache_advice(r, st));
        }
    }
    if (out->claims_full) {
        tp_stat_inc(TP_STAT_CLAIMS_FULL);
        if (tp_stats_warn_due(TP_WARN_FULL)) {
            apr_uint32_t n = tp_claims_slots(st->claims);

            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: the table of refreshes is full (%"
                          APR_UINT64_T_FMT " times so far): requests that "
                          "need a refresh get 503: set TokenProxyRefreshSlots "
                          "%u (now %u)", tp_stat_get(TP_STAT_CLAIMS_FULL),
                          n > TP_CLAIMS_MAX / 2 ? TP_CLAIMS_MAX : 2 * n, n);
        }
    }
}
