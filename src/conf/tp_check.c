/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Startup checks of whole sections and of the main server.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <apr_strings.h>

#include "conf/tp_check.h"
#include "conf/tp_check_api.h"
#include "core/tp_cookie.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* __Host- cookies: Secure, Path=/, no Domain; __Secure- cookies: Secure.
 * what: the directive (or section) named in the message. */
const char *tp_check_prefixes(apr_pool_t *p, const char *what,
                              const tp_dir_conf *dc)
{
    const char *names[4], *name;
    int i;

    names[0] = tp_conf_access_cookie(dc);
    names[1] = tp_conf_refresh_cookie(dc);
    names[2] = tp_oidc_id_cookie(dc);
    names[3] = tp_conf_session_cookie(dc);
    for (i = 0; i < 4; i++) {
        name = names[i];
        if (tp_cookie_secure_prefixed(name) && dc->cookie_secure == 0) {
            return apr_psprintf(p, "%s: the cookie '%s' needs Secure, but "
                                "this section says TokenProxyCookieSecure "
                                "Off", what, name);
        }
        if (tp_cookie_host_prefixed(name) && dc->cookie_path
            && strcmp(dc->cookie_path, "/")) {
            return apr_psprintf(p, "%s: the cookie '%s' needs Path=/, but "
                                "this section says TokenProxyCookiePath %s",
                                what, name, dc->cookie_path);
        }
    }
    return NULL;
}

/* A provider needs a client and a redirect URI. */
static const char *check_oidc(apr_pool_t *p, const char *what,
                              const tp_dir_conf *dc)
{
    if (!tp_oidc_issuer(dc)) {
        return NULL;
    }
    if (!dc->client_id) {
        return apr_psprintf(p, "%s: TokenProxyOIDCProvider %s needs "
                            "TokenProxyClient (the client id registered at "
                            "the provider, and its secret)", what,
                            tp_oidc_issuer(dc));
    }
    if (!tp_oidc_redirect_uri(dc)) {
        return apr_psprintf(p, "%s: TokenProxyOIDCProvider %s needs "
                            "TokenProxyRedirectURI (where SetHandler "
                            "tokenproxy-callback is)", what,
                            tp_oidc_issuer(dc));
    }
    return NULL;
}


static const char *check_list(apr_pool_t *p, const server_rec *s,
                              const tp_dir_conf *base,
                              apr_array_header_t *secs, const char *kind)
{
    ap_conf_vector_t **v = (ap_conf_vector_t **)secs->elts;
    int i, j;

    for (i = 0; i < secs->nelts; i++) {
        core_dir_config *ci = ap_get_core_module_config(v[i]);
        const tp_dir_conf *merged = base;
        const char *e;

        for (j = 0; j <= i; j++) {
            core_dir_config *cj = ap_get_core_module_config(v[j]);
            const tp_dir_conf *dj = ap_get_module_config(v[j],
                                                          &tokenproxy_module);
            if (dj && cj->d && ci->d
                && !strncmp(ci->d, cj->d, strlen(cj->d))) {
                merged = tp_dir_conf_merge(p, (void *)merged, (void *)dj);
            }
        }
        e = tp_check_prefixes(p, apr_psprintf(p, "<%s %s>%s%s", kind,
                                         ci->d ? ci->d : "?",
                                         s->is_virtual ? " in the virtual "
                                         "host at " : "",
                                         s->is_virtual && s->defn_name
                                         ? apr_psprintf(p, "%s:%d",
                                                        s->defn_name,
                                                        s->defn_line_number)
                                         : ""), merged);
        if (!e) {
            e = check_oidc(p, apr_psprintf(p, "<%s %s>", kind,
                                                   ci->d ? ci->d : "?"),
                                   merged);
        }
        if (!e) {
            e = tp_check_api(p, apr_psprintf(p, "<%s %s>", kind,
                                             ci->d ? ci->d : "?"), merged);
        }
        if (e) {
            return e;
        }
    }
    return NULL;
}

const char *tp_check_sections(apr_pool_t *p, server_rec *s)
{
    for (; s; s = s->next) {
        core_server_config *sc = ap_get_core_module_config(s->module_config);
        const tp_dir_conf *base = ap_get_module_config(s->lookup_defaults,
                                                         &tokenproxy_module);
        const char *e;

        if ((e = check_oidc(p, "the server configuration", base))
            || (e = tp_check_api(p, "the server configuration", base))
            || (e = check_list(p, s, base, sc->sec_url, "Location"))
            || (e = check_list(p, s, base, sc->sec_dir, "Directory"))) {
            return e;
        }
    }
    return NULL;
}

int tp_check_main(server_rec *s)
{
    const tp_srv_conf *sc = tp_srv_conf_get(s);

    if (sc->cluster && !sc->cluster_key_set) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "tokenproxy: TokenProxyCluster needs "
                     "TokenProxyClusterKey FILE, the same 32 random bytes "
                     "on every node (make one with: openssl rand -hex 32): "
                     "it seals every refresh result kept in Redis");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (sc->cluster_sentinel_password
        && !(sc->cluster && sc->cluster_url.sentinel)) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "tokenproxy: TokenProxyClusterSentinelAuth needs "
                     "TokenProxyCluster redis-sentinel://...");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (sc->cluster_key_set && !sc->cluster) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     "tokenproxy: TokenProxyClusterKey has no effect "
                     "without TokenProxyCluster");
    }
    return OK;
}
