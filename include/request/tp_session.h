/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_session: a request's session and its limits (issue 19).  The
 * session cookie (tp_sesscookie) is opened where a request uses the
 * session (a TokenProxy location, the refresh endpoint, the user
 * endpoint) when TokenProxySessionIdleTimeout or TokenProxySessionMaxAge
 * is on; its last use is written again when older than the resolution
 * (a tenth of the idle timeout, 1 s at least).  Token cookies that arrive
 * without a session cookie that opens (a session from before this
 * feature, or sealed with a start key of before a restart) begin a
 * session then.  The opened session is rq->session.
 */
#ifndef TP_SESSION_H
#define TP_SESSION_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_sesscookie.h"
#include "request/tp_request.h"

/* The state of the request's session: TP_SESS_LIVE, or why it is over.
 * With no limit on, the session cookie is opened only when `always`
 * (rq->session then, when it opens), and the state is TP_SESS_LIVE. */
tp_sess_state_e tp_session_check(request_rec *r, const tp_dir_conf *dc,
                                 tp_req *rq, int always);

/* The session is over for st: counted, logged, its refresh token revoked
 * at the provider where a revocation endpoint is known, and the request's
 * tokens forgotten (rq->access and the refresh token NULL).  The caller
 * answers as after a refused refresh (tp_reply_over, or anonymously with
 * TokenProxyPublic), which clears the cookies that arrived. */
void tp_session_over(request_rec *r, const tp_dir_conf *dc, tp_req *rq,
                     tp_sess_state_e st);

/* A login (callback or capture): a session begins now; id_claims, the ID
 * token's payload, gives its iss, sub and sid (NULL: none). */
void tp_session_begin(request_rec *r, const tp_dir_conf *dc, tp_req *rq,
                      const char *id_claims);

#endif /* TP_SESSION_H */
