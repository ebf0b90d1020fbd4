/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The cluster's counters in shared memory.
 */

#include <httpd.h>
#include <apr_atomic.h>

#include "shared/tp_cluster_stats.h"
#include "shared/tp_shm.h"

#define RETAINED_KEY "mod_tokenproxy-cluster-stats-1"

static const char *const names[TP_CL_COUNT] = {
    "claims_won", "claims_lost", "results_from_other_nodes", "takeovers",
    "fallbacks", "redis_errors", "undecodable_entries", "wait_deadlines",
    "late_publishes"
};

static const char *const help[TP_CL_COUNT] = {
    "Cluster claims this node won (it ran the refresh).",
    "Cluster claims held by another node when this node tried.",
    "Refresh results taken from another node.",
    "Claims taken over after another node's lease ran out.",
    "Refreshes made with machine-wide single flight only, Redis failing.",
    "Redis commands that failed (down, timeout, refused, garbage).",
    "Cluster entries that did not open with TokenProxyClusterKey.",
    "Requests that gave up waiting for another node's refresh.",
    "Results not published: the claim was no longer this node's."
};

typedef struct cluster_stats {
    volatile apr_uint64_t n[TP_CL_COUNT];
    volatile apr_uint64_t last_warn;        /* apr_time_t */
} cluster_stats;

static cluster_stats *stats;

int tp_cluster_stats_post_config(server_rec *s)
{
    stats = tp_shm_retained(s, RETAINED_KEY, sizeof(cluster_stats),
                            "cluster counters");
    return stats != NULL;
}

void tp_cluster_stat_inc(tp_cluster_stat_e which)
{
    if (stats && which < TP_CL_COUNT) {
        apr_atomic_inc64(&stats->n[which]);
    }
}

apr_uint64_t tp_cluster_stat_get(tp_cluster_stat_e which)
{
    return stats && which < TP_CL_COUNT ? apr_atomic_read64(&stats->n[which])
                                        : 0;
}

const char *tp_cluster_stat_name(tp_cluster_stat_e which)
{
    return which < TP_CL_COUNT ? names[which] : "unknown";
}

const char *tp_cluster_stat_help(tp_cluster_stat_e which)
{
    return which < TP_CL_COUNT ? help[which] : "";
}

int tp_cluster_warn_due(void)
{
    return !stats || tp_shm_warn_due(&stats->last_warn);
}
