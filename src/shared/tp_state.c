/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The shared refresh state: claim table, results cache, global mutex,
 * counters, sealing key.
 *
 * pre_config registers the mutex (every generation: the registry lives in
 * pconf).  post_config, past the first configuration pass, reads what the
 * configuration uses (tp_conf_uses_get), creates the claim table, the
 * cache, the mutex, the counters and the key once, in the process pool,
 * and keeps them in retained data; later generations reuse them.  Only a
 * changed TokenProxyCache or TokenProxyTokenSize makes a new cache, only a
 * changed TokenProxyRefreshSlots a new table.  child_init re-opens the
 * mutex in each child.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <util_mutex.h>
#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "core/tp_claims.h"
#include "conf/tp_conf.h"
#include "core/tp_seal.h"
#include "shared/tp_state.h"
#include "core/tp_sizing.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* Versioned: a graceful restart into a build whose retained layout
 * differs (this one added the claim table and counters) starts afresh
 * instead of reading the old layout. */
#define RETAINED_KEY "mod_tokenproxy-shared-2"

/* warnings of a kind go out at most once in this long, machine-wide */
#define WARN_INTERVAL apr_time_from_sec(60)

typedef struct tp_srv_conf {
    const char *cache;        /* TokenProxyCache, NULL: default */
    apr_int64_t token_size;   /* TokenProxyTokenSize, 0: default */
    apr_int64_t slots;        /* TokenProxyRefreshSlots, 0: default */
} tp_srv_conf;

enum { WARN_EVICTED = 0, WARN_UNSTORED, WARN_FULL, WARN_COUNT };

typedef struct tp_stats {
    volatile apr_uint64_t n[TP_STAT_COUNT];
    volatile apr_uint64_t stored, stored_bytes;  /* results put, bytes */
    volatile apr_uint64_t last_warn[WARN_COUNT];  /* apr_time_t */
} tp_stats;

typedef struct tp_retained {
    int ready;
    const char *spec;                       /* the cache in use */
    const char *provider_name;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_size_t token_size;                  /* the cache's size hint */
    apr_size_t cache_size;                  /* shmcb: its bytes, else 0 */
    apr_global_mutex_t *mutex;
    apr_shm_t *claims_shm;
    tp_claims *claims;
    apr_shm_t *stats_shm;
    tp_stats *stats;
    unsigned char seal_key[TP_SEAL_KEY_LEN];
    int told_unsealed;                      /* the startup notice */
} tp_retained;

static tp_retained *rd;              /* this process's view */

typedef struct store_ctx {
    server_rec *s;
} store_ctx;

void *tp_shared_srv_create(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(tp_srv_conf));
}

/* "provider" or "provider:args" */
static const char *split_spec(apr_pool_t *p, const char *spec,
                              const char **args)
{
    const char *colon = strchr(spec, ':');

    *args = colon ? colon + 1 : NULL;
    return colon ? apr_pstrmemdup(p, spec, (apr_size_t)(colon - spec))
                 : spec;
}

const char *tp_cmd_cache(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                           &tokenproxy_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *args, *name;

    (void)dcv;
    if (err) {
        return err;
    }
    name = split_spec(cmd->pool, arg, &args);
    if (!strcmp(name, "redis") || !strcmp(name, "memcache")
        || !strcmp(name, "dc")) {
        return apr_psprintf(cmd->pool, "TokenProxyCache: '%s' is not "
                            "machine-local; TokenProxyCache names the "
                            "node-local store (shmcb).  To share single "
                            "flight between nodes, use TokenProxyCluster "
                            "redis://...", name);
    }
    if (!ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                            AP_SOCACHE_PROVIDER_VERSION)) {
        return apr_psprintf(cmd->pool, "TokenProxyCache: no socache provider "
                            "'%s' (is mod_socache_%s loaded?)", name, name);
    }
    sc->cache = arg;
    return NULL;
}

