/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The refresh of one request's session.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "core/tp_idtoken.h"
#include "core/tp_jose.h"
#include "core/tp_oidc_req.h"
#include "core/tp_sealcookie.h"
#include "core/tp_token.h"
#include "oidc/tp_oidc_disc.h"
#include "oidc/tp_oidc_verify.h"
#include "request/tp_cookies.h"
#include "request/tp_refresh_run.h"
#include "shared/tp_capacity.h"
#include "shared/tp_child_http.h"
#include "shared/tp_cluster_glue.h"
#include "shared/tp_cluster_stats.h"
#include "shared/tp_misconf.h"
#include "shared/tp_nodestore.h"
#include "shared/tp_stats.h"

APLOG_USE_MODULE(tokenproxy);

static const char *fp(request_rec *r, const char *secret)
{
    return tp_fingerprint(r->pool, secret, strlen(secret));
}

typedef struct refresh_call {
    request_rec *r;
    const tp_dir_conf *dc;
    const tp_req *rq;
    const tp_grant_cfg *cfg;
    const char *rt;
    int want_id;            /* keep an id_token of the answer */
    const char *id_token;   /* the answer's id_token, or NULL */
} refresh_call;

/* The payload of the ID token the request's ID cookie holds, the one this
 * module sealed (the session's original, OpenID Connect Core 12.2), or
 * NULL. */
static const tp_jws *original_id_token(request_rec *r, const tp_dir_conf *dc,
                                       const tp_req *rq)
{
    const tp_keyring *kr = tp_cookies_id_keys(r, dc);
    const char *idt = NULL, *why;
    tp_jws *jws = apr_palloc(r->pool, sizeof(*jws));

    if (!rq->id_cookie || !kr
        || !tp_opencookie(r->pool, kr, tp_oidc_id_cookie(dc), rq->id_cookie,
                          &idt, NULL)
        || !tp_jws_parse(r->pool, idt, jws, &why)) {
        return NULL;
    }
    return jws;
}

/* OpenID Connect Core 12.2, within the refresh call: a refresh answer
 * whose ID token (from the token endpoint, over TLS) names another session
 * than the request's ID cookie (another iss, sub, aud, azp, auth_time or
 * nonce) makes the refresh a rejected one, for this request and every
 * other that shares its outcome.  Its signature and claims are checked
 * after the call (refresh_id_token), outside the single flight's lease. */
static void same_session(refresh_call *c, tp_grant_res *res)
{
    request_rec *r = c->r;
    const tp_jws *orig;
    const char *why = NULL;
    tp_jws fresh;

    if (!(orig = original_id_token(r, c->dc, c->rq))
        || !tp_jws_parse(r->pool, c->id_token, &fresh, &why)
        || tp_idtoken_same_session(r->pool, orig->payload, orig->payload_len,
                                   fresh.payload, fresh.payload_len, &why)) {
        return;     /* nothing to compare; or checked after the call */
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                  "tokenproxy: the refresh answer's ID token fp=%s is not "
                  "of the session's ID token (ID cookie fp=%s), as OpenID "
                  "Connect Core 12.2 requires: %s; the refresh of fp=%s "
                  "counts as rejected and the session is over",
                  fp(r, c->id_token), fp(r, c->rq->id_cookie), why,
                  fp(r, c->rt));
    memset(res, 0, sizeof(*res));
    res->result = TP_GRANT_REJECTED;
    res->why = apr_pstrcat(r->pool, "the refreshed ID token is another "
                           "session's (OpenID Connect Core 12.2): ", why,
                           NULL);
    c->id_token = NULL;
}

/* The refresh call itself: tp_flight runs it at most once per token. */
static void call_endpoint(void *baton, apr_pool_t *p, tp_grant_res *res)
{
    refresh_call *c = baton;
    request_rec *r = c->r;
    tp_grant_req req;
    tp_http_resp hres;
    apr_time_t start = apr_time_now();

    tp_stat_inc(TP_STAT_STARTED);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "tokenproxy: refresh of fp=%s started", fp(r, c->rt));
    tp_grant_refresh(p, c->cfg, c->rt, &req);
    tp_child_http_grant(p, c->cfg->url, &req, c->cfg->timeout, &hres);
    tp_grant_classify(p, c->cfg, hres.error, hres.status,
                        hres.content_type, hres.body, hres.len, res);
    if (c->want_id && res->result == TP_GRANT_OK) {
        c->id_token = tp_oidc_answer_id_token(r->pool, hres.body, hres.len);
        if (c->id_token) {
            same_session(c, res);
        }
    }
    if (res->result == TP_GRANT_MISCONFIGURED) {
        tp_misconf_log(r, c->dc, 0, "refresh", res);
    }
    tp_stat_inc(res->result == TP_GRANT_OK ? TP_STAT_SUCCEEDED
                : res->result == TP_GRANT_REJECTED ? TP_STAT_REJECTED
                : TP_STAT_UNAVAILABLE);
    ap_log_rerror(APLOG_MARK, res->result == TP_GRANT_OK ? APLOG_DEBUG
                  : APLOG_INFO, 0, r,
                  "tokenproxy: refresh of fp=%s %s: %s (%"
                  APR_TIME_T_FMT " ms)", fp(r, c->rt),
                  res->result == TP_GRANT_OK ? "succeeded"
                  : res->result == TP_GRANT_REJECTED ? "rejected"
                  : "unavailable", res->why,
                  apr_time_as_msec(apr_time_now() - start));
}

typedef struct cluster_call {
    request_rec *r;
    const tp_flight_params *prm;
    const unsigned char *key;
    refresh_call *inner;
} cluster_call;

