/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Per-directory configuration: creation, merging of nested sections (a
 * value set in an inner <Location> wins, an unset one is inherited) and
 * the directive handlers, which reject bad values at startup with a
 * message naming the directive.
 */

#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_uri.h>

#include <http_core.h>

#include "conf/tp_conf.h"
#include "core/tp_cookie.h"
#include "core/tp_csrf.h"

void *tp_dir_conf_create(apr_pool_t *p, char *dir)
{
    tp_dir_conf *dc = apr_pcalloc(p, sizeof(*dc));

    dc->enabled = TP_UNSET;
    dc->format = TP_UNSET;
    dc->timeout = TP_UNSET;
    dc->grace = TP_UNSET;
    dc->skew = TP_UNSET;
    dc->replay_max = TP_UNSET;
    dc->cookie_secure = TP_UNSET;
    dc->samesite = TP_UNSET;
    dc->refresh_max_age = TP_UNSET;
    dc->public_ = TP_UNSET;
    dc->capture = TP_UNSET;
    dc->csrf = TP_UNSET;
    dc->section = dir ? apr_pstrdup(p, dir) : "(server)";
    return dc;
}

#define MERGE_INT(f) dc->f = (add->f != TP_UNSET) ? add->f : base->f
#define MERGE_PTR(f) dc->f = add->f ? add->f : base->f

void *tp_dir_conf_merge(apr_pool_t *p, void *basev, void *addv)
{
    const tp_dir_conf *base = basev, *add = addv;
    tp_dir_conf *dc = apr_palloc(p, sizeof(*dc));

    if (base->empty) {
        /* every MERGE below would take add's field */
        *dc = *add;
        dc->empty = 0;
        if (add->enabled == TP_UNSET) {
            dc->replay_warned = base->replay_warned;
            dc->section = base->section;
        }
        return dc;
    }
    memset(dc, 0, sizeof(*dc));
    MERGE_INT(enabled);
    MERGE_PTR(access_cookie);
    MERGE_PTR(refresh_cookie);
    MERGE_PTR(refresh_url);
    MERGE_INT(format);
    if (add->client_set) {
        dc->client_set = 1;
        dc->client_id = add->client_id;
        dc->client_secret = add->client_secret;
    }
    else {
        dc->client_set = base->client_set;
        dc->client_id = base->client_id;
        dc->client_secret = base->client_secret;
    }
    MERGE_INT(timeout);
    MERGE_INT(grace);
    MERGE_PTR(field_access);
    MERGE_PTR(field_refresh);
    MERGE_PTR(field_expires);
    MERGE_INT(skew);
    MERGE_INT(replay_max);
    MERGE_INT(cookie_secure);
    MERGE_INT(samesite);
    MERGE_PTR(cookie_path);
    MERGE_INT(refresh_max_age);
    MERGE_PTR(login_url);
    MERGE_INT(public_);
    MERGE_PTR(revoke_url);
    MERGE_INT(capture);
    MERGE_PTR(keys);
    MERGE_INT(csrf);
    MERGE_PTR(trusted);
    MERGE_PTR(csrf_header);
    dc->oidc = tp_oidc_conf_merge(p, base->oidc, add->oidc);
    if (add->enabled != TP_UNSET) {
        dc->replay_warned = add->replay_warned;
        dc->section = add->section;
    }
    else {
        dc->replay_warned = base->replay_warned;
        dc->section = base->section;
    }
    return dc;
}

int tp_conf_enabled(const tp_dir_conf *dc)
{
    return dc && dc->enabled == 1;
}

int tp_conf_public(const tp_dir_conf *dc)
{
    return dc->public_ == 1;
}

int tp_conf_capture(const tp_dir_conf *dc)
{
    return dc && dc->capture == 1;
}

int tp_conf_csrf(const tp_dir_conf *dc)
{
    return dc->csrf != 0;       /* unset: On */
}

/* What the configuration being read uses, noted by the directive
 * handlers (sections of every kind, <Proxy> and <If> included). */
static tp_conf_uses uses;

void tp_conf_pre_config(void)
{
    memset(&uses, 0, sizeof(uses));
}

void tp_conf_uses_get(tp_conf_uses *u)
{
    *u = uses;
}

