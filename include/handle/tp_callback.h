/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_oidc_login: the handlers of the OpenID Connect login (the user
 * endpoint is tp_oidc_user).
 *   tokenproxy-login     GET [?return=PATH]: 302 to the provider's
 *                        authorization_endpoint (code flow, PKCE S256),
 *                        the login state in a sealed SameSite=Lax cookie;
 *   tokenproxy-callback  at TokenProxyRedirectURI: checks the state,
 *                        exchanges the code, validates the ID token, sets
 *                        the token and ID cookies, 302 to the return path;
 *   tokenproxy-user      GET: the session's ID token claims as JSON.
 */
#ifndef TP_OIDC_LOGIN_H
#define TP_OIDC_LOGIN_H

#include <httpd.h>

#define TP_HANDLER_LOGIN    "tokenproxy-login"
#define TP_HANDLER_CALLBACK "tokenproxy-callback"

int tp_oidc_login_handler(request_rec *r);

#endif /* TP_OIDC_LOGIN_H */