/* The node's leader for a token: one refresh in the whole cluster. */
static void call_cluster(void *baton, apr_pool_t *p, tp_grant_res *res)
{
    cluster_call *c = baton;

    (void)p;
    tp_cluster_refresh(c->r, c->prm, c->key, TP_FLIGHT_KEY_LEN,
                       call_endpoint, c->inner, res);
}

/* A refresh answer's new ID token: checked like the login's (no nonce)
 * and, when the request carries an ID cookie of this module's, against
 * that original (same_session() did so within the call already), then
 * kept; a bad one is logged and the old ID cookie stays. */
static void refresh_id_token(request_rec *r, const tp_dir_conf *dc,
                             const tp_req *rq, const tp_oidc_meta *m,
                             const char *idt)
{
    tp_idtoken t;
    const tp_jws *orig = original_id_token(r, dc, rq);
    const char *why;

    if (tp_oidc_verify(r, dc, m, idt, NULL, &t, &why) != TP_VERIFY_OK
        || (orig && !tp_idtoken_same_session(r->pool, orig->payload,
                                             orig->payload_len, t.claims,
                                             strlen(t.claims), &why))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: the refresh answer's ID token fp=%s "
                      "refused: %s", fp(r, idt), why ? why : "?");
        return;
    }
    tp_cookies_set_id(r, dc, rq, idt);
}

tp_grant_e tp_refresh_run(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    tp_grant_cfg cfg;
    tp_flight_params prm;
    tp_flight_out out;
    const tp_flight_store *store;
    refresh_call call;
    cluster_call ccall;
    tp_flight_refresh_fn fn = call_endpoint;
    void *baton = &call;
    unsigned char key[TP_FLIGHT_KEY_LEN];
    tp_oidc_meta meta;

    if (!tp_conf_can_refresh(dc) || !tp_req_refresh_token(r, dc, rq)) {
        return TP_GRANT_REJECTED;
    }
    tp_conf_grant(dc, &cfg);
    memset(&call, 0, sizeof(call));
    memset(&meta, 0, sizeof(meta));
    if (!cfg.url) {             /* TokenProxyOIDCProvider's token_endpoint */
        if (!tp_oidc_disc_meta(r, dc, &meta)) {
            return TP_GRANT_UNAVAILABLE;
        }
        cfg.url = meta.token_endpoint;
        call.want_id = 1;
    }
    call.r = r;
    call.dc = dc;
    call.rq = rq;
    call.cfg = &cfg;
    call.rt = rq->refresh;
    memset(&out, 0, sizeof(out));
    tp_conf_flight(dc, &prm);
    tp_flight_key(cfg.url, rq->refresh, key);
    if (tp_cluster_enabled()) {
        ccall.r = r;
        ccall.prm = &prm;
        ccall.key = key;
        ccall.inner = &call;
        fn = call_cluster;
        baton = &ccall;
    }
    if ((store = tp_nodestore(r)) != NULL) {
        tp_flight_run(r->pool, store, &prm, key, sizeof(key), fn, baton,
                      &out);
        tp_capacity_note(r, &out);
        if (fn == call_cluster) {
            if (out.told) {
                tp_cluster_stat_add(TP_CL_NODE_TOLD, (apr_uint64_t)out.told);
            }
            if (out.polls) {
                tp_cluster_stat_add(TP_CL_NODE_POLLS,
                                    (apr_uint64_t)out.polls);
            }
        }
        if (out.store_failed && out.how == TP_FLIGHT_LOST
            && fn == call_cluster) {
            /* the node's state cannot be used, the cluster's single
             * flight still holds */
            fn(baton, r->pool, &out.res);
            out.how = TP_FLIGHT_REFRESHED;
        }
    }
    else {
        fn(baton, r->pool, &out.res);
    }
    if (out.waited) {
        tp_stat_inc(TP_STAT_WAITS);
    }
    if (out.how == TP_FLIGHT_GRACE) {
        tp_stat_inc(TP_STAT_GRACE_HITS);
    }
    if (out.took_over) {
        tp_stat_inc(TP_STAT_TAKEOVERS);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: the refresh of fp=%s by another request "
                      "did not finish within its lease; this request took "
                      "over", fp(r, rq->refresh));
    }
    if (out.how == TP_FLIGHT_GAVE_UP) {
        tp_stat_inc(TP_STAT_GAVE_UP);
    }
    if (out.how == TP_FLIGHT_LOST) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: refresh of fp=%s not done (503): %s",
                      fp(r, rq->refresh), out.res.why);
    }
    else if (out.how != TP_FLIGHT_REFRESHED) {
        ap_log_rerror(APLOG_MARK, out.res.result == TP_GRANT_OK
                      ? APLOG_DEBUG : APLOG_INFO, 0, r,
                      "tokenproxy: refresh of fp=%s %s another request's "
                      "refresh: %s", fp(r, rq->refresh),
                      out.how == TP_FLIGHT_GAVE_UP ? "gave up waiting for"
                      : out.how == TP_FLIGHT_SHARED ? "waited for and used"
                      : "used", out.res.why);
    }
    if (out.res.result != TP_GRANT_OK) {
        return out.res.result;
    }
    tp_cookies_set_tokens(r, dc, rq, &out.res.tokens, rq->refresh);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "tokenproxy: new access token fp=%s, refresh token %s",
                  fp(r, out.res.tokens.access),
                  out.res.tokens.refresh
                  ? apr_pstrcat(r->pool, "fp=",
                                fp(r, out.res.tokens.refresh), NULL)
                  : "not rotated");
    rq->access = out.res.tokens.access;
    if (out.res.tokens.refresh) {
        rq->refresh = out.res.tokens.refresh;
    }
    rq->refreshed = 1;
    rq->cookies_set = 1;
    if (call.id_token) {
        refresh_id_token(r, dc, rq, &meta, call.id_token);
    }
    return TP_GRANT_OK;
}
