/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_login: the handler "tokenproxy-login".  GET [?return=PATH]: 302 to
 * the provider's authorization_endpoint (code flow, PKCE S256), with the
 * login state in a sealed SameSite=Lax cookie of its own (at most
 * TP_LOGIN_MAX_COOKIES kept per browser, the oldest cleared); the return
 * path always stays on this site.  tokenproxy-callback ends the login.
 */
#ifndef TP_LOGIN_H
#define TP_LOGIN_H

#include <httpd.h>

#define TP_HANDLER_LOGIN "tokenproxy-login"

int tp_login_handler(request_rec *r);

#endif /* TP_LOGIN_H */
