/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cookies: the token cookies on the response.  Each Set-Cookie goes
 * into r->err_headers_out with apr_table_addn, one header each: they
 * survive mod_proxy replacing r->headers_out and go out with error
 * responses too.  A response that sets or clears token cookies is
 * no-store (tp_nostore).  Only what arrived (rq->sent, rq->id_sent) is
 * ever cleared.  tp_tokencookie makes each cookie's values.
 */
#ifndef TP_COOKIES_H
#define TP_COOKIES_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_answer.h"
#include "request/tp_request.h"

/* Set both token cookies from tokens (refresh NULL: keep old_refresh). */
void tp_cookies_set_tokens(request_rec *r, const tp_dir_conf *dc,
                           const tp_req *rq, const tp_tokens *tokens,
                           const char *old_refresh);

/* A new login's cookies: access, refresh (or the old one cleared when the
 * provider gave none) and ID. */
void tp_cookies_login(request_rec *r, const tp_dir_conf *dc,
                      const tp_req *rq, const tp_tokens *tokens,
                      const char *id_token);

/* The keys that seal and open the ID cookie (and the login state):
 * TokenProxyCookieKey, else the per-start key; NULL when there is none
 * yet. */
const tp_keyring *tp_cookies_id_keys(request_rec *r, const tp_dir_conf *dc);

/* Set the ID cookie (always sealed, chunked like the token cookies). */
void tp_cookies_set_id(request_rec *r, const tp_dir_conf *dc,
                       const tp_req *rq, const char *id_token);

/* Clear what arrived of both token cookies, of the ID cookie with
 * TokenProxyOIDCProvider and of the session cookie (replacing any this
 * module set before); a cookie the request did not carry is left alone. */
void tp_cookies_clear(request_rec *r, const tp_dir_conf *dc,
                      const tp_req *rq);

/* Set the session cookie (always sealed, as the ID cookie) to s, in
 * place of one this response already sets. */
void tp_cookies_set_session(request_rec *r, const tp_dir_conf *dc,
                            const tp_req *rq, const tp_sessinfo *s);

/* Clear what arrived of the ID cookie alone (one that does not open). */
void tp_cookies_clear_id(request_rec *r, const tp_dir_conf *dc,
                         const tp_req *rq);

/* Clear the cookies that did not open (rq->unopened), unless this
 * response sets new ones. */
void tp_cookies_clear_unopened(request_rec *r, const tp_dir_conf *dc,
                               tp_req *rq);

#endif /* TP_COOKIES_H */
