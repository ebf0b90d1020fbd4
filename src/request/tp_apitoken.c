/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Client-credentials and exchanged tokens for one request.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "core/tp_apigrant.h"
#include "core/tp_flight.h"
#include "core/tp_token.h"
#include "oidc/tp_oidc_disc.h"
#include "request/tp_apitoken.h"
#include "shared/tp_apicache.h"
#include "shared/tp_child_http.h"
#include "shared/tp_misconf.h"
#include "shared/tp_nodestore.h"

APLOG_USE_MODULE(tokenproxy);

/* Waiters that come after a grant find its token in the kept tokens; the
 * flight's own result serves only the moment in between. */
#define FLIGHT_GRACE apr_time_from_sec(1)

typedef struct api_call {
    request_rec *r;
    const tp_dir_conf *dc;
    tp_grant_cfg cfg;
    tp_apigrant_kind_e kind;
    const char *subject;        /* exchange: the session's access token */
    const char *target;         /* for the key and the log */
    int again;                  /* a kept token was refused upstream */
    unsigned char key[TP_APIGRANT_KEY_LEN];
} api_call;

static const char *fp(request_rec *r, const char *secret)
{
    return tp_fingerprint(r->pool, secret, strlen(secret));
}

static const char *what(const api_call *c)
{
    return c->kind == TP_APIGRANT_CLIENT ? "client-credentials grant"
                                         : "token exchange";
}

/* The grant itself: tp_flight runs it at most once per key at a time. */
static void call_endpoint(void *baton, apr_pool_t *p, tp_grant_res *res)
{
    api_call *c = baton;
    request_rec *r = c->r;
    const tp_api_conf *api = c->dc->api;
    tp_grant_req req;
    tp_http_resp hres;
    apr_int64_t keep;
    apr_time_t start = apr_time_now();

    if (c->kind == TP_APIGRANT_CLIENT) {
        tp_api_stat_inc(TP_API_GRANTS_CLIENT);
        tp_apigrant_client(p, &c->cfg, api ? api->client_scope : NULL,
                           api ? api->client_resource : NULL, &req);
    }
    else {
        tp_api_stat_inc(TP_API_GRANTS_EXCHANGE);
        tp_apigrant_exchange(p, &c->cfg, tp_api_exchange_format(api),
                             api->exchange, c->subject, &req);
    }
    tp_child_http_grant(p, c->cfg.url, &req, c->cfg.timeout, &hres);
    tp_grant_classify(p, &c->cfg, hres.error, hres.status,
                      hres.content_type, hres.body, hres.len, res);
    switch (res->result) {
    case TP_GRANT_OK:
        keep = tp_apigrant_keep_for(r->pool, res->tokens.access,
                                    res->tokens.expires_in,
                                    tp_conf_skew(c->dc),
                                    apr_time_sec(apr_time_now()));
        tp_apicache_put(r, c->key, res->tokens.access, keep);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "tokenproxy: %s for %s%s%s: token fp=%s, kept %"
                      APR_INT64_T_FMT " s (%" APR_TIME_T_FMT " ms)",
                      what(c), c->target,
                      c->subject ? ", subject token fp=" : "",
                      c->subject ? fp(r, c->subject) : "",
                      fp(r, res->tokens.access), keep,
                      apr_time_as_msec(apr_time_now() - start));
        break;
    case TP_GRANT_MISCONFIGURED:
        tp_api_stat_inc(TP_API_MISCONFIGURED);
        tp_misconf_log(r, c->dc, c->kind, what(c), res);
        break;
    case TP_GRANT_REJECTED:
        tp_api_stat_inc(TP_API_REFUSED);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: %s for %s%s%s refused: %s", what(c),
                      c->target, c->subject ? ", subject token fp=" : "",
                      c->subject ? fp(r, c->subject) : "", res->why);
        break;
    case TP_GRANT_UNAVAILABLE:
        tp_api_stat_inc(TP_API_UNAVAILABLE);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: %s for %s unavailable: %s", what(c),
                      c->target, res->why);
        break;
    }
}

/* The endpoint and the key; 0 when the endpoint is unknown now (the
 * provider's metadata cannot be had). */
static int prepare(request_rec *r, const tp_dir_conf *dc, api_call *c)
{
    tp_oidc_meta meta;

    c->r = r;
    c->dc = dc;
    tp_conf_grant(dc, &c->cfg);
    if (!c->cfg.url || c->cfg.format != TP_FORMAT_OAUTH2) {
        memset(&meta, 0, sizeof(meta));
        if (!tp_oidc_issuer(dc) || !tp_oidc_disc_meta(r, dc, &meta)
            || !meta.token_endpoint) {
            return 0;
        }
        c->cfg.url = meta.token_endpoint;
    }
    c->cfg.format = TP_FORMAT_OAUTH2;
    tp_apigrant_key(c->kind, c->cfg.url, c->cfg.client_id, c->target,
                    c->subject, c->key);
    return 1;
}

