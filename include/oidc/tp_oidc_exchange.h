/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_exchange: the authorization code exchange at the provider's
 * token_endpoint (grant_type=authorization_code with the PKCE verifier),
 * through the child's HTTP client; the answer classified like a refresh
 * answer, and its id_token taken out.  Log lines name the code by
 * fingerprint only.
 */
#ifndef TP_OIDC_EXCHANGE_H
#define TP_OIDC_EXCHANGE_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_grant.h"
#include "core/tp_oidc_meta.h"

/* res->result says how it went (logged at info unless it succeeded);
 * on success *idt is the answer's id_token, or NULL. */
void tp_oidc_exchange(request_rec *r, const tp_dir_conf *dc,
                      const tp_oidc_meta *m, const char *code,
                      const char *redirect_uri, const char *verifier,
                      tp_grant_res *res, const char **idt);

#endif /* TP_OIDC_EXCHANGE_H */
