/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_conf: mod_tokenproxy's configuration records and their effective
 * values.  The per-directory record (every TokenProxy* directive but the
 * main-server ones), its creation and merge (a value set in an inner
 * section wins, an unset one is inherited); the main server's record
 * (TokenProxyCache, TokenProxyTokenSize, TokenProxyRefreshSlots and the
 * TokenProxyCluster* directives); and what the configuration being read
 * uses, for the shared state to read at post_config.  The directive
 * handlers are tp_cmd, tp_cmd_oidc and tp_cmd_main; the startup checks
 * tp_check; the directive table is in mod_tokenproxy.c.
 */
#ifndef TP_CONF_H
#define TP_CONF_H

#include <httpd.h>
#include <http_config.h>
#include <apr_atomic.h>

#include "core/tp_flight.h"
#include "core/tp_grant.h"
#include "core/tp_redis.h"
#include "core/tp_sealcookie.h"
#include "core/tp_setcookie.h"
#include "conf/tp_conf_api.h"

#define TP_DEFAULT_ACCESS_COOKIE   "accessToken"
#define TP_DEFAULT_REFRESH_COOKIE  "refreshToken"
#define TP_DEFAULT_ID_COOKIE       "idToken"
#define TP_DEFAULT_LOGIN_URL       "/login"
#define TP_DEFAULT_COOKIE_PATH     "/"
#define TP_DEFAULT_TIMEOUT         5          /* seconds */
#define TP_DEFAULT_SKEW            30         /* seconds */
#define TP_DEFAULT_REPLAY_MAX      1048576    /* bytes */
#define TP_DEFAULT_REFRESH_MAX_AGE 604800     /* seconds: 7 days */
#define TP_DEFAULT_GRACE           30         /* seconds */
#define TP_DEFAULT_POST_LOGOUT_URL "/"
#define TP_DEFAULT_SCOPE           "openid"
#define TP_DEFAULT_SESSION_COOKIE  "tpSession"

#define TP_DEFAULT_CACHE           "shmcb"
#define TP_DEFAULT_CACHE_SIZE      33554432   /* 32 MiB */
#define TP_DEFAULT_TOKEN_SIZE      1024       /* bytes: access + refresh */
#define TP_DEFAULT_SLOTS           65536
#define TP_CLUSTER_DEFAULT_TIMEOUT_MS 500

#define TP_UNSET (-1)

/* The OpenID Connect login settings of a section. */
typedef struct tp_oidc_conf {
    const char *issuer;             /* TokenProxyOIDCProvider */
    const char *redirect_uri;       /* TokenProxyRedirectURI: path or URL */
    const char *scope;              /* TokenProxyScope, "openid" first */
    apr_array_header_t *params;     /* TokenProxyAuthParam: name, value,
                                     * name, value... (const char *) */
    const char *post_logout_url;    /* TokenProxyPostLogoutURL */
    const char *id_cookie;          /* TokenProxyIDCookie */
} tp_oidc_conf;

