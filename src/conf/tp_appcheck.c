/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The apps of each server: the startup refusal of overlapping cookies
 * and the set of every token cookie name.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <apr_strings.h>

#include "conf/tp_appcheck.h"
#include "conf/tp_conf.h"
#include "conf/tp_conf_app.h"
#include "core/tp_appset.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;

/* Does this (merged) section use the module's cookies? */
static int uses_cookies(const tp_dir_conf *dc)
{
    return tp_conf_enabled(dc) || tp_conf_app_provider(dc) || dc->client_id;
}

static void add_use(apr_array_header_t *uses,
                    const char *section, const tp_dir_conf *dc, int *login)
{
    tp_app_use *u;
    tp_cookie_attrs a;

    if (!dc || !uses_cookies(dc)) {
        return;
    }
    tp_conf_cookie_attrs(dc, &a);
    u = apr_array_push(uses);
    memset(u, 0, sizeof(*u));
    u->section = section;
    u->provider = tp_conf_app_provider(dc);
    u->client = dc->client_id;
    u->path = a.path;
    u->names[0] = tp_conf_access_cookie(dc);
    u->names[1] = tp_conf_refresh_cookie(dc);
    if (tp_oidc_issuer(dc)) {
        u->names[2] = tp_oidc_id_cookie(dc);
        *login = 1;
    }
    u->names[3] = tp_conf_session_cookie(dc);
}

static void add_list(apr_pool_t *p, const server_rec *s,
                     apr_array_header_t *uses, const tp_dir_conf *base,
                     apr_array_header_t *secs, const char *kind, int *login)
{
    ap_conf_vector_t **v = (ap_conf_vector_t **)secs->elts;
    int i, j;

    for (i = 0; i < secs->nelts; i++) {
        core_dir_config *ci = ap_get_core_module_config(v[i]);
        const tp_dir_conf *merged = base;

        for (j = 0; j <= i; j++) {
            core_dir_config *cj = ap_get_core_module_config(v[j]);
            const tp_dir_conf *dj = ap_get_module_config(v[j],
                                                          &tokenproxy_module);
            if (dj && cj->d && ci->d
                && !strncmp(ci->d, cj->d, strlen(cj->d))) {
                merged = tp_dir_conf_merge(p, (void *)merged, (void *)dj);
            }
        }
        add_use(uses, apr_psprintf(p, "<%s %s>%s%s", kind,
                                      ci->d ? ci->d : "?",
                                      s->is_virtual ? " in the virtual host "
                                      "at " : "",
                                      s->is_virtual && s->defn_name
                                      ? apr_psprintf(p, "%s:%d", s->defn_name,
                                                     s->defn_line_number)
                                      : ""), merged, login);
    }
}

const char *tp_appcheck(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    for (; s; s = s->next) {
        core_server_config *core = ap_get_core_module_config(s->module_config);
        const tp_dir_conf *base = ap_get_module_config(s->lookup_defaults,
                                                       &tokenproxy_module);
        tp_srv_conf *sc = tp_srv_apps(s);
        apr_array_header_t *uses = apr_array_make(ptemp, 8,
                                                  sizeof(tp_app_use));
        apr_array_header_t *names;
        const char *e;
        int login = 0, i;

        add_use(uses, s->is_virtual && s->defn_name
                ? apr_psprintf(ptemp, "the virtual host at %s:%d",
                               s->defn_name, s->defn_line_number)
                : "the server configuration", base, &login);
        add_list(ptemp, s, uses, base, core->sec_url, "Location", &login);
        add_list(ptemp, s, uses, base, core->sec_dir, "Directory", &login);
        if ((e = tp_appset_conflict(ptemp, uses))) {
            return e;
        }
        if (!sc) {
            continue;
        }
        names = tp_appset_names(ptemp, uses);
        sc->app_names = apr_array_make(pconf, names->nelts,
                                       sizeof(const char *));
        for (i = 0; i < names->nelts; i++) {
            APR_ARRAY_PUSH(sc->app_names, const char *)
                = apr_pstrdup(pconf, APR_ARRAY_IDX(names, i, const char *));
        }
        sc->app_login = login;
    }
    return NULL;
}
