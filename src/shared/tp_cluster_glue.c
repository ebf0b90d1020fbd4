/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Cluster-wide single flight, httpd side: the Redis store of tp_cluster
 * and its outcomes, counted and warned about.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "core/tp_cluster.h"
#include "core/tp_notify.h"
#include "core/tp_redis.h"
#include "shared/tp_cluster_glue.h"
#include "shared/tp_cluster_stats.h"
#include "shared/tp_nodestore.h"

APLOG_USE_MODULE(tokenproxy);

/* Publish while the entry still begins with our owner id, or is gone (a
 * failover lost the claim, or its lease ran out before the refresh
 * returned and nobody claimed it since: the result is right, and a later
 * claimant would refresh a used token); then tell the waiters, the
 * entry with its name. */
static const char publish_script[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if (not v) or string.sub(v, 1, #ARGV[1]) == ARGV[1] then\n"
    "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
    "  redis.call('PUBLISH', '" TP_NOTIFY_CHANNEL "',\n"
    "             KEYS[1] .. ' ' .. ARGV[2])\n"
    "  return 1\n"
    "end\n"
    "return 0\n";

static void note_master(request_rec *r);

static const tp_srv_conf *conf;      /* the main server's settings */
static tp_redis *redis;             /* this child's connection */
static tp_notify *notify;           /* and its subscriber connection */

int tp_cluster_post_config(server_rec *s)
{
    const tp_srv_conf *sc = tp_srv_conf_get(s);

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (!tp_cluster_stats_post_config(s)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (sc->cluster) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "tokenproxy: cluster-wide single flight through %s "
                     "(timeout %" APR_TIME_T_FMT " ms, %" APR_INT64_T_FMT
                     " replicas confirm a claim)", sc->cluster_where,
                     apr_time_as_msec(sc->cluster_timeout),
                     sc->cluster_replicas);
    }
    return OK;
}

void tp_cluster_child_init(apr_pool_t *pchild, server_rec *s)
{
    tp_redis_url url;

    conf = tp_srv_conf_get(s);
    if (!conf->cluster) {
        redis = NULL;
        notify = NULL;
        tp_nodestore_notify(NULL, NULL);
        return;
    }
    tp_conf_cluster_url(conf, &url);
    redis = tp_redis_create(pchild, &url, conf->cluster_timeout);
    notify = tp_notify_create(pchild, &url, redis, conf->cluster_timeout);
    tp_nodestore_notify(notify, conf->cluster_key);
}

int tp_cluster_enabled(void)
{
    return redis != NULL;
}

tp_redis *tp_cluster_redis(void)
{
    return redis;
}

typedef struct store_ctx {
    const char *error;              /* the last failure, for the log */
    int failover;                   /* and it was a failover */
    int unconfirmed;                /* a claim no replica confirmed */
    tp_notify_waiter waiter;
    apr_pool_t *p;                  /* the request's */
    unsigned char *entry;           /* one that comes with a notice */
} store_ctx;

/* 1 when the reply is an answer; else counts the error and keeps why. */
static int usable(store_ctx *c, apr_pool_t *p, const tp_redis_reply *rep)
{
    if (rep->type == TP_REDIS_ERROR && rep->failover) {
        tp_cluster_stat_inc(TP_CL_ERRORS);
        c->error = rep->error;
        c->failover = 1;
        return 0;
    }
    if (rep->type == TP_REDIS_ERROR || rep->type == TP_REDIS_REFUSED) {
        tp_cluster_stat_inc(TP_CL_ERRORS);
        c->error = rep->type == TP_REDIS_REFUSED
                   ? apr_pstrcat(p, "Redis refused the command: ",
                                 ap_escape_logitem(p, apr_pstrndup(p, rep->str,
                                                                   120)),
                                 NULL)
                   : rep->error;
        return 0;
    }
    return 1;
}

/* TokenProxyClusterReplicas N: WAIT N for the claim just made, within
 * half of TokenProxyClusterTimeout (the command's own bound is the whole
 * of it).  Unconfirmed, the claim still counts: it is only counted. */
static void confirm(store_ctx *c, apr_pool_t *p)
{
    const char *n, *t;
    const char *argv[3];
    apr_size_t lens[3];
    tp_redis_reply rep;
    apr_int64_t ms;

    if (conf->cluster_replicas <= 0) {
        return;
    }
    ms = apr_time_as_msec(conf->cluster_timeout) / 2;
    n = apr_psprintf(p, "%" APR_INT64_T_FMT, conf->cluster_replicas);
    t = apr_psprintf(p, "%" APR_INT64_T_FMT, ms > 0 ? ms : 1);
    argv[0] = "WAIT";
    argv[1] = n;
    argv[2] = t;
    lens[0] = 4;
    lens[1] = strlen(n);
    lens[2] = strlen(t);
    tp_redis_command(redis, p, 3, argv, lens, &rep);
    if (rep.type != TP_REDIS_INTEGER
        || rep.integer < conf->cluster_replicas) {
        c->unconfirmed = 1;
        tp_cluster_stat_inc(TP_CL_UNCONFIRMED);
    }
}

static int st_watch(void *ctx, const char *key)
{
    store_ctx *c = ctx;

    /* only a leader that waits needs room for the entry of a notice */
    c->entry = apr_palloc(c->p, TP_FLIGHT_MAX_ENTRY);
    return tp_notify_watch(notify, &c->waiter, key, c->entry,
                           TP_FLIGHT_MAX_ENTRY);
}

static int st_wait(void *ctx, const char *key, apr_interval_time_t t,
                   unsigned char **val, apr_size_t *len)
{
    store_ctx *c = ctx;
    int rv = tp_notify_wait(notify, &c->waiter, t);

    (void)key;
    if (rv == 1 && c->waiter.len) {
        *val = c->waiter.buf;
        *len = c->waiter.len;
    }
    return rv;
}

static void st_unwatch(void *ctx, const char *key)
{
    (void)key;
    tp_notify_unwatch(notify, &((store_ctx *)ctx)->waiter);
}

static int st_claim(void *ctx, apr_pool_t *p, const char *key,
                    const unsigned char *val, apr_size_t len, apr_int64_t ms)
{
    const char *ttl = apr_psprintf(p, "%" APR_INT64_T_FMT, ms);
    const char *argv[6] = { "SET", key, (const char *)val, "NX", "PX", ttl };
    apr_size_t lens[6] = { 3, strlen(key), len, 2, 2, strlen(ttl) };
    tp_redis_reply rep;

    tp_redis_command(redis, p, 6, argv, lens, &rep);
    if (!usable(ctx, p, &rep)) {
        return rep.failover ? TP_CLUSTER_FAILOVER : -1;
    }
    if (rep.type == TP_REDIS_NIL) {
        return 0;
    }
    if (rep.type == TP_REDIS_STRING && !strcmp(rep.str, "OK")) {
        confirm(ctx, p);
        return 1;
    }
    ((store_ctx *)ctx)->error = "an unexpected answer to SET NX";
    tp_cluster_stat_inc(TP_CL_ERRORS);
    return -1;
}

static int st_get(void *ctx, apr_pool_t *p, const char *key,
                  unsigned char **val, apr_size_t *len)
{
    const char *argv[2] = { "GET", key };
    apr_size_t lens[2] = { 3, strlen(key) };
    tp_redis_reply rep;

    tp_redis_command(redis, p, 2, argv, lens, &rep);
    if (!usable(ctx, p, &rep)) {
        return rep.failover ? TP_CLUSTER_FAILOVER : -1;
    }
    if (rep.type == TP_REDIS_NIL) {
        return 0;
    }
    if (rep.type != TP_REDIS_STRING) {
        ((store_ctx *)ctx)->error = "an unexpected answer to GET";
        tp_cluster_stat_inc(TP_CL_ERRORS);
        return -1;
    }
    *val = (unsigned char *)rep.str;
    *len = rep.len;
    return 1;
}

static int st_publish(void *ctx, apr_pool_t *p, const char *key,
                      const char *owner, const unsigned char *val,
                      apr_size_t len, apr_int64_t ms)
{
    const char *ttl = apr_psprintf(p, "%" APR_INT64_T_FMT, ms);
    const char *argv[3] = { owner, (const char *)val, ttl };
    apr_size_t lens[3] = { strlen(owner), len, strlen(ttl) };
    tp_redis_reply rep;

    tp_redis_script(redis, p, publish_script, key, strlen(key), 3, argv,
                    lens, &rep);
    if (!usable(ctx, p, &rep)) {
        return rep.failover ? TP_CLUSTER_FAILOVER : -1;
    }
    if (rep.type != TP_REDIS_INTEGER) {
        ((store_ctx *)ctx)->error = "an unexpected answer to the publish "
                                    "script";
        tp_cluster_stat_inc(TP_CL_ERRORS);
        return -1;
    }
    return rep.integer == 1;
}

void tp_cluster_refresh(request_rec *r, const tp_flight_params *prm,
                        const unsigned char *key, apr_size_t klen,
                        tp_flight_refresh_fn fn, void *baton,
                        tp_grant_res *res)
{
    tp_cluster_store st;
    tp_cluster_out out;
    store_ctx ctx;
    const char *owner = tp_cluster_owner(r->pool);

    if (!owner) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "tokenproxy: no random bytes for a cluster claim; "
                      "refreshing with machine-wide single flight only");
        tp_cluster_stat_inc(TP_CL_FALLBACKS);
        fn(baton, r->pool, res);
        return;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.p = r->pool;
    memset(&st, 0, sizeof(st));
    st.ctx = &ctx;
    st.claim = st_claim;
    st.get = st_get;
    st.publish = st_publish;
    st.now = tp_nodestore_now;
    st.sleep = tp_nodestore_sleep;
    st.watch = st_watch;
    st.wait = st_wait;
    st.unwatch = st_unwatch;
    st.seal_key = conf->cluster_key;
    tp_cluster_run(r->pool, &st, prm, owner, tp_cluster_key(r->pool, key,
                                                            klen),
                   fn, baton, &out);
    *res = out.res;
    note_master(r);
    if (out.told) {
        tp_cluster_stat_add(TP_CL_TOLD, (apr_uint64_t)out.told);
    }
    if (out.wait_timeouts) {
        tp_cluster_stat_add(TP_CL_WAIT_TIMEOUTS,
                            (apr_uint64_t)out.wait_timeouts);
    }
    if (out.polls) {
        tp_cluster_stat_add(TP_CL_POLLS, (apr_uint64_t)out.polls);
    }
    if (ctx.unconfirmed && tp_cluster_warn_unconfirmed_due()) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: TokenProxyCluster %s: a claim was not "
                      "confirmed by %" APR_INT64_T_FMT " replicas "
                      "(TokenProxyClusterReplicas) within %" APR_TIME_T_FMT
                      " ms; refreshing under it all the same (warned at "
                      "most once a minute)", conf->cluster_where,
                      conf->cluster_replicas,
                      apr_time_as_msec(conf->cluster_timeout) / 2);
    }

    switch (out.how) {
    case TP_CLUSTER_FAILOVER_503:
        tp_cluster_stat_inc(TP_CL_FAILOVER_503);
        tp_cluster_failover_seen();
        if (tp_cluster_warn_due()) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: TokenProxyCluster %s is in a "
                          "failover (%s); refreshes answer 503 with "
                          "Retry-After until the new master answers "
                          "(warned at most once a minute)",
                          conf->cluster_where,
                          ctx.error ? ctx.error : "unknown error");
        }
        break;
    case TP_CLUSTER_WON:
        tp_cluster_stat_inc(TP_CL_WON);
        if (out.published == 0) {
            tp_cluster_stat_inc(TP_CL_NOT_OWNER);
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: a refresh outlived its cluster lease "
                          "and another node took over; raise "
                          "TokenProxyRefreshTimeout's margin or check the "
                          "refresh endpoint's latency");
        }
        break;
    case TP_CLUSTER_SHARED:
    case TP_CLUSTER_GRACE:
        tp_cluster_stat_inc(TP_CL_LOST);
        if (out.res.result == TP_GRANT_OK) {
            tp_cluster_stat_inc(TP_CL_FROM_OTHERS);
        }
        break;
    case TP_CLUSTER_FALLBACK:
        tp_cluster_stat_inc(TP_CL_FALLBACKS);
        if (tp_cluster_warn_due()) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: TokenProxyCluster %s cannot be used "
                          "(%s); refreshing with machine-wide single flight "
                          "only until it answers again (warned at most once "
                          "a minute)", conf->cluster_where,
                          ctx.error ? ctx.error : "unknown error");
        }
        break;
    case TP_CLUSTER_GAVE_UP:
        tp_cluster_stat_inc(TP_CL_LOST);
        tp_cluster_stat_inc(TP_CL_GAVE_UP);
        break;
    case TP_CLUSTER_LOST:
        if (out.undecodable) {
            tp_cluster_stat_inc(TP_CL_UNDECODABLE);
        }
        if (tp_cluster_warn_due()) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: TokenProxyCluster %s: %s%s%s (warned "
                          "at most once a minute)", conf->cluster_where,
                          out.res.why, ctx.error ? ": " : "",
                          out.stale
                          ? "; is the store written by someone else than "
                            "the nodes, or do the nodes' clocks differ by "
                            "more than 2 s?"
                          : out.undecodable
                          ? "; do all nodes have the same "
                            "TokenProxyClusterKey?"
                          : ctx.error ? ctx.error : "");
        }
        break;
    }
    if (out.took_over) {
        tp_cluster_stat_inc(TP_CL_TAKEOVERS);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: another node's cluster claim ran out "
                      "(the node died or hung); this node took over");
    }
}