/* A whole number from min to max for a main-server directive. */
static const char *main_number(cmd_parms *cmd, const char *arg,
                               apr_int64_t min, apr_int64_t max,
                               apr_int64_t *out)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    apr_int64_t v;

    if (err) {
        return err;
    }
    v = apr_strtoi64(arg, &end, 10);
    if (!apr_isdigit(*arg) || *end || v < min || v > max) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from "
                            "%" APR_INT64_T_FMT " to %" APR_INT64_T_FMT,
                            cmd->directive->directive, arg, min, max);
    }
    *out = v;
    return NULL;
}

const char *tp_cmd_token_size(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                           &tokenproxy_module);

    (void)dcv;
    return main_number(cmd, arg, 16, 2 * 16384, &sc->token_size);
}

const char *tp_cmd_slots(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                           &tokenproxy_module);

    (void)dcv;
    return main_number(cmd, arg, TP_CLAIMS_MIN, TP_CLAIMS_MAX, &sc->slots);
}

int tp_shared_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    return ap_mutex_register(pconf, TP_MUTEX_NAME, NULL, APR_LOCK_DEFAULT, 0)
           == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static const char *default_spec(apr_pool_t *p)
{
    return apr_psprintf(p, TP_DEFAULT_CACHE ":%s(%d)",
                        ap_runtime_dir_relative(p, "tokenproxy-cache"),
                        TP_DEFAULT_CACHE_SIZE);
}

/* "shmcb:PATH(SIZE)" with the spec's path (or the default one). */
static const char *spec_with_size(apr_pool_t *p, const char *spec,
                                  apr_size_t size)
{
    const char *args, *name = split_spec(p, spec, &args);
    const char *path = args && *args ? args
                       : ap_runtime_dir_relative(p, "tokenproxy-cache");
    const char *paren = strrchr(path, '(');

    if (paren) {
        path = apr_pstrmemdup(p, path, (apr_size_t)(paren - path));
    }
    return apr_psprintf(p, "%s:%s(%" APR_SIZE_T_FMT ")", name, path, size);
}

/* shmcb only: refuse a cache that cannot hold TP_MIN_RESULTS results of
 * the configured token size. */
static apr_status_t check_capacity(server_rec *s, apr_pool_t *ptemp,
                                   const char *spec, const char *name,
                                   const char *args, apr_size_t token_size)
{
    apr_size_t size, need, good;
    long cap;

    rd->cache_size = 0;
    if (strcmp(name, "shmcb") || !(size = tp_sizing_shmcb_size(args))) {
        return APR_SUCCESS;         /* its capacity is not ours to know */
    }
    rd->cache_size = size;
    cap = tp_sizing_capacity(size, token_size);
    if (cap >= TP_MIN_RESULTS) {
        return APR_SUCCESS;
    }
    need = tp_sizing_bytes_for(TP_MIN_RESULTS, token_size);
    good = tp_sizing_bytes_for(20000, token_size);
    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                 "tokenproxy: TokenProxyCache %s holds only %ld refresh "
                 "results of %" APR_SIZE_T_FMT " bytes (TokenProxyTokenSize); "
                 "at least %d are needed: set TokenProxyCache %s or more%s%s",
                 spec, cap, token_size, TP_MIN_RESULTS,
                 need ? spec_with_size(ptemp, spec, need) : "(too large for "
                 "shmcb: use a smaller TokenProxyTokenSize or another "
                 "provider)",
                 good ? "; for 20000 results within a grace window, "
                 "TokenProxyCache " : "",
                 good ? spec_with_size(ptemp, spec, good) : "");
    return APR_EGENERAL;
}

