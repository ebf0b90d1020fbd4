/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The kept API tokens and their counters.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <apr_strings.h>

#include "conf/tp_cmd_api.h"
#include "conf/tp_conf.h"
#include "core/tp_seal.h"
#include "shared/tp_apicache.h"
#include "shared/tp_shm.h"
#include "shared/tp_state.h"

APLOG_USE_MODULE(tokenproxy);

#define RETAINED_KEY "mod_tokenproxy-apicache-1"
#define STATS_KEY "mod_tokenproxy-apistats-1"
/* the largest kept entry: a 16 KiB token, sealed, and its header */
#define MAX_ENTRY (16384 + 64)

typedef struct apicache {
    const char *spec;
    const char *provider_name;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
} apicache;

typedef struct api_stats {
    volatile apr_uint64_t n[TP_API_STAT_COUNT];
} api_stats;

static apicache *cache;           /* NULL: no location needs it */
static api_stats *stats;

static const char *const names[TP_API_STAT_COUNT] = {
    "api_grants_client", "api_grants_exchange", "api_tokens_kept",
    "api_token_hits", "api_token_shared", "api_exchanges_refused",
    "api_grants_misconfigured", "api_grants_unavailable"
};

static const char *const help[TP_API_STAT_COUNT] = {
    "Client-credentials grants made for TokenProxyTokenType client and "
    "user-or-client.",
    "Token exchanges (RFC 8693 or on-behalf-of) made for "
    "TokenProxyExchange.",
    "API tokens put into TokenProxyAPITokenCache.",
    "Requests served a kept API token without a grant.",
    "Requests that used another request's grant in flight.",
    "Token exchanges the provider refused (403 exchange_refused).",
    "API grants the provider refused as misconfigured (502).",
    "API grants that found the provider unavailable (503)."
};

static const char *default_spec(apr_pool_t *p)
{
    return apr_psprintf(p, "shmcb:%s(%d)",
                        ap_runtime_dir_relative(p, "tokenproxy-api"),
                        TP_DEFAULT_API_CACHE_SIZE);
}

static int make(apicache *c, server_rec *s, apr_pool_t *ptemp,
                const char *spec)
{
    struct ap_socache_hints hints;
    const char *colon = strchr(spec, ':'), *err;
    const char *name = colon ? apr_pstrmemdup(ptemp, spec,
                                              (apr_size_t)(colon - spec))
                             : spec;
    apr_pool_t *pp;
    apr_status_t rv;

    c->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                     AP_SOCACHE_PROVIDER_VERSION);
    if (!c->provider) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "tokenproxy: TokenProxyAPITokenCache %s: no socache "
                     "provider '%s' (LoadModule socache_%s_module ...)",
                     spec, name, name);
        return 0;
    }
    /* unmanaged, as tp_cache's: outlives the modules' reload */
    if (apr_pool_create_unmanaged_ex(&pp, NULL, NULL) != APR_SUCCESS) {
        return 0;
    }
    if ((err = c->provider->create(&c->instance, colon ? colon + 1 : NULL,
                                   ptemp, pp)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "tokenproxy: TokenProxyAPITokenCache %s: %s", spec,
                     err);
        return 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.avg_id_len = TP_APIGRANT_KEY_LEN;
    hints.avg_obj_size = 1024;
    hints.expiry_interval = apr_time_from_sec(60);
    if ((rv = c->provider->init(c->instance, "tokenproxy-api", &hints, s,
                                pp)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "tokenproxy: could not initialise "
                     "TokenProxyAPITokenCache %s", spec);
        return 0;
    }
    c->spec = apr_pstrdup(s->process->pool, spec);
    c->provider_name = apr_pstrdup(s->process->pool, name);
    return 1;
}

int tp_apicache_post_config(apr_pool_t *ptemp, server_rec *s)
{
    const tp_srv_conf *sc = tp_srv_conf_get(s);
    const char *spec;
    apicache *c;

    cache = NULL;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    stats = tp_shm_retained(s, STATS_KEY, sizeof(api_stats),
                            "API token counters");
    if (!tp_cmd_api_used()) {
        return OK;
    }
    spec = sc->api_cache ? sc->api_cache : default_spec(ptemp);
    if (!(c = ap_retained_data_get(RETAINED_KEY))) {
        c = ap_retained_data_create(RETAINED_KEY, sizeof(*c));
        memset(c, 0, sizeof(*c));
    }
    if (c->spec && !strcmp(c->spec, spec)) {
        c->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP,
                                         c->provider_name,
                                         AP_SOCACHE_PROVIDER_VERSION);
    }
    else {
        memset(c, 0, sizeof(*c));
    }
    if (!c->provider && !make(c, s, ptemp, spec)) {
        memset(c, 0, sizeof(*c));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    cache = c;
    return OK;
}