/* A master address this child has not seen before: counted once per
 * machine (tp_cluster_master_seen). */
static void note_master(request_rec *r)
{
    char buf[300];
    apr_uint64_t changes;

    tp_redis_master(redis, buf, sizeof(buf), &changes);
    if (*buf && tp_cluster_master_seen(buf)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: TokenProxyCluster %s: the Sentinels name "
                      "a new master, %s", conf->cluster_where,
                      ap_escape_logitem(r->pool, buf));
    }
}

const char *tp_cluster_master(request_rec *r)
{
    char buf[300];
    apr_uint64_t changes;

    if (!tp_cluster_enabled()) {
        return "";
    }
    tp_redis_master(redis, buf, sizeof(buf), &changes);
    return apr_pstrdup(r->pool, buf);
}

const char *tp_cluster_state(request_rec *r)
{
    const char *argv[1] = { "PING" };
    apr_size_t lens[1] = { 4 };
    tp_redis_reply rep;
    store_ctx ctx;

    if (!tp_cluster_enabled()) {
        return "off";
    }
    memset(&ctx, 0, sizeof(ctx));
    tp_redis_command(redis, r->pool, 1, argv, lens, &rep);
    note_master(r);
    return usable(&ctx, r->pool, &rep) ? "up"
           : rep.failover ? "failover" : "down";
}

