/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The OpenID Connect login settings: directive handlers (bad values are
 * refused at startup, naming the directive) and their merge.  A value set
 * in an inner section wins; TokenProxyScope and TokenProxyAuthParam are
 * lists, taken whole from the innermost section that sets them.
 */

#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_uri.h>

#include "conf/tp_conf.h"
#include "core/tp_cookie.h"
#include "conf/tp_cmd_oidc.h"

#define MERGE(f) o->f = (add && add->f) ? add->f : base ? base->f : NULL

tp_oidc_conf *tp_oidc_conf_merge(apr_pool_t *p, const tp_oidc_conf *base,
                                 const tp_oidc_conf *add)
{
    tp_oidc_conf *o;

    if (!base || !add) {
        return (tp_oidc_conf *)(add ? add : base);
    }
    o = apr_pcalloc(p, sizeof(*o));
    MERGE(issuer);
    MERGE(redirect_uri);
    MERGE(scope);
    MERGE(params);
    MERGE(post_logout_url);
    MERGE(id_cookie);
    return o;
}

const char *tp_oidc_issuer(const tp_dir_conf *dc)
{
    return dc && dc->oidc ? dc->oidc->issuer : NULL;
}

const char *tp_oidc_redirect_uri(const tp_dir_conf *dc)
{
    return dc->oidc ? dc->oidc->redirect_uri : NULL;
}

const char *tp_oidc_scope(const tp_dir_conf *dc)
{
    return dc->oidc && dc->oidc->scope ? dc->oidc->scope : TP_DEFAULT_SCOPE;
}

const apr_array_header_t *tp_oidc_params(const tp_dir_conf *dc)
{
    return dc->oidc ? dc->oidc->params : NULL;
}

const char *tp_oidc_post_logout_url(const tp_dir_conf *dc)
{
    return dc->oidc && dc->oidc->post_logout_url ? dc->oidc->post_logout_url
                                                 : TP_DEFAULT_POST_LOGOUT_URL;
}

const char *tp_oidc_id_cookie(const tp_dir_conf *dc)
{
    return dc->oidc && dc->oidc->id_cookie ? dc->oidc->id_cookie
                                           : TP_DEFAULT_ID_COOKIE;
}

int tp_oidc_protocol_param(const char *name)
{
    static const char *const own[] = {
        "response_type", "client_id", "redirect_uri", "scope", "state",
        "nonce", "code_challenge", "code_challenge_method", "response_mode",
        "request", "request_uri", NULL
    };
    int i;

    for (i = 0; own[i]; i++) {
        if (!strcmp(name, own[i])) {
            return 1;
        }
    }
    return 0;
}

const char *tp_oidc_conf_check(apr_pool_t *p, const char *what,
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

/* ---- directive handlers ---- */

static tp_oidc_conf *oidc_of(cmd_parms *cmd, void *dcv)
{
    tp_dir_conf *dc = dcv;

    if (!dc->oidc) {
        dc->oidc = apr_pcalloc(cmd->pool, sizeof(*dc->oidc));
    }
    return dc->oidc;
}

static const char *err(cmd_parms *cmd, const char *fmt, const char *arg)
{
    return apr_pstrcat(cmd->pool, cmd->directive->directive, ": ",
                       apr_psprintf(cmd->pool, fmt, arg), NULL);
}

static int has_bad_bytes(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* An absolute http(s) URL with a host; https unless loopback when
 * https_only. */
static int is_url(apr_pool_t *p, const char *url, int https_only)
{
    apr_uri_t u;

    if (has_bad_bytes(url) || apr_uri_parse(p, url, &u) != APR_SUCCESS
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
           && !has_bad_bytes(arg);
}

const char *tp_cmd_oidc_provider(cmd_parms *cmd, void *dcv, const char *url)
{
    if (!is_url(cmd->pool, url, 1) || strchr(url, '?')) {
        return err(cmd, "'%s' is not an issuer: an https:// URL without "
                   "query or fragment (http:// only for 127.0.0.1, [::1] "
                   "and localhost)", url);
    }
    oidc_of(cmd, dcv)->issuer = url;
    tp_conf_note_refresh();         /* refreshes at the token_endpoint */
    return NULL;
}

const char *tp_cmd_redirect_uri(cmd_parms *cmd, void *dcv, const char *arg)
{
    if (!is_path(arg) && !is_url(cmd->pool, arg, 0)) {
        return err(cmd, "'%s' is neither a local path (/callback) nor an "
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
        return err(cmd, "'%s' is not a scope (RFC 6749 section 3.3)", arg);
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
        return err(cmd, "'%s' is not a parameter name", name);
    }
    if (tp_oidc_protocol_param(name)) {
        return err(cmd, "'%s' is a parameter of the protocol itself and "
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
        return err(cmd, "'%s' is neither a local path (/) nor an http:// "
                   "or https:// URL", arg);
    }
    oidc_of(cmd, dcv)->post_logout_url = arg;
    return NULL;
}

const char *tp_cmd_id_cookie(cmd_parms *cmd, void *dcv, const char *name)
{
    tp_dir_conf *dc = dcv;

    if (!tp_cookie_name_valid(name)) {
        return err(cmd, "'%s' is not a valid cookie name (RFC 6265: "
                   "letters, digits and !#$%%&'*+-.^_`|~ only)", name);
    }
    if (!strcmp(name, tp_conf_access_cookie(dc))
        || !strcmp(name, tp_conf_refresh_cookie(dc))) {
        return err(cmd, "'%s' is already the access or the refresh cookie",
                   name);
    }
    oidc_of(cmd, dcv)->id_cookie = name;
    return NULL;
}
