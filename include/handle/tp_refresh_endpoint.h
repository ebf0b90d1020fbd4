/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_refresh_endpoint: the handler "tokenproxy-refresh".  POST only:
 * refresh the session now and answer {"success":true} with the new
 * cookies; 401 {"success":false,"error":"no_session"} without a refresh
 * token, "session_expired" (cookies cleared) when the endpoint refuses
 * it, 503 when it cannot be reached.  The CSRF rules apply.
 */
#ifndef TP_REFRESH_ENDPOINT_H
#define TP_REFRESH_ENDPOINT_H

#include <httpd.h>

#define TP_HANDLER_REFRESH "tokenproxy-refresh"

int tp_refresh_endpoint_handler(request_rec *r);

#endif /* TP_REFRESH_ENDPOINT_H */
