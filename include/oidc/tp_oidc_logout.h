/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_logout: a back-channel logout token from the provider, checked
 * with the provider's keys as an ID token is (the same algorithms, the
 * same cached key set, fetched once more for an unknown kid) and the
 * claims rules of tp_logout.
 */
#ifndef TP_OIDC_LOGOUT_H
#define TP_OIDC_LOGOUT_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_logout.h"
#include "core/tp_oidc_meta.h"
#include "oidc/tp_oidc_verify.h"

tp_verify_e tp_oidc_verify_logout(request_rec *r, const tp_dir_conf *dc,
                                  const tp_oidc_meta *m, const char *token,
                                  tp_logout_claims *out, const char **why);

#endif /* TP_OIDC_LOGOUT_H */
