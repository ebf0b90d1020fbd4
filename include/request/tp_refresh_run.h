/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_refresh_run: one request's refresh of its session.  The refresh
 * cookie opened, the token endpoint found (TokenProxyRefreshURL, or the
 * provider's discovered token_endpoint), the call made at most once per
 * refresh token machine-wide (tp_flight on tp_nodestore) and, with
 * TokenProxyCluster, cluster-wide (tp_cluster_glue) — or the result of
 * another request's call taken — then counted, logged by fingerprint, and
 * the rotated cookies (and a refreshed ID token that passes its checks)
 * put on the response.
 */
#ifndef TP_REFRESH_RUN_H
#define TP_REFRESH_RUN_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_grant.h"
#include "request/tp_request.h"

/* Refresh with the request's refresh token.  On success the rotated
 * cookies are on the response and rq->access/refresh are the new tokens;
 * TP_GRANT_REJECTED also when there is no refresh token or no endpoint. */
tp_grant_e tp_refresh_run(request_rec *r, const tp_dir_conf *dc, tp_req *rq);

#endif /* TP_REFRESH_RUN_H */
