/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_tokenproxy: a Backend-for-Frontend for single-page apps inside
 * Apache httpd 2.4.  The browser holds only HttpOnly cookies; requests
 * proxied by mod_proxy reach the upstream with "Authorization: Bearer",
 * expired tokens are refreshed and the request replayed, and the browser
 * gets the rotated cookies.
 *
 * This file holds the module record, the directive table and the hook
 * registration only; the work is done in src/.
 */

#include <httpd.h>
#include <http_config.h>
#include <http_connection.h>
#include <http_log.h>
#include <http_request.h>
#include <mod_proxy.h>

#include "conf/tp_appcheck.h"
#include "conf/tp_check.h"
#include "conf/tp_cmd.h"
#include "conf/tp_cmd_api.h"
#include "conf/tp_cmd_main.h"
#include "conf/tp_cmd_oidc.h"
#include "conf/tp_cmd_session.h"
#include "conf/tp_conf.h"
#include "handle/tp_backchannel.h"
#include "handle/tp_callback.h"
#include "handle/tp_capture.h"
#include "handle/tp_flow.h"
#include "handle/tp_inject.h"
#include "handle/tp_login.h"
#include "handle/tp_logout_endpoint.h"
#include "handle/tp_refresh_endpoint.h"
#include "handle/tp_replay.h"
#include "handle/tp_status.h"
#include "handle/tp_user.h"
#include "oidc/tp_oidc_disc.h"
#include "request/tp_conncache.h"
#include "request/tp_nostore.h"
#include "shared/tp_apicache.h"
#include "shared/tp_child_http.h"
#include "shared/tp_cluster_glue.h"
#include "shared/tp_revocations.h"
#include "shared/tp_revsync.h"
#include "shared/tp_session_stats.h"
#include "shared/tp_state.h"

module AP_MODULE_DECLARE_DATA tokenproxy_module;

#define DIR_CMD (RSRC_CONF | ACCESS_CONF)
#define AT(field) ((void *)APR_OFFSETOF(tp_dir_conf, field))

