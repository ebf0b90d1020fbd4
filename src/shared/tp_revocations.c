/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The machine-wide revocation table, its mutex and counters: made at
 * post_config, past the first configuration pass, in the process pool
 * and kept in retained data, so that the old and the new generation of
 * children share them; a changed TokenProxyRevocationSlots makes a new
 * table, into which the old one's live entries are copied.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <util_mutex.h>
#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>

#include "conf/tp_conf.h"
#include "shared/tp_revocations.h"
#include "shared/tp_shm.h"

APLOG_USE_MODULE(tokenproxy);

/* Versioned: a graceful restart into a build whose retained layout
 * differs starts afresh instead of reading the old layout. */
#define RETAINED_KEY "mod_tokenproxy-revocations-1"
#define STATS_KEY    "mod_tokenproxy-revocation-stats-1"

typedef struct rev_state {
    apr_global_mutex_t *mutex;
    apr_shm_t *shm;
    tp_revtable *table;
} rev_state;

typedef struct rev_stats {
    volatile apr_uint64_t n[TP_RSTAT_COUNT];
    volatile apr_uint64_t cursor;       /* the cluster reader's, ms */
    volatile apr_uint64_t last_warn;
    volatile apr_uint64_t last_poll;    /* apr_time_t */
} rev_stats;

static rev_state *st;
static rev_stats *stats;

static const char *const names[TP_RSTAT_COUNT] = {
    "sessions_ended_backchannel", "logout_tokens_accepted",
    "logout_tokens_refused", "revocations_full", "revocations_unshared",
    "revocations_synced"
};

static const char *const help[TP_RSTAT_COUNT] = {
    "Requests whose session a back-channel logout had ended.",
    "Logout tokens accepted by tokenproxy-backchannel (200).",
    "Logout tokens refused by tokenproxy-backchannel (400).",
    "Back-channel logouts answered 503 because TokenProxyRevocationSlots "
    "was full (nothing dropped).",
    "Back-channel logouts applied on this machine that Redis did not take "
    "(answered 503).",
    "Other nodes' back-channel logouts applied on this machine."
};

int tp_revocations_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, TP_REV_MUTEX_NAME, NULL,
                             APR_LOCK_DEFAULT, 0) == APR_SUCCESS
           ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* A new table of `slots`, with the live entries of the old one. */
static int create_table(server_rec *s, apr_uint32_t slots)
{
    apr_shm_t *shm;
    tp_revtable *t, *old = st->table;
    apr_status_t rv;
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_uint32_t i, lost = 0;

    rv = apr_shm_create(&shm, tp_revtable_size(slots), NULL,
                        s->process->pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "tokenproxy: could not create the shared memory of "
                     "TokenProxyRevocationSlots %u (%" APR_SIZE_T_FMT
                     " bytes)", slots, tp_revtable_size(slots));
        return 0;
    }
    t = tp_revtable_init(apr_shm_baseaddr_get(shm), slots);
    if (old) {
        /* the old generation's children may still write to the old
         * table for a moment; what they add then reaches this machine's
         * new children only through the cluster, if any */
        apr_global_mutex_lock(st->mutex);
        for (i = 0; i < tp_revtable_slots(old); i++) {
            tp_rev_entry e;
            if (tp_revtable_entry_at(old, i, now, &e)
                && !tp_revtable_add(t, &e, 1, now)) {
                lost++;
            }
        }
        apr_global_mutex_unlock(st->mutex);
        ap_log_error(APLOG_MARK, lost ? APLOG_ERR : APLOG_NOTICE, 0, s,
                     "tokenproxy: TokenProxyRevocationSlots changed to %u; "
                     "the live back-channel logouts were copied%s", slots,
                     lost ? ", but some did not fit: raise it" : "");
    }
    st->shm = shm;
    st->table = t;
    return 1;
}

int tp_revocations_post_config(server_rec *s)
{
    const tp_srv_conf *sc = tp_srv_conf_get(s);
    apr_uint32_t slots = sc->revocation_slots
                         ? (apr_uint32_t)sc->revocation_slots
                         : TP_REVTABLE_DEFAULT;
    apr_status_t rv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    st = ap_retained_data_get(RETAINED_KEY);
    if (!st) {
        st = ap_retained_data_create(RETAINED_KEY, sizeof(*st));
    }
    stats = tp_shm_retained(s, STATS_KEY, sizeof(rev_stats),
                            "revocation counters");
    if (!stats) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!st->mutex) {
        rv = ap_global_mutex_create(&st->mutex, NULL, TP_REV_MUTEX_NAME,
                                    NULL, s, s->process->pool, 0);
        if (rv != APR_SUCCESS) {
            return HTTP_INTERNAL_SERVER_ERROR;  /* httpd logged why */
        }
    }
    if ((!st->table || tp_revtable_slots(st->table) != slots)
        && !create_table(s, slots)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void tp_revocations_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!st || !st->mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(&st->mutex,
                                     apr_global_mutex_lockfile(st->mutex),
                                     pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "tokenproxy: could not open the " TP_REV_MUTEX_NAME
                     " mutex in this child");
    }
}

