/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cmd_oidc: the handlers of the OpenID Connect login directives
 * (TokenProxyOIDCProvider, TokenProxyRedirectURI, TokenProxyScope,
 * TokenProxyAuthParam, TokenProxyPostLogoutURL, TokenProxyIDCookie); the
 * settings are the tp_oidc_conf of a section's tp_dir_conf.
 */
#ifndef TP_CMD_OIDC_H
#define TP_CMD_OIDC_H

#include <httpd.h>
#include <http_config.h>

const char *tp_cmd_oidc_provider(cmd_parms *cmd, void *dcv, const char *url);
const char *tp_cmd_redirect_uri(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_scope(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_auth_param(cmd_parms *cmd, void *dcv, const char *name,
                              const char *value);
const char *tp_cmd_post_logout_url(cmd_parms *cmd, void *dcv,
                                   const char *arg);
const char *tp_cmd_id_cookie(cmd_parms *cmd, void *dcv, const char *name);

#endif /* TP_CMD_OIDC_H */
