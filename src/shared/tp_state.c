/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The machine-wide refresh state: made at post_config, past the first
 * configuration pass, once in the process pool and kept in retained data;
 * later generations reuse it.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <util_mutex.h>
#include <apr_shm.h>

#include "conf/tp_conf.h"
#include "core/tp_flight.h"
#include "core/tp_seal.h"
#include "core/tp_sizing.h"
#include "shared/tp_state.h"
#include "shared/tp_stats.h"

APLOG_USE_MODULE(tokenproxy);

/* Versioned: a graceful restart into a build whose retained layout
 * differs starts afresh instead of reading the old layout. */
#define RETAINED_KEY "mod_tokenproxy-state-3"

static tp_state *st;                 /* this process's view */

int tp_state_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, TP_MUTEX_NAME, NULL, APR_LOCK_DEFAULT, 0)
           == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
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
    if (st->claims) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "tokenproxy: TokenProxyRefreshSlots changed to %u; "
                     "refreshes of the previous generation are not shared "
                     "with the new one", slots);
    }
    st->claims_shm = shm;
    st->claims = tp_claims_init(apr_shm_baseaddr_get(shm), slots);
    return APR_SUCCESS;
}

int tp_state_post_config(apr_pool_t *ptemp, server_rec *s)
{
    const tp_srv_conf *sc = tp_srv_conf_get(s);
    apr_pool_t *pp = s->process->pool;
    apr_size_t token_size = sc->token_size ? (apr_size_t)sc->token_size
                                           : TP_DEFAULT_TOKEN_SIZE;
    apr_uint32_t slots = sc->slots ? (apr_uint32_t)sc->slots
                                   : TP_DEFAULT_SLOTS;
    tp_conf_uses uses;
    const char *spec;
    apr_status_t rv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;          /* the first pass only checks the config */
    }
    tp_conf_uses_get(&uses);
    st = ap_retained_data_get(RETAINED_KEY);
    if (!st) {
        st = ap_retained_data_create(RETAINED_KEY, sizeof(*st));
    }
    if (!tp_stats_post_config(s)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!st->ready && !tp_seal_keygen(st->seal_key)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "tokenproxy: no random bytes for the sealing key");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st->ready = 1;
    tp_seal_init();         /* the cipher, fetched before the children fork */
    if (!uses.keys && !st->told_unsealed) {
        st->told_unsealed = 1;
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "tokenproxy: token cookies are not sealed: no "
                     "TokenProxyCookieKey is set (see the README to "
                     "encrypt them)");
    }
    if (!uses.refresh && !sc->cache) {
        return OK;          /* nothing refreshes: no shared state needed */
    }
    if (st->cache.provider_name && !tp_cache_refind(&st->cache)) {
        st->cache.spec = NULL;  /* gone: make a new cache below */
    }
    if (!st->mutex) {
        rv = ap_global_mutex_create(&st->mutex, NULL, TP_MUTEX_NAME, NULL, s,
                                    pp, 0);
        if (rv != APR_SUCCESS) {
            return HTTP_INTERNAL_SERVER_ERROR;   /* httpd logged why */
        }
    }
    if ((!st->claims || tp_claims_slots(st->claims) != slots)
        && create_claims(s, slots) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    spec = sc->cache ? sc->cache : tp_cache_default_spec(ptemp);
    if (!st->cache.spec || strcmp(st->cache.spec, spec)
        || st->cache.token_size != token_size) {
        if (st->cache.instance) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "tokenproxy: TokenProxyCache changed to %s; "
                         "refreshes of the previous generation are not "
                         "shared with the new one", spec);
        }
        if (tp_cache_create(&st->cache, s, ptemp, spec, token_size)
            != APR_SUCCESS) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

void tp_state_child_init(apr_pool_t *pchild, server_rec *s)
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
                     "tokenproxy: could not open the " TP_MUTEX_NAME
                     " mutex in this child");
    }
}

const tp_state *tp_state_usable(void)
{
    return st && st->cache.instance && st->mutex && st->claims ? st : NULL;
}

const tp_keyring *tp_state_start_keyring(apr_pool_t *p)
{
    tp_keyring *kr;

    if (!st || !st->ready) {
        return NULL;
    }
    kr = apr_pcalloc(p, sizeof(*kr));
    kr->n = 1;
    memcpy(kr->keys[0], st->seal_key, TP_SEAL_KEY_LEN);
    return kr;
}

const char *tp_state_cache_name(void)
{
    return st && st->cache.provider_name ? st->cache.provider_name : "none";
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

int tp_state_fill(request_rec *r, tp_cache_fill *fill)
{
    memset(fill, 0, sizeof(*fill));
    if (!tp_state_usable()) {
        return 0;
    }
    fill->size = st->cache.cache_size;
    fill->capacity = st->cache.cache_size
                     ? tp_sizing_capacity(st->cache.cache_size,
                                          st->cache.token_size)
                     : 0;
    if (apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        return 0;
    }
    if (st->cache.provider->iterate) {
        st->cache.provider->iterate(st->cache.instance, r->server, fill,
                                    count_entry, r->pool);
    }
    tp_claims_count(st->claims, apr_time_now(), &fill->claims);
    apr_global_mutex_unlock(st->mutex);
    return 1;
}

long tp_state_claims_done(void)
{
    tp_claims_fill cf;

    if (!tp_state_usable()
        || apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        return -1;
    }
    tp_claims_count(st->claims, apr_time_now(), &cf);
    apr_global_mutex_unlock(st->mutex);
    return cf.done;
}
