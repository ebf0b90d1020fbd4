/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_tokencookie: the Set-Cookie values of one token cookie, whole.
 * Setting one seals the value with the key ring when there is one, splits
 * it into chunk cookies when it is large ("name=~N", "name.1" ..
 * "name.N"), and clears the chunks that arrived and are no longer needed;
 * clearing one clears only what arrived of it (a cross-site navigation
 * carries no SameSite=Strict cookie, yet the browser applies the
 * Set-Cookie headers of its answer).  No request structures; never logs.
 */
#ifndef TP_TOKENCOOKIE_H
#define TP_TOKENCOOKIE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "core/tp_sealcookie.h"
#include "core/tp_setcookie.h"

/* Appends to out (const char *) the Set-Cookie values that set cookie
 * `name` to `value` (sealed with keys unless NULL) for max_age seconds;
 * sent: what arrived of it (bit 0 the cookie, bit K its chunk K).
 * Returns 1; or 0 and *why, with nothing appended, when it cannot be set
 * (sealing failed, or more than TP_MAX_CHUNKS chunks). */
int tp_tokencookie_set(apr_pool_t *p, apr_array_header_t *out,
                       const tp_keyring *keys, const char *name,
                       const char *value, apr_int64_t max_age,
                       unsigned int sent, const tp_cookie_attrs *a,
                       const char **why);

/* The same, sealed in the bound form of app `label` (tp_sealcookie_for;
 * NULL: the old form). */
int tp_tokencookie_set_for(apr_pool_t *p, apr_array_header_t *out,
                           const tp_keyring *keys, const char *label,
                           const char *name, const char *value,
                           apr_int64_t max_age, unsigned int sent,
                           const tp_cookie_attrs *a, const char **why);

/* Appends the values that clear what arrived of cookie `name` (sent as
 * above): the cookie itself and its chunks. */
void tp_tokencookie_clear(apr_pool_t *p, apr_array_header_t *out,
                          const char *name, unsigned int sent,
                          const tp_cookie_attrs *a);

/* Is v a Set-Cookie value of cookie `name` or of one of its chunks? */
int tp_tokencookie_is(const char *v, const char *name);

#endif /* TP_TOKENCOOKIE_H */