int tp_revocations_any(void)
{
    return st && st->table
           && tp_revtable_live(st->table, apr_time_sec(apr_time_now()));
}

int tp_revocations_end(server_rec *s, const char *iss, const char *sub,
                       const char *sid, apr_int64_t started)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    int over;

    if (!st || !st->table || !iss || !tp_revtable_live(st->table, now)) {
        return 0;               /* no logout is live: no lock */
    }
    if (apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "tokenproxy: the " TP_REV_MUTEX_NAME " mutex could not "
                     "be taken; back-channel logouts not checked");
        return 0;
    }
    over = tp_revtable_session_over(st->table, iss, sub, sid, started, now);
    apr_global_mutex_unlock(st->mutex);
    if (over) {
        tp_rstat_inc(TP_RSTAT_ENDED);
    }
    return over;
}

tp_revadd_e tp_revocations_add(const tp_rev_entry *e, int n)
{
    int ok;

    if (!st || !st->table
        || apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        return TP_REVADD_ERROR;
    }
    ok = tp_revtable_add(st->table, e, n, apr_time_sec(apr_time_now()));
    apr_global_mutex_unlock(st->mutex);
    return ok ? TP_REVADD_OK : TP_REVADD_FULL;
}

int tp_revocations_has(const tp_rev_entry *e)
{
    tp_rev_entry found;
    int has;

    if (!st || !st->table
        || apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        return 0;
    }
    has = tp_revtable_get(st->table, e->kind, e->key,
                          apr_time_sec(apr_time_now()), &found)
          && found.until >= e->until && found.iat >= e->iat;
    apr_global_mutex_unlock(st->mutex);
    return has;
}

int tp_revocations_seen(const unsigned char *jti_key)
{
    tp_rev_entry e;
    int seen;

    if (!st || !st->table
        || apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        return 0;
    }
    seen = tp_revtable_get(st->table, TP_REV_JTI, jti_key,
                           apr_time_sec(apr_time_now()), &e);
    apr_global_mutex_unlock(st->mutex);
    return seen;
}

int tp_revocations_fill(tp_revtable_fill *f)
{
    memset(f, 0, sizeof(*f));
    if (!st || !st->table
        || apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        return 0;
    }
    tp_revtable_count(st->table, apr_time_sec(apr_time_now()), f);
    apr_global_mutex_unlock(st->mutex);
    return 1;
}

apr_uint64_t tp_revocations_cursor(void)
{
    return stats ? apr_atomic_read64(&stats->cursor) : 0;
}

void tp_revocations_set_cursor(apr_uint64_t was, apr_uint64_t now)
{
    if (stats && now > was) {
        apr_atomic_cas64(&stats->cursor, now, was);
    }
}

int tp_revocations_poll_due(apr_interval_time_t every)
{
    apr_uint64_t now = (apr_uint64_t)apr_time_now(), then;

    if (!stats) {
        return 1;
    }
    then = apr_atomic_read64(&stats->last_poll);
    if (then && now > then && now - then < (apr_uint64_t)every) {
        return 0;
    }
    return apr_atomic_cas64(&stats->last_poll, now, then) == then;
}

void tp_rstat_inc(tp_rstat_e which)
{
    if (stats && which < TP_RSTAT_COUNT) {
        apr_atomic_inc64(&stats->n[which]);
    }
}

apr_uint64_t tp_rstat_get(tp_rstat_e which)
{
    return stats && which < TP_RSTAT_COUNT
           ? apr_atomic_read64(&stats->n[which]) : 0;
}

const char *tp_rstat_name(tp_rstat_e which)
{
    return which < TP_RSTAT_COUNT ? names[which] : "unknown";
}

const char *tp_rstat_help(tp_rstat_e which)
{
    return which < TP_RSTAT_COUNT ? help[which] : "";
}

int tp_revocations_warn_due(void)
{
    return stats && tp_shm_warn_due(&stats->last_warn);
}