void tp_conf_note_refresh(void)
{
    uses.refresh = 1;
}

const char *tp_conf_access_cookie(const tp_dir_conf *dc)
{
    return dc->access_cookie ? dc->access_cookie : TP_DEFAULT_ACCESS_COOKIE;
}

const char *tp_conf_refresh_cookie(const tp_dir_conf *dc)
{
    return dc->refresh_cookie ? dc->refresh_cookie
                              : TP_DEFAULT_REFRESH_COOKIE;
}

const char *tp_conf_login_url(const tp_dir_conf *dc)
{
    return dc->login_url ? dc->login_url : TP_DEFAULT_LOGIN_URL;
}

apr_int64_t tp_conf_skew(const tp_dir_conf *dc)
{
    return dc->skew != TP_UNSET ? dc->skew : TP_DEFAULT_SKEW;
}

apr_int64_t tp_conf_replay_max(const tp_dir_conf *dc)
{
    return dc->replay_max != TP_UNSET ? dc->replay_max : TP_DEFAULT_REPLAY_MAX;
}

apr_int64_t tp_conf_refresh_max_age(const tp_dir_conf *dc)
{
    return dc->refresh_max_age != TP_UNSET ? dc->refresh_max_age
                                           : TP_DEFAULT_REFRESH_MAX_AGE;
}

int tp_conf_can_refresh(const tp_dir_conf *dc)
{
    return dc->refresh_url != NULL || tp_oidc_issuer(dc) != NULL;
}

int tp_conf_refresh(const tp_dir_conf *dc, tp_grant_cfg *c)
{
    memset(c, 0, sizeof(*c));
    c->url = dc->refresh_url;
    c->format = dc->format == TP_FORMAT_OAUTH2 ? TP_FORMAT_OAUTH2
                                               : TP_FORMAT_JSON;
    c->client_id = dc->client_id;
    c->client_secret = dc->client_secret;
    c->timeout = apr_time_from_sec(dc->timeout != TP_UNSET
                                   ? dc->timeout : TP_DEFAULT_TIMEOUT);
    c->fields.access = dc->field_access ? dc->field_access : "accessToken";
    c->fields.refresh = dc->field_refresh ? dc->field_refresh
                                          : "refreshToken";
    c->fields.expires = dc->field_expires ? dc->field_expires : "expiresIn";
    if (!c->url && tp_oidc_issuer(dc)) {
        c->format = TP_FORMAT_OAUTH2;   /* the discovered token_endpoint */
    }
    return tp_conf_can_refresh(dc);
}

void tp_conf_flight(const tp_dir_conf *dc, tp_flight_params *prm)
{
    apr_int64_t t = dc->timeout != TP_UNSET ? dc->timeout : TP_DEFAULT_TIMEOUT;
    apr_interval_time_t timeout = apr_time_from_sec(t);

    /* the lease outlives the refresh call by half of it, 1 s at least */
    prm->lease = timeout + (t >= 2 ? timeout / 2 : apr_time_from_sec(1));
    /* long enough for one takeover after a refresher died */
    prm->deadline = 2 * prm->lease + apr_time_from_sec(1);
    prm->grace = apr_time_from_sec(dc->grace != TP_UNSET ? dc->grace
                                                         : TP_DEFAULT_GRACE);
    prm->failed_ttl = apr_time_from_sec(1);
}

static int host_prefix(const char *name)
{
    return !strncmp(name, "__Host-", 7);
}

static int secure_prefix(const char *name)
{
    return host_prefix(name) || !strncmp(name, "__Secure-", 9);
}

void tp_conf_cookie_attrs(const tp_dir_conf *dc, tp_cookie_attrs *a)
{
    const char *at = tp_conf_access_cookie(dc);
    const char *rt = tp_conf_refresh_cookie(dc);
    const char *it = tp_oidc_id_cookie(dc);

    a->path = dc->cookie_path ? dc->cookie_path : TP_DEFAULT_COOKIE_PATH;
    a->secure = dc->cookie_secure != 0;     /* unset: On */
    a->samesite = dc->samesite != TP_UNSET ? (tp_samesite_e)dc->samesite
                                           : TP_SAMESITE_STRICT;
    /* the prefixes' rules hold even where nested sections contradict them
     * (each section is checked at startup) */
    if (secure_prefix(at) || secure_prefix(rt) || secure_prefix(it)) {
        a->secure = 1;
    }
    if (host_prefix(at) || host_prefix(rt) || host_prefix(it)) {
        a->path = "/";
    }
}

