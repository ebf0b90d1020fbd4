/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The module's own answers.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include "core/tp_nav.h"
#include "request/tp_browser.h"
#include "request/tp_cookies.h"
#include "request/tp_reply.h"
#include "shared/tp_cluster_stats.h"

APLOG_USE_MODULE(tokenproxy);

int tp_reply_body(request_rec *r, int status, const char *type,
                  const char *body, const char *header, const char *value)
{
    apr_size_t len = strlen(body);

    apr_table_clear(r->headers_out);
    apr_table_unset(r->err_headers_out, "WWW-Authenticate"); /* upstream's */
    if (header) {
        apr_table_setn(r->headers_out, header, value);
    }
    r->status = status;
    r->status_line = NULL;
    ap_set_content_type(r, type);
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(body, (int)len, r);
    }
    return OK;
}

int tp_reply_json(request_rec *r, int status, const char *json,
                  const char *header, const char *value)
{
    return tp_reply_body(r, status, "application/json", json, header,
                         value);
}

int tp_reply_only(request_rec *r, int method, const char *allow)
{
    if (r->method_number == method) {
        return DECLINED;
    }
    return tp_reply_json(r, HTTP_METHOD_NOT_ALLOWED,
                         "{\"error\":\"method_not_allowed\"}\n", "Allow",
                         allow);
}

int tp_reply_not_configured(request_rec *r, const char *needs)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "tokenproxy: handler %s needs %s", r->handler, needs);
    return HTTP_INTERNAL_SERVER_ERROR;
}

int tp_reply_forbidden(request_rec *r, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: %s request refused (TokenProxyCSRF): %s",
                  r->method, ap_escape_logitem(r->pool, why));
    return tp_reply_json(r, HTTP_FORBIDDEN,
                         "{\"error\":\"forbidden\",\"message\":"
                         "\"cross-site request refused\"}\n", NULL, NULL);
}

int tp_reply_over(request_rec *r, const tp_dir_conf *dc, const tp_req *rq)
{
    tp_cookies_clear(r, dc, rq);
    if (tp_browser_is_navigation(r)) {
        apr_table_clear(r->headers_out);
        apr_table_setn(r->headers_out, "Location",
                       tp_login_location(r->pool, tp_conf_login_url(dc),
                                         r->unparsed_uri));
        r->status = HTTP_OK;
        return HTTP_MOVED_TEMPORARILY;
    }
    return tp_reply_json(r, HTTP_UNAUTHORIZED,
                         "{\"error\":\"unauthorized\","
                         "\"message\":\"the session is over\"}\n",
                         "WWW-Authenticate", "Bearer realm=\"tokenproxy\"");
}

int tp_reply_unavailable(request_rec *r)
{
    return tp_reply_json(r, HTTP_SERVICE_UNAVAILABLE,
                         "{\"error\":\"refresh_unavailable\","
                         "\"message\":\"try again shortly\"}\n",
                         "Retry-After", tp_cluster_failover_recent()
                                        ? TP_RETRY_AFTER_FAILOVER
                                        : TP_RETRY_AFTER);
}

int tp_reply_login_failed(request_rec *r, const tp_dir_conf *dc, int status,
                          const char *error, const char *msg)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (tp_browser_is_navigation(r)) {
        const char *again = ap_escape_html2(r->pool, tp_conf_login_url(dc),
                                            1);
        return tp_reply_body(r, status, "text/html; charset=utf-8",
            apr_psprintf(r->pool, "<!DOCTYPE html>\n<html><head><meta "
                         "charset=\"utf-8\"><title>Login failed</title>"
                         "</head>\n<body><h1>Login failed</h1>\n<p>%s</p>\n"
                         "<p><a href=\"%s\">Log in again</a></p>\n"
                         "</body></html>\n",
                         ap_escape_html2(r->pool, msg, 1), again),
            NULL, NULL);
    }
    return tp_reply_json(r, status,
                         apr_psprintf(r->pool, "{\"error\":\"%s\","
                                      "\"message\":\"%s\"}\n", error, msg),
                         NULL, NULL);
}

int tp_reply_provider_unavailable(request_rec *r, const tp_dir_conf *dc)
{
    apr_table_setn(r->err_headers_out, "Retry-After", TP_RETRY_AFTER);
    return tp_reply_login_failed(r, dc, HTTP_SERVICE_UNAVAILABLE,
                                 "provider_unavailable",
                                 "The identity provider cannot be reached. "
                                 "Try again shortly.");
}
