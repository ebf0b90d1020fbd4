/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Logout token verification against the provider's cached key set.
 */

#include <string.h>

#include <httpd.h>

#include "core/tp_jose.h"
#include "oidc/tp_oidc_disc.h"
#include "oidc/tp_oidc_logout.h"

tp_verify_e tp_oidc_verify_logout(request_rec *r, const tp_dir_conf *dc,
                                  const tp_oidc_meta *m, const char *token,
                                  tp_logout_claims *out, const char **why)
{
    tp_jws jws;
    const tp_jwks *ks = NULL;
    tp_logout_expect e;
    unsigned int allowed = tp_oidc_id_token_algs(m, dc->client_secret);
    tp_jose_e v;

    *why = NULL;
    if (!token || strlen(token) > TP_JWS_MAX) {
        *why = "no logout token, or a larger one than taken";
        return TP_VERIFY_BAD;
    }
    if (!tp_jws_parse(r->pool, token, &jws, why)) {
        return TP_VERIFY_BAD;
    }
    if (strcmp(jws.alg, "HS256")
        && !(ks = tp_oidc_disc_jwks(r, dc, m, 0))) {
        *why = "the provider's key set is unavailable";
        return TP_VERIFY_UNAVAILABLE;
    }
    memset(&e, 0, sizeof(e));
    e.issuer = m->issuer;
    e.client_id = dc->client_id;
    e.now = apr_time_sec(apr_time_now());
    v = tp_logout_verify(r->pool, token, ks, dc->client_secret, allowed, &e,
                         out, why);
    if (v == TP_JOSE_UNKNOWN_KID) {
        const tp_jwks *again = tp_oidc_disc_jwks(r, dc, m, 1);
        if (again) {
            v = tp_logout_verify(r->pool, token, again, dc->client_secret,
                                 allowed, &e, out, why);
        }
    }
    return v == TP_JOSE_OK ? TP_VERIFY_OK : TP_VERIFY_BAD;
}
