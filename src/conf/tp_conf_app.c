/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The app a section belongs to (see tp_conf_app.h).
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <apr_strings.h>

#include "conf/tp_conf_app.h"
#include "core/tp_binding.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;

tp_srv_conf *tp_srv_apps(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &tokenproxy_module);
}

const char *tp_conf_app_provider(const tp_dir_conf *dc)
{
    const char *iss = tp_oidc_issuer(dc);

    return iss ? iss : dc->refresh_url;
}

/* The last label made, per thread: a request of one app asks for it a
 * few times, and a process serves few apps.  Keyed by the configuration's
 * strings themselves, which live as long as the child. */
static _Thread_local struct {
    const char *provider, *client;
    char label[TP_BINDING_LABEL_LEN + 1];
} last_label;

const char *tp_conf_app_label(apr_pool_t *p, const tp_dir_conf *dc)
{
    const char *prov = tp_conf_app_provider(dc), *l;

    if (!prov && !dc->client_id) {
        return NULL;            /* neither logs in nor refreshes: no app */
    }
    if (last_label.label[0] && last_label.provider == prov
        && last_label.client == dc->client_id) {
        return apr_pstrdup(p, last_label.label);
    }
    if (!(l = tp_binding_label(p, prov, dc->client_id))
        || strlen(l) != TP_BINDING_LABEL_LEN) {
        return l;
    }
    last_label.provider = prov;
    last_label.client = dc->client_id;
    memcpy(last_label.label, l, TP_BINDING_LABEL_LEN + 1);
    return l;
}

const char *tp_conf_seal_label(apr_pool_t *p, const tp_dir_conf *dc)
{
    return dc->binding == 0 ? NULL : tp_conf_app_label(p, dc);
}
