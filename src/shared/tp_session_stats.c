/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The counters of sessions ended by a limit, in shared memory.
 */

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <apr_atomic.h>

#include "shared/tp_session_stats.h"
#include "shared/tp_shm.h"

#define RETAINED_KEY "mod_tokenproxy-session-stats-1"

static const char *const names[TP_SS_COUNT] = {
    "sessions_ended_idle", "sessions_ended_max_age"
};

static const char *const help[TP_SS_COUNT] = {
    "Sessions ended because no request used them for "
    "TokenProxySessionIdleTimeout.",
    "Sessions ended because they began more than TokenProxySessionMaxAge "
    "ago."
};

typedef struct session_stats {
    volatile apr_uint64_t n[TP_SS_COUNT];
} session_stats;

static session_stats *stats;

int tp_session_stats_post_config(server_rec *s)
{
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return 1;           /* the first pass only checks the config */
    }
    stats = tp_shm_retained(s, RETAINED_KEY, sizeof(session_stats),
                            "session counters");
    return stats != NULL;
}

void tp_session_stat_inc(tp_session_stat_e which)
{
    if (stats && which < TP_SS_COUNT) {
        apr_atomic_inc64(&stats->n[which]);
    }
}

apr_uint64_t tp_session_stat_get(tp_session_stat_e which)
{
    return stats && which < TP_SS_COUNT ? apr_atomic_read64(&stats->n[which])
                                        : 0;
}

const char *tp_session_stat_name(tp_session_stat_e which)
{
    return which < TP_SS_COUNT ? names[which] : "unknown";
}

const char *tp_session_stat_help(tp_session_stat_e which)
{
    return which < TP_SS_COUNT ? help[which] : "";
}
