/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The handlers of the per-directory directives (but the OpenID Connect
 * ones, tp_cmd_oidc): a bad value is refused at startup with a message
 * naming the directive.
 */

#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_uri.h>

#include <http_core.h>

#include "conf/tp_check.h"
#include "conf/tp_cmd.h"
#include "core/tp_cookie.h"
#include "core/tp_csrf.h"

#define FIELD(dc, cmd, type) ((type *)((char *)(dc) + (apr_size_t)(cmd)->info))

const char *tp_cmd_error(cmd_parms *cmd, const char *fmt, const char *arg)
{
    return apr_pstrcat(cmd->pool, cmd->directive->directive, ": ",
                       apr_psprintf(cmd->pool, fmt, arg), NULL);
}

int tp_cmd_bad_bytes(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* Checked in the section being read. */
static const char *check_prefixes(cmd_parms *cmd, const tp_dir_conf *dc)
{
    return tp_check_prefixes(cmd->pool, cmd->directive->directive, dc);
}

const char *tp_cmd_enable(cmd_parms *cmd, void *dcv, int on)
{
    tp_dir_conf *dc = dcv;

    dc->enabled = on ? 1 : 0;
    if (!dc->replay_warned) {
        dc->replay_warned = apr_pcalloc(cmd->pool, sizeof(apr_uint32_t));
    }
    return NULL;
}

static const char *check_cookie_name(cmd_parms *cmd, const char *name,
                                     const char *other)
{
    if (!tp_cookie_name_valid(name)) {
        return tp_cmd_error(cmd,
                            "'%s' is not a valid cookie name (RFC 6265: "
                            "letters, digits and !#$%%&'*+-.^_`|~ only)",
                            name);
    }
    if (other && !strcmp(other, name)) {
        return tp_cmd_error(cmd,
                            "the access and the refresh cookie cannot both be "
                            "called '%s'", name);
    }
    return NULL;
}

const char *tp_cmd_access_cookie(cmd_parms *cmd, void *dcv, const char *name)
{
    tp_dir_conf *dc = dcv;
    const char *e = check_cookie_name(cmd, name, tp_conf_refresh_cookie(dc));

    if (!e) {
        dc->access_cookie = name;
        e = check_prefixes(cmd, dc);
    }
    return e;
}

const char *tp_cmd_refresh_cookie(cmd_parms *cmd, void *dcv, const char *name)
{
    tp_dir_conf *dc = dcv;
    const char *e = check_cookie_name(cmd, name, tp_conf_access_cookie(dc));

    if (!e) {
        dc->refresh_cookie = name;
        e = check_prefixes(cmd, dc);
    }
    return e;
}

const char *tp_cmd_url(cmd_parms *cmd, void *dcv, const char *url)
{
    apr_uri_t u;

    if (apr_uri_parse(cmd->pool, url, &u) != APR_SUCCESS || !u.scheme
        || (strcasecmp(u.scheme, "http") && strcasecmp(u.scheme, "https"))
        || !u.hostname || !*u.hostname || tp_cmd_bad_bytes(url)) {
        return tp_cmd_error(cmd, "'%s' is not an http:// or https:// URL",
                            url);
    }
    *FIELD(dcv, cmd, const char *) = url;
    if ((apr_size_t)cmd->info == APR_OFFSETOF(tp_dir_conf, refresh_url)) {
        tp_conf_note_refresh();
    }
    return NULL;
}

const char *tp_cmd_format(cmd_parms *cmd, void *dcv, const char *fmt)
{
    tp_dir_conf *dc = dcv;

    if (!strcasecmp(fmt, "json")) {
        dc->format = TP_FORMAT_JSON;
    }
    else if (!strcasecmp(fmt, "oauth2")) {
        dc->format = TP_FORMAT_OAUTH2;
    }
    else {
        return tp_cmd_error(cmd, "'%s' is neither json nor oauth2", fmt);
    }
    return NULL;
}

const char *tp_cmd_client(cmd_parms *cmd, void *dcv, const char *id,
                          const char *secret)
{
    tp_dir_conf *dc = dcv;

    if (!*id || tp_cmd_bad_bytes(id)) {
        return tp_cmd_error(cmd, "%s",
                            "the client id must be a non-empty word");
    }
    if (secret && !*secret) {
        return tp_cmd_error(cmd, "%s", "the client secret is empty");
    }
    dc->client_set = 1;
    dc->client_id = id;
    dc->client_secret = secret;
    return NULL;
}

static const char *parse_number(cmd_parms *cmd, const char *arg,
                                apr_int64_t max, apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    if (!apr_isdigit(*arg)) {
        return tp_cmd_error(cmd, "'%s' is not a whole number", arg);
    }
    v = apr_strtoi64(arg, &end, 10);
    if (*end || v < 0 || v > max) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number "
                            "from 0 to %" APR_INT64_T_FMT,
                            cmd->directive->directive, arg, max);
    }
    *out = v;
    return NULL;
}

const char *tp_cmd_seconds(cmd_parms *cmd, void *dcv, const char *arg)
{
    apr_int64_t v;
    const char *e = parse_number(cmd, arg, 315360000, &v);

    if (e) {
        return e;
    }
    if ((apr_size_t)cmd->info == APR_OFFSETOF(tp_dir_conf, timeout)
        && (v < 1 || v > 300)) {
        return tp_cmd_error(cmd,
                            "'%s' is not a number of seconds from 1 to 300",
                            arg);
    }
    *FIELD(dcv, cmd, apr_int64_t) = v;
    return NULL;
}

