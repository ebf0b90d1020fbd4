/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Bearer injection and token-cookie removal on the upstream request, in
 * mod_proxy's fixups hook.  It runs again for every attempt mod_proxy
 * makes (and for every replay), so it takes the token of the moment from
 * the request's context.
 */

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "core/tp_token.h"
#include "handle/tp_inject.h"
#include "request/tp_request.h"
#include "request/tp_strip.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

int tp_inject_fixups(request_rec *r)
{
    const tp_dir_conf *dc = ap_get_module_config(r->per_dir_config,
                                                 &tokenproxy_module);
    tp_req *rq;

    if (tp_conf_capture(dc)) {
        /* the login answer must come uncompressed to be read */
        apr_table_unset(r->headers_in, "Accept-Encoding");
    }
    if (!tp_conf_enabled(dc)) {
        tp_strip_all(r);        /* no app's cookie upstream (issue 22) */
        return DECLINED;
    }
    rq = tp_req_get(r, dc);
    rq->attempts++;

    /* r->headers_in is mod_proxy's private copy here */
    if (rq->removed) {
        if (rq->cookie_out) {
            apr_table_setn(r->headers_in, "Cookie", rq->cookie_out);
        }
        else {
            apr_table_unset(r->headers_in, "Cookie");
        }
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "tokenproxy: %d token cookie(s) kept from upstream",
                      rq->removed);
    }
    rq->injected = 0;
    if (rq->api_token) {
        apr_table_setn(r->headers_in, "Authorization",
                       apr_pstrcat(r->pool, "Bearer ", rq->api_token, NULL));
        rq->injected = 1;
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "tokenproxy: API token fp=%s sent upstream "
                      "(attempt %d)",
                      tp_fingerprint(r->pool, rq->api_token,
                                     strlen(rq->api_token)), rq->attempts);
    }
    else if (rq->access && !rq->anonymous) {
        apr_table_setn(r->headers_in, "Authorization",
                       rq->bearer && rq->access == rq->access_read
                       ? rq->bearer
                       : apr_pstrcat(r->pool, "Bearer ", rq->access, NULL));
        rq->injected = 1;
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "tokenproxy: Bearer token fp=%s sent upstream "
                      "(attempt %d)",
                      tp_fingerprint(r->pool, rq->access,
                                     strlen(rq->access)), rq->attempts);
    }
    return OK;
}
