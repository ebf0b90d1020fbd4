/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Cluster-wide single flight, httpd side: directives, the Redis store of
 * tp_cluster, counters, rate-limited warnings, the status page's part.
 *
 * The directives are main-server only; their values live in this file for
 * the configuration generation that read them (reset in pre_config).  The
 * counters live in anonymous shared memory kept in retained data, so they
 * survive graceful restarts like the node-local state does.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_atomic.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include "core/tp_cluster.h"
#include "shared/tp_cluster_glue.h"
#include "conf/tp_conf.h"
#include "core/tp_redis.h"
#include "core/tp_seal.h"
#include "shared/tp_state.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

#define RETAINED_KEY "mod_tokenproxy-cluster"
#define WARN_EVERY 60           /* seconds between warnings */

/* Publish only while the entry still begins with our owner id. */
static const char publish_script[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then\n"
    "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
    "  return 1\n"
    "end\n"
    "return 0\n";

typedef enum {
    C_WON = 0, C_LOST, C_FROM_OTHERS, C_TAKEOVERS, C_FALLBACKS,
    C_ERRORS, C_UNDECODABLE, C_GAVE_UP, C_NOT_OWNER, C_COUNT
} counter_e;

static const char *const counter_name[C_COUNT] = {
    "claims_won", "claims_lost", "results_from_other_nodes", "takeovers",
    "fallbacks", "redis_errors", "undecodable_entries", "wait_deadlines",
    "late_publishes"
};

static const char *const counter_help[C_COUNT] = {
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

typedef struct cluster_shm {
    volatile apr_uint64_t n[C_COUNT];
    volatile apr_uint32_t last_warn;    /* seconds since the epoch */
} cluster_shm;

typedef struct cluster_retained {
    apr_shm_t *shm;
    cluster_shm *stats;
} cluster_retained;

/* this configuration generation's settings */
static struct {
    int configured;
    const char *where;              /* redis://host:port/db, no password */
    tp_redis_url url;
    int key_set;
    unsigned char key[TP_SEAL_KEY_LEN];
    apr_interval_time_t timeout;
} cc;

static cluster_retained *rd;
static tp_redis *redis;             /* this child's connection */

static const char *global_only(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, GLOBAL_ONLY);
}

const char *tp_cmd_cluster(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err;

    (void)dcv;
    if ((err = global_only(cmd))) {
        return err;
    }
    if ((err = tp_redis_url_parse(cmd->pool, arg, &cc.url))) {
        /* never echo the argument: it may hold the password */
        return apr_psprintf(cmd->pool, "TokenProxyCluster: %s "
                            "(redis://[[USER]:PASSWORD@]HOST[:PORT][/DB])",
                            err);
    }
    cc.configured = 1;
    cc.where = apr_psprintf(cmd->pool, "redis://%s%s%s:%d/%d",
                            strchr(cc.url.host, ':') ? "[" : "",
                            cc.url.host,
                            strchr(cc.url.host, ':') ? "]" : "",
                            cc.url.port, cc.url.db);
    return NULL;
}

const char *tp_cmd_cluster_key(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err;

    (void)dcv;
    if ((err = global_only(cmd))
        || (err = tp_conf_read_key(cmd, arg, cc.key))) {
        return err;
    }
    cc.key_set = 1;
    return NULL;
}

const char *tp_cmd_cluster_timeout(cmd_parms *cmd, void *dcv,
                                   const char *arg)
{
    const char *err;
    char *end;
    apr_int64_t ms;

    (void)dcv;
    if ((err = global_only(cmd))) {
        return err;
    }
    ms = apr_strtoi64(arg, &end, 10);
    if (*end || end == arg || ms < 1 || ms > 60000) {
        return apr_psprintf(cmd->pool, "TokenProxyClusterTimeout: '%s' is "
                            "not a number of milliseconds from 1 to 60000",
                            arg);
    }
    cc.timeout = apr_time_from_msec(ms);
    return NULL;
}

int tp_cluster_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    memset(&cc, 0, sizeof(cc));
    cc.timeout = apr_time_from_msec(TP_CLUSTER_DEFAULT_TIMEOUT_MS);
    return OK;
}

