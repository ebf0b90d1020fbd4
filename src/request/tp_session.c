/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * A request's session: the session cookie opened, the limits decided,
 * the last use written coarsely.  Log lines name the session cookie by
 * fingerprint only, and never its iss, sub or sid.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "core/tp_jose.h"
#include "core/tp_sealcookie.h"
#include "core/tp_token.h"
#include "request/tp_cookies.h"
#include "request/tp_revoke.h"
#include "request/tp_session.h"
#include "shared/tp_session_stats.h"

APLOG_USE_MODULE(tokenproxy);

static apr_int64_t now_sec(void)
{
    return (apr_int64_t)apr_time_sec(apr_time_now());
}

static const char *fp(request_rec *r, const char *v)
{
    return tp_fingerprint(r->pool, v, strlen(v));
}

/* The payload of the ID token in the request's ID cookie (sealed by this
 * module), or NULL. */
static const char *id_claims(request_rec *r, const tp_dir_conf *dc,
                             const tp_req *rq, const tp_keyring *kr)
{
    const char *idt = NULL, *why;
    tp_jws jws;

    if (!rq->id_cookie
        || !tp_opencookie(r->pool, kr, tp_oidc_id_cookie(dc), rq->id_cookie,
                          &idt, NULL)
        || !tp_jws_parse(r->pool, idt, &jws, &why)) {
        return NULL;
    }
    return jws.payload;
}

void tp_session_begin(request_rec *r, const tp_dir_conf *dc, tp_req *rq,
                      const char *claims)
{
    tp_sessinfo *s = apr_palloc(r->pool, sizeof(*s));

    tp_sess_begin(r->pool, s, now_sec(), claims);
    rq->session = s;
    tp_cookies_set_session(r, dc, rq, s);
}

/* Is the session cookie opened on every request of this section? */
static int session_wanted(const tp_dir_conf *dc)
{
    return tp_conf_session_limited(dc);
}

tp_sess_state_e tp_session_check(request_rec *r, const tp_dir_conf *dc,
                                 tp_req *rq, int always)
{
    apr_int64_t idle = tp_conf_session_idle(dc);
    apr_int64_t max_age = tp_conf_session_max_age(dc);
    apr_int64_t now;
    const tp_keyring *kr;
    tp_sessinfo *s;
    tp_sess_state_e st;

    if (rq->session || !rq->had_token_cookie
        || !(always || session_wanted(dc))
        || !(kr = tp_cookies_id_keys(r, dc))) {
        return TP_SESS_LIVE;
    }
    s = apr_palloc(r->pool, sizeof(*s));
    if (!rq->sess_cookie
        || !tp_sesscookie_open(r->pool, kr, tp_conf_session_cookie(dc),
                               rq->sess_cookie, s)) {
        if (rq->sess_cookie) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "tokenproxy: session cookie '%s' (fp=%s) does not "
                          "open (damaged, renamed, or sealed with another or "
                          "a former start key); treated as absent",
                          tp_conf_session_cookie(dc),
                          fp(r, rq->sess_cookie));
        }
        if (!(rq->sent[0] | rq->sent[1]) || !session_wanted(dc)) {
            return TP_SESS_LIVE;    /* no tokens, or nothing to keep */
        }
        /* token cookies from before the session cookie: it begins now */
        tp_session_begin(r, dc, rq, tp_oidc_issuer(dc)
                                    ? id_claims(r, dc, rq, kr) : NULL);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "tokenproxy: token cookies without a session cookie: "
                      "the session begins now");
        return TP_SESS_LIVE;
    }
    rq->session = s;
    now = now_sec();
    st = tp_sess_state(s, now, idle, max_age);  /* live with no limit */
    /* issue 19 part B: back-channel revocation check goes here */
    if (st != TP_SESS_LIVE) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "tokenproxy: session (cookie fp=%s) began "
                      "%" APR_INT64_T_FMT " s ago, last used "
                      "%" APR_INT64_T_FMT " s ago: %s",
                      fp(r, rq->sess_cookie), now - s->started,
                      now - s->last_used, tp_sess_state_str(st));
        return st;
    }
    if (tp_sess_touch_due(s, now, idle)) {
        s->last_used = now;
        tp_cookies_set_session(r, dc, rq, s);
        ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r,
                      "tokenproxy: session (cookie fp=%s) used: last use "
                      "written again", fp(r, rq->sess_cookie));
    }
    return TP_SESS_LIVE;
}

void tp_session_over(request_rec *r, const tp_dir_conf *dc, tp_req *rq,
                     tp_sess_state_e st)
{
    if (st == TP_SESS_IDLE) {
        tp_session_stat_inc(TP_SS_IDLE);
    }
    else if (st == TP_SESS_AGED) {
        tp_session_stat_inc(TP_SS_AGED);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: the session is over (%s); its refresh token "
                  "is revoked where a revocation endpoint is known",
                  tp_sess_state_str(st));
    tp_revoke_run(r, dc, rq);
    rq->access = NULL;
    rq->refresh = NULL;
    rq->refresh_read = 1;
}
