/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_child_http: the HTTP client of a child process (tp_http), through
 * which every call to the provider goes: the refresh and the code
 * exchange, revocations, discovery and key sets.  libcurl is set up once
 * per process at post_config, before any thread; each child makes its
 * client (and its reused connections) at child_init.
 */
#ifndef TP_CHILD_HTTP_H
#define TP_CHILD_HTTP_H

#include <httpd.h>

#include "core/tp_grant.h"
#include "core/tp_http.h"

/* post_config: curl_global_init, once per process; 0 when it failed. */
int tp_child_http_post_config(void);
void tp_child_http_child_init(apr_pool_t *pchild);

/* The client of this child process (NULL before child_init). */
tp_http *tp_child_http(void);

/* POST a request built by tp_grant (or tp_oidc_req) to url, taking an
 * answer of at most TP_GRANT_MAX_ANSWER bytes.  Without a client,
 * res->error says so. */
void tp_child_http_grant(apr_pool_t *p, const char *url,
                         const tp_grant_req *req,
                         apr_interval_time_t timeout, tp_http_resp *res);

#endif /* TP_CHILD_HTTP_H */
