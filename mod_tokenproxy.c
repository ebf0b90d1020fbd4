/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_tokenproxy: a Backend-for-Frontend for single-page apps inside
 * Apache httpd 2.4.  The browser holds only HttpOnly cookies; requests
 * proxied by mod_proxy reach the upstream with "Authorization: Bearer".
 *
 * This file holds the module record, the directive table and the hook
 * registration only; the work is done in src/.
 */

#include <httpd.h>
#include <http_config.h>
#include <mod_proxy.h>

#include "tp_config.h"
#include "tp_inject.h"

static const command_rec tp_cmds[] = {
    AP_INIT_FLAG("TokenProxy", tp_cmd_enable, NULL,
                 RSRC_CONF | ACCESS_CONF,
                 "On to inject the access cookie as a Bearer token into "
                 "proxied requests (default Off)"),
    AP_INIT_TAKE1("TokenProxyAccessCookie", tp_cmd_access_cookie, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "Name of the cookie holding the access token "
                  "(default " TP_DEFAULT_ACCESS_COOKIE ")"),
    AP_INIT_TAKE1("TokenProxyRefreshCookie", tp_cmd_refresh_cookie, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "Name of the cookie holding the refresh token "
                  "(default " TP_DEFAULT_REFRESH_COOKIE ")"),
    { NULL }
};

static void tp_register_hooks(apr_pool_t *p)
{
    (void)p;
    APR_OPTIONAL_HOOK(proxy, fixups, tp_inject_fixups, NULL, NULL,
                      APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(tokenproxy) = {
    STANDARD20_MODULE_STUFF,
    tp_dir_conf_create,
    tp_dir_conf_merge,
    NULL,
    NULL,
    tp_cmds,
    tp_register_hooks,
    AP_MODULE_FLAG_NONE
};
