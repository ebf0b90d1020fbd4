/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_callback: the handler "tokenproxy-callback", at
 * TokenProxyRedirectURI: the end of a login.  It takes the login cookie of
 * the answer's state (cleared whatever happens: it is good for one
 * callback), checks the state and the login's age, exchanges the code
 * with the PKCE verifier (tp_oidc_exchange), validates the ID token with
 * the login's nonce, sets the token and ID cookies and sends the browser
 * to the login's return path.  Refusals get 400/401/403 (a page for
 * navigations, JSON otherwise), or 503 when the provider is down.
 */
#ifndef TP_CALLBACK_H
#define TP_CALLBACK_H

#include <httpd.h>

#define TP_HANDLER_CALLBACK "tokenproxy-callback"

int tp_callback_handler(request_rec *r);

#endif /* TP_CALLBACK_H */
