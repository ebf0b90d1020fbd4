/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_disc: the OpenID provider's metadata (discovery) and key set,
 * fetched on first use (httpd starts while the provider is down) and
 * cached per child process.  The metadata is fetched again after an hour,
 * the key set after an hour or for a kid it does not know; failed fetches
 * are retried at most every TP_DISC_RETRY seconds.  At most one fetch of
 * a document runs in a child at a time, and no lock is held during it:
 * requests with a document keep using it, requests that need one wait
 * for that fetch (at most TokenProxyRefreshTimeout), others never.  Each
 * fetch is parsed once and shared, counted by reference.
 */
#ifndef TP_OIDC_DISC_H
#define TP_OIDC_DISC_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_fetch_policy.h"
#include "core/tp_jose.h"
#include "core/tp_oidc_meta.h"

/* Per child process. */
void tp_oidc_disc_child_init(apr_pool_t *pchild);

/* The section's provider metadata: 1 and *out (valid for the request's
 * lifetime), or 0 when it cannot be had now (logged at info; answer
 * 503). */
int tp_oidc_disc_meta(request_rec *r, const tp_dir_conf *dc,
                      tp_oidc_meta *out);

/* The provider's key set, shared and valid for the request's lifetime;
 * refetch: a kid was not found, fetch again unless that was done within
 * TP_JWKS_REFETCH.  NULL when there is none (logged). */
const tp_jwks *tp_oidc_disc_jwks(request_rec *r, const tp_dir_conf *dc,
                                 const tp_oidc_meta *m, int refetch);

#endif /* TP_OIDC_DISC_H */
