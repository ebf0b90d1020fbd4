/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Back-channel logouts through Redis (see tp_revsync.h).
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "conf/tp_conf.h"
#include "core/tp_redis.h"
#include "shared/tp_cluster_glue.h"
#include "shared/tp_revocations.h"
#include "shared/tp_revsync.h"

APLOG_USE_MODULE(tokenproxy);

/* The entry, scored by Redis's clock; the set trimmed to the keep window
 * and its TTL never shortened. */
static const char push_script[] =
    "local t = redis.call('TIME')\n"
    "local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local keep = tonumber(ARGV[2])\n"
    "redis.call('ZADD', KEYS[1], ms, ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - keep)\n"
    "if redis.call('PTTL', KEYS[1]) < keep then\n"
    "  redis.call('PEXPIRE', KEYS[1], keep)\n"
    "end\n"
    "return ms\n";

#define PAGE 500
#define OVERLAP_MS 1000

static const tp_srv_conf *conf;
static tp_redis *writer;            /* the endpoint's connection */
static tp_redis *reader_conn;       /* the reader thread's */
static server_rec *server;
#if APR_HAS_THREADS
static apr_thread_t *reader_thread;
#endif
static volatile apr_uint32_t stopping;

int tp_revsync_enabled(void)
{
    return writer != NULL;
}

int tp_revsync_push(apr_pool_t *p, const tp_rev_entry *e, apr_int64_t keep,
                    const char **why)
{
    const char *member, *keep_ms;
    const char *argv[2];
    apr_size_t lens[2];
    tp_redis_reply rep;

    *why = NULL;
    if (!writer) {
        *why = "no TokenProxyCluster";
        return 0;
    }
    if (!(member = tp_revtable_seal(p, conf->cluster_key, e))) {
        *why = "the entry could not be sealed";
        return 0;
    }
    keep_ms = apr_psprintf(p, "%" APR_INT64_T_FMT,
                           (keep + 120) * APR_INT64_C(1000));
    argv[0] = member;
    lens[0] = strlen(member);
    argv[1] = keep_ms;
    lens[1] = strlen(keep_ms);
    tp_redis_script(writer, p, push_script, TP_REVSYNC_KEY,
                    strlen(TP_REVSYNC_KEY), 2, argv, lens, &rep);
    if (rep.type == TP_REDIS_INTEGER) {
        return 1;
    }
    *why = rep.type == TP_REDIS_ERROR ? rep.error
           : rep.type == TP_REDIS_REFUSED
           ? apr_pstrcat(p, "Redis refused the script: ",
                         ap_escape_logitem(p, apr_pstrndup(p, rep.str, 120)),
                         NULL)
           : "an unexpected answer from Redis";
    return 0;
}

/* One reading: what was written since the cursor (less the overlap).
 * The cursor moves on only past entries that were applied. */