typedef struct tp_dir_conf {
    int enabled;                 /* TokenProxy */
    const char *access_cookie;   /* TokenProxyAccessCookie */
    const char *refresh_cookie;  /* TokenProxyRefreshCookie */
    const char *refresh_url;     /* TokenProxyRefreshURL */
    int format;                  /* TokenProxyRefreshFormat */
    int client_set;              /* TokenProxyClient */
    const char *client_id;
    const char *client_secret;
    apr_int64_t timeout;         /* TokenProxyRefreshTimeout, seconds */
    apr_int64_t grace;           /* TokenProxyRefreshGrace, seconds */
    const char *field_access;    /* TokenProxyJSONField */
    const char *field_refresh;
    const char *field_expires;
    apr_int64_t skew;            /* TokenProxyRefreshSkew */
    apr_int64_t replay_max;      /* TokenProxyReplayMaxBody */
    int cookie_secure;           /* TokenProxyCookieSecure */
    int samesite;                /* TokenProxyCookieSameSite */
    const char *cookie_path;     /* TokenProxyCookiePath */
    apr_int64_t refresh_max_age; /* TokenProxyRefreshCookieMaxAge */
    const char *login_url;       /* TokenProxyLoginURL */
    int public_;                 /* TokenProxyPublic */
    const char *revoke_url;      /* TokenProxyRevokeURL */
    int capture;                 /* TokenProxyCaptureTokens */
    tp_keyring *keys;            /* TokenProxyCookieKey, NULL: plain */
    int csrf;                    /* TokenProxyCSRF */
    apr_array_header_t *trusted; /* TokenProxyTrustedOrigin (normalized) */
    const char *csrf_header;     /* TokenProxyCSRFHeader */
    tp_oidc_conf *oidc;          /* the OpenID Connect login, or NULL */
    /* where "cannot replay" was warned about: one flag per section that
     * says TokenProxy, shared by the requests below it */
    volatile apr_uint32_t *replay_warned;
    const char *section;         /* that section, for the warning */
    /* set at post_config on a server's defaults that set nothing: a
     * merge onto them is then the inner section itself */
    int empty;
    /* several apps on one host (issue 22) */
    int binding;                 /* TokenProxyCookieBinding */
    /* issue 19: the session's limits and cookie */
    apr_int64_t session_idle;    /* TokenProxySessionIdleTimeout, 0: off */
    apr_int64_t session_max_age; /* TokenProxySessionMaxAge, 0: off */
    const char *session_cookie;  /* TokenProxySessionCookie */
    tp_api_conf *api;            /* tokens for several APIs, or NULL */
} tp_dir_conf;

/* The main server's settings (the directives are main-server only). */
typedef struct tp_srv_conf {
    const char *cache;           /* TokenProxyCache, NULL: default */
    apr_int64_t token_size;      /* TokenProxyTokenSize, 0: default */
    apr_int64_t slots;           /* TokenProxyRefreshSlots, 0: default */
    int cluster;                 /* TokenProxyCluster is set */
    tp_redis_url cluster_url;
    const char *cluster_where;   /* the URL without its password */
    int cluster_key_set;         /* TokenProxyClusterKey */
    unsigned char cluster_key[TP_SEAL_KEY_LEN];
    apr_interval_time_t cluster_timeout; /* TokenProxyClusterTimeout */
    /* several apps on one host (issue 22), set at post_config on each
     * server (virtual hosts too; read with tp_srv_apps): every token
     * cookie name of its sections (const char *), and whether one of
     * them logs in (login state cookies to strip) */
    apr_array_header_t *app_names;
    int app_login;
    apr_int64_t revocation_slots; /* TokenProxyRevocationSlots, 0: default
                                   * (TP_REVTABLE_DEFAULT) */
    const char *api_cache;       /* TokenProxyAPITokenCache, NULL: default */
    /* TokenProxyClusterSentinelAuth, TokenProxyClusterReplicas */
    const char *cluster_sentinel_user;
    const char *cluster_sentinel_password;
    apr_int64_t cluster_replicas;        /* default 0 */
} tp_srv_conf;

void *tp_dir_conf_create(apr_pool_t *p, char *dir);
void *tp_dir_conf_merge(apr_pool_t *p, void *basev, void *addv);
void *tp_srv_conf_create(apr_pool_t *p, server_rec *s);

/* The main server's record (s: the main server; the directives are
 * main-server only). */
const tp_srv_conf *tp_srv_conf_get(const server_rec *s);

/* Marks each server's per-directory defaults that set no directive as
 * empty, so that the per-request merge of a <Location> onto them is a
 * copy.  Run at post_config, when no directive changes them any more. */
void tp_conf_mark_empty(apr_pool_t *ptemp, server_rec *s);

/* Effective values, with the defaults applied. */
int tp_conf_enabled(const tp_dir_conf *dc);
/* The location may go on without the user's token (user-or-none, its
 * alias TokenProxyPublic On, or user-or-client). */
