/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_config: per-directory configuration of mod_tokenproxy and the
 * handlers of its directives.  The directive table itself lives in
 * mod_tokenproxy.c.
 */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <httpd.h>
#include <http_config.h>
#include <apr_atomic.h>

#include "core/tp_flight.h"
#include "conf/tp_cmd_oidc.h"
#include "core/tp_grant.h"
#include "core/tp_sealcookie.h"
#include "core/tp_setcookie.h"

#define TP_DEFAULT_ACCESS_COOKIE   "accessToken"
#define TP_DEFAULT_REFRESH_COOKIE  "refreshToken"
#define TP_DEFAULT_LOGIN_URL       "/login"
#define TP_DEFAULT_COOKIE_PATH     "/"
#define TP_DEFAULT_TIMEOUT         5          /* seconds */
#define TP_DEFAULT_SKEW            30         /* seconds */
#define TP_DEFAULT_REPLAY_MAX      1048576    /* bytes */
#define TP_DEFAULT_REFRESH_MAX_AGE 604800     /* seconds: 7 days */
#define TP_DEFAULT_GRACE           30         /* seconds */

#define TP_UNSET (-1)

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
} tp_dir_conf;

void *tp_dir_conf_create(apr_pool_t *p, char *dir);
void *tp_dir_conf_merge(apr_pool_t *p, void *basev, void *addv);

/* Marks each server's per-directory defaults that set no directive as
 * empty, so that the per-request merge of a <Location> onto them is a
 * copy.  Run at post_config, when no directive changes them any more. */
void tp_conf_mark_empty(apr_pool_t *ptemp, server_rec *s, module *m);

/* Effective values, with the defaults applied. */
int tp_conf_enabled(const tp_dir_conf *dc);
int tp_conf_public(const tp_dir_conf *dc);
int tp_conf_capture(const tp_dir_conf *dc);
int tp_conf_csrf(const tp_dir_conf *dc);
const char *tp_conf_access_cookie(const tp_dir_conf *dc);
const char *tp_conf_refresh_cookie(const tp_dir_conf *dc);
const char *tp_conf_login_url(const tp_dir_conf *dc);
apr_int64_t tp_conf_skew(const tp_dir_conf *dc);
apr_int64_t tp_conf_replay_max(const tp_dir_conf *dc);
apr_int64_t tp_conf_refresh_max_age(const tp_dir_conf *dc);
/* The single-flight timing for this section's refresh timeout. */
void tp_conf_flight(const tp_dir_conf *dc, tp_flight_params *prm);
/* Fills *c; returns 0 when no TokenProxyRefreshURL applies.  With
 * TokenProxyOIDCProvider and no TokenProxyRefreshURL, returns 1 with
 * c->url NULL and the oauth2 format: the caller takes the discovered
 * token_endpoint. */
int tp_conf_refresh(const tp_dir_conf *dc, tp_grant_cfg *c);

/* What tp_conf_refresh() returns, without filling anything. */
int tp_conf_can_refresh(const tp_dir_conf *dc);
void tp_conf_cookie_attrs(const tp_dir_conf *dc, tp_cookie_attrs *a);

const char *tp_cmd_enable(cmd_parms *cmd, void *dcv, int on);
const char *tp_cmd_access_cookie(cmd_parms *cmd, void *dcv, const char *name);
const char *tp_cmd_refresh_cookie(cmd_parms *cmd, void *dcv, const char *name);
const char *tp_cmd_url(cmd_parms *cmd, void *dcv, const char *url);
const char *tp_cmd_format(cmd_parms *cmd, void *dcv, const char *fmt);
const char *tp_cmd_client(cmd_parms *cmd, void *dcv, const char *id,
                          const char *secret);
const char *tp_cmd_seconds(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_bytes(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_json_field(cmd_parms *cmd, void *dcv, const char *which,
                              const char *name);
const char *tp_cmd_flag(cmd_parms *cmd, void *dcv, int on);
const char *tp_cmd_samesite(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cookie_path(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_login_url(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cookie_secure(cmd_parms *cmd, void *dcv, int on);
const char *tp_cmd_cookie_key(cmd_parms *cmd, void *dcv, const char *file);
/* Read a key file (32 bytes as hex or base64) for a directive; NULL on
 * success, else the error message. */
const char *tp_conf_read_key(cmd_parms *cmd, const char *file,
                             unsigned char key[TP_SEAL_KEY_LEN]);
const char *tp_cmd_trusted_origin(cmd_parms *cmd, void *dcv,
                                  const char *origin);
const char *tp_cmd_csrf_header(cmd_parms *cmd, void *dcv, const char *name);

/* Startup check of every <Location> and <Directory> section, merged with
 * the server defaults and the sections whose path is a prefix of its own:
 * __Host-/__Secure- cookie names against contradicting settings made in
 * another section.  Returns an error message or NULL. */
const char *tp_conf_check_sections(apr_pool_t *p, server_rec *s,
                                   module *m);

/* What the configuration uses, for the shared state to read at
 * post_config: the directive handlers note it, tp_conf_pre_config (in the
 * pre_config hook) forgets the previous reading's. */
typedef struct tp_conf_uses {
    int refresh;    /* some section sets TokenProxyRefreshURL or
                     * TokenProxyOIDCProvider */
    int keys;       /* some section sets TokenProxyCookieKey */
} tp_conf_uses;

void tp_conf_pre_config(void);
void tp_conf_uses_get(tp_conf_uses *u);
/* Note that this configuration refreshes tokens other than through
 * TokenProxyRefreshURL (TokenProxyOIDCProvider's token_endpoint). */
void tp_conf_note_refresh(void);

#endif /* TP_CONFIG_H */
