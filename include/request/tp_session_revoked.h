/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_session_revoked: has a back-channel logout ended the request's
 * session?  Asked on every request with a usable session, under a
 * TokenProxy location, at the refresh endpoint and the user endpoint;
 * answered from the machine's shared memory only (tp_revocations), and
 * without reading anything while no logout is live.  A session so ended
 * is over as one whose refresh was refused: its refresh token is revoked
 * at the provider here, and the caller clears what arrived of its cookies
 * and answers 302 or 401 (a TokenProxyPublic location forwards the
 * request anonymously).
 */
#ifndef TP_SESSION_REVOKED_H
#define TP_SESSION_REVOKED_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "request/tp_request.h"

/* 1 when the session is over: logged, counted, the refresh token revoked
 * at the provider, and rq's tokens forgotten (rq->access, rq->refresh
 * NULL); 0 otherwise. */
int tp_session_revoked(request_rec *r, const tp_dir_conf *dc, tp_req *rq);

#endif /* TP_SESSION_REVOKED_H */
