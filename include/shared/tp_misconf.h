/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_misconf: the log line at error for a token endpoint that answered
 * that the configuration is wrong (invalid_client, invalid_target,
 * invalid_scope, unauthorized_client, unsupported_grant_type), naming
 * the directive to fix.  Such an answer is never a logout: the caller
 * answers 502.
 */
#ifndef TP_MISCONF_H
#define TP_MISCONF_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_grant.h"

/* what: "refresh", "login", "client-credentials grant", "token exchange";
 * kind: as tp_apigrant_directive. */
void tp_misconf_log(request_rec *r, const tp_dir_conf *dc, int kind,
                    const char *what, const tp_grant_res *res);

#endif /* TP_MISCONF_H */
