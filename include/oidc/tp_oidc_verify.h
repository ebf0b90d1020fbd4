/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_verify: an ID token from the provider, checked with the
 * provider's keys (RS256, PS256, ES256; HS256 with the client secret) and
 * the claims rules of tp_idtoken.  An unknown kid fetches the key set
 * once more (rate-limited by tp_oidc_disc).
 */
#ifndef TP_OIDC_VERIFY_H
#define TP_OIDC_VERIFY_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_idtoken.h"
#include "core/tp_oidc_meta.h"

typedef enum {
    TP_VERIFY_OK = 0,
    TP_VERIFY_BAD,              /* refused: the token is not good */
    TP_VERIFY_UNAVAILABLE       /* no key set could be had */
} tp_verify_e;

/* nonce NULL: not checked (an ID token from a refresh). */
tp_verify_e tp_oidc_verify(request_rec *r, const tp_dir_conf *dc,
                           const tp_oidc_meta *m, const char *id_token,
                           const char *nonce, tp_idtoken *out,
                           const char **why);

#endif /* TP_OIDC_VERIFY_H */
