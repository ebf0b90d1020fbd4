/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_sesscookie: what the module knows of a session, in the session cookie
 * (TokenProxySessionCookie): when it began, when it was last used, and
 * for an OpenID Connect login the provider's iss, sub and sid.  Encoded
 * as "s1|started|last_used|iss|sub|sid" (the three strings base64url,
 * empty when absent) and always sealed (tp_sealcookie, the cookie's name
 * bound in).  The limits (TokenProxySessionIdleTimeout,
 * TokenProxySessionMaxAge) are decided here: request-free, never logs.
 */
#ifndef TP_SESSCOOKIE_H
#define TP_SESSCOOKIE_H

#include <apr_pools.h>

#include "core/tp_sealcookie.h"

/* The longest iss, sub or sid kept (a longer one is not kept at all). */
#define TP_SESS_MAX_STR 1024

typedef struct tp_sessinfo {
    apr_int64_t started, last_used;     /* seconds since the epoch */
    const char *iss, *sub, *sid;        /* NULL when unknown */
} tp_sessinfo;

typedef enum {
    TP_SESS_LIVE = 0,
    TP_SESS_IDLE,           /* unused for TokenProxySessionIdleTimeout */
    TP_SESS_AGED            /* older than TokenProxySessionMaxAge */
} tp_sess_state_e;

/* The plain encoding of s (sealed by tp_sesscookie_seal). */
const char *tp_sess_encode(apr_pool_t *p, const tp_sessinfo *s);

/* 1 and *out when v is an encoding of tp_sess_encode; 0 otherwise. */
int tp_sess_decode(apr_pool_t *p, const char *v, tp_sessinfo *out);

/* The sealed value of session cookie `name`, or NULL. */
const char *tp_sesscookie_seal(apr_pool_t *p, const tp_keyring *kr,
                               const char *name, const tp_sessinfo *s);

/* Open a session cookie's value: 1 and *out, or 0 (not sealed with kr
 * for this name, damaged, or not a session). */
int tp_sesscookie_open(apr_pool_t *p, const tp_keyring *kr, const char *name,
                       const char *value, tp_sessinfo *out);

/* A session that begins now; iss, sub and sid taken from the payload of
 * an ID token (a JSON object; NULL or garbage: none). */
void tp_sess_begin(apr_pool_t *p, tp_sessinfo *s, apr_int64_t now,
                   const char *id_claims);

/* Is the session over at `now`?  idle, max_age: the limits in seconds,
 * 0 off.  A last use in the future counts as now; a start in the future
 * as now too (clocks of several nodes differ a little). */
tp_sess_state_e tp_sess_state(const tp_sessinfo *s, apr_int64_t now,
                              apr_int64_t idle, apr_int64_t max_age);

/* The resolution of the last-use time: it is written again when it is
 * this many seconds old or older: a tenth of the idle timeout, at least 1
 * second. */
apr_int64_t tp_sess_resolution(apr_int64_t idle);

/* Is the last-use time due to be written again at `now` (idle on)? */
int tp_sess_touch_due(const tp_sessinfo *s, apr_int64_t now,
                      apr_int64_t idle);

/* When the session ends for each limit: *idle_expires (last use + idle)
 * and *expires (start + max_age), 0 for a limit that is off. */
void tp_sess_ends(const tp_sessinfo *s, apr_int64_t idle,
                  apr_int64_t max_age, apr_int64_t *idle_expires,
                  apr_int64_t *expires);

/* The user endpoint's JSON object `user_json` with the member
 * "session":{"started":T[,"idle_expires":T][,"expires":T]} added;
 * user_json unchanged when it is not an object. */
const char *tp_sess_user_json(apr_pool_t *p, const char *user_json,
                              const tp_sessinfo *s, apr_int64_t idle,
                              apr_int64_t max_age);

/* A short word for a state, for log lines. */
const char *tp_sess_state_str(tp_sess_state_e st);

#endif /* TP_SESSCOOKIE_H */
