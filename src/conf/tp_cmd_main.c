/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The main-server directives.  Each is refused in a <VirtualHost> or a
 * directory section; the values live in the main server's tp_srv_conf of
 * the configuration generation that read them.
 */

#include <string.h>

#include <http_core.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "conf/tp_cmd.h"
#include "conf/tp_cmd_main.h"
#include "core/tp_claims.h"
#include "core/tp_revtable.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;

/* The main server's record, for a main-server directive; NULL and *err
 * when the directive stands elsewhere. */
static tp_srv_conf *main_conf(cmd_parms *cmd, const char **err)
{
    if ((*err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) != NULL) {
        return NULL;
    }
    return ap_get_module_config(cmd->server->module_config,
                                &tokenproxy_module);
}

/* "provider" or "provider:args" */
static const char *provider_of(apr_pool_t *p, const char *spec)
{
    const char *colon = strchr(spec, ':');

    return colon ? apr_pstrmemdup(p, spec, (apr_size_t)(colon - spec))
                 : spec;
}

const char *tp_cmd_cache(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err, *name;
    tp_srv_conf *sc = main_conf(cmd, &err);

    (void)dcv;
    if (!sc) {
        return err;
    }
    name = provider_of(cmd->pool, arg);
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

/* A whole number from min to max. */
static const char *main_number(cmd_parms *cmd, const char *arg,
                               apr_int64_t min, apr_int64_t max,
                               apr_int64_t *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

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
    const char *err;
    tp_srv_conf *sc = main_conf(cmd, &err);

    (void)dcv;
    return sc ? main_number(cmd, arg, 16, 2 * 16384, &sc->token_size) : err;
}

const char *tp_cmd_slots(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err;
    tp_srv_conf *sc = main_conf(cmd, &err);

    (void)dcv;
    return sc ? main_number(cmd, arg, TP_CLAIMS_MIN, TP_CLAIMS_MAX,
                            &sc->slots)
              : err;
}

const char *tp_cmd_cluster(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err;
    tp_srv_conf *sc = main_conf(cmd, &err);

    (void)dcv;
    if (!sc) {
        return err;
    }
    if ((err = tp_redis_url_parse(cmd->pool, arg, &sc->cluster_url))) {
        /* never echo the argument: it may hold the password */
        return apr_psprintf(cmd->pool, "TokenProxyCluster: %s "
                            "(redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or "
                            "redis-sentinel://[[USER]:PASSWORD@]HOST[:PORT]"
                            "[,HOST[:PORT]...]/MASTER-NAME[/DB])", err);
    }
    sc->cluster = 1;
    sc->cluster_where = tp_redis_url_where(cmd->pool, &sc->cluster_url);
    return NULL;
}

const char *tp_cmd_cluster_key(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err;
    tp_srv_conf *sc = main_conf(cmd, &err);

    (void)dcv;
    if (!sc || (err = tp_cmd_read_key(cmd, arg, sc->cluster_key))) {
        return err;
    }
    sc->cluster_key_set = 1;
    return NULL;
}

const char *tp_cmd_cluster_timeout(cmd_parms *cmd, void *dcv,
                                   const char *arg)
{
    const char *err;
    tp_srv_conf *sc = main_conf(cmd, &err);
    char *end;
    apr_int64_t ms;

    (void)dcv;
    if (!sc) {
        return err;
    }
    ms = apr_strtoi64(arg, &end, 10);
    if (*end || end == arg || ms < 1 || ms > 60000) {
        return apr_psprintf(cmd->pool, "TokenProxyClusterTimeout: '%s' is "
                            "not a number of milliseconds from 1 to 60000",
                            arg);
    }
    sc->cluster_timeout = apr_time_from_msec(ms);
    return NULL;
}

const char *tp_cmd_revocation_slots(cmd_parms *cmd, void *dcv,
                                    const char *arg)
{
    const char *err;
    tp_srv_conf *sc = main_conf(cmd, &err);

    (void)dcv;
    return sc ? main_number(cmd, arg, TP_REVTABLE_MIN, TP_REVTABLE_MAX,
                            &sc->revocation_slots)
              : err;
}

/* --- Redis Sentinel and replicas (issue 21) --- */

const char *tp_cmd_cluster_sentinel_auth(cmd_parms *cmd, void *dcv,
                                         const char *arg)
{
    const char *err;
    tp_srv_conf *sc = main_conf(cmd, &err);
    tp_redis_url u;

    (void)dcv;
    if (!sc) {
        return err;
    }
    memset(&u, 0, sizeof(u));
    if ((err = tp_redis_sentinel_auth_parse(cmd->pool, arg, &u))) {
        /* never echo the argument: it is a password */
        return apr_psprintf(cmd->pool, "TokenProxyClusterSentinelAuth: %s "
                            "([USER:]PASSWORD)", err);
    }
    sc->cluster_sentinel_user = u.sentinel_user;
    sc->cluster_sentinel_password = u.sentinel_password;
    return NULL;
}

const char *tp_cmd_cluster_replicas(cmd_parms *cmd, void *dcv,
                                    const char *arg)
{
    const char *err;
    tp_srv_conf *sc = main_conf(cmd, &err);

    (void)dcv;
    return sc ? main_number(cmd, arg, 0, 16, &sc->cluster_replicas) : err;
}
