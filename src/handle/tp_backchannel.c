/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The back-channel logout endpoint.  Log lines name the logout token,
 * its sid and sub by fingerprint only.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "conf/tp_conf_session.h"
#include "core/tp_logout.h"
#include "core/tp_revtable.h"
#include "core/tp_token.h"
#include "handle/tp_backchannel.h"
#include "oidc/tp_oidc_disc.h"
#include "oidc/tp_oidc_logout.h"
#include "request/tp_reply.h"
#include "shared/tp_revocations.h"
#include "shared/tp_revsync.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

#define FORM_MAX (TP_JWS_MAX + 4096)

static int invalid(request_rec *r, const char *why, const char *token)
{
    tp_rstat_inc(TP_RSTAT_REFUSED);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: back-channel logout refused: %s (logout "
                  "token fp=%s)", why,
                  token ? tp_fingerprint(r->pool, token, strlen(token))
                        : "-");
    return tp_reply_json(r, HTTP_BAD_REQUEST,
                         "{\"error\":\"invalid_request\"}\n", NULL, NULL);
}

static int unavailable(request_rec *r)
{
    return tp_reply_json(r, HTTP_SERVICE_UNAVAILABLE,
                         "{\"error\":\"temporarily_unavailable\"}\n",
                         "Retry-After", TP_RETRY_AFTER);
}

/* The form's one logout_token: 1 and *token (NULL when there is none or
 * more than one); else the status to answer. */
static int read_token(request_rec *r, const char **token)
{
    apr_array_header_t *pairs = NULL;
    int rv, i, n = 0;

    *token = NULL;
    if ((rv = ap_parse_form_data(r, NULL, &pairs, 16, FORM_MAX)) != OK) {
        return rv;
    }
    for (i = 0; pairs && i < pairs->nelts; i++) {
        ap_form_pair_t *pair = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        apr_off_t len = 0;
        apr_size_t size;
        char *buf;

        if (strcmp(pair->name, "logout_token")) {
            continue;
        }
        n++;
        apr_brigade_length(pair->value, 1, &len);
        if (len <= 0 || len > TP_JWS_MAX) {
            continue;
        }
        size = (apr_size_t)len;
        buf = apr_palloc(r->pool, size + 1);
        if (apr_brigade_flatten(pair->value, buf, &size) == APR_SUCCESS) {
            buf[size] = '\0';
            *token = buf;
        }
    }
    if (n != 1) {
        *token = NULL;
    }
    return OK;
}

static int backchannel(request_rec *r, const tp_dir_conf *dc)
{
    const char *token, *why;
    tp_oidc_meta m;
    tp_logout_claims c;
    tp_rev_entry e[1], jti;
    apr_int64_t keep = tp_conf_revocation_keep(dc), now;
    int rv;

    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if ((rv = tp_reply_only(r, M_POST, "POST")) != DECLINED) {
        return rv;
    }
    if (!tp_oidc_issuer(dc) || !dc->client_id) {
        return tp_reply_not_configured(r, "TokenProxyOIDCProvider and "
                                       "TokenProxyClient");
    }
    if ((rv = read_token(r, &token)) != OK) {
        return rv;
    }
    if (!token) {
        return invalid(r, "no logout_token (or several) in an "
                       "application/x-www-form-urlencoded body", NULL);
    }
    if (!tp_oidc_disc_meta(r, dc, &m)) {
        return unavailable(r);
    }
    switch (tp_oidc_verify_logout(r, dc, &m, token, &c, &why)) {
    case TP_VERIFY_OK:
        break;
    case TP_VERIFY_UNAVAILABLE:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: back-channel logout not checked: %s",
                      why);
        return unavailable(r);
    default:
        return invalid(r, why, token);
    }
    memset(&jti, 0, sizeof(jti));
    jti.kind = TP_REV_JTI;
    tp_revtable_key(TP_REV_JTI, c.iss, c.jti, jti.key);
    jti.until = tp_logout_jti_until(&c);
    if (tp_revocations_seen(jti.key)) {
        return invalid(r, "its jti was seen before (a replay)", token);
    }

    /* a sid ends the sessions that carry it; a sub alone, the subject's
     * sessions begun before the token's iat */
    now = apr_time_sec(apr_time_now());
    memset(e, 0, sizeof(e));
    e[0].kind = c.sid ? TP_REV_SID : TP_REV_SUB;
    tp_revtable_key(e[0].kind, c.iss, c.sid ? c.sid : c.sub, e[0].key);
    e[0].iat = c.iat;
    e[0].until = (c.iat > now ? c.iat : now) + keep;
    switch (tp_revocations_add(e, 1)) {
    case TP_REVADD_OK:
        break;
    case TP_REVADD_FULL:
        tp_rstat_inc(TP_RSTAT_FULL);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "tokenproxy: back-channel logout (%s fp=%s) refused "
                      "with 503: TokenProxyRevocationSlots is full; raise "
                      "it (nothing was dropped)", c.sid ? "sid" : "sub",
                      tp_fingerprint(r->pool, c.sid ? c.sid : c.sub,
                                     strlen(c.sid ? c.sid : c.sub)));
        return unavailable(r);
    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "tokenproxy: back-channel logout not applied: the "
                      "revocation table cannot be used");
        return unavailable(r);
    }
    if (tp_revsync_enabled() && !tp_revsync_push(r->pool, &e[0], keep,
                                                 &why)) {
        tp_rstat_inc(TP_RSTAT_CLUSTER_FAILED);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: back-channel logout (%s fp=%s) applied "
                      "on this machine only, answered 503 for the provider "
                      "to retry: TokenProxyCluster: %s",
                      c.sid ? "sid" : "sub",
                      tp_fingerprint(r->pool, c.sid ? c.sid : c.sub,
                                     strlen(c.sid ? c.sid : c.sub)), why);
        return unavailable(r);
    }
    if (tp_revocations_add(&jti, 1) != TP_REVADD_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: back-channel logout applied, but its jti "
                      "could not be kept against replays: "
                      "TokenProxyRevocationSlots is full");
    }
    tp_rstat_inc(TP_RSTAT_ACCEPTED);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: back-channel logout accepted: %s fp=%s "
                  "(logout token fp=%s), kept %" APR_INT64_T_FMT " s",
                  c.sid ? "sid" : "sub",
                  tp_fingerprint(r->pool, c.sid ? c.sid : c.sub,
                                 strlen(c.sid ? c.sid : c.sub)),
                  tp_fingerprint(r->pool, token, strlen(token)), keep);
    return tp_reply_json(r, HTTP_OK, "{}\n", NULL, NULL);
}

int tp_backchannel_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, TP_HANDLER_BACKCHANNEL)) {
        return DECLINED;
    }
    return backchannel(r, ap_get_module_config(r->per_dir_config,
                                               &tokenproxy_module));
}
