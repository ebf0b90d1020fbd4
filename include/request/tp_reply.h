/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_reply: the answers mod_tokenproxy gives itself, instead of the
 * upstream's or a handler's: a session that is over (its cookies cleared;
 * 302 to the login page for a navigation, 401 JSON otherwise), a refresh
 * endpoint that cannot be reached (503 with Retry-After), a cross-site
 * request refused (403), a method not allowed (405), a login that failed
 * (a small page for a navigation, JSON otherwise).  Each returns what
 * the handler returns.
 */
#ifndef TP_REPLY_H
#define TP_REPLY_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "request/tp_request.h"

/* Seconds a client is asked to wait when the refresh endpoint is down. */
#define TP_RETRY_AFTER "5"
/* while the cluster's Redis is in a failover (Sentinel) */
#define TP_RETRY_AFTER_FAILOVER "1"

/* The one body writer: status, Content-Type and Length, and body;
 * r->headers_out is replaced by the one header given (or none), and the
 * upstream's WWW-Authenticate is dropped. */
int tp_reply_body(request_rec *r, int status, const char *type,
                  const char *body, const char *header, const char *value);

/* tp_reply_body with application/json. */
int tp_reply_json(request_rec *r, int status, const char *json,
                  const char *header, const char *value);

/* DECLINED when the request's method is `method` (M_GET takes HEAD
 * too), else 405 JSON with "Allow: allow". */
int tp_reply_only(request_rec *r, int method, const char *allow);

/* A handler that lacks settings: logged at error (the handler's name and
 * what it needs), 500. */
int tp_reply_not_configured(request_rec *r, const char *needs);

/* 403 JSON for a refused cross-site request; logged with why. */
int tp_reply_forbidden(request_rec *r, const char *why);

/* The session is over: what arrived of its cookies cleared; 302 to the
 * login page for a navigation, 401 JSON otherwise. */
int tp_reply_over(request_rec *r, const tp_dir_conf *dc, const tp_req *rq);

/* 503 JSON with Retry-After; cookies untouched. */
int tp_reply_unavailable(request_rec *r);

/* A failed login: a small page with a link that starts over for a
 * navigation, JSON {"error","message"} otherwise; no-store.  msg is
 * ours, never the provider's. */
int tp_reply_login_failed(request_rec *r, const tp_dir_conf *dc, int status,
                          const char *error, const char *msg);

/* The provider cannot be reached during a login: 503, Retry-After. */
int tp_reply_provider_unavailable(request_rec *r, const tp_dir_conf *dc);

#endif /* TP_REPLY_H */
