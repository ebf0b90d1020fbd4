/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_logout_endpoint: the handler "tokenproxy-logout".  It clears what
 * arrived of the cookies, revokes the refresh token (tp_revoke), then
 * sends navigations to the login page (302) and answers anything else
 * 204.  With a provider that has an end_session_endpoint, navigations go
 * there instead (RP-initiated logout, with id_token_hint and
 * post_logout_redirect_uri).  The CSRF rules apply.
 */
#ifndef TP_LOGOUT_ENDPOINT_H
#define TP_LOGOUT_ENDPOINT_H

#include <httpd.h>

#define TP_HANDLER_LOGOUT "tokenproxy-logout"

int tp_logout_endpoint_handler(request_rec *r);

#endif /* TP_LOGOUT_ENDPOINT_H */
