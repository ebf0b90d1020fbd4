/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The handlers of the OpenID Connect login directives: bad values are
 * refused at startup, naming the directive.
 */

#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_uri.h>

#include "conf/tp_cmd.h"
#include "conf/tp_cmd_oidc.h"
#include "core/tp_cookie.h"
#include "core/tp_oidc_req.h"


static tp_oidc_conf *oidc_of(cmd_parms *cmd, void *dcv)
{
    tp_dir_conf *dc = dcv;

    if (!dc->oidc) {
        dc->oidc = apr_pcalloc(cmd->pool, sizeof(*dc->oidc));
    }
    return dc->oidc;
}

/* An absolute http(s) URL with a host; https unless loopback when
 * https_only. */
static int is_url(apr_pool_t *p, const char *url, int https_only)
{
    apr_uri_t u;

    if (tp_cmd_bad_bytes(url) || apr_uri_parse(p, url, &u) != APR_SUCCESS
        || !u.scheme || !u.hostname || !*u.hostname || u.fragment) {
        return 0;
    }
    if (!strcasecmp(u.scheme, "https")) {
        return 1;
    }
    if (strcasecmp(u.scheme, "http")) {
        return 0;
    }
    return !https_only || !strcmp(u.hostname, "127.0.0.1")
           || !strcmp(u.hostname, "::1") || !strcasecmp(u.hostname,
                                                         "localhost");
}

/* A local path: "/" not followed by "/" or "\". */
static int is_path(const char *arg)
{
    return arg[0] == '/' && arg[1] != '/' && arg[1] != '\\'
           && !tp_cmd_bad_bytes(arg);
}

const char *tp_cmd_oidc_provider(cmd_parms *cmd, void *dcv, const char *url)
{
    if (!is_url(cmd->pool, url, 1) || strchr(url, '?')) {
        return tp_cmd_error(cmd,
                            "'%s' is not an issuer: an https:// URL without "
                            "query or fragment (http:// only for 127.0.0.1, "
                            "[::1] and localhost)", url);
    }
    oidc_of(cmd, dcv)->issuer = url;
    tp_conf_note_refresh();         /* refreshes at the token_endpoint */
    return NULL;
}

const char *tp_cmd_redirect_uri(cmd_parms *cmd, void *dcv, const char *arg)
{
    if (!is_path(arg) && !is_url(cmd->pool, arg, 0)) {
        return tp_cmd_error(cmd,
                            "'%s' is neither a local path (/callback) nor an "
                            "http:// or https:// URL", arg);
    }
    oidc_of(cmd, dcv)->redirect_uri = arg;
    return NULL;
}

static int scope_token(const char *s)
{
    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x21 || c == '"' || c == '\\' || c > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* ITERATE: "openid" always first, each scope once; the lines of one
 * section add up. */
const char *tp_cmd_scope(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_oidc_conf *o = oidc_of(cmd, dcv);
    const char *cur;
    apr_size_t n = strlen(arg);

    if (!scope_token(arg)) {
        return tp_cmd_error(cmd, "'%s' is not a scope (RFC 6749 section 3.3)",
                            arg);
    }
    cur = o->scope ? o->scope : TP_DEFAULT_SCOPE;
    {
        const char *s = cur;
        while ((s = strstr(s, arg)) != NULL) {
            if ((s == cur || s[-1] == ' ') && (s[n] == ' ' || !s[n])) {
                o->scope = cur;
                return NULL;            /* already there */
            }
            s += n;
        }
    }
    o->scope = apr_pstrcat(cmd->pool, cur, " ", arg, NULL);
    return NULL;
}

const char *tp_cmd_auth_param(cmd_parms *cmd, void *dcv, const char *name,
                              const char *value)
{
    tp_oidc_conf *o = oidc_of(cmd, dcv);

    if (!tp_cookie_name_valid(name)) {
        return tp_cmd_error(cmd, "'%s' is not a parameter name", name);
    }
    if (tp_oidc_protocol_param(name)) {
        return tp_cmd_error(cmd,
                            "'%s' is a parameter of the protocol itself and "
                            "cannot be set here", name);
    }
    if (!o->params) {
        o->params = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    APR_ARRAY_PUSH(o->params, const char *) = name;
    APR_ARRAY_PUSH(o->params, const char *) = value;
    return NULL;
}

const char *tp_cmd_post_logout_url(cmd_parms *cmd, void *dcv,
                                   const char *arg)
{
    if (!is_path(arg) && !is_url(cmd->pool, arg, 0)) {
        return tp_cmd_error(cmd,
                            "'%s' is neither a local path (/) nor an http:// "
                            "or https:// URL", arg);
    }
    oidc_of(cmd, dcv)->post_logout_url = arg;
    return NULL;
}

const char *tp_cmd_id_cookie(cmd_parms *cmd, void *dcv, const char *name)
{
    tp_dir_conf *dc = dcv;

    if (!tp_cookie_name_valid(name)) {
        return tp_cmd_error(cmd,
                            "'%s' is not a valid cookie name (RFC 6265: "
                            "letters, digits and !#$%%&'*+-.^_`|~ only)",
                            name);
    }
    if (!strcmp(name, tp_conf_access_cookie(dc))
        || !strcmp(name, tp_conf_refresh_cookie(dc))) {
        return tp_cmd_error(cmd,
                            "'%s' is already the access or the refresh cookie",
                            name);
    }
    oidc_of(cmd, dcv)->id_cookie = name;
    return NULL;
}
