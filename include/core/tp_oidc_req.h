/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_req: the messages of the authorization code flow, without the
 * transport: the authorization request URL, the code exchange's form
 * body, the token answer's id_token, and the RP-initiated logout URL.
 * (The login state between login and callback is tp_loginstate.)
 * No request structures; never logs.
 */
#ifndef TP_OIDC_REQ_H
#define TP_OIDC_REQ_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "core/tp_grant.h"

/* Is `name` a parameter of the authorization request itself, which
 * TokenProxyAuthParam cannot set? */
int tp_oidc_protocol_param(const char *name);

typedef struct tp_auth_req {
    const char *endpoint;           /* authorization_endpoint */
    const char *client_id, *redirect_uri, *scope;
    const char *state, *nonce, *challenge;
    const apr_array_header_t *params;   /* name, value, ... or NULL */
} tp_auth_req;

/* The authorization request URL (response_type=code, S256).  Extra
 * parameters that name a protocol parameter are left out. */
const char *tp_oidc_auth_url(apr_pool_t *p, const tp_auth_req *a);

/* The code exchange: grant_type=authorization_code, code, redirect_uri,
 * code_verifier, with the client authentication of c. */
void tp_oidc_code_request(apr_pool_t *p, const tp_grant_cfg *c,
                          const char *code, const char *redirect_uri,
                          const char *verifier, tp_grant_req *out);

/* The "id_token" string member of a token answer, or NULL. */
const char *tp_oidc_answer_id_token(apr_pool_t *p, const char *body,
                                    apr_size_t len);

/* end_session_endpoint with id_token_hint (when not NULL),
 * post_logout_redirect_uri and client_id. */
const char *tp_oidc_logout_url(apr_pool_t *p, const char *endpoint,
                               const char *id_token_hint,
                               const char *post_logout,
                               const char *client_id);

/* "scheme://host" + path when path is a local path; url otherwise. */
const char *tp_oidc_absolute(apr_pool_t *p, const char *scheme,
                             const char *host, const char *url);

#endif /* TP_OIDC_REQ_H */
