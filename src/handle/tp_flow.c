/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The proxy flow of a TokenProxy location:
 *
 *   0. a session past TokenProxySessionIdleTimeout or
 *      TokenProxySessionMaxAge is over (tp_session);
 *   1. refresh first when there is no access token but a refresh token,
 *      or when the access token is a JWT whose exp is within
 *      TokenProxyRefreshSkew, or within half its lifetime (exp - iat)
 *      when that is shorter;
 *   2. no token and no way to get one: the session is over (or, with
 *      TokenProxyPublic, the request goes on anonymously);
 *   3. run mod_proxy's handler (our fixups hook injects the token);
 *   4. an upstream 401 to a request that carried our token: refresh and
 *      replay the same request once (same method, headers and body).
 *
 * A replay resets what mod_proxy_http left on the request: the status,
 * the response headers, the error-override note, the prefetched body
 * brigade and Max-Forwards (which proxy_handler decremented).
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_request.h>
#include <mod_proxy.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "core/tp_jwt.h"
#include "handle/tp_flow.h"
#include "handle/tp_replay.h"
#include "request/tp_apitoken.h"
#include "request/tp_browser.h"
#include "request/tp_cookies.h"
#include "request/tp_refresh_run.h"
#include "request/tp_reply.h"
#include "request/tp_request.h"
#include "request/tp_session.h"
#include "request/tp_session_revoked.h"
#include "shared/tp_stats.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

static module *proxy_module_p;

void tp_flow_post_config(void)
{
    proxy_module_p = ap_find_linked_module("mod_proxy.c");
}

/* ap_proxy_should_override(dconf, 401), read through the module record so
 * that this module does not have to be loaded after mod_proxy. */
static int overrides_401(request_rec *r)
{
    proxy_dir_conf *pdc;
    int i;

    if (!proxy_module_p
        || !(pdc = ap_get_module_config(r->per_dir_config, proxy_module_p))
        || !pdc->error_override) {
        return 0;
    }
    if (!pdc->error_override_codes
        || apr_is_empty_array(pdc->error_override_codes)) {
        return 1;
    }
    for (i = 0; i < pdc->error_override_codes->nelts; i++) {
        if (APR_ARRAY_IDX(pdc->error_override_codes, i, int)
            == HTTP_UNAUTHORIZED) {
            return 1;
        }
    }
    return 0;
}

static void warn_no_replay(request_rec *r, const tp_dir_conf *dc)
{
    if (dc->replay_warned && apr_atomic_cas32(dc->replay_warned, 1, 0) == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: TokenProxy location %s cannot refresh "
                      "and replay after an upstream 401: add "
                      "\"ProxyErrorOverride On 401\" to it (warned once "
                      "per child)", dc->section);
    }
}

/* Within the skew of its exp; the skew is at most half the token's own
 * lifetime, so that a token just obtained is never refreshed again. */
static int expiring(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    tp_jwt_times t;

    return tp_req_access_times(r, rq, rq->access, &t)
           && t.exp - apr_time_sec(apr_time_now())
              <= tp_jwt_skew(tp_conf_skew(dc), &t);
}

static int upstream_401(request_rec *r, int rv)
{
    return rv == HTTP_UNAUTHORIZED
           && apr_table_get(r->notes, "proxy-error-override");
}

/* Undo what the last attempt left and run mod_proxy's handler again. */
static int replay(request_rec *r, tp_req *rq)
{
    r->status = HTTP_OK;
    r->status_line = NULL;
    r->content_type = NULL;
    apr_table_clear(r->headers_out);
    apr_table_unset(r->err_headers_out, "WWW-Authenticate");
    apr_table_unset(r->notes, "proxy-error-override");
    apr_pool_userdata_setn(NULL, "proxy-req-input", NULL, r->pool);
    if (rq->max_forwards) {
        apr_table_setn(r->headers_in, "Max-Forwards", rq->max_forwards);
    }
    else {
        apr_table_unset(r->headers_in, "Max-Forwards");
    }
    tp_replay_rewind(rq->replay);
    tp_stat_inc(TP_STAT_REPLAYS);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "tokenproxy: replaying the request %s",
                  rq->anonymous ? "without a token" : "with the new token");
    return ap_run_handler(r);
}

static int fallback(request_rec *r, const tp_dir_conf *dc, tp_req *rq);

/* The session is over after the upstream was asked: with
 * TokenProxyPublic, once more without a token; otherwise answer. */
static int over(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    int rv;

    if (!tp_conf_public(dc) || rq->anonymous
        || !tp_replay_possible(rq->replay)) {
        return tp_reply_over(r, dc, rq);
    }
    tp_cookies_clear(r, dc, rq);
    if ((rv = fallback(r, dc, rq)) != DECLINED) {
        return rv;
    }
    rv = replay(r, rq);
    return upstream_401(r, rv) ? tp_reply_over(r, dc, rq) : rv;
}

