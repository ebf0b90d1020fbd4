/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The refresh counters in shared memory.
 */

#include <httpd.h>
#include <apr_atomic.h>

#include "shared/tp_shm.h"
#include "shared/tp_stats.h"

/* Versioned: a graceful restart into a build whose block differs starts
 * afresh instead of reading the old layout. */
#define RETAINED_KEY "mod_tokenproxy-stats-1"

typedef struct tp_stats {
    volatile apr_uint64_t n[TP_STAT_COUNT];
    volatile apr_uint64_t stored, stored_bytes;  /* results put, bytes */
    volatile apr_uint64_t last_warn[TP_WARN_COUNT];  /* apr_time_t */
} tp_stats;

static tp_stats *stats;              /* this process's view */

static const char *const names[TP_STAT_COUNT] = {
    "refreshes_started", "refreshes_succeeded", "refreshes_rejected",
    "refreshes_unavailable", "waits", "grace_hits", "lease_takeovers",
    "wait_deadlines", "replays", "results_evicted", "results_unstored",
    "claims_full"
};

static const char *const help[TP_STAT_COUNT] = {
    "Refresh calls made to the refresh endpoint.",
    "Refresh calls that returned new tokens.",
    "Refresh calls the endpoint rejected (the session was over).",
    "Refresh calls that failed for want of the endpoint.",
    "Requests that waited for another request's refresh.",
    "Requests that used a stored refresh result (grace window).",
    "Refreshes taken over after another's lease ran out.",
    "Requests that gave up waiting for another's refresh.",
    "Requests replayed after an upstream 401.",
    "Requests whose refresh result, within its grace window, had been "
    "evicted from TokenProxyCache (answered 503, nothing refreshed).",
    "Refresh results TokenProxyCache would not store.",
    "Requests that needed a refresh and found no free slot in "
    "TokenProxyRefreshSlots (answered 503, nothing refreshed)."
};

int tp_stats_post_config(server_rec *s)
{
    stats = tp_shm_retained(s, RETAINED_KEY, sizeof(tp_stats), "counters");
    return stats != NULL;
}

void tp_stat_inc(tp_stat_e which)
{
    if (stats && which < TP_STAT_COUNT) {
        apr_atomic_inc64(&stats->n[which]);
    }
}

apr_uint64_t tp_stat_get(tp_stat_e which)
{
    return (stats && which < TP_STAT_COUNT)
           ? apr_atomic_read64(&stats->n[which]) : 0;
}

const char *tp_stat_name(tp_stat_e which)
{
    return which < TP_STAT_COUNT ? names[which] : "unknown";
}

const char *tp_stat_help(tp_stat_e which)
{
    return which < TP_STAT_COUNT ? help[which] : "";
}

void tp_stats_stored(apr_size_t len)
{
    if (stats) {
        apr_atomic_inc64(&stats->stored);
        apr_atomic_add64(&stats->stored_bytes, len);
    }
}

apr_size_t tp_stats_bytes_per_result(void)
{
    apr_uint64_t n = stats ? apr_atomic_read64(&stats->stored) : 0;

    return n ? (apr_size_t)(apr_atomic_read64(&stats->stored_bytes) / n) : 0;
}

int tp_stats_warn_due(tp_warn_e which)
{
    return stats && which < TP_WARN_COUNT
           && tp_shm_warn_due(&stats->last_warn[which]);
}
