/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cluster_stats: the counters of cluster-wide single flight,
 * machine-wide in shared memory kept across graceful restarts (tp_shm),
 * with their names and help texts for tokenproxy-status, and the gate that
 * lets the cluster warn at most once a minute machine-wide.
 */
#ifndef TP_CLUSTER_STATS_H
#define TP_CLUSTER_STATS_H

#include <httpd.h>

typedef enum {
    TP_CL_WON = 0,          /* claims this node won (it refreshed) */
    TP_CL_LOST,             /* claims another node held */
    TP_CL_FROM_OTHERS,      /* results taken from another node */
    TP_CL_TAKEOVERS,        /* claims taken over after a lease ran out */
    TP_CL_FALLBACKS,        /* machine-wide single flight only */
    TP_CL_ERRORS,           /* Redis commands that failed */
    TP_CL_UNDECODABLE,      /* entries that did not open */
    TP_CL_GAVE_UP,          /* requests that gave up waiting */
    TP_CL_NOT_OWNER,        /* results not published: claim lost */
    /* Sentinel, replicas and told waiters */
    TP_CL_FAILOVERS,        /* new masters seen by this machine */
    TP_CL_FAILOVER_503,     /* refreshes answered 503 during a failover */
    TP_CL_UNCONFIRMED,      /* claims no replica confirmed (WAIT) */
    TP_CL_TOLD,             /* waits ended by a notice */
    TP_CL_WAIT_TIMEOUTS,    /* waits ended at a lease's end */
    TP_CL_POLLS,            /* polls (the notice connection was down) */
    TP_CL_NODE_TOLD,        /* machine-wide waits ended by a notice */
    TP_CL_NODE_POLLS,       /* machine-wide polls of the shared state */
    TP_CL_COUNT
} tp_cluster_stat_e;

/* post_config: the block (made once).  0 after logging why. */
int tp_cluster_stats_post_config(server_rec *s);

void tp_cluster_stat_inc(tp_cluster_stat_e which);
void tp_cluster_stat_add(tp_cluster_stat_e which, apr_uint64_t n);
apr_uint64_t tp_cluster_stat_get(tp_cluster_stat_e which);
const char *tp_cluster_stat_name(tp_cluster_stat_e which);
const char *tp_cluster_stat_help(tp_cluster_stat_e which);

/* A master address ("host:port") in use: 1 when it differs from the one
 * this machine saw last (then counted in TP_CL_FAILOVERS, once per
 * machine however many children see it). */
int tp_cluster_master_seen(const char *hostport);

/* A refresh answered 503 because of a failover now; and whether one was
 * within the last 3 seconds (Retry-After: 1 then, on every request of the
 * machine, including those that shared that outcome). */
void tp_cluster_failover_seen(void);
int tp_cluster_failover_recent(void);

/* The same for the warning about unconfirmed claims, which has a gate
 * of its own: after a failover with one replica every claim is
 * unconfirmed, and that must not hide the other warnings. */
int tp_cluster_warn_unconfirmed_due(void);

/* 1 when this process may warn now: at most once a minute machine-wide. */
int tp_cluster_warn_due(void);

#endif /* TP_CLUSTER_STATS_H */