static const command_rec tp_cmds[] = {
    AP_INIT_FLAG("TokenProxy", tp_cmd_enable, NULL, DIR_CMD,
                 "On to send the access cookie upstream as a Bearer token "
                 "(default Off)"),
    AP_INIT_TAKE1("TokenProxyAccessCookie", tp_cmd_access_cookie, NULL,
                  DIR_CMD, "Name of the access token cookie "
                  "(default " TP_DEFAULT_ACCESS_COOKIE ")"),
    AP_INIT_TAKE1("TokenProxyRefreshCookie", tp_cmd_refresh_cookie, NULL,
                  DIR_CMD, "Name of the refresh token cookie "
                  "(default " TP_DEFAULT_REFRESH_COOKIE ")"),
    AP_INIT_TAKE1("TokenProxyRefreshURL", tp_cmd_url, AT(refresh_url),
                  DIR_CMD, "http(s) URL of the token refresh endpoint"),
    AP_INIT_TAKE1("TokenProxyRefreshFormat", tp_cmd_format, NULL, DIR_CMD,
                  "json or oauth2 (default json)"),
    AP_INIT_TAKE12("TokenProxyClient", tp_cmd_client, NULL, DIR_CMD,
                   "Client id, and optional secret, for the refresh "
                   "endpoint"),
    AP_INIT_TAKE1("TokenProxyRefreshTimeout", tp_cmd_seconds, AT(timeout),
                  DIR_CMD, "Seconds a refresh call may take (default 5)"),
    AP_INIT_TAKE2("TokenProxyJSONField", tp_cmd_json_field, NULL, DIR_CMD,
                  "accessToken|refreshToken|expiresIn and the JSON member "
                  "name the refresh endpoint uses for it"),
    AP_INIT_TAKE1("TokenProxyRefreshSkew", tp_cmd_seconds, AT(skew),
                  DIR_CMD, "Refresh a JWT this many seconds before its exp "
                  "(default 30)"),
    AP_INIT_TAKE1("TokenProxyReplayMaxBody", tp_cmd_bytes, AT(replay_max),
                  DIR_CMD, "Largest request body kept for a replay after "
                  "an upstream 401 (default 1048576)"),
    AP_INIT_FLAG("TokenProxyCookieSecure", tp_cmd_cookie_secure, NULL,
                 DIR_CMD, "Secure attribute on the token cookies "
                 "(default On)"),
    AP_INIT_TAKE1("TokenProxyCookieSameSite", tp_cmd_samesite, NULL,
                  DIR_CMD, "Strict, Lax or None (default Strict)"),
    AP_INIT_TAKE1("TokenProxyCookiePath", tp_cmd_cookie_path, NULL, DIR_CMD,
                  "Path attribute of the token cookies (default /)"),
    AP_INIT_TAKE1("TokenProxyRefreshCookieMaxAge", tp_cmd_seconds,
                  AT(refresh_max_age), DIR_CMD,
                  "Max-Age of the refresh cookie (default 604800)"),
    AP_INIT_TAKE1("TokenProxyLoginURL", tp_cmd_login_url, NULL, DIR_CMD,
                  "Where navigations go when the session is over "
                  "(default /login)"),
    AP_INIT_FLAG("TokenProxyPublic", tp_cmd_flag, AT(public_), DIR_CMD,
                 "On: without a usable token, forward anonymously "
                 "(default Off)"),
    AP_INIT_TAKE1("TokenProxyRevokeURL", tp_cmd_url, AT(revoke_url),
                  DIR_CMD, "RFC 7009 revocation endpoint used on logout"),
    AP_INIT_FLAG("TokenProxyCaptureTokens", tp_cmd_flag, AT(capture),
                 DIR_CMD, "On: turn the tokens of a login answer into "
                 "cookies (default Off)"),
    AP_INIT_TAKE1("TokenProxyRefreshGrace", tp_cmd_seconds, AT(grace),
                  DIR_CMD, "Seconds a refresh result serves requests that "
                  "still carry the old refresh token (default 30)"),
    AP_INIT_ITERATE("TokenProxyCookieKey", tp_cmd_cookie_key, NULL, DIR_CMD,
                    "Key files (32 random bytes, hex or base64): the first "
                    "seals the token cookies, every one opens them"),
    AP_INIT_FLAG("TokenProxyCSRF", tp_cmd_flag, AT(csrf), DIR_CMD,
                 "Refuse cross-site unsafe requests that carry a token "
                 "cookie (default On)"),
    AP_INIT_ITERATE("TokenProxyTrustedOrigin", tp_cmd_trusted_origin, NULL,
                    DIR_CMD, "Other origins (scheme://host[:port]) allowed "
                    "to send unsafe requests"),
    AP_INIT_TAKE1("TokenProxyCSRFHeader", tp_cmd_csrf_header, NULL, DIR_CMD,
                  "A request header unsafe requests must carry"),
    AP_INIT_TAKE1("TokenProxyOIDCProvider", tp_cmd_oidc_provider, NULL,
                  DIR_CMD, "Issuer URL of the OpenID provider; its metadata "
                  "comes from ISSUER/.well-known/openid-configuration"),
    AP_INIT_TAKE1("TokenProxyRedirectURI", tp_cmd_redirect_uri, NULL,
                  DIR_CMD, "Path or URL of the tokenproxy-callback handler, "
                  "as registered at the provider"),
    AP_INIT_ITERATE("TokenProxyScope", tp_cmd_scope, NULL, DIR_CMD,
                    "Scopes asked for at login (default openid; openid is "
                    "always sent)"),
    AP_INIT_TAKE2("TokenProxyAuthParam", tp_cmd_auth_param, NULL, DIR_CMD,
                  "NAME VALUE: an extra authorization request parameter "
                  "(repeatable)"),
    AP_INIT_TAKE1("TokenProxyPostLogoutURL", tp_cmd_post_logout_url, NULL,
                  DIR_CMD, "Where the provider sends the browser after "
                  "logout (default /)"),
    AP_INIT_TAKE1("TokenProxyIDCookie", tp_cmd_id_cookie, NULL, DIR_CMD,
                  "Name of the ID token cookie (default "
                  TP_DEFAULT_ID_COOKIE ")"),
    AP_INIT_TAKE1("TokenProxyCache", tp_cmd_cache, NULL, RSRC_CONF,
                  "socache provider[:args] of the refresh results "
                  "(default shmcb, 32 MiB)"),
    AP_INIT_TAKE1("TokenProxyTokenSize", tp_cmd_token_size, NULL, RSRC_CONF,
                  "Typical bytes of an access token plus its refresh token, "
                  "for sizing TokenProxyCache (default 1024)"),
    AP_INIT_TAKE1("TokenProxyRefreshSlots", tp_cmd_slots, NULL, RSRC_CONF,
                  "Refreshes running or within their grace window that the "
                  "server keeps track of (default 65536)"),
    AP_INIT_TAKE1("TokenProxyCluster", tp_cmd_cluster, NULL, RSRC_CONF,
                  "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or "
                  "redis-sentinel://...HOST[:PORT][,...]/MASTER[/DB] shared "
                  "by the nodes for cluster-wide single flight (default none)"),
    AP_INIT_TAKE1("TokenProxyClusterKey", tp_cmd_cluster_key, NULL,
                  RSRC_CONF, "Key file (32 random bytes, hex or base64), the "
                  "same on every node, sealing what Redis keeps"),
    AP_INIT_TAKE1("TokenProxyClusterTimeout", tp_cmd_cluster_timeout, NULL,
                  RSRC_CONF, "Milliseconds for connecting to Redis and for "
                  "each command (default 500)"),
    /* several apps on one host (issue 22) */
    AP_INIT_FLAG("TokenProxyCookieBinding", tp_cmd_flag, AT(binding),
                 DIR_CMD, "Seal cookies bound to this section's provider and "
                 "client (default On; Off writes the old form during a "
                 "rolling upgrade)"),
    /* issue 19: session lifetime */
    AP_INIT_TAKE1("TokenProxySessionIdleTimeout", tp_cmd_seconds,
                  AT(session_idle), DIR_CMD, "End a session no request has "
                  "used for this many seconds (default 0: off)"),
    AP_INIT_TAKE1("TokenProxySessionMaxAge", tp_cmd_seconds,
                  AT(session_max_age), DIR_CMD, "End a session this many "
                  "seconds after its login (default 0: off)"),
    AP_INIT_TAKE1("TokenProxySessionCookie", tp_cmd_session_cookie, NULL,
                  DIR_CMD, "Name of the session cookie (default "
                  TP_DEFAULT_SESSION_COOKIE ")"),
    AP_INIT_TAKE1("TokenProxyRevocationSlots", tp_cmd_revocation_slots, NULL,
                  RSRC_CONF, "Back-channel logouts (and logout token ids) "
                  "the machine keeps (default 65536)"),
    /* tokens for several APIs */
    AP_INIT_TAKE1("TokenProxyTokenType", tp_cmd_token_type, NULL, DIR_CMD,
                  "user, client, user-or-client or user-or-none: which "
                  "token goes upstream (default user)"),
    AP_INIT_ITERATE("TokenProxyClientScope", tp_cmd_client_scope, NULL,
                    DIR_CMD, "Scopes of the client-credentials grant"),
    AP_INIT_TAKE1("TokenProxyClientResource", tp_cmd_client_resource, NULL,
                  DIR_CMD, "RFC 8707 resource of the client-credentials "
                  "grant"),
    AP_INIT_TAKE_ARGV("TokenProxyExchange", tp_cmd_exchange, NULL, DIR_CMD,
                      "audience NAME | resource URI | scope SCOPE...: send "
                      "a token exchanged for this target"),
    AP_INIT_TAKE1("TokenProxyExchangeFormat", tp_cmd_exchange_format, NULL,
                  DIR_CMD, "rfc8693 or entra-obo (default rfc8693)"),
    AP_INIT_TAKE12("TokenProxyClientKey", tp_cmd_client_key, NULL, DIR_CMD,
                   "FILE [KID]: PEM private key for private_key_jwt client "
                   "authentication"),
    AP_INIT_TAKE1("TokenProxyClientAssertionAudience", tp_cmd_assertion_aud,
                  NULL, DIR_CMD, "endpoint or issuer: the aud of the client "
                  "assertion (default endpoint)"),
    AP_INIT_TAKE1("TokenProxyAPITokenCache", tp_cmd_api_cache, NULL,
                  RSRC_CONF, "socache provider[:args] of the kept API tokens "
                  "(default shmcb, 16 MiB)"),
    AP_INIT_TAKE1("TokenProxyClusterSentinelAuth",
                  tp_cmd_cluster_sentinel_auth, NULL, RSRC_CONF,
                  "[USER:]PASSWORD of the Redis Sentinels (default none)"),
    AP_INIT_TAKE1("TokenProxyClusterReplicas", tp_cmd_cluster_replicas,
                  NULL, RSRC_CONF, "Replicas that must confirm a cluster "
                  "claim (WAIT) before it counts as confirmed (default 0)"),
    { NULL }
};