/* The endpoint said the configuration is wrong (logged at error where it
 * answered): never a logout. */
static int misconfigured(request_rec *r)
{
    return tp_reply_json(r, HTTP_BAD_GATEWAY,
                         "{\"error\":\"misconfigured\",\"message\":"
                         "\"the identity provider refused this server's "
                         "configuration\"}\n", NULL, NULL);
}

/* Refresh now: DECLINED when the caller goes on (*rejected set when the
 * refresh token was refused), else the answer (503: the endpoint is
 * unavailable, and the session may be fine). */
static int refresh(request_rec *r, const tp_dir_conf *dc, tp_req *rq,
                   int *rejected)
{
    switch (tp_refresh_run(r, dc, rq)) {
    case TP_GRANT_OK:
        break;
    case TP_GRANT_UNAVAILABLE:
        return tp_reply_unavailable(r);
    case TP_GRANT_MISCONFIGURED:
        return misconfigured(r);
    case TP_GRANT_REJECTED:
        *rejected = 1;
        break;
    }
    return DECLINED;
}

/* A client-credentials token for the request (TokenProxyTokenType client,
 * or user-or-client without a usable session): DECLINED when
 * rq->api_token is set, else the answer. */
static int client_token(request_rec *r, const tp_dir_conf *dc, tp_req *rq,
                        int *kept)
{
    switch (tp_apitoken_client(r, dc, &rq->api_token, kept)) {
    case TP_GRANT_OK:
        return DECLINED;
    case TP_GRANT_UNAVAILABLE:
        return tp_reply_unavailable(r);
    case TP_GRANT_REJECTED:
    case TP_GRANT_MISCONFIGURED:
        break;
    }
    return misconfigured(r);
}

/* The token exchanged for the session's access token (TokenProxyExchange):
 * DECLINED when rq->api_token is set, else the answer.  A refused
 * exchange is not a logout: 403, the cookies stay. */
static int exchange(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    rq->api_token = NULL;
    switch (tp_apitoken_exchange(r, dc, rq->access, &rq->api_token)) {
    case TP_GRANT_OK:
        return DECLINED;
    case TP_GRANT_UNAVAILABLE:
        return tp_reply_unavailable(r);
    case TP_GRANT_MISCONFIGURED:
        return misconfigured(r);
    case TP_GRANT_REJECTED:
        break;
    }
    return tp_reply_json(r, HTTP_FORBIDDEN,
                         "{\"error\":\"exchange_refused\"}\n", NULL, NULL);
}

/* Without the user's token, as the token type says (tp_tokentype): none
 * (user-or-none) or the client's (user-or-client).  DECLINED to go on.
 * The callers have cleared a dead session's cookies. */
static int fallback(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    int clear;

    rq->anonymous = 1;
    rq->api_token = NULL;
    switch (tp_tokentype_decide(tp_conf_token_type(dc), TP_SESSION_NONE,
                                &clear)) {
    case TP_SEND_CLIENT:
        return client_token(r, dc, rq, NULL);
    case TP_SEND_NONE:
        return DECLINED;
    case TP_SEND_USER:
    case TP_SEND_OVER:
        break;
    }
    return tp_reply_over(r, dc, rq);
}

/* TokenProxyTokenType client: the user's cookies are stripped, never
 * used.  An upstream 401 to a kept token (revoked, or the API's keys
 * changed): forget it, obtain a new one and replay once; to a token just
 * obtained: the upstream's answer. */
static int client_flow(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    int rv, kept = 0;

    rq->anonymous = 1;
    if ((rv = client_token(r, dc, rq, &kept)) != DECLINED) {
        return rv;
    }
    if (kept && overrides_401(r)) {
        rq->max_forwards = apr_table_get(r->headers_in, "Max-Forwards");
        rq->replay = tp_replay_setup(r, (apr_off_t)tp_conf_replay_max(dc));
    }
    rv = ap_run_handler(r);
    if (!kept || !upstream_401(r, rv) || !tp_replay_possible(rq->replay)) {
        return rv;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: upstream 401 to a kept client token; "
                  "obtaining a new one");
    switch (tp_apitoken_client_again(r, dc, &rq->api_token)) {
    case TP_GRANT_OK:
        return replay(r, rq);
    case TP_GRANT_UNAVAILABLE:
        return tp_reply_unavailable(r);
    case TP_GRANT_REJECTED:
    case TP_GRANT_MISCONFIGURED:
        break;
    }
    return misconfigured(r);
}