static void read_once(apr_pool_t *p)
{
    apr_uint64_t cursor = tp_revocations_cursor(), top = cursor;
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *min = apr_psprintf(p, "%" APR_UINT64_T_FMT,
                                   cursor > OVERLAP_MS ? cursor - OVERLAP_MS
                                                       : 0);
    const char *argv[8] = { "ZRANGEBYSCORE", TP_REVSYNC_KEY, min, "+inf",
                            "WITHSCORES", "LIMIT", NULL, "500" };
    apr_size_t lens[8];
    int offset = 0, i, undecodable = 0, full = 0;
    tp_redis_reply rep;

    for (;;) {
        argv[6] = apr_itoa(p, offset);
        for (i = 0; i < 8; i++) {
            lens[i] = strlen(argv[i]);
        }
        tp_redis_command(reader_conn, p, 8, argv, lens, &rep);
        if (rep.type != TP_REDIS_ARRAY) {
            /* Redis is away: read again later */
            if (tp_revocations_warn_due()) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, server,
                             "tokenproxy: cannot read other nodes' "
                             "back-channel logouts from TokenProxyCluster "
                             "%s (%s); trying again every %d ms (warned "
                             "at most once a minute)", conf->cluster_where,
                             rep.type == TP_REDIS_ERROR && rep.error
                             ? rep.error : "an unexpected answer",
                             TP_REVSYNC_INTERVAL_MS);
            }
            return;
        }
        for (i = 0; i + 1 < rep.nelem; i += 2) {
            tp_rev_entry e;
            apr_uint64_t score;

            if (!rep.elem[i] || !rep.elem[i + 1]) {
                continue;
            }
            score = (apr_uint64_t)apr_atoi64(rep.elem[i + 1]);
            if (!tp_revtable_open(p, conf->cluster_key, rep.elem[i],
                                  rep.elen[i], &e)) {
                undecodable++;
            }
            else if (e.until > now) {
                int had = tp_revocations_has(&e);
                if (tp_revocations_add(&e, 1) != TP_REVADD_OK) {
                    full++;
                    break;
                }
                if (!had) {
                    tp_rstat_inc(TP_RSTAT_SYNCED);
                }
            }
            if (score > top) {
                top = score;
            }
        }
        if (full || rep.nelem < 2 * PAGE) {
            break;
        }
        offset += PAGE;
    }
    if (full) {
        tp_rstat_inc(TP_RSTAT_FULL);
        if (tp_revocations_warn_due()) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, server,
                         "tokenproxy: another node's back-channel logout "
                         "finds no free slot in TokenProxyRevocationSlots; "
                         "raise it (retried every %d ms; warned at most "
                         "once a minute)", TP_REVSYNC_INTERVAL_MS);
        }
        return;                 /* the cursor stays: read again */
    }
    if (undecodable && tp_revocations_warn_due()) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, server,
                     "tokenproxy: %d back-channel logouts in Redis do not "
                     "open with TokenProxyClusterKey; do all nodes have the "
                     "same key? (warned at most once a minute)",
                     undecodable);
    }
    tp_revocations_set_cursor(cursor, top);
}

#if APR_HAS_THREADS
static void *APR_THREAD_FUNC reader(apr_thread_t *th, void *data)
{
    apr_pool_t *p;
    int slice;

    (void)data;
    apr_pool_create(&p, apr_thread_pool_get(th));
    while (!apr_atomic_read32(&stopping)) {
        /* one reading a machine per interval, by whichever child's
         * thread comes first */
        if (tp_revocations_poll_due(
                apr_time_from_msec(TP_REVSYNC_INTERVAL_MS - 50))) {
            read_once(p);
            apr_pool_clear(p);
        }
        for (slice = 0; slice < TP_REVSYNC_INTERVAL_MS / 100
                        && !apr_atomic_read32(&stopping); slice++) {
            apr_sleep(apr_time_from_msec(50));
        }
    }
    apr_pool_destroy(p);
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

static apr_status_t stop_reader(void *data)
{
    apr_status_t rv;

    (void)data;
    if (reader_thread) {
        apr_atomic_set32(&stopping, 1);
        apr_thread_join(&rv, reader_thread);
        reader_thread = NULL;
    }
    return APR_SUCCESS;
}
#endif

void tp_revsync_child_init(apr_pool_t *pchild, server_rec *s)
{
    tp_redis_url url;

    conf = tp_srv_conf_get(s);
    server = s;
    if (!conf->cluster) {
        return;
    }
    /* with the Sentinels' own credentials (they were left out: with
     * TokenProxyClusterSentinelAuth, no Sentinel answered these) */
    tp_conf_cluster_url(conf, &url);
    writer = tp_redis_create(pchild, &url, conf->cluster_timeout);
    reader_conn = tp_redis_create(pchild, &url, conf->cluster_timeout);
    /* one subscription to the Sentinels' notices per child */
    if (tp_cluster_redis()) {
        tp_redis_share_watch(writer, tp_cluster_redis());
        tp_redis_share_watch(reader_conn, tp_cluster_redis());
    }
#if APR_HAS_THREADS
    {
        apr_status_t rv = apr_thread_create(&reader_thread, NULL, reader,
                                            NULL, pchild);
        if (rv != APR_SUCCESS) {
            reader_thread = NULL;
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         "tokenproxy: could not start the thread that reads "
                         "other nodes' back-channel logouts");
            return;
        }
        /* registered after the connections: runs before they close */
        apr_pool_cleanup_register(pchild, NULL, stop_reader,
                                  apr_pool_cleanup_null);
    }
#else
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 "tokenproxy: without threads, other nodes' back-channel "
                 "logouts are not read");
#endif
}
