/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Sessions ended by a back-channel logout (see tp_session_revoked.h).
 * Log lines name the sid and sub by fingerprint only.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "core/tp_jose.h"
#include "core/tp_logout.h"
#include "core/tp_sealcookie.h"
#include "core/tp_sesscookie.h"
#include "core/tp_token.h"
#include "request/tp_cookies.h"
#include "request/tp_revoke.h"
#include "request/tp_session_revoked.h"
#include "shared/tp_revocations.h"

APLOG_USE_MODULE(tokenproxy);

typedef struct sess {
    const char *iss, *sub, *sid;
    apr_int64_t started;
} sess;

/* The session's iss, sub, sid and start: from the session cookie
 * (opened already by the limits' check, else here), which holds them for
 * an OpenID Connect login; else, for a session whose cookie names no
 * subject (one from before the session cookie), from the verified ID
 * token in the ID cookie this module sealed (auth_time, else iat, as the
 * start). */
static int session_of(request_rec *r, const tp_dir_conf *dc,
                      const tp_req *rq, sess *s)
{
    const tp_keyring *kr;
    const tp_sessinfo *si = rq->session;
    const char *idt = NULL, *why = NULL;
    tp_sessinfo opened;
    tp_jws jws;

    if (!tp_oidc_issuer(dc) || !(kr = tp_cookies_id_keys(r, dc))) {
        return 0;
    }
    if (!si && rq->sess_cookie
        && tp_sesscookie_open(r->pool, kr, tp_conf_session_cookie(dc),
                              rq->sess_cookie, &opened)) {
        si = &opened;
    }
    if (si && si->iss && (si->sub || si->sid)) {
        s->iss = si->iss;
        s->sub = si->sub;
        s->sid = si->sid;
        s->started = si->started;
        return 1;
    }
    if (!rq->id_cookie
        || !tp_opencookie(r->pool, kr, tp_oidc_id_cookie(dc), rq->id_cookie,
                          &idt, NULL)
        || !tp_jws_parse(r->pool, idt, &jws, &why)) {
        return 0;
    }
    return tp_logout_session_of(r->pool, jws.payload, jws.payload_len,
                                &s->iss, &s->sub, &s->sid, &s->started);
}

int tp_session_revoked(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    sess s;

    if (!tp_revocations_any()
        || !(rq->access || rq->refresh_found.value || rq->refresh)) {
        return 0;               /* nothing live, or no session */
    }
    memset(&s, 0, sizeof(s));
    if (!session_of(r, dc, rq, &s)
        || !tp_revocations_end(r->server, s.iss, s.sub, s.sid, s.started)) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: session (sub fp=%s, sid fp=%s) ended by a "
                  "back-channel logout",
                  s.sub ? tp_fingerprint(r->pool, s.sub, strlen(s.sub))
                        : "-",
                  s.sid ? tp_fingerprint(r->pool, s.sid, strlen(s.sid))
                        : "-");
    tp_revoke_run(r, dc, rq);
    rq->access = NULL;
    rq->refresh = NULL;
    rq->refresh_read = 1;
    return 1;
}