static apr_status_t create_cache(server_rec *s, apr_pool_t *ptemp,
                                 const char *spec, apr_size_t token_size)
{
    apr_pool_t *pp;
    struct ap_socache_hints hints;
    const char *args, *name, *err;
    apr_status_t rv;

    name = split_spec(ptemp, spec, &args);
    if (check_capacity(s, ptemp, spec, name, args, token_size)
        != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    /* The instance must outlive this generation of loaded modules: httpd
     * unloads and reloads every DSO on a restart, so a cleanup the
     * provider registers would point into unmapped code at exit.  An
     * unmanaged pool is never destroyed; the kernel frees the anonymous
     * shared memory when the last process exits. */
    if ((rv = apr_pool_create_unmanaged_ex(&pp, NULL, NULL)) != APR_SUCCESS) {
        return rv;
    }

    rd->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!rd->provider) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "tokenproxy: refreshing tokens needs the shared refresh "
                     "state: load mod_socache_%s (LoadModule "
                     "socache_%s_module ...) or choose another provider "
                     "with TokenProxyCache", name, name);
        return APR_EGENERAL;
    }
    err = rd->provider->create(&rd->instance, args, ptemp, pp);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "tokenproxy: TokenProxyCache %s: %s", spec, err);
        return APR_EGENERAL;
    }
    /* sized for the entries as they are: shmcb gives each subcache one
     * index slot per hint-sized share of its space */
    memset(&hints, 0, sizeof(hints));
    hints.avg_id_len = TP_SIZING_ID_LEN;
    hints.avg_obj_size = tp_sizing_hint(token_size);
    hints.expiry_interval = apr_time_from_sec(30);
    rv = rd->provider->init(rd->instance, "tokenproxy", &hints, s, pp);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "tokenproxy: could not initialise TokenProxyCache %s",
                     spec);
        return rv;
    }
    rd->spec = apr_pstrdup(s->process->pool, spec);
    rd->provider_name = apr_pstrdup(s->process->pool, name);
    rd->token_size = token_size;
    return APR_SUCCESS;
}

static apr_status_t create_claims(server_rec *s, apr_uint32_t slots)
{
    apr_status_t rv;
    apr_shm_t *shm;

    /* a new table leaves the old one to the old generation's children */
    rv = apr_shm_create(&shm, tp_claims_size(slots), NULL, s->process->pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "tokenproxy: could not create the shared memory of "
                     "TokenProxyRefreshSlots %u (%" APR_SIZE_T_FMT " bytes)",
                     slots, tp_claims_size(slots));
        return rv;
    }
    if (rd->claims) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "tokenproxy: TokenProxyRefreshSlots changed to %u; "
                     "refreshes of the previous generation are not shared "
                     "with the new one", slots);
    }
    rd->claims_shm = shm;
    rd->claims = tp_claims_init(apr_shm_baseaddr_get(shm), slots);
    return APR_SUCCESS;
}

int tp_shared_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                          server_rec *s)
{
    tp_srv_conf *sc = ap_get_module_config(s->module_config,
                                           &tokenproxy_module);
    apr_pool_t *pp = s->process->pool;
    apr_size_t token_size = sc->token_size ? (apr_size_t)sc->token_size
                                           : TP_DEFAULT_TOKEN_SIZE;
    apr_uint32_t slots = sc->slots ? (apr_uint32_t)sc->slots
                                   : TP_DEFAULT_SLOTS;
    tp_conf_uses uses;
    const char *spec;
    apr_status_t rv;

    (void)pconf;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;          /* the first pass only checks the config */
    }
    tp_conf_uses_get(&uses);
    rd = ap_retained_data_get(RETAINED_KEY);
    if (!rd) {
        rd = ap_retained_data_create(RETAINED_KEY, sizeof(*rd));
    }
    if (!rd->stats) {
        if ((rv = apr_shm_create(&rd->stats_shm, sizeof(tp_stats), NULL, pp))
            != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "tokenproxy: could not create the counters' "
                         "shared memory");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        rd->stats = apr_shm_baseaddr_get(rd->stats_shm);
        memset(rd->stats, 0, sizeof(tp_stats));
    }
    if (!rd->ready && !tp_seal_keygen(rd->seal_key)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "tokenproxy: no random bytes for the sealing key");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rd->ready = 1;
    tp_seal_init();         /* the cipher, fetched before the children fork */
    if (!uses.keys && !rd->told_unsealed) {
        rd->told_unsealed = 1;
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "tokenproxy: token cookies are not sealed: no "
                     "TokenProxyCookieKey is set (see the README to "
                     "encrypt them)");
    }
    if (!uses.refresh && !sc->cache) {
        return OK;          /* nothing refreshes: no shared state needed */
    }
    if (rd->provider_name) {
        /* the provider's module was reloaded: find its new address */
        rd->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP,
                                          rd->provider_name,
                                          AP_SOCACHE_PROVIDER_VERSION);
        if (!rd->provider) {
            rd->spec = NULL;    /* gone: make a new cache below */
        }
    }
    if (!rd->mutex) {
        rv = ap_global_mutex_create(&rd->mutex, NULL, TP_MUTEX_NAME, NULL, s,
                                    pp, 0);
        if (rv != APR_SUCCESS) {
            return HTTP_INTERNAL_SERVER_ERROR;   /* httpd logged why */
        }
    }
    if ((!rd->claims || tp_claims_slots(rd->claims) != slots)
        && create_claims(s, slots) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    spec = sc->cache ? sc->cache : default_spec(ptemp);
    if (!rd->spec || strcmp(rd->spec, spec) || rd->token_size != token_size) {
        if (rd->instance) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "tokenproxy: TokenProxyCache changed to %s; "
                         "refreshes of the previous generation are not "
                         "shared with the new one", spec);
        }
        if (create_cache(s, ptemp, spec, token_size) != APR_SUCCESS) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