int tp_cluster_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    if (cc.configured && !cc.key_set) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "tokenproxy: TokenProxyCluster needs "
                     "TokenProxyClusterKey FILE, the same 32 random bytes "
                     "on every node (make one with: openssl rand -hex 32): "
                     "it seals every refresh result kept in Redis");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (cc.key_set && !cc.configured) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     "tokenproxy: TokenProxyClusterKey has no effect "
                     "without TokenProxyCluster");
    }
    return OK;
}

int tp_cluster_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_status_t rv;

    (void)pconf;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    rd = ap_retained_data_get(RETAINED_KEY);
    if (!rd) {
        rd = ap_retained_data_create(RETAINED_KEY, sizeof(*rd));
    }
    if (!rd->stats) {
        rv = apr_shm_create(&rd->shm, sizeof(cluster_shm), NULL,
                            s->process->pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "tokenproxy: could not create the cluster "
                         "counters' shared memory");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        rd->stats = apr_shm_baseaddr_get(rd->shm);
        memset(rd->stats, 0, sizeof(cluster_shm));
    }
    if (cc.configured) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "tokenproxy: cluster-wide single flight through %s "
                     "(timeout %" APR_TIME_T_FMT " ms)", cc.where,
                     apr_time_as_msec(cc.timeout));
    }
    return OK;
}

void tp_cluster_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
    redis = cc.configured ? tp_redis_create(pchild, &cc.url, cc.timeout)
                          : NULL;
}

int tp_cluster_enabled(void)
{
    return redis != NULL && rd && rd->stats;
}

static void inc(counter_e c)
{
    if (rd && rd->stats) {
        apr_atomic_inc64(&rd->stats->n[c]);
    }
}

/* 1 when this process may warn now: at most once a minute machine-wide */
static int may_warn(void)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now()), last;

    if (!rd || !rd->stats) {
        return 1;
    }
    last = apr_atomic_read32(&rd->stats->last_warn);
    return now - last >= WARN_EVERY
           && apr_atomic_cas32(&rd->stats->last_warn, now, last) == last;
}

/* ---- the Redis store ---- */

typedef struct store_ctx {
    const char *error;              /* the last failure, for the log */
} store_ctx;