int tp_flow_handler(request_rec *r)
{
    const tp_dir_conf *dc;
    tp_req *rq;
    const char *why;
    tp_sess_state_e st;
    int can_refresh, rv, rejected = 0, clear;

    if (!r->handler || strcmp(r->handler, "proxy-server")
        || r->proxyreq == PROXYREQ_NONE) {
        return DECLINED;
    }
    dc = ap_get_module_config(r->per_dir_config, &tokenproxy_module);
    if (!tp_conf_enabled(dc)) {
        /* a login whose answer becomes cookies: a cross-site login POST
         * would put another account's session into the user's browser */
        if (tp_conf_capture(dc) && (why = tp_browser_csrf(r, dc)) != NULL) {
            return tp_reply_forbidden(r, why);
        }
        return DECLINED;
    }
    rq = tp_req_get(r, dc);
    if (rq->in_flow) {
        return DECLINED;        /* our own call of ap_run_handler */
    }
    rq->in_flow = 1;
    if ((why = tp_browser_csrf(r, dc)) != NULL) {
        return tp_reply_forbidden(r, why);       /* nothing goes upstream */
    }
    if (tp_tokentype_decide(tp_conf_token_type(dc), TP_SESSION_USABLE,
                            &clear) == TP_SEND_CLIENT) {
        return client_flow(r, dc, rq);      /* whatever the session */
    }
    /* the refresh cookie is opened only when it is needed */
    can_refresh = tp_conf_can_refresh(dc);

    /* 0. a session past a limit, or one a back-channel logout ended, is
     * over, as after a refused refresh */
    if ((st = tp_session_check(r, dc, rq, 0)) != TP_SESS_LIVE) {
        tp_session_over(r, dc, rq, st);
        can_refresh = 0;
    }
    else if (tp_session_revoked(r, dc, rq)) {
        if (!tp_conf_public(dc)) {
            return tp_reply_over(r, dc, rq);
        }
        can_refresh = 0;        /* 2. clears its cookies, goes on anonymous */
    }

    /* 1. refresh before asking the upstream */
    if (can_refresh && (!rq->access || expiring(r, dc, rq))
        && tp_req_refresh_token(r, dc, rq)) {
        if ((rv = refresh(r, dc, rq, &rejected)) != DECLINED) {
            return rv;
        }
        if (rejected) {
            rq->access = NULL;
            rq->refresh = NULL;
            can_refresh = 0;
            if (!tp_conf_public(dc)) {
                return tp_reply_over(r, dc, rq);
            }
            tp_cookies_clear(r, dc, rq);
        }
    }

    /* 2. nothing to send */
    if (!rq->access) {
        if (!tp_conf_public(dc)) {
            return tp_reply_over(r, dc, rq);
        }
        if (rq->had_token_cookie && !rq->cookies_set) {
            tp_cookies_clear(r, dc, rq);
        }
        if ((rv = fallback(r, dc, rq)) != DECLINED) {
            return rv;
        }
        rv = ap_run_handler(r);
        return upstream_401(r, rv) ? tp_reply_over(r, dc, rq) : rv;
    }

    /* 3. ask the upstream, with a token exchanged for this API */
    if (dc->api && dc->api->exchange
        && (rv = exchange(r, dc, rq)) != DECLINED) {
        return rv;
    }
    tp_cookies_clear_unopened(r, dc, rq);
    if (overrides_401(r)) {
        /* mod_proxy lowers it; a replay sends the client's again */
        rq->max_forwards = apr_table_get(r->headers_in, "Max-Forwards");
        rq->replay = tp_replay_setup(r, (apr_off_t)tp_conf_replay_max(dc));
    }
    else {
        warn_no_replay(r, dc);
    }
    rv = ap_run_handler(r);
    if (!upstream_401(r, rv)) {
        return rv;
    }
    if (!rq->injected) {
        return tp_reply_over(r, dc, rq);
    }

    /* 4. the upstream refused our token */
    if (rq->refreshed || !can_refresh || !tp_req_refresh_token(r, dc, rq)) {
        /* a fresh token refused, or none to be had */
        return over(r, dc, rq);
    }
    if ((rv = refresh(r, dc, rq, &rejected)) != DECLINED) {
        return rv;
    }
    if (rejected) {
        return over(r, dc, rq);
    }
    if (dc->api && dc->api->exchange
        && (rv = exchange(r, dc, rq)) != DECLINED) {
        return rv;
    }
    if (!tp_replay_possible(rq->replay)) {
        /* the body is gone: the client has the new cookies and may retry */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: upstream 401 to a request whose body "
                      "could not be kept; refreshed, not replayed");
        return tp_reply_json(r, HTTP_UNAUTHORIZED,
                             "{\"error\":\"token_refreshed\","
                             "\"message\":\"retry the request\"}\n",
                             "WWW-Authenticate",
                             "Bearer realm=\"tokenproxy\"");
    }
    rv = replay(r, rq);
    if (upstream_401(r, rv)) {
        return over(r, dc, rq);     /* the replay was refused again */
    }
    return rv;
}
