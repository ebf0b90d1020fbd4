/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_backchannel: the handler "tokenproxy-backchannel", OpenID Connect
 * Back-Channel Logout 1.0 section 2.6: a POST from the provider
 * (application/x-www-form-urlencoded) with logout_token; not
 * CSRF-checked (the provider is not a browser), not a TokenProxy
 * location.  A valid token ends every session with its sid (or, with
 * only a sub, every session of that subject at the provider that began
 * before its iat) on this machine and, with TokenProxyCluster, on every
 * node: 200, no-store.  Another method: 405 with Allow: POST; no
 * logout_token, or a refused one: 400 {"error":"invalid_request"}; a
 * full revocation table, an unavailable key set, or Redis unreachable
 * (the revocation then still applies on this machine): 503.
 */
#ifndef TP_BACKCHANNEL_H
#define TP_BACKCHANNEL_H

#include <httpd.h>

#define TP_HANDLER_BACKCHANNEL "tokenproxy-backchannel"

int tp_backchannel_handler(request_rec *r);

#endif /* TP_BACKCHANNEL_H */