void tp_shared_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!rd || !rd->mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(&rd->mutex,
                                     apr_global_mutex_lockfile(rd->mutex),
                                     pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "tokenproxy: could not open the " TP_MUTEX_NAME
                     " mutex in this child");
    }
}

/* ---- the tp_flight store ---- */

static int st_lock(void *ctx)
{
    store_ctx *c = ctx;
    apr_status_t rv = apr_global_mutex_lock(rd->mutex);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, c->s,
                     "tokenproxy: could not lock " TP_MUTEX_NAME);
        return 0;
    }
    return 1;
}

static void st_unlock(void *ctx)
{
    (void)ctx;
    apr_global_mutex_unlock(rd->mutex);
}

static int st_get(void *ctx, apr_pool_t *p, const unsigned char *key,
                  apr_size_t klen, unsigned char **data, apr_size_t *len)
{
    store_ctx *c = ctx;
    unsigned int n = TP_FLIGHT_MAX_ENTRY;
    unsigned char *buf = apr_palloc(p, n);

    if (rd->provider->retrieve(rd->instance, c->s, key, (unsigned int)klen,
                               buf, &n, p) != APR_SUCCESS) {
        return 0;
    }
    *data = buf;
    *len = n;
    return 1;
}

static int st_put(void *ctx, apr_pool_t *p, const unsigned char *key,
                  apr_size_t klen, apr_time_t expiry,
                  const unsigned char *data, apr_size_t len)
{
    store_ctx *c = ctx;

    /* a refusal is counted and warned about by tp_shared_note_outcome */
    return rd->provider->store(rd->instance, c->s, key, (unsigned int)klen,
                               expiry, (unsigned char *)data,
                               (unsigned int)len, p) == APR_SUCCESS;
}

static int st_claim_get(void *ctx, const unsigned char *key, apr_size_t klen,
                        apr_time_t now, tp_claim *c)
{
    (void)ctx;
    return klen >= TP_CLAIMS_KEY_LEN && tp_claims_get(rd->claims, key, now, c);
}

static int st_claim_put(void *ctx, const unsigned char *key, apr_size_t klen,
                        apr_time_t now, const tp_claim *c)
{
    (void)ctx;
    return klen >= TP_CLAIMS_KEY_LEN && tp_claims_put(rd->claims, key, now, c);
}

apr_time_t tp_shared_now(void *ctx)
{
    (void)ctx;
    return apr_time_now();
}

void tp_shared_sleep(void *ctx, apr_interval_time_t t)
{
    (void)ctx;
    apr_sleep(t);
}

