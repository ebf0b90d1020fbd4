/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The configuration records: creation, merging of nested sections (a
 * value set in an inner <Location> wins, an unset one is inherited;
 * TokenProxyScope and TokenProxyAuthParam are lists, taken whole from the
 * innermost section that sets them) and the effective values.
 */

#include <string.h>

#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "core/tp_cookie.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;

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
    dc->binding = TP_UNSET;
    dc->session_idle = TP_UNSET;
    dc->session_max_age = TP_UNSET;
    dc->section = dir ? apr_pstrdup(p, dir) : "(server)";
    return dc;
}

#define MERGE_OIDC(f) o->f = add->f ? add->f : base->f

static tp_oidc_conf *oidc_merge(apr_pool_t *p, const tp_oidc_conf *base,
                                const tp_oidc_conf *add)
{
    tp_oidc_conf *o;

    if (!base || !add) {
        return (tp_oidc_conf *)(add ? add : base);
    }
    o = apr_pcalloc(p, sizeof(*o));
    MERGE_OIDC(issuer);
    MERGE_OIDC(redirect_uri);
    MERGE_OIDC(scope);
    MERGE_OIDC(params);
    MERGE_OIDC(post_logout_url);
    MERGE_OIDC(id_cookie);
    return o;
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
    dc->oidc = oidc_merge(p, base->oidc, add->oidc);
    MERGE_INT(binding);
    MERGE_INT(session_idle);
    MERGE_INT(session_max_age);
    MERGE_PTR(session_cookie);
    dc->api = tp_api_conf_merge(p, base->api, add->api);
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

void *tp_srv_conf_create(apr_pool_t *p, server_rec *s)
{
    tp_srv_conf *sc = apr_pcalloc(p, sizeof(*sc));

    (void)s;
    sc->cluster_timeout = apr_time_from_msec(TP_CLUSTER_DEFAULT_TIMEOUT_MS);
    return sc;
}

const tp_srv_conf *tp_srv_conf_get(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &tokenproxy_module);
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

void tp_conf_mark_empty(apr_pool_t *ptemp, server_rec *s)
{
    for (; s; s = s->next) {
        tp_dir_conf *dc = ap_get_module_config(s->lookup_defaults,
                                               &tokenproxy_module);
        if (dc) {
            dc->empty = is_fresh(ptemp, dc);
        }
    }
}

int tp_conf_enabled(const tp_dir_conf *dc)
{
    return dc && dc->enabled == 1;
}

int tp_conf_public(const tp_dir_conf *dc)
{
    return tp_tokentype_has_fallback(tp_conf_token_type(dc));
}

tp_tokentype_e tp_conf_token_type(const tp_dir_conf *dc)
{
    return tp_api_token_type(dc->api, dc->public_ == 1);
}

int tp_conf_capture(const tp_dir_conf *dc)
{
    return dc && dc->capture == 1;
}

int tp_conf_csrf(const tp_dir_conf *dc)
{
    return dc->csrf != 0;       /* unset: On */
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

apr_interval_time_t tp_conf_timeout(const tp_dir_conf *dc)
{
    return apr_time_from_sec(dc->timeout != TP_UNSET ? dc->timeout
                                                     : TP_DEFAULT_TIMEOUT);
}

int tp_conf_can_refresh(const tp_dir_conf *dc)
{
    return dc->refresh_url != NULL || tp_oidc_issuer(dc) != NULL;
}

void tp_conf_grant(const tp_dir_conf *dc, tp_grant_cfg *c)
{
    memset(c, 0, sizeof(*c));
    c->url = dc->refresh_url;
    c->format = dc->format == TP_FORMAT_OAUTH2 ? TP_FORMAT_OAUTH2
                                               : TP_FORMAT_JSON;
    c->client_id = dc->client_id;
    c->client_secret = dc->client_secret;
    c->timeout = tp_conf_timeout(dc);
    c->fields.access = dc->field_access ? dc->field_access : "accessToken";
    c->fields.refresh = dc->field_refresh ? dc->field_refresh
                                          : "refreshToken";
    c->fields.expires = dc->field_expires ? dc->field_expires : "expiresIn";
    if (!c->url && tp_oidc_issuer(dc)) {
        c->format = TP_FORMAT_OAUTH2;   /* the discovered token_endpoint */
    }
    if (dc->api && dc->api->key) {      /* private_key_jwt */
        c->client_key = dc->api->key;
        c->assertion_aud = dc->api->assertion_aud_issuer == 1
                           ? tp_oidc_issuer(dc) : NULL;
    }
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

void tp_conf_cookie_attrs(const tp_dir_conf *dc, tp_cookie_attrs *a)
{
    const char *at = tp_conf_access_cookie(dc);
    const char *rt = tp_conf_refresh_cookie(dc);
    const char *it = tp_oidc_id_cookie(dc);
    const char *st = tp_conf_session_cookie(dc);

    a->path = dc->cookie_path ? dc->cookie_path : TP_DEFAULT_COOKIE_PATH;
    a->secure = dc->cookie_secure != 0;     /* unset: On */
    a->samesite = dc->samesite != TP_UNSET ? (tp_samesite_e)dc->samesite
                                           : TP_SAMESITE_STRICT;
    /* the prefixes' rules hold even where nested sections contradict them
     * (each section is checked at startup) */
    if (tp_cookie_secure_prefixed(at) || tp_cookie_secure_prefixed(rt)
        || tp_cookie_secure_prefixed(it) || tp_cookie_secure_prefixed(st)) {
        a->secure = 1;
    }
    if (tp_cookie_host_prefixed(at) || tp_cookie_host_prefixed(rt)
        || tp_cookie_host_prefixed(it) || tp_cookie_host_prefixed(st)) {
        a->path = "/";
    }
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

const char *tp_conf_session_cookie(const tp_dir_conf *dc)
{
    return dc->session_cookie ? dc->session_cookie
                              : TP_DEFAULT_SESSION_COOKIE;
}

apr_int64_t tp_conf_session_idle(const tp_dir_conf *dc)
{
    return dc->session_idle > 0 ? dc->session_idle : 0;
}

apr_int64_t tp_conf_session_max_age(const tp_dir_conf *dc)
{
    return dc->session_max_age > 0 ? dc->session_max_age : 0;
}

int tp_conf_session_limited(const tp_dir_conf *dc)
{
    return dc->session_idle > 0 || dc->session_max_age > 0;
}

int tp_oidc_ready(const tp_dir_conf *dc)
{
    return tp_oidc_issuer(dc) && dc->client_id && tp_oidc_redirect_uri(dc);
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

void tp_conf_note_keys(void)
{
    uses.keys = 1;
}

void tp_conf_cluster_url(const tp_srv_conf *sc, tp_redis_url *url)
{
    *url = sc->cluster_url;
    url->sentinel_user = sc->cluster_sentinel_user;
    url->sentinel_password = sc->cluster_sentinel_password;
}