/* __Host- cookies: Secure, Path=/, no Domain; __Secure- cookies: Secure.
 * what: the directive (or section) named in the message. */
static const char *prefix_error(apr_pool_t *p, const char *what,
                                const tp_dir_conf *dc)
{
    const char *names[3], *name;
    int i;

    names[0] = tp_conf_access_cookie(dc);
    names[1] = tp_conf_refresh_cookie(dc);
    names[2] = tp_oidc_id_cookie(dc);
    for (i = 0; i < 3; i++) {
        name = names[i];
        if (secure_prefix(name) && dc->cookie_secure == 0) {
            return apr_psprintf(p, "%s: the cookie '%s' needs Secure, but "
                                "this section says TokenProxyCookieSecure "
                                "Off", what, name);
        }
        if (host_prefix(name) && dc->cookie_path
            && strcmp(dc->cookie_path, "/")) {
            return apr_psprintf(p, "%s: the cookie '%s' needs Path=/, but "
                                "this section says TokenProxyCookiePath %s",
                                what, name, dc->cookie_path);
        }
    }
    return NULL;
}

/* Checked in the section being read. */
static const char *check_prefixes(cmd_parms *cmd, const tp_dir_conf *dc)
{
    return prefix_error(cmd->pool, cmd->directive->directive, dc);
}

static const char *check_list(apr_pool_t *p, const server_rec *s, module *m,
                              const tp_dir_conf *base,
                              apr_array_header_t *secs, const char *kind)
{
    ap_conf_vector_t **v = (ap_conf_vector_t **)secs->elts;
    int i, j;

    for (i = 0; i < secs->nelts; i++) {
        core_dir_config *ci = ap_get_core_module_config(v[i]);
        const tp_dir_conf *merged = base;
        const char *e;

        for (j = 0; j <= i; j++) {
            core_dir_config *cj = ap_get_core_module_config(v[j]);
            const tp_dir_conf *dj = ap_get_module_config(v[j], m);
            if (dj && cj->d && ci->d && !strncmp(ci->d, cj->d, strlen(cj->d))) {
                merged = tp_dir_conf_merge(p, (void *)merged, (void *)dj);
            }
        }
        e = prefix_error(p, apr_psprintf(p, "<%s %s>%s%s", kind,
                                         ci->d ? ci->d : "?",
                                         s->is_virtual ? " in the virtual "
                                         "host at " : "",
                                         s->is_virtual && s->defn_name
                                         ? apr_psprintf(p, "%s:%d",
                                                        s->defn_name,
                                                        s->defn_line_number)
                                         : ""), merged);
        if (!e) {
            e = tp_oidc_conf_check(p, apr_psprintf(p, "<%s %s>", kind,
                                                   ci->d ? ci->d : "?"),
                                   merged);
        }
        if (e) {
            return e;
        }
    }
    return NULL;
}

/* A configuration equal to a fresh one, but for its section's name. */
static int is_fresh(apr_pool_t *p, const tp_dir_conf *dc)
{
    tp_dir_conf *fresh = tp_dir_conf_create(p, NULL), copy;

    memcpy(&copy, dc, sizeof(copy));
    copy.section = fresh->section;
    copy.empty = 0;
    return memcmp(&copy, fresh, sizeof(copy)) == 0;
}

void tp_conf_mark_empty(apr_pool_t *ptemp, server_rec *s, module *m)
{
    for (; s; s = s->next) {
        tp_dir_conf *dc = ap_get_module_config(s->lookup_defaults, m);
        if (dc) {
            dc->empty = is_fresh(ptemp, dc);
        }
    }
}

const char *tp_conf_check_sections(apr_pool_t *p, server_rec *s, module *m)
{
    for (; s; s = s->next) {
        core_server_config *sc = ap_get_core_module_config(s->module_config);
        const tp_dir_conf *base = ap_get_module_config(s->lookup_defaults, m);
        const char *e;

        if ((e = tp_oidc_conf_check(p, "the server configuration", base))
            || (e = check_list(p, s, m, base, sc->sec_url, "Location"))
            || (e = check_list(p, s, m, base, sc->sec_dir, "Directory"))) {
            return e;
        }
    }
    return NULL;
}

