/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_session_stats: the counters of sessions ended by a limit
 * (TokenProxySessionIdleTimeout, TokenProxySessionMaxAge), machine-wide
 * in shared memory kept across graceful restarts (tp_shm), read by
 * tokenproxy-status.
 */
#ifndef TP_SESSION_STATS_H
#define TP_SESSION_STATS_H

#include <httpd.h>

typedef enum {
    TP_SS_IDLE = 0,         /* sessions ended for idleness */
    TP_SS_AGED,             /* sessions ended for their age */
    TP_SS_COUNT
} tp_session_stat_e;

/* post_config (not the first pass): the block.  0 after logging why. */
int tp_session_stats_post_config(server_rec *s);

void tp_session_stat_inc(tp_session_stat_e which);
apr_uint64_t tp_session_stat_get(tp_session_stat_e which);
const char *tp_session_stat_name(tp_session_stat_e which);
const char *tp_session_stat_help(tp_session_stat_e which);

#endif /* TP_SESSION_STATS_H */
