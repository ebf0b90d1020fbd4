/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The cluster's counters in shared memory.
 */

#include <httpd.h>
#include <apr_atomic.h>

#include "shared/tp_cluster_stats.h"
#include "shared/tp_shm.h"

#define RETAINED_KEY "mod_tokenproxy-cluster-stats-3"

static const char *const names[TP_CL_COUNT] = {
    "claims_won", "claims_lost", "results_from_other_nodes", "takeovers",
    "fallbacks", "redis_errors", "undecodable_entries", "wait_deadlines",
    "late_publishes", "failovers", "failover_unavailable",
    "claims_unconfirmed", "waits_told", "waits_timed_out", "wait_polls",
    "node_waits_told", "node_wait_polls"
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
    "Results not published: the claim was no longer this node's.",
    "New Redis masters named by the Sentinels, seen by this machine.",
    "Refreshes answered 503 while the cluster's Redis was in a failover.",
    "Claims not confirmed by TokenProxyClusterReplicas replicas (WAIT).",
    "Waits for another node's result ended by its notice.",
    "Waits for another node's result ended at the end of its lease.",
    "Polls for another node's result (no notice connection).",
    "Waits for a refresh of this machine ended by a notice.",
    "Polls of this machine's refresh state while a refresh ran (no "
    "notice connection, or told before the result was stored here)."
};

typedef struct cluster_stats {
    volatile apr_uint64_t n[TP_CL_COUNT];
    volatile apr_uint64_t last_warn;        /* apr_time_t */
    volatile apr_uint32_t master;           /* hash of the last master */
    volatile apr_uint64_t failover_at;      /* apr_time_t of the last 503 */
    volatile apr_uint64_t last_warn_unconfirmed;
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

void tp_cluster_stat_add(tp_cluster_stat_e which, apr_uint64_t n)
{
    if (stats && which < TP_CL_COUNT) {
        apr_atomic_add64(&stats->n[which], n);
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

int tp_cluster_master_seen(const char *hostport)
{
    apr_uint32_t h = 2166136261u, old;
    const unsigned char *c;

    if (!stats) {
        return 0;
    }
    for (c = (const unsigned char *)hostport; *c; c++) {
        h = (h ^ *c) * 16777619u;
    }
    h |= 1;                                 /* 0: none seen yet */
    old = apr_atomic_read32(&stats->master);
    if (old == h || apr_atomic_cas32(&stats->master, h, old) != old) {
        return 0;                           /* known, or another child */
    }
    if (old) {
        apr_atomic_inc64(&stats->n[TP_CL_FAILOVERS]);
    }
    return old != 0;
}

void tp_cluster_failover_seen(void)
{
    if (stats) {
        apr_atomic_set64(&stats->failover_at, (apr_uint64_t)apr_time_now());
    }
}

int tp_cluster_failover_recent(void)
{
    apr_time_t at = stats ? (apr_time_t)apr_atomic_read64(&stats->failover_at)
                          : 0;

    return at && apr_time_now() - at < apr_time_from_sec(3);
}

int tp_cluster_warn_unconfirmed_due(void)
{
    return !stats || tp_shm_warn_due(&stats->last_warn_unconfirmed);
}
