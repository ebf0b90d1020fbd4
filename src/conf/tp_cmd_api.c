/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The API token directives.
 */

#include <string.h>
#include <strings.h>

#include <http_core.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_uri.h>

#include "conf/tp_cmd.h"
#include "conf/tp_cmd_api.h"
#include "conf/tp_conf.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;

static int used;

int tp_cmd_api_used(void)
{
    return used;
}

void tp_cmd_api_pre_config(void)
{
    used = 0;
}

static tp_api_conf *api_of(cmd_parms *cmd, void *dcv)
{
    tp_dir_conf *dc = dcv;

    if (!dc->api) {
        dc->api = tp_api_conf_make(cmd->pool);
    }
    return dc->api;
}

const char *tp_cmd_token_type(cmd_parms *cmd, void *dcv, const char *w)
{
    tp_tokentype_e t;

    if (!tp_tokentype_parse(w, &t)) {
        return tp_cmd_error(cmd, "'%s' is none of user, client, "
                            "user-or-client, user-or-none", w);
    }
    api_of(cmd, dcv)->token_type = (int)t;
    if (t == TP_TT_CLIENT || t == TP_TT_USER_OR_CLIENT) {
        used = 1;
    }
    return NULL;
}

/* One more word of a space-separated list (scopes). */
static const char *add_word(cmd_parms *cmd, const char *list, const char *w)
{
    return list ? apr_pstrcat(cmd->pool, list, " ", w, NULL)
                : apr_pstrdup(cmd->pool, w);
}

const char *tp_cmd_client_scope(cmd_parms *cmd, void *dcv, const char *w)
{
    tp_api_conf *a = api_of(cmd, dcv);

    if (tp_cmd_bad_bytes(w) || strchr(w, '"') || strchr(w, '\\')) {
        return tp_cmd_error(cmd, "'%s' is not a scope (RFC 6749 3.3)", w);
    }
    a->client_scope = add_word(cmd, a->client_scope, w);
    return NULL;
}

static int is_uri(apr_pool_t *p, const char *s)
{
    apr_uri_t u;

    return !tp_cmd_bad_bytes(s) && apr_uri_parse(p, s, &u) == APR_SUCCESS
           && u.scheme && *u.scheme;
}

const char *tp_cmd_client_resource(cmd_parms *cmd, void *dcv,
                                   const char *uri)
{
    if (!is_uri(cmd->pool, uri) || strchr(uri, '#')) {
        return tp_cmd_error(cmd, "'%s' is not an absolute URI without a "
                            "fragment (RFC 8707)", uri);
    }
    api_of(cmd, dcv)->client_resource = uri;
    return NULL;
}

const char *tp_cmd_exchange(cmd_parms *cmd, void *dcv, int argc,
                            char *const argv[])
{
    tp_exchange_target *t = apr_pcalloc(cmd->pool, sizeof(*t));
    int i;

    if (argc < 2) {
        return tp_cmd_error(cmd, "%s", "needs audience NAME, resource URI "
                            "or scope SCOPE [SCOPE ...]");
    }
    for (i = 1; i < argc; i++) {
        if (tp_cmd_bad_bytes(argv[i])) {
            return tp_cmd_error(cmd, "'%s' holds a space, control or "
                                "non-ASCII byte", argv[i]);
        }
    }
    if (!strcasecmp(argv[0], "audience") && argc == 2) {
        t->kind = TP_TARGET_AUDIENCE;
        t->value = argv[1];
    }
    else if (!strcasecmp(argv[0], "resource") && argc == 2) {
        if (!is_uri(cmd->pool, argv[1]) || strchr(argv[1], '#')) {
            return tp_cmd_error(cmd, "resource '%s' is not an absolute URI "
                                "without a fragment (RFC 8707)", argv[1]);
        }
        t->kind = TP_TARGET_RESOURCE;
        t->value = argv[1];
    }
    else if (!strcasecmp(argv[0], "scope")) {
        t->kind = TP_TARGET_SCOPE;
        for (i = 1; i < argc; i++) {
            t->value = add_word(cmd, t->value, argv[i]);
        }
    }
    else {
        return tp_cmd_error(cmd, "'%s': the first word is audience (one "
                            "NAME), resource (one URI) or scope (SCOPE "
                            "words)", argv[0]);
    }
    api_of(cmd, dcv)->exchange = t;
    used = 1;
    return NULL;
}

const char *tp_cmd_exchange_format(cmd_parms *cmd, void *dcv, const char *w)
{
    tp_api_conf *a = api_of(cmd, dcv);

    if (!strcasecmp(w, "rfc8693")) {
        a->exchange_format = TP_XFORMAT_RFC8693;
    }
    else if (!strcasecmp(w, "entra-obo")) {
        a->exchange_format = TP_XFORMAT_ENTRA_OBO;
    }
    else {
        return tp_cmd_error(cmd, "'%s' is neither rfc8693 nor entra-obo", w);
    }
    return NULL;
}

const char *tp_cmd_client_key(cmd_parms *cmd, void *dcv, const char *file,
                              const char *kid)
{
    tp_api_conf *a = api_of(cmd, dcv);
    const char *path = ap_server_root_relative(cmd->pool, file), *why;
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    apr_size_t n;
    tp_client_key *k;

    if (!path || apr_file_open(&f, path, APR_READ, 0, cmd->pool)
                 != APR_SUCCESS) {
        return tp_cmd_error(cmd, "cannot read the key file '%s'", file);
    }
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS
        || fi.size <= 0 || fi.size > 65536) {
        apr_file_close(f);
        return tp_cmd_error(cmd, "the key file '%s' is empty or larger "
                            "than 64 KiB", file);
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(cmd->pool, n + 1);
    if (apr_file_read_full(f, buf, n, &n) != APR_SUCCESS) {
        apr_file_close(f);
        return tp_cmd_error(cmd, "cannot read the key file '%s'", file);
    }
    apr_file_close(f);
    buf[n] = '\0';
    if (kid && tp_cmd_bad_bytes(kid)) {
        return tp_cmd_error(cmd, "the key id '%s' holds a space, control "
                            "or non-ASCII byte", kid);
    }
    k = tp_client_key_load(cmd->pool, buf, n, kid, &why);
    memset(buf, 0, n);
    if (!k) {
        return apr_psprintf(cmd->pool, "%s: the key file '%s' cannot be "
                            "used: %s", cmd->directive->directive, file,
                            why);
    }
    a->key = k;
    a->key_file = apr_pstrdup(cmd->pool, file);
    return NULL;
}

const char *tp_cmd_assertion_aud(cmd_parms *cmd, void *dcv, const char *w)
{
    tp_api_conf *a = api_of(cmd, dcv);

    if (!strcasecmp(w, "endpoint")) {
        a->assertion_aud_issuer = 0;
    }
    else if (!strcasecmp(w, "issuer")) {
        a->assertion_aud_issuer = 1;
    }
    else {
        return tp_cmd_error(cmd, "'%s' is neither endpoint nor issuer", w);
    }
    return NULL;
}

const char *tp_cmd_api_cache(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    tp_srv_conf *sc;

    (void)dummy;
    if (err) {
        return err;
    }
    if (tp_cmd_bad_bytes(arg) || !*arg) {
        return tp_cmd_error(cmd, "'%s' is not PROVIDER[:ARGS]", arg);
    }
    sc = ap_get_module_config(cmd->server->module_config,
                              &tokenproxy_module);
    sc->api_cache = arg;
    return NULL;
}
