/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_req: the messages of the authorization code flow, without the
 * transport: the authorization request URL, the login state kept in a
 * sealed cookie between login and callback, the code exchange's form
 * body, the token answer's id_token, and the RP-initiated logout URL.
 * No request structures; never logs.
 */
#ifndef TP_OIDC_REQ_H
#define TP_OIDC_REQ_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "core/tp_grant.h"

/* The login state cookie: "<prefix><first 8 characters of state>",
 * __Host- when Secure. */
#define TP_LOGIN_COOKIE        "tp-login-"
#define TP_LOGIN_COOKIE_HOST   "__Host-tp-login-"
#define TP_LOGIN_NAME_CHARS    8
/* Seconds a login may take, and the login cookies a browser keeps. */
#define TP_LOGIN_MAX_AGE       300
#define TP_LOGIN_MAX_COOKIES   4

typedef struct tp_login_state {
    const char *state, *nonce, *verifier;   /* base64url */
    const char *return_path;                /* a same-site path */
    apr_int64_t time;                       /* seconds since the epoch */
} tp_login_state;

/* "v1|time|state|nonce|verifier|return" (sealed by the caller). */
const char *tp_login_state_encode(apr_pool_t *p, const tp_login_state *st);

/* 1 and *out when s is an encoded state; 0 otherwise. */
int tp_login_state_decode(apr_pool_t *p, const char *s, tp_login_state *out);

/* The cookie name for a state, or NULL when state is not base64url of
 * at least TP_LOGIN_NAME_CHARS characters. */
const char *tp_login_cookie_name(apr_pool_t *p, const char *state,
                                 int secure);

/* Does a cookie name belong to a login state? */
int tp_login_cookie_is(const char *name);

/* The Cookie header value without the login state cookies, which stay
 * away from the upstream; *removed: how many pieces went.  NULL when
 * nothing but separators is left.  Other bytes are kept as sent. */
const char *tp_login_cookies_strip(apr_pool_t *p, const char *header,
                                   int *removed);

/* Constant-time equality of two states (lengths may differ). */
int tp_oidc_state_equal(const char *a, const char *b);

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