const tp_flight_store *tp_shared_store(request_rec *r)
{
    tp_flight_store *st;
    store_ctx *c;

    if (!rd || !rd->instance || !rd->mutex || !rd->claims) {
        return NULL;
    }
    c = apr_pcalloc(r->pool, sizeof(*c));
    c->s = r->server;
    st = apr_pcalloc(r->pool, sizeof(*st));
    st->ctx = c;
    st->lock = st_lock;
    st->unlock = st_unlock;
    st->claim_get = st_claim_get;
    st->claim_put = st_claim_put;
    st->get = st_get;
    st->put = st_put;
    st->now = tp_shared_now;
    st->sleep = tp_shared_sleep;
    st->seal_key = rd->seal_key;
    return st;
}

const tp_keyring *tp_shared_start_keyring(apr_pool_t *p)
{
    tp_keyring *kr;

    if (!rd || !rd->ready) {
        return NULL;
    }
    kr = apr_pcalloc(p, sizeof(*kr));
    kr->n = 1;
    memcpy(kr->keys[0], rd->seal_key, TP_SEAL_KEY_LEN);
    return kr;
}

/* ---- counters ---- */

void tp_stat_inc(tp_stat_e which)
{
    if (rd && rd->stats && which < TP_STAT_COUNT) {
        apr_atomic_inc64(&rd->stats->n[which]);
    }
}

apr_uint64_t tp_stat_get(tp_stat_e which)
{
    return (rd && rd->stats && which < TP_STAT_COUNT)
           ? apr_atomic_read64(&rd->stats->n[which]) : 0;
}

const char *tp_stat_name(tp_stat_e which)
{
    static const char *const names[TP_STAT_COUNT] = {
        "refreshes_started", "refreshes_succeeded", "refreshes_rejected",
        "refreshes_unavailable", "waits", "grace_hits", "lease_takeovers",
        "wait_deadlines", "replays", "results_evicted", "results_unstored",
        "claims_full"
    };
    return which < TP_STAT_COUNT ? names[which] : "unknown";
}

const char *tp_shared_cache_name(void)
{
    return rd && rd->provider_name ? rd->provider_name : "none";
}

static apr_status_t count_entry(ap_socache_instance_t *instance,
                                server_rec *s, void *userctx,
                                const unsigned char *id, unsigned int idlen,
                                const unsigned char *data,
                                unsigned int datalen, apr_pool_t *pool)
{
    tp_cache_fill *fill = userctx;

    (void)instance; (void)s; (void)id; (void)pool;
    if (tp_flight_is_result(data, datalen)) {
        fill->entries++;
        fill->bytes += idlen + datalen + TP_SIZING_INDEX_LEN;
    }
    return APR_SUCCESS;
}

int tp_shared_fill(request_rec *r, tp_cache_fill *fill)
{
    memset(fill, 0, sizeof(*fill));
    if (!rd || !rd->instance || !rd->mutex || !rd->claims) {
        return 0;
    }
    fill->size = rd->cache_size;
    fill->capacity = rd->cache_size
                     ? tp_sizing_capacity(rd->cache_size, rd->token_size) : 0;
    if (apr_global_mutex_lock(rd->mutex) != APR_SUCCESS) {
        return 0;
    }
    if (rd->provider->iterate) {
        rd->provider->iterate(rd->instance, r->server, fill, count_entry,
                              r->pool);
    }
    tp_claims_count(rd->claims, apr_time_now(), &fill->claims);
    apr_global_mutex_unlock(rd->mutex);
    return 1;
}

/* 1 for the one caller, machine-wide, whose turn it is to warn. */
static int warn_due(int kind)
{
    apr_uint64_t now = (apr_uint64_t)apr_time_now();
    apr_uint64_t last = apr_atomic_read64(&rd->stats->last_warn[kind]);

    if (last && now - last < (apr_uint64_t)WARN_INTERVAL) {
        return 0;
    }
    return apr_atomic_cas64(&rd->stats->last_warn[kind], now, last) == last;
}

