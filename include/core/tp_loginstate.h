/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_loginstate: what a login remembers between the authorization request
 * and the callback (state, nonce, PKCE verifier, return path, time),
 * encoded for a sealed SameSite=Lax cookie of its own per login; the
 * cookie's name, and the Cookie header without these cookies, which never
 * go upstream.  No request structures; never logs.
 */
#ifndef TP_LOGINSTATE_H
#define TP_LOGINSTATE_H

#include <apr_pools.h>

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
int tp_login_state_equal(const char *a, const char *b);

#endif /* TP_LOGINSTATE_H */