/* ---- directive handlers ---- */

#define FIELD(dc, cmd, type) ((type *)((char *)(dc) + (apr_size_t)(cmd)->info))

static const char *err(cmd_parms *cmd, const char *fmt, const char *arg)
{
    return apr_pstrcat(cmd->pool, cmd->directive->directive, ": ",
                       apr_psprintf(cmd->pool, fmt, arg), NULL);
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
        return err(cmd, "'%s' is not a valid cookie name (RFC 6265: "
                   "letters, digits and !#$%%&'*+-.^_`|~ only)", name);
    }
    if (other && !strcmp(other, name)) {
        return err(cmd, "the access and the refresh cookie cannot both be "
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

static int has_bad_bytes(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return 1;
        }
    }
    return 0;
}

const char *tp_cmd_url(cmd_parms *cmd, void *dcv, const char *url)
{
    apr_uri_t u;

    if (apr_uri_parse(cmd->pool, url, &u) != APR_SUCCESS || !u.scheme
        || (strcasecmp(u.scheme, "http") && strcasecmp(u.scheme, "https"))
        || !u.hostname || !*u.hostname || has_bad_bytes(url)) {
        return err(cmd, "'%s' is not an http:// or https:// URL", url);
    }
    *FIELD(dcv, cmd, const char *) = url;
    if ((apr_size_t)cmd->info == APR_OFFSETOF(tp_dir_conf, refresh_url)) {
        uses.refresh = 1;
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
        return err(cmd, "'%s' is neither json nor oauth2", fmt);
    }
    return NULL;
}

const char *tp_cmd_client(cmd_parms *cmd, void *dcv, const char *id,
                          const char *secret)
{
    tp_dir_conf *dc = dcv;

    if (!*id || has_bad_bytes(id)) {
        return err(cmd, "%s", "the client id must be a non-empty word");
    }
    if (secret && !*secret) {
        return err(cmd, "%s", "the client secret is empty");
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
        return err(cmd, "'%s' is not a whole number", arg);
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
        return err(cmd, "'%s' is not a number of seconds from 1 to 300", arg);
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
        return err(cmd, "%s", "the member name is empty");
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
        return err(cmd, "'%s' is not one of accessToken, refreshToken, "
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
        return err(cmd, "'%s' is not Strict, Lax or None", arg);
    }
    return NULL;
}

const char *tp_cmd_cookie_path(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_dir_conf *dc = dcv;

    if (arg[0] != '/' || has_bad_bytes(arg) || strpbrk(arg, ";,\"\\")) {
        return err(cmd, "'%s' is not a cookie path (it starts with / and "
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

const char *tp_conf_read_key(cmd_parms *cmd, const char *file,
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
    if ((e = tp_conf_read_key(cmd, file, dc->keys->keys[dc->keys->n]))) {
        return e;
    }
    dc->keys->n++;
    uses.keys = 1;
    return NULL;
}

const char *tp_cmd_trusted_origin(cmd_parms *cmd, void *dcv,
                                  const char *origin)
{
    tp_dir_conf *dc = dcv;
    const char *norm = tp_origin_normalize(cmd->pool, origin);

    if (!norm) {
        return err(cmd, "'%s' is not an origin (scheme://host[:port])",
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
        return err(cmd, "'%s' is not a header name", name);
    }
    dc->csrf_header = name;
    return NULL;
}

const char *tp_cmd_login_url(cmd_parms *cmd, void *dcv, const char *arg)
{
    tp_dir_conf *dc = dcv;

    if (has_bad_bytes(arg)
        || !((arg[0] == '/' && arg[1] != '/' && arg[1] != '\\')
             || !strncasecmp(arg, "http://", 7)
             || !strncasecmp(arg, "https://", 8))) {
        return err(cmd, "'%s' is neither a local path (/login) nor an "
                   "http:// or https:// URL", arg);
    }
    dc->login_url = arg;
    return NULL;
}
