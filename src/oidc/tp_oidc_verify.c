/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * ID token verification against the provider's cached key set.
 */

#include <string.h>

#include <httpd.h>
#include <apr_strings.h>

#include "core/tp_jose.h"
#include "oidc/tp_oidc_disc.h"
#include "oidc/tp_oidc_verify.h"

tp_verify_e tp_oidc_verify(request_rec *r, const tp_dir_conf *dc,
                           const tp_oidc_meta *m, const char *id_token,
                           const char *nonce, tp_idtoken *out,
                           const char **why)
{
    tp_jws jws;
    const tp_jwks *ks;
    tp_idtoken_expect e;
    unsigned int allowed = tp_oidc_id_token_algs(m, dc->client_secret);
    tp_jose_e v;

    *why = NULL;
    if (!id_token || strlen(id_token) > TP_JWS_MAX) {
        *why = "no ID token, or a larger one than taken";
        return TP_VERIFY_BAD;
    }
    if (!tp_jws_parse(r->pool, id_token, &jws, why)) {
        return TP_VERIFY_BAD;
    }
    if (!strcmp(jws.alg, "HS256") && !(allowed & TP_ALG_HS256)) {
        *why = dc->client_secret
               ? "signed with HS256, which the provider does not announce "
                 "in id_token_signing_alg_values_supported"
               : "signed with HS256, and there is no client secret";
        return TP_VERIFY_BAD;
    }
    ks = NULL;
    if (strcmp(jws.alg, "HS256")) {
        if (!(ks = tp_oidc_disc_jwks(r, dc, m, 0))) {
            *why = "the provider's key set is unavailable";
            return TP_VERIFY_UNAVAILABLE;
        }
    }
    v = tp_jws_verify(r->pool, &jws, ks, dc->client_secret, allowed, why);
    if (v == TP_JOSE_UNKNOWN_KID) {
        const tp_jwks *again = tp_oidc_disc_jwks(r, dc, m, 1);
        if (again) {
            v = tp_jws_verify(r->pool, &jws, again, dc->client_secret,
                              allowed, why);
        }
    }
    if (v != TP_JOSE_OK) {
        if (!*why) {
            *why = v == TP_JOSE_UNKNOWN_KID ? "no key with the token's kid"
                                            : "bad signature";
        }
        return TP_VERIFY_BAD;
    }
    memset(&e, 0, sizeof(e));
    e.issuer = m->issuer;
    e.client_id = dc->client_id;
    e.nonce = nonce;
    e.now = apr_time_sec(apr_time_now());
    if (!tp_idtoken_check(r->pool, &jws, &e, out, why)) {
        return TP_VERIFY_BAD;
    }
    return TP_VERIFY_OK;
}