int tp_conf_public(const tp_dir_conf *dc);
tp_tokentype_e tp_conf_token_type(const tp_dir_conf *dc);
int tp_conf_capture(const tp_dir_conf *dc);
int tp_conf_csrf(const tp_dir_conf *dc);
const char *tp_conf_access_cookie(const tp_dir_conf *dc);
const char *tp_conf_refresh_cookie(const tp_dir_conf *dc);
const char *tp_conf_login_url(const tp_dir_conf *dc);
apr_int64_t tp_conf_skew(const tp_dir_conf *dc);
apr_int64_t tp_conf_replay_max(const tp_dir_conf *dc);
apr_int64_t tp_conf_refresh_max_age(const tp_dir_conf *dc);
apr_interval_time_t tp_conf_timeout(const tp_dir_conf *dc);
/* The single-flight timing for this section's refresh timeout. */
void tp_conf_flight(const tp_dir_conf *dc, tp_flight_params *prm);

/* Can this section refresh tokens: a TokenProxyRefreshURL, or a
 * TokenProxyOIDCProvider (whose token_endpoint is discovered)? */
int tp_conf_can_refresh(const tp_dir_conf *dc);

/* The token endpoint client of this section: its URL (NULL with
 * TokenProxyOIDCProvider and no TokenProxyRefreshURL: the caller takes
 * the discovered token_endpoint, in the oauth2 format), format, client,
 * timeout and JSON member names. */
void tp_conf_grant(const tp_dir_conf *dc, tp_grant_cfg *c);

/* The Set-Cookie attributes of the token cookies. */
void tp_conf_cookie_attrs(const tp_dir_conf *dc, tp_cookie_attrs *a);

/* The OpenID Connect settings, with the defaults applied (dc->oidc may be
 * NULL; the issuer is NULL without TokenProxyOIDCProvider). */
const char *tp_oidc_issuer(const tp_dir_conf *dc);
const char *tp_oidc_redirect_uri(const tp_dir_conf *dc);
const char *tp_oidc_scope(const tp_dir_conf *dc);
const apr_array_header_t *tp_oidc_params(const tp_dir_conf *dc);
const char *tp_oidc_post_logout_url(const tp_dir_conf *dc);
const char *tp_oidc_id_cookie(const tp_dir_conf *dc);
/* The session cookie's name and the limits (seconds, 0: off). */
const char *tp_conf_session_cookie(const tp_dir_conf *dc);
apr_int64_t tp_conf_session_idle(const tp_dir_conf *dc);
apr_int64_t tp_conf_session_max_age(const tp_dir_conf *dc);
/* A limit is on: the session cookie is read and kept up to date. */
int tp_conf_session_limited(const tp_dir_conf *dc);

/* A provider, a client and a redirect URI: the login can run. */
int tp_oidc_ready(const tp_dir_conf *dc);
#define TP_OIDC_READY_NEEDS "TokenProxyOIDCProvider, TokenProxyClient and " \
                            "TokenProxyRedirectURI"

/* What the configuration uses, for the shared state to read at
 * post_config: the directive handlers note it, tp_conf_pre_config (in the
 * pre_config hook) forgets the previous reading's. */
typedef struct tp_conf_uses {
    int refresh;    /* some section sets TokenProxyRefreshURL or
                     * TokenProxyOIDCProvider */
    int keys;       /* some section sets TokenProxyCookieKey */
} tp_conf_uses;

/* TokenProxyCluster's URL with TokenProxyClusterSentinelAuth's
 * credentials: what every connection of the cluster's uses. */
void tp_conf_cluster_url(const tp_srv_conf *sc, tp_redis_url *url);

void tp_conf_pre_config(void);
void tp_conf_uses_get(tp_conf_uses *u);
void tp_conf_note_refresh(void);
void tp_conf_note_keys(void);

#endif /* TP_CONF_H */