/* Bytes per result measured so far, else what the configuration says. */
static apr_size_t bytes_per_entry(void)
{
    apr_uint64_t n = apr_atomic_read64(&rd->stats->stored);

    return n ? (apr_size_t)(apr_atomic_read64(&rd->stats->stored_bytes) / n)
             : tp_sizing_entry_bytes(rd->token_size);
}

/* The size advice of a warning about the results cache. */
static const char *cache_advice(request_rec *r)
{
    tp_claims_fill cf;
    apr_size_t per = bytes_per_entry();
    apr_size_t token = per > TP_SIZING_ENTRY_FIXED
                       ? per - TP_SIZING_ENTRY_FIXED : 1;
    apr_size_t want;
    long live;

    if (!rd->cache_size) {
        return apr_psprintf(r->pool, "give TokenProxyCache %s more room "
                            "(results take %" APR_SIZE_T_FMT " bytes each)",
                            rd->spec, per);
    }
    /* the results the claim table says are within their grace window:
     * the count is taken under the lock, like every access to it */
    if (apr_global_mutex_lock(rd->mutex) != APR_SUCCESS) {
        return "raise TokenProxyCache";
    }
    tp_claims_count(rd->claims, apr_time_now(), &cf);
    apr_global_mutex_unlock(rd->mutex);
    live = tp_sizing_capacity(rd->cache_size, token);
    if (cf.done > live) {
        live = cf.done;
    }
    want = tp_sizing_bytes_for(live + live / 2, token);
    if (!want) {
        return apr_psprintf(r->pool, "TokenProxyCache %s is shmcb's largest; "
                            "use another socache provider, or lower "
                            "TokenProxyRefreshGrace (results take %"
                            APR_SIZE_T_FMT " bytes each)", rd->spec, per);
    }
    return apr_psprintf(r->pool, "set TokenProxyCache %s (%ld results "
                        "within their grace window now, %" APR_SIZE_T_FMT
                        " bytes each; TokenProxyTokenSize %" APR_SIZE_T_FMT
                        " is configured)",
                        spec_with_size(r->pool, rd->spec, want), cf.done, per,
                        rd->token_size);
}

void tp_shared_note_outcome(request_rec *r, const tp_flight_out *out)
{
    if (!rd || !rd->stats) {
        return;
    }
    if (out->stored_len) {
        apr_atomic_inc64(&rd->stats->stored);
        apr_atomic_add64(&rd->stats->stored_bytes, out->stored_len
                         + TP_SIZING_ID_LEN + TP_SIZING_INDEX_LEN);
    }
    if (out->evicted) {
        tp_stat_inc(TP_STAT_EVICTIONS);
        if (warn_due(WARN_EVICTED)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: a refresh result was evicted from "
                          "TokenProxyCache within its grace window (%"
                          APR_UINT64_T_FMT " times so far); requests with "
                          "its old refresh token get 503 instead of the new "
                          "tokens: %s", tp_stat_get(TP_STAT_EVICTIONS),
                          cache_advice(r));
        }
    }
    if (out->unstored) {
        tp_stat_inc(TP_STAT_UNSTORED);
        if (warn_due(WARN_UNSTORED)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: TokenProxyCache %s did not take a "
                          "refresh result (%" APR_UINT64_T_FMT " times so "
                          "far); requests with its old refresh token get "
                          "503: %s", rd->spec, tp_stat_get(TP_STAT_UNSTORED),
                          cache_advice(r));
        }
    }
    if (out->claims_full) {
        tp_stat_inc(TP_STAT_CLAIMS_FULL);
        if (warn_due(WARN_FULL)) {
            apr_uint32_t n = tp_claims_slots(rd->claims);

            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "tokenproxy: the table of refreshes is full (%"
                          APR_UINT64_T_FMT " times so far): requests that "
                          "need a refresh get 503: set TokenProxyRefreshSlots "
                          "%u (now %u)", tp_stat_get(TP_STAT_CLAIMS_FULL),
                          n > TP_CLAIMS_MAX / 2 ? TP_CLAIMS_MAX : 2 * n, n);
        }
    }
}
