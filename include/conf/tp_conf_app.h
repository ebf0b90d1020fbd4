/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_conf_app: the app a section belongs to (several apps on one host,
 * issue 22): its provider and client, the label its cookies are bound
 * to, and the server record that lists every app's cookie names.
 */
#ifndef TP_CONF_APP_H
#define TP_CONF_APP_H

#include "conf/tp_conf.h"

/* The record of server s itself (a virtual host's own), for app_names. */
tp_srv_conf *tp_srv_apps(const server_rec *s);

/* The app of this section (tp_binding): its provider (the issuer, else
 * the refresh endpoint) and client id, and its label (NULL for a section
 * with neither: it belongs to no app, and opens every sealed cookie of
 * its keys); the label its cookies are sealed with (NULL with
 * TokenProxyCookieBinding Off, or without an app: the old unbound form). */
const char *tp_conf_app_provider(const tp_dir_conf *dc);
const char *tp_conf_app_label(apr_pool_t *p, const tp_dir_conf *dc);
const char *tp_conf_seal_label(apr_pool_t *p, const tp_dir_conf *dc);

#endif /* TP_CONF_APP_H */
