/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The "misconfigured" log line.
 */

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "core/tp_apigrant.h"
#include "shared/tp_misconf.h"

APLOG_USE_MODULE(tokenproxy);

void tp_misconf_log(request_rec *r, const tp_dir_conf *dc, int kind,
                    const char *what, const tp_grant_res *res)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "tokenproxy: the token endpoint refused the %s as "
                  "misconfigured (%s, HTTP %d): fix %s; answered 502, the "
                  "session is kept", what, res->error ? res->error : "?",
                  res->status,
                  tp_apigrant_directive(kind, res->error,
                                        dc->api && dc->api->key != NULL));
}
