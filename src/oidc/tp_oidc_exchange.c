/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The code exchange.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "core/tp_oidc_req.h"
#include "core/tp_token.h"
#include "oidc/tp_oidc_exchange.h"
#include "shared/tp_child_http.h"
#include "shared/tp_misconf.h"

APLOG_USE_MODULE(tokenproxy);

void tp_oidc_exchange(request_rec *r, const tp_dir_conf *dc,
                      const tp_oidc_meta *m, const char *code,
                      const char *redirect_uri, const char *verifier,
                      tp_grant_res *res, const char **idt)
{
    tp_grant_cfg cfg;
    tp_grant_req req;
    tp_http_resp hres;
    const char *fp = tp_fingerprint(r->pool, code, strlen(code));

    *idt = NULL;
    tp_conf_grant(dc, &cfg);
    cfg.url = m->token_endpoint;
    cfg.format = TP_FORMAT_OAUTH2;
    tp_oidc_code_request(r->pool, &cfg, code, redirect_uri, verifier, &req);
    tp_child_http_grant(r->pool, cfg.url, &req, cfg.timeout, &hres);
    tp_grant_classify(r->pool, &cfg, hres.error, hres.status,
                      hres.content_type, hres.body, hres.len, res);
    if (res->result == TP_GRANT_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: code exchange (code fp=%s) at %s "
                      "unavailable: %s", fp, cfg.url, res->why);
        return;
    }
    if (res->result == TP_GRANT_MISCONFIGURED) {
        tp_misconf_log(r, dc, 0, "login's code exchange", res);
        return;
    }
    if (res->result != TP_GRANT_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: code exchange (code fp=%s) refused: %s",
                      fp, res->why);
        return;
    }
    *idt = tp_oidc_answer_id_token(r->pool, hres.body, hres.len);
}
