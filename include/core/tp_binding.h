/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_binding: which app a cookie belongs to (issue 22).  An app is its
 * provider (the OpenID issuer, or the refresh endpoint without one) and
 * its client id; its label is 11 base64url characters of the SHA-256 of
 * both, written in the clear into its bound sealed cookies
 * (tp_sealcookie) and into their additional data.  No request structures;
 * never logs.
 */
#ifndef TP_BINDING_H
#define TP_BINDING_H

#include <apr_pools.h>

#define TP_BINDING_LABEL_LEN 11

/* The label of the app (provider, client); either may be NULL (none). */
const char *tp_binding_label(apr_pool_t *p, const char *provider,
                             const char *client);

/* Do two apps differ?  (NULL and "" are the same: none.) */
int tp_binding_differ(const char *provider_a, const char *client_a,
                      const char *provider_b, const char *client_b);

#endif /* TP_BINDING_H */