static const tp_state *locked(request_rec *r)
{
    const tp_state *st = tp_state_usable();

    if (!cache || !st || apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        if (cache && st) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "tokenproxy: could not lock " TP_MUTEX_NAME);
        }
        return NULL;
    }
    return st;
}

const char *tp_apicache_get(request_rec *r,
                            const unsigned char key[TP_APIGRANT_KEY_LEN])
{
    const tp_state *st = locked(r);
    unsigned int n = MAX_ENTRY;
    unsigned char *buf, *plain;
    apr_size_t plen;
    apr_status_t rv;

    if (!st) {
        return NULL;
    }
    buf = apr_palloc(r->pool, n);
    rv = cache->provider->retrieve(cache->instance, r->server, key,
                                   TP_APIGRANT_KEY_LEN, buf, &n, r->pool);
    apr_global_mutex_unlock(st->mutex);
    if (rv != APR_SUCCESS
        || !tp_unseal(r->pool, st->seal_key, key, TP_APIGRANT_KEY_LEN, buf,
                      n, &plain, &plen)) {
        return NULL;
    }
    return (const char *)plain;     /* NUL-terminated by tp_unseal */
}

int tp_apicache_put(request_rec *r,
                    const unsigned char key[TP_APIGRANT_KEY_LEN],
                    const char *token, apr_int64_t seconds)
{
    const tp_state *st = tp_state_usable();
    unsigned char *sealed;
    apr_size_t slen;
    apr_status_t rv;

    if (!cache || !st || seconds <= 0 || strlen(token) > 16384
        || !tp_seal(r->pool, st->seal_key, key, TP_APIGRANT_KEY_LEN, token,
                    strlen(token) + 1, &sealed, &slen)
        || !(st = locked(r))) {
        return 0;
    }
    rv = cache->provider->store(cache->instance, r->server, key,
                                TP_APIGRANT_KEY_LEN,
                                apr_time_now() + apr_time_from_sec(seconds),
                                sealed, (unsigned int)slen, r->pool);
    apr_global_mutex_unlock(st->mutex);
    if (rv == APR_SUCCESS) {
        tp_api_stat_inc(TP_API_KEPT);
    }
    return rv == APR_SUCCESS;
}

void tp_apicache_remove(request_rec *r,
                        const unsigned char key[TP_APIGRANT_KEY_LEN])
{
    const tp_state *st = locked(r);

    if (st) {
        cache->provider->remove(cache->instance, r->server, key,
                                TP_APIGRANT_KEY_LEN, r->pool);
        apr_global_mutex_unlock(st->mutex);
    }
}

typedef struct fill_ctx {
    long entries;
    apr_uint64_t bytes;
} fill_ctx;

static apr_status_t count_one(ap_socache_instance_t *inst, server_rec *s,
                              void *userctx, const unsigned char *id,
                              unsigned int idlen, const unsigned char *data,
                              unsigned int datalen, apr_pool_t *pool)
{
    fill_ctx *f = userctx;

    (void)inst;
    (void)s;
    (void)id;
    (void)data;
    (void)pool;
    f->entries++;
    f->bytes += idlen + datalen;
    return APR_SUCCESS;
}

int tp_apicache_fill(request_rec *r, long *entries, apr_uint64_t *bytes)
{
    const tp_state *st;
    fill_ctx f = { 0, 0 };
    apr_status_t rv;

    if (!cache || !cache->provider->iterate || !(st = locked(r))) {
        return 0;
    }
    rv = cache->provider->iterate(cache->instance, r->server, &f, count_one,
                                  r->pool);
    apr_global_mutex_unlock(st->mutex);
    *entries = f.entries;
    *bytes = f.bytes;
    return rv == APR_SUCCESS;
}

const char *tp_apicache_name(void)
{
    return cache && cache->provider_name ? cache->provider_name : "none";
}

void tp_api_stat_inc(tp_api_stat_e which)
{
    if (stats && which < TP_API_STAT_COUNT) {
        apr_atomic_inc64(&stats->n[which]);
    }
}

apr_uint64_t tp_api_stat_get(tp_api_stat_e which)
{
    return stats && which < TP_API_STAT_COUNT
           ? apr_atomic_read64(&stats->n[which]) : 0;
}

const char *tp_api_stat_name(tp_api_stat_e which)
{
    return which < TP_API_STAT_COUNT ? names[which] : "unknown";
}

const char *tp_api_stat_help(tp_api_stat_e which)
{
    return which < TP_API_STAT_COUNT ? help[which] : "";
}
