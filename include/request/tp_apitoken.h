/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_apitoken: one request's token for the API of its location, when it
 * is not the session's own access token: a client-credentials token
 * (TokenProxyTokenType client, user-or-client) or a token exchanged for
 * the session's access token (TokenProxyExchange).  Served from the kept
 * tokens (tp_apicache) while they last; else obtained at the token
 * endpoint (TokenProxyRefreshURL in the oauth2 format, else the
 * discovered token_endpoint) with the location's client, at most once
 * per key at a time on the machine (tp_flight on tp_nodestore), and kept.
 * Counted; logged by fingerprint; a misconfiguration is logged at error
 * naming the directive to fix.
 */
#ifndef TP_APITOKEN_H
#define TP_APITOKEN_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_grant.h"

/* TP_GRANT_OK and *token; else why not (REJECTED: the exchange was
 * refused, invalid_grant; UNAVAILABLE: the provider is down;
 * MISCONFIGURED: logged at error).  *kept (when not NULL): 1 when the
 * token was a kept one, 0 when it was just obtained. */
tp_grant_e tp_apitoken_client(request_rec *r, const tp_dir_conf *dc,
                              const char **token, int *kept);

/* The kept client token was refused by the upstream: forget it and
 * obtain a new one, once per key machine-wide (a flight of its own, so
 * that the first grant's result is not taken again). */
tp_grant_e tp_apitoken_client_again(request_rec *r, const tp_dir_conf *dc,
                                    const char **token);
tp_grant_e tp_apitoken_exchange(request_rec *r, const tp_dir_conf *dc,
                                const char *subject, const char **token);

/* Forget the kept exchanged token of subject (an upstream refused it). */
void tp_apitoken_forget_exchange(request_rec *r, const tp_dir_conf *dc,
                                 const char *subject);

#endif /* TP_APITOKEN_H */
