/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_revoke: at logout, the session's refresh token revoked (RFC 7009) at
 * TokenProxyRevokeURL, or at the provider's discovered
 * revocation_endpoint with TokenProxyOIDCProvider.  Best effort: the
 * outcome is logged, never answered.
 */
#ifndef TP_REVOKE_H
#define TP_REVOKE_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "request/tp_request.h"

void tp_revoke_run(request_rec *r, const tp_dir_conf *dc, tp_req *rq);

#endif /* TP_REVOKE_H */
