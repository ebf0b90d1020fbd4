/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The results cache: a socache instance made to last.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <ap_provider.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "core/tp_sizing.h"
#include "shared/tp_cache.h"

APLOG_USE_MODULE(tokenproxy);

/* "provider" or "provider:args" */
static const char *split_spec(apr_pool_t *p, const char *spec,
                              const char **args)
{
    const char *colon = strchr(spec, ':');

    *args = colon ? colon + 1 : NULL;
    return colon ? apr_pstrmemdup(p, spec, (apr_size_t)(colon - spec))
                 : spec;
}

const char *tp_cache_default_spec(apr_pool_t *p)
{
    return apr_psprintf(p, TP_DEFAULT_CACHE ":%s(%d)",
                        ap_runtime_dir_relative(p, "tokenproxy-cache"),
                        TP_DEFAULT_CACHE_SIZE);
}

const char *tp_cache_spec_with_size(apr_pool_t *p, const char *spec,
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
static apr_status_t check_capacity(tp_cache *c, server_rec *s,
                                   apr_pool_t *ptemp, const char *spec,
                                   const char *name, const char *args,
                                   apr_size_t token_size)
{
    apr_size_t size, need, good;
    long cap;

    c->cache_size = 0;
    if (strcmp(name, "shmcb") || !(size = tp_sizing_shmcb_size(args))) {
        return APR_SUCCESS;         /* its capacity is not ours to know */
    }
    c->cache_size = size;
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
                 need ? tp_cache_spec_with_size(ptemp, spec, need)
                      : "(too large for shmcb: use a smaller "
                        "TokenProxyTokenSize or another provider)",
                 good ? "; for 20000 results within a grace window, "
                 "TokenProxyCache " : "",
                 good ? tp_cache_spec_with_size(ptemp, spec, good) : "");
    return APR_EGENERAL;
}

apr_status_t tp_cache_create(tp_cache *c, server_rec *s, apr_pool_t *ptemp,
                             const char *spec, apr_size_t token_size)
{
    apr_pool_t *pp;
    struct ap_socache_hints hints;
    const char *args, *name, *err;
    apr_status_t rv;

    name = split_spec(ptemp, spec, &args);
    if (check_capacity(c, s, ptemp, spec, name, args, token_size)
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

    c->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!c->provider) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "tokenproxy: refreshing tokens needs the shared refresh "
                     "state: load mod_socache_%s (LoadModule "
                     "socache_%s_module ...) or choose another provider "
                     "with TokenProxyCache", name, name);
        return APR_EGENERAL;
    }
    err = c->provider->create(&c->instance, args, ptemp, pp);
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
    rv = c->provider->init(c->instance, "tokenproxy", &hints, s, pp);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "tokenproxy: could not initialise TokenProxyCache %s",
                     spec);
        return rv;
    }
    c->spec = apr_pstrdup(s->process->pool, spec);
    c->provider_name = apr_pstrdup(s->process->pool, name);
    c->token_size = token_size;
    return APR_SUCCESS;
}

int tp_cache_refind(tp_cache *c)
{
    if (!c->provider_name) {
        return 0;
    }
    c->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP,
                                     c->provider_name,
                                     AP_SOCACHE_PROVIDER_VERSION);
    return c->provider != NULL;
}
