/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_stats: the refresh counters since start, machine-wide: one block of
 * shared memory (tp_shm, kept across graceful restarts) that every child
 * process adds to atomically, read by tokenproxy-status.  Also the bytes
 * of the results stored so far, which size the capacity warnings, and the
 * times those warnings last went out.
 */
#ifndef TP_STATS_H
#define TP_STATS_H

#include <httpd.h>

typedef enum {
    TP_STAT_STARTED = 0,    /* refresh calls made */
    TP_STAT_SUCCEEDED,
    TP_STAT_REJECTED,
    TP_STAT_UNAVAILABLE,
    TP_STAT_WAITS,          /* waited for another request's refresh */
    TP_STAT_GRACE_HITS,     /* used a stored result at once */
    TP_STAT_TAKEOVERS,      /* lease ran out, refreshed instead */
    TP_STAT_GAVE_UP,        /* waited until the deadline */
    TP_STAT_REPLAYS,        /* requests replayed after an upstream 401 */
    TP_STAT_EVICTIONS,      /* results gone from the cache within grace */
    TP_STAT_UNSTORED,       /* results the cache would not take */
    TP_STAT_CLAIMS_FULL,    /* no free claim slot: 503, nothing refreshed */
    TP_STAT_COUNT
} tp_stat_e;

/* The warnings that go out at most once a minute. */
typedef enum {
    TP_WARN_EVICTED = 0, TP_WARN_UNSTORED, TP_WARN_FULL, TP_WARN_COUNT
} tp_warn_e;

/* post_config: the block (made once).  0 after logging why. */
int tp_stats_post_config(server_rec *s);

void tp_stat_inc(tp_stat_e which);
apr_uint64_t tp_stat_get(tp_stat_e which);
const char *tp_stat_name(tp_stat_e which);
/* The status page's help text of a counter. */
const char *tp_stat_help(tp_stat_e which);

/* A result of len bytes was stored in the cache. */
void tp_stats_stored(apr_size_t len);
/* The bytes per stored result so far; 0 before the first. */
apr_size_t tp_stats_bytes_per_result(void);
/* 1 when this warning may go out now (tp_shm_warn_due). */
int tp_stats_warn_due(tp_warn_e which);

#endif /* TP_STATS_H */
