/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The shared refresh state: socache, global mutex, counters, sealing key.
 *
 * pre_config registers the mutex (every generation: the registry lives in
 * pconf).  post_config, past the first configuration pass, creates the
 * cache, the mutex, the counters and the key once, in the process pool,
 * and keeps them in retained data; later generations reuse them.  Only a
 * changed TokenProxyCache makes a new cache.  child_init re-opens the
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
#include <apr_strings.h>

#include "tp_config.h"
#include "tp_seal.h"
#include "tp_shared.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

#define RETAINED_KEY "mod_tokenproxy-shared"

typedef struct tp_srv_conf {
    const char *cache;        /* TokenProxyCache, NULL: default */
} tp_srv_conf;

typedef struct tp_stats {
    volatile apr_uint64_t n[TP_STAT_COUNT];
} tp_stats;

typedef struct tp_retained {
    int ready;
    const char *spec;                       /* the cache in use */
    const char *provider_name;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;
    apr_shm_t *stats_shm;
    tp_stats *stats;
    unsigned char seal_key[TP_SEAL_KEY_LEN];
    int told_unsealed;                      /* the startup notice */
} tp_retained;

static tp_retained *rd;              /* this process's view */
static int refresh_configured;       /* this configuration refreshes */

typedef struct store_ctx {
    server_rec *s;
} store_ctx;

void *tp_shared_srv_create(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(tp_srv_conf));
}

void tp_shared_note_refresh_configured(void)
{
    refresh_configured = 1;
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

int tp_shared_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    refresh_configured = 0;
    tp_conf_reset_notes();
    return ap_mutex_register(pconf, TP_MUTEX_NAME, NULL, APR_LOCK_DEFAULT, 0)
           == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static const char *default_spec(apr_pool_t *p)
{
    return apr_psprintf(p, TP_DEFAULT_CACHE ":%s(%d)",
                        ap_runtime_dir_relative(p, "tokenproxy-cache"),
                        TP_DEFAULT_CACHE_SIZE);
}

static apr_status_t create_cache(server_rec *s, apr_pool_t *ptemp,
                                 const char *spec)
{
    apr_pool_t *pp;
    struct ap_socache_hints hints;
    const char *args, *name, *err;
    apr_status_t rv;

    /* The instance must outlive this generation of loaded modules: httpd
     * unloads and reloads every DSO on a restart, so a cleanup the
     * provider registers would point into unmapped code at exit.  An
     * unmanaged pool is never destroyed; the kernel frees the anonymous
     * shared memory when the last process exits. */
    if ((rv = apr_pool_create_unmanaged_ex(&pp, NULL, NULL)) != APR_SUCCESS) {
        return rv;
    }

    name = split_spec(ptemp, spec, &args);
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
    memset(&hints, 0, sizeof(hints));
    hints.avg_id_len = 32;
    hints.avg_obj_size = 2048;
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
    return APR_SUCCESS;
}

int tp_shared_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                          server_rec *s)
{
    tp_srv_conf *sc = ap_get_module_config(s->module_config,
                                           &tokenproxy_module);
    apr_pool_t *pp = s->process->pool;
    const char *spec;
    apr_status_t rv;

    (void)pconf;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;          /* the first pass only checks the config */
    }
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
    if (!tp_conf_keys_configured() && !rd->told_unsealed) {
        rd->told_unsealed = 1;
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "tokenproxy: token cookies are not sealed: no "
                     "TokenProxyCookieKey is set (see the README to "
                     "encrypt them)");
    }
    if (!refresh_configured && !sc->cache) {
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
    spec = sc->cache ? sc->cache : default_spec(ptemp);
    if (!rd->spec || strcmp(rd->spec, spec)) {
        if (rd->instance) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "tokenproxy: TokenProxyCache changed to %s; "
                         "refreshes of the previous generation are not "
                         "shared with the new one", spec);
        }
        if (create_cache(s, ptemp, spec) != APR_SUCCESS) {
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
    apr_status_t rv = rd->provider->store(rd->instance, c->s, key,
                                          (unsigned int)klen, expiry,
                                          (unsigned char *)data,
                                          (unsigned int)len, p);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, c->s,
                     "tokenproxy: could not store a %" APR_SIZE_T_FMT
                     "-byte refresh state entry in TokenProxyCache %s",
                     len, rd->spec);
        return 0;
    }
    return 1;
}

static apr_time_t st_now(void *ctx)
{
    (void)ctx;
    return apr_time_now();
}

static void st_sleep(void *ctx, apr_interval_time_t t)
{
    (void)ctx;
    apr_sleep(t);
}

const tp_flight_store *tp_shared_store(request_rec *r)
{
    tp_flight_store *st;
    store_ctx *c;

    if (!rd || !rd->instance || !rd->mutex) {
        return NULL;
    }
    c = apr_pcalloc(r->pool, sizeof(*c));
    c->s = r->server;
    st = apr_pcalloc(r->pool, sizeof(*st));
    st->ctx = c;
    st->lock = st_lock;
    st->unlock = st_unlock;
    st->get = st_get;
    st->put = st_put;
    st->now = st_now;
    st->sleep = st_sleep;
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
        "wait_deadlines", "replays"
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

    (void)instance; (void)s; (void)id; (void)idlen; (void)pool;
    fill->entries++;
    switch (tp_flight_entry_state(data, datalen)) {
    case TP_ENTRY_IN_FLIGHT: fill->in_flight++; break;
    case TP_ENTRY_DONE:      fill->done++; break;
    case TP_ENTRY_FAILED:    fill->failed++; break;
    case TP_ENTRY_UNKNOWN:   break;
    }
    return APR_SUCCESS;
}

int tp_shared_fill(request_rec *r, tp_cache_fill *fill)
{
    memset(fill, 0, sizeof(*fill));
    if (!rd || !rd->instance || !rd->mutex || !rd->provider->iterate) {
        return 0;
    }
    if (apr_global_mutex_lock(rd->mutex) != APR_SUCCESS) {
        return 0;
    }
    rd->provider->iterate(rd->instance, r->server, fill, count_entry,
                          r->pool);
    apr_global_mutex_unlock(rd->mutex);
    return 1;
}