/* 1 when the reply is an answer; else counts the error and keeps why. */
static int usable(store_ctx *c, apr_pool_t *p, const tp_redis_reply *rep)
{
    if (rep->type == TP_REDIS_ERROR || rep->type == TP_REDIS_REFUSED) {
        inc(C_ERRORS);
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

static int st_claim(void *ctx, apr_pool_t *p, const char *key,
                    const unsigned char *val, apr_size_t len, apr_int64_t ms)
{
    const char *ttl = apr_psprintf(p, "%" APR_INT64_T_FMT, ms);
    const char *argv[6] = { "SET", key, (const char *)val, "NX", "PX", ttl };
    apr_size_t lens[6] = { 3, strlen(key), len, 2, 2, strlen(ttl) };
    tp_redis_reply rep;

    tp_redis_command(redis, p, 6, argv, lens, &rep);
    if (!usable(ctx, p, &rep)) {
        return -1;
    }
    if (rep.type == TP_REDIS_NIL) {
        return 0;
    }
    if (rep.type == TP_REDIS_STRING && !strcmp(rep.str, "OK")) {
        return 1;
    }
    ((store_ctx *)ctx)->error = "an unexpected answer to SET NX";
    inc(C_ERRORS);
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
        return -1;
    }
    if (rep.type == TP_REDIS_NIL) {
        return 0;
    }
    if (rep.type != TP_REDIS_STRING) {
        ((store_ctx *)ctx)->error = "an unexpected answer to GET";
        inc(C_ERRORS);
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
        return -1;
    }
    if (rep.type != TP_REDIS_INTEGER) {
        ((store_ctx *)ctx)->error = "an unexpected answer to the publish "
                                    "script";
        inc(C_ERRORS);
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
        inc(C_FALLBACKS);
        fn(baton, r->pool, res);
        return;
    }
    memset(&ctx, 0, sizeof(ctx));
    memset(&st, 0, sizeof(st));
    st.ctx = &ctx;
    st.claim = st_claim;
    st.get = st_get;
    st.publish = st_publish;
    st.now = tp_shared_now;
    st.sleep = tp_shared_sleep;
    st.seal_key = cc.key;
    tp_cluster_run(r->pool, &st, prm, owner, tp_cluster_key(r->pool, key,
                                                            klen),
                   fn, baton, &out);
    *res = out.res;

    switch (out.how) {
    case TP_CLUSTER_WON:
        inc(C_WON);
        if (out.published == 0) {
            inc(C_NOT_OWNER);
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: a refresh outlived its cluster lease "
                          "and another node took over; raise "
                          "TokenProxyRefreshTimeout's margin or check the "
                          "refresh endpoint's latency");
        }
        break;
    case TP_CLUSTER_SHARED:
    case TP_CLUSTER_GRACE:
        inc(C_LOST);
        if (out.res.result == TP_GRANT_OK) {
            inc(C_FROM_OTHERS);
        }
        break;
    case TP_CLUSTER_FALLBACK:
        inc(C_FALLBACKS);
        if (may_warn()) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: TokenProxyCluster %s cannot be used "
                          "(%s); refreshing with machine-wide single flight "
                          "only until it answers again (warned at most once "
                          "a minute)", cc.where,
                          ctx.error ? ctx.error : "unknown error");
        }
        break;
    case TP_CLUSTER_GAVE_UP:
        inc(C_LOST);
        inc(C_GAVE_UP);
        break;
    case TP_CLUSTER_LOST:
        if (out.undecodable) {
            inc(C_UNDECODABLE);
        }
        if (may_warn()) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: TokenProxyCluster %s: %s%s%s (warned "
                          "at most once a minute)", cc.where, out.res.why,
                          ctx.error ? ": " : "",
                          out.undecodable
                          ? "; do all nodes have the same "
                            "TokenProxyClusterKey?"
                          : ctx.error ? ctx.error : "");
        }
        break;
    }
    if (out.took_over) {
        inc(C_TAKEOVERS);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: another node's cluster claim ran out "
                      "(the node died or hung); this node took over");
    }
}

/* ---- status ---- */

static const char *state_now(request_rec *r)
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
    return usable(&ctx, r->pool, &rep) ? "up" : "down";
}

void tp_cluster_status(request_rec *r, int prometheus)
{
    const char *state = state_now(r);
    int i;

    if (prometheus) {
        ap_rprintf(r, "# HELP tokenproxy_cluster_up 1 when the cluster's "
                   "Redis answers, 0 when it does not, -1 when no "
                   "TokenProxyCluster is configured.\n"
                   "# TYPE tokenproxy_cluster_up gauge\n"
                   "tokenproxy_cluster_up %d\n",
                   !strcmp(state, "up") ? 1 : !strcmp(state, "down") ? 0
                                                                     : -1);
        for (i = 0; i < C_COUNT; i++) {
            ap_rprintf(r, "# HELP tokenproxy_cluster_%s_total %s\n"
                       "# TYPE tokenproxy_cluster_%s_total counter\n"
                       "tokenproxy_cluster_%s_total %" APR_UINT64_T_FMT "\n",
                       counter_name[i], counter_help[i], counter_name[i],
                       counter_name[i],
                       rd && rd->stats ? apr_atomic_read64(&rd->stats->n[i])
                                       : 0);
        }
        return;
    }
    ap_rprintf(r, "\"cluster\":{\"state\":\"%s\"", state);
    for (i = 0; i < C_COUNT; i++) {
        ap_rprintf(r, ",\"%s\":%" APR_UINT64_T_FMT, counter_name[i],
                   rd && rd->stats ? apr_atomic_read64(&rd->stats->n[i]) : 0);
    }
    ap_rputs("}", r);
}
