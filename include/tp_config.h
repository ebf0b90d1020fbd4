/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_config: per-directory configuration of mod_tokenproxy and the
 * handlers of its directives.  The directive table itself lives in
 * mod_tokenproxy.c.
 */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#define TP_DEFAULT_ACCESS_COOKIE  "accessToken"
#define TP_DEFAULT_REFRESH_COOKIE "refreshToken"

#define TP_UNSET (-1)

typedef struct tp_dir_conf {
    int enabled;                 /* TokenProxy: TP_UNSET, 0 or 1 */
    const char *access_cookie;   /* TokenProxyAccessCookie, NULL: unset */
    const char *refresh_cookie;  /* TokenProxyRefreshCookie, NULL: unset */
} tp_dir_conf;

void *tp_dir_conf_create(apr_pool_t *p, char *dir);
void *tp_dir_conf_merge(apr_pool_t *p, void *basev, void *addv);

/* Effective values, with the defaults applied. */
int tp_conf_enabled(const tp_dir_conf *dc);
const char *tp_conf_access_cookie(const tp_dir_conf *dc);
const char *tp_conf_refresh_cookie(const tp_dir_conf *dc);

const char *tp_cmd_enable(cmd_parms *cmd, void *dcv, int on);
const char *tp_cmd_access_cookie(cmd_parms *cmd, void *dcv, const char *name);
const char *tp_cmd_refresh_cookie(cmd_parms *cmd, void *dcv, const char *name);

#endif /* TP_CONFIG_H */
