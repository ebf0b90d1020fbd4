/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_session: the httpd side of a session's life.  Runs the refresh call,
 * puts rotated or clearing Set-Cookie headers on whatever response goes
 * back (with Cache-Control: no-store), and answers when the session is
 * over (302 to the login page for navigations, 401 JSON otherwise) or when
 * the refresh endpoint is unavailable (503 with Retry-After).
 */
#ifndef TP_SESSION_H
#define TP_SESSION_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_grant.h"
#include "request/tp_request.h"

/* Seconds a client is asked to wait when the refresh endpoint is down. */
#define TP_RETRY_AFTER "5"

/* Process-wide setup: post_config (curl) and child_init (handles). */
int tp_session_post_config(apr_pool_t *pconf);
void tp_session_child_init(apr_pool_t *pchild);
/* Registers the no-store output filter (register_hooks). */
void tp_session_register(void);

/* Refresh with rt.  On success sets the rotated cookies on the response
 * and rq->access/refresh to the new tokens. */
tp_grant_e tp_session_refresh(request_rec *r, const tp_dir_conf *dc,
                                tp_req *rq);

/* Best-effort RFC 7009 revocation of rq->refresh. */
void tp_session_revoke(request_rec *r, const tp_dir_conf *dc, tp_req *rq);

/* Set both token cookies from tokens (refresh NULL: keep old_refresh). */
void tp_session_set_cookies(request_rec *r, const tp_dir_conf *dc,
                            const tp_tokens *tokens, const char *old_refresh);

/* The HTTP client of this child process (NULL before child_init). */
struct tp_http *tp_session_http(void);

/* The keys that seal and open the ID cookie: TokenProxyCookieKey, else
 * the per-start key; NULL when there is none yet. */
const tp_keyring *tp_session_id_keys(request_rec *r, const tp_dir_conf *dc);

/* Set the ID cookie (always sealed, chunked like the token cookies). */
void tp_session_set_id_cookie(request_rec *r, const tp_dir_conf *dc,
                              const char *id_token);

/* A new login's cookies: access, refresh (or the old one cleared when the
 * provider gave none) and ID. */
void tp_session_login_cookies(request_rec *r, const tp_dir_conf *dc,
                              const tp_tokens *tokens, const char *id_token);

/* Clear what arrived of both token cookies, and of the ID cookie with
 * TokenProxyOIDCProvider (replacing any this module set before); a
 * cookie the request did not carry is left alone. */
void tp_session_clear_cookies(request_rec *r, const tp_dir_conf *dc);

/* Clear the cookies that did not open (rq->unopened), unless this
 * response sets new ones. */
void tp_session_clear_unopened(request_rec *r, const tp_dir_conf *dc);

/* TokenProxyCSRF: NULL when the request may go on, else why not.  For
 * every request, with or without token cookies: a refused request must
 * neither reach the upstream nor be answered with a login redirect. */
const char *tp_session_csrf(request_rec *r, const tp_dir_conf *dc);

/* 403 JSON for a refused cross-site request. */
int tp_session_forbidden(request_rec *r, const char *why);

/* Is this request a browser navigation? */
int tp_session_is_navigation(request_rec *r);

/* The session is over: cookies cleared; 302 to the login page for a
 * navigation, 401 JSON otherwise.  Returns what the handler returns. */
int tp_session_over(request_rec *r, const tp_dir_conf *dc);

/* 503 JSON with Retry-After; cookies untouched. */
int tp_session_unavailable(request_rec *r);

/* Writes a small JSON answer and returns OK; r->headers_out is replaced
 * by the one header given (or none). */
int tp_session_json(request_rec *r, int status, const char *json,
                    const char *header, const char *value);

#endif /* TP_SESSION_H */
