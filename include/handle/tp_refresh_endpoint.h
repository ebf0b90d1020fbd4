/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_endpoints: the handlers "tokenproxy-refresh" (POST: refresh now and
 * answer {"success":true} with the new cookies) and "tokenproxy-logout"
 * (clear the cookies, revoke the refresh token when TokenProxyRevokeURL is
 * set, or at the discovered revocation_endpoint with TokenProxyOIDCProvider,
 * then 302 to the login page for navigations or 204).  With a provider
 * that has an end_session_endpoint, navigations go there instead
 * (RP-initiated logout, with id_token_hint and post_logout_redirect_uri).
 */
#ifndef TP_ENDPOINTS_H
#define TP_ENDPOINTS_H

#include <httpd.h>

#define TP_HANDLER_REFRESH "tokenproxy-refresh"
#define TP_HANDLER_LOGOUT  "tokenproxy-logout"

int tp_endpoints_handler(request_rec *r);

#endif /* TP_ENDPOINTS_H */
