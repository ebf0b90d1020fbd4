/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_conf: the OpenID Connect login settings of a section
 * (TokenProxyOIDCProvider, TokenProxyRedirectURI, TokenProxyScope,
 * TokenProxyAuthParam, TokenProxyPostLogoutURL, TokenProxyIDCookie), kept
 * in a sub-structure of tp_dir_conf with its own merge.
 */
#ifndef TP_OIDC_CONF_H
#define TP_OIDC_CONF_H

#include <httpd.h>
#include <http_config.h>

#define TP_DEFAULT_ID_COOKIE        "idToken"
#define TP_DEFAULT_POST_LOGOUT_URL  "/"
#define TP_DEFAULT_SCOPE            "openid"

struct tp_dir_conf;

typedef struct tp_oidc_conf {
    const char *issuer;             /* TokenProxyOIDCProvider */
    const char *redirect_uri;       /* TokenProxyRedirectURI: path or URL */
    const char *scope;              /* TokenProxyScope, "openid" first */
    apr_array_header_t *params;     /* TokenProxyAuthParam: name, value,
                                     * name, value... (const char *) */
    const char *post_logout_url;    /* TokenProxyPostLogoutURL */
    const char *id_cookie;          /* TokenProxyIDCookie */
} tp_oidc_conf;

/* Merge of two sections' settings (either may be NULL). */
tp_oidc_conf *tp_oidc_conf_merge(apr_pool_t *p, const tp_oidc_conf *base,
                                 const tp_oidc_conf *add);

/* Effective values, with the defaults applied (dc->oidc may be NULL). */
const char *tp_oidc_issuer(const struct tp_dir_conf *dc);
const char *tp_oidc_redirect_uri(const struct tp_dir_conf *dc);
const char *tp_oidc_scope(const struct tp_dir_conf *dc);
const apr_array_header_t *tp_oidc_params(const struct tp_dir_conf *dc);
const char *tp_oidc_post_logout_url(const struct tp_dir_conf *dc);
const char *tp_oidc_id_cookie(const struct tp_dir_conf *dc);

/* Is `name` a parameter of the authorization request itself, which
 * TokenProxyAuthParam cannot set? */
int tp_oidc_protocol_param(const char *name);

/* Startup check of a merged section: a provider needs a client and a
 * redirect URI.  what names the section.  NULL or the message. */
const char *tp_oidc_conf_check(apr_pool_t *p, const char *what,
                               const struct tp_dir_conf *dc);

const char *tp_cmd_oidc_provider(cmd_parms *cmd, void *dcv, const char *url);
const char *tp_cmd_redirect_uri(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_scope(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_auth_param(cmd_parms *cmd, void *dcv, const char *name,
                              const char *value);
const char *tp_cmd_post_logout_url(cmd_parms *cmd, void *dcv,
                                   const char *arg);
const char *tp_cmd_id_cookie(cmd_parms *cmd, void *dcv, const char *name);

#endif /* TP_OIDC_CONF_H */
