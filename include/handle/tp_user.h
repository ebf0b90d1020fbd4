/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_user: the handler "tokenproxy-user": GET answers 200 JSON of the
 * session's ID token claims (less nonce, at_hash, c_hash), or 401
 * {"error":"unauthorized"} without a session; always no-store.
 */
#ifndef TP_USER_H
#define TP_USER_H

#include <httpd.h>

#define TP_HANDLER_USER "tokenproxy-user"

int tp_user_handler(request_rec *r);

#endif /* TP_USER_H */