static int tp_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    tp_conf_pre_config();
    if (tp_revocations_pre_config(pconf) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    tp_cmd_api_pre_config();
    return tp_state_pre_config(pconf);
}

static int tp_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    return tp_check_main(s);
}

static int tp_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s)
{
    const char *err;

    (void)pconf;
    (void)plog;
    if ((err = tp_check_sections(ptemp, s))
        || (err = tp_appcheck(pconf, ptemp, s))) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "tokenproxy: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!tp_child_http_post_config()) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "tokenproxy: curl_global_init failed");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    tp_flow_post_config();
    tp_conf_mark_empty(ptemp, s);
    if (tp_cluster_post_config(s) != OK
        || tp_revocations_post_config(s) != OK
        || tp_apicache_post_config(ptemp, s) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!tp_session_stats_post_config(s)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return tp_state_post_config(ptemp, s);
}

static void tp_child_init(apr_pool_t *pchild, server_rec *s)
{
    tp_child_http_child_init(pchild);
    tp_oidc_disc_child_init(pchild);
    tp_state_child_init(pchild, s);
    tp_cluster_child_init(pchild, s);
    tp_revocations_child_init(pchild, s);
    tp_revsync_child_init(pchild, s);
}

static void tp_register_hooks(apr_pool_t *p)
{
    static const char *const before_proxy[] = { "mod_proxy.c", NULL };

    (void)p;
    ap_hook_pre_config(tp_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(tp_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(tp_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(tp_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_connection(tp_conncache_pre_connection, NULL, NULL,
                           APR_HOOK_MIDDLE);
    ap_hook_handler(tp_flow_handler, NULL, before_proxy, APR_HOOK_FIRST);
    ap_hook_handler(tp_refresh_endpoint_handler, NULL, NULL,
                    APR_HOOK_MIDDLE);
    ap_hook_handler(tp_logout_endpoint_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(tp_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(tp_login_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(tp_callback_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(tp_user_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(tp_backchannel_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_filter(tp_capture_insert, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(proxy, fixups, tp_inject_fixups, NULL, NULL,
                      APR_HOOK_MIDDLE);
    tp_replay_register();
    tp_nostore_register();
    tp_capture_register();
}

AP_DECLARE_MODULE(tokenproxy) = {
    STANDARD20_MODULE_STUFF,
    tp_dir_conf_create,
    tp_dir_conf_merge,
    tp_srv_conf_create,
    NULL,
    tp_cmds,
    tp_register_hooks,
    AP_MODULE_FLAG_NONE
};
