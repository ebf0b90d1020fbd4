/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Revocation of the refresh token at logout.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "core/tp_token.h"
#include "oidc/tp_oidc_disc.h"
#include "request/tp_revoke.h"
#include "shared/tp_child_http.h"

APLOG_USE_MODULE(tokenproxy);

void tp_revoke_run(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    tp_grant_cfg cfg;
    tp_grant_req req;
    tp_http_resp hres;
    tp_oidc_meta meta;
    const char *url = dc->revoke_url;

    if (!tp_req_refresh_token(r, dc, rq) || !tp_child_http()) {
        return;
    }
    if (!url && tp_oidc_issuer(dc) && tp_oidc_disc_meta(r, dc, &meta)) {
        url = meta.revocation_endpoint;     /* or NULL: none */
    }
    if (!url) {
        return;
    }
    tp_conf_grant(dc, &cfg);
    cfg.url = url;                  /* the assertion's aud */
    tp_grant_revoke(r->pool, &cfg, rq->refresh, &req);
    tp_child_http_grant(r->pool, url, &req, cfg.timeout, &hres);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: revocation of fp=%s: %s",
                  tp_fingerprint(r->pool, rq->refresh, strlen(rq->refresh)),
                  hres.error ? hres.error
                  : apr_psprintf(r->pool, "HTTP %d", hres.status));
}