static tp_grant_e obtain(request_rec *r, const tp_dir_conf *dc, api_call *c,
                         const char **token, int *was_kept)
{
    const tp_flight_store *store;
    tp_flight_params prm;
    tp_flight_out out;
    const char *kept;

    *token = NULL;
    if (!prepare(r, dc, c)) {
        tp_api_stat_inc(TP_API_UNAVAILABLE);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: %s for %s: the provider's token_endpoint "
                      "is not known now", what(c), c->target);
        return TP_GRANT_UNAVAILABLE;
    }
    if (!c->again && (kept = tp_apicache_get(r, c->key)) != NULL) {
        tp_api_stat_inc(TP_API_HITS);
        *token = kept;
        if (was_kept) {
            *was_kept = 1;
        }
        return TP_GRANT_OK;
    }
    if (was_kept) {
        *was_kept = 0;
    }
    memset(&out, 0, sizeof(out));
    tp_conf_flight(dc, &prm);
    prm.grace = FLIGHT_GRACE;
    if ((store = tp_nodestore(r)) != NULL) {
        unsigned char fkey[TP_APIGRANT_KEY_LEN];

        /* the grant after a refusal flies under a key of its own */
        memcpy(fkey, c->key, sizeof(fkey));
        fkey[0] ^= c->again ? 0x5a : 0;
        tp_flight_run(r->pool, store, &prm, fkey, sizeof(fkey),
                      call_endpoint, c, &out);
        if (out.how == TP_FLIGHT_SHARED || out.how == TP_FLIGHT_GRACE) {
            tp_api_stat_inc(TP_API_SHARED);
        }
        if (out.how == TP_FLIGHT_LOST || out.how == TP_FLIGHT_GAVE_UP) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "tokenproxy: %s for %s not done (503): %s",
                          what(c), c->target, out.res.why);
        }
    }
    else {
        call_endpoint(c, r->pool, &out.res);
    }
    if (out.res.result == TP_GRANT_OK) {
        *token = out.res.tokens.access;
    }
    return out.res.result;
}

static void client_call(request_rec *r, const tp_dir_conf *dc, api_call *c)
{
    const tp_api_conf *api = dc->api;

    memset(c, 0, sizeof(*c));
    c->kind = TP_APIGRANT_CLIENT;
    c->target = apr_pstrcat(r->pool, "scope ",
                            api && api->client_scope ? api->client_scope
                                                     : "",
                            " resource ",
                            api && api->client_resource
                            ? api->client_resource : "", NULL);
}

tp_grant_e tp_apitoken_client(request_rec *r, const tp_dir_conf *dc,
                              const char **token, int *kept)
{
    api_call c;

    client_call(r, dc, &c);
    return obtain(r, dc, &c, token, kept);
}

tp_grant_e tp_apitoken_client_again(request_rec *r, const tp_dir_conf *dc,
                                    const char **token)
{
    api_call c;

    client_call(r, dc, &c);
    if (prepare(r, dc, &c)) {
        tp_apicache_remove(r, c.key);
    }
    c.again = 1;
    return obtain(r, dc, &c, token, NULL);
}

tp_grant_e tp_apitoken_exchange(request_rec *r, const tp_dir_conf *dc,
                                const char *subject, const char **token)
{
    api_call c;

    memset(&c, 0, sizeof(c));
    c.kind = TP_APIGRANT_EXCHANGE;
    c.subject = subject;
    c.target = apr_pstrcat(r->pool,
                           tp_api_exchange_format(dc->api)
                           == TP_XFORMAT_ENTRA_OBO ? "entra-obo " : "",
                           tp_apigrant_target_str(r->pool,
                                                  dc->api->exchange), NULL);
    return obtain(r, dc, &c, token, NULL);
}

void tp_apitoken_forget_exchange(request_rec *r, const tp_dir_conf *dc,
                                 const char *subject)
{
    api_call c;

    memset(&c, 0, sizeof(c));
    c.kind = TP_APIGRANT_EXCHANGE;
    c.subject = subject;
    c.target = apr_pstrcat(r->pool,
                           tp_api_exchange_format(dc->api)
                           == TP_XFORMAT_ENTRA_OBO ? "entra-obo " : "",
                           tp_apigrant_target_str(r->pool,
                                                  dc->api->exchange), NULL);
    if (prepare(r, dc, &c)) {
        tp_apicache_remove(r, c.key);
    }
}