const char *tp_cmd_bytes(cmd_parms *cmd, void *dcv, const char *arg)
{
    apr_int64_t v;
    const char *e = parse_number(cmd, arg, APR_INT64_C(1073741824), &v);

    if (!e) {
        *FIELD(dcv, cmd, apr_int64_t) = v;
    }
    return e;
}

const char *tp_cmd_json_field(cmd_parms *cmd, void *dcv, const char *which,
                              const char *name)
{
    tp_dir_conf *dc = dcv;

    if (!*name) {
        return tp_cmd_error(cmd, "%s", "the member name is empty");
    }
    if (!strcmp(which, "accessToken")) {
        dc->field_access = name;
    }
    else if (!strcmp(which, "refreshToken")) {
        dc->field_refresh = name;
    }
    else if (!strcmp(which, "expiresIn")) {
        dc->field_expires = name;
    }
    else {
        return tp_cmd_error(cmd,
                            "'%s' is not one of accessToken, refreshToken, "
                            "expiresIn", which);
    }
    return NULL;
}

const char *tp_cmd_flag(cmd_parms *cmd, void *dcv, int on)
{
    *FIELD(dcv, cmd, int) = on ? 1 : 0;
    return NULL;
}

const char *tp_cmd_samesite(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_dir_conf *dc = dcv;

    if (!strcasecmp(arg, "Strict")) {
        dc->samesite = TP_SAMESITE_STRICT;
    }
    else if (!strcasecmp(arg, "Lax")) {
        dc->samesite = TP_SAMESITE_LAX;
    }
    else if (!strcasecmp(arg, "None")) {
        dc->samesite = TP_SAMESITE_NONE;
    }
    else {
        return tp_cmd_error(cmd, "'%s' is not Strict, Lax or None", arg);
    }
    return NULL;
}

const char *tp_cmd_cookie_path(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_dir_conf *dc = dcv;

    if (arg[0] != '/' || tp_cmd_bad_bytes(arg) || strpbrk(arg, ";,\"\\")) {
        return tp_cmd_error(cmd,
                            "'%s' is not a cookie path (it starts with / and "
                            "has no ; , \" \\ or white space)", arg);
    }
    dc->cookie_path = arg;
    return check_prefixes(cmd, dc);
}

const char *tp_cmd_cookie_secure(cmd_parms *cmd, void *dcv, int on)
{
    tp_dir_conf *dc = dcv;

    dc->cookie_secure = on ? 1 : 0;
    return check_prefixes(cmd, dc);
}

const char *tp_cmd_read_key(cmd_parms *cmd, const char *file,
                             unsigned char key[TP_SEAL_KEY_LEN])
{
    const char *path = ap_server_root_relative(cmd->temp_pool, file);
    apr_file_t *f;
    char buf[256];
    apr_size_t len = sizeof(buf) - 1;
    apr_status_t rv;
    int ok;

    if (!path
        || (rv = apr_file_open(&f, path, APR_FOPEN_READ, 0,
                               cmd->temp_pool)) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read the key file %s",
                            cmd->directive->directive, file);
    }
    rv = apr_file_read(f, buf, &len);
    apr_file_close(f);
    ok = (rv == APR_SUCCESS || rv == APR_EOF) && tp_key_parse(buf, len, key);
    memset(buf, 0, sizeof(buf));
    if (!ok) {
        return apr_psprintf(cmd->pool, "%s: the key file %s does not hold "
                            "32 bytes as 64 hex digits or base64 (make one "
                            "with: openssl rand -hex 32 > %s)",
                            cmd->directive->directive, file, file);
    }
    return NULL;
}

const char *tp_cmd_cookie_key(cmd_parms *cmd, void *dcv, const char *file)
{
    tp_dir_conf *dc = dcv;
    const char *e;

    if (!dc->keys) {
        dc->keys = apr_pcalloc(cmd->pool, sizeof(*dc->keys));
    }
    if (dc->keys->n >= TP_MAX_KEYS) {
        return apr_psprintf(cmd->pool, "%s: at most %d keys",
                            cmd->directive->directive, TP_MAX_KEYS);
    }
    if ((e = tp_cmd_read_key(cmd, file, dc->keys->keys[dc->keys->n]))) {
        return e;
    }
    dc->keys->n++;
    tp_conf_note_keys();
    return NULL;
}

const char *tp_cmd_trusted_origin(cmd_parms *cmd, void *dcv,
                                  const char *origin)
{
    tp_dir_conf *dc = dcv;
    const char *norm = tp_origin_normalize(cmd->pool, origin);

    if (!norm) {
        return tp_cmd_error(cmd,
                            "'%s' is not an origin (scheme://host[:port])",
                            origin);
    }
    if (!dc->trusted) {
        dc->trusted = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    APR_ARRAY_PUSH(dc->trusted, const char *) = norm;
    return NULL;
}

const char *tp_cmd_csrf_header(cmd_parms *cmd, void *dcv, const char *name)
{
    tp_dir_conf *dc = dcv;

    if (!tp_cookie_name_valid(name)) {      /* a header name is a token */
        return tp_cmd_error(cmd, "'%s' is not a header name", name);
    }
    dc->csrf_header = name;
    return NULL;
}

const char *tp_cmd_login_url(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_dir_conf *dc = dcv;

    if (tp_cmd_bad_bytes(arg)
        || !((arg[0] == '/' && arg[1] != '/' && arg[1] != '\\')
             || !strncasecmp(arg, "http://", 7)
             || !strncasecmp(arg, "https://", 8))) {
        return tp_cmd_error(cmd,
                            "'%s' is neither a local path (/login) nor an "
                            "http:// or https:// URL", arg);
    }
    dc->login_url = arg;
    return NULL;
}
