/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_http: a small HTTP POST and GET client on libcurl, as httpd's mod_md uses
 * it.  One tp_http per child process keeps a stack of curl handles under
 * a thread mutex, so connections (and TLS sessions) to the refresh
 * endpoint are reused.  Always: no signals, a total timeout, http and
 * https only, TLS verification on, no redirects followed, a cap on the
 * answer's size.  No request structures; never logs.
 */
#ifndef TP_HTTP_H
#define TP_HTTP_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct tp_http tp_http;

typedef struct tp_http_req {
    const char *url;
    const char *body;
    apr_size_t len;
    const char *content_type;
    const char *authorization;  /* or NULL */
    apr_interval_time_t timeout;
    apr_size_t max_answer;
} tp_http_req;

typedef struct tp_http_resp {
    int status;                 /* 0 when no HTTP answer came */
    const char *content_type;   /* or NULL */
    const char *body;           /* NUL-terminated, may hold NULs */
    apr_size_t len;
    const char *error;          /* NULL, or why no usable answer came */
} tp_http_resp;

/* Once per process, before any thread starts (post_config). */
int tp_http_global_init(void);

/* Per child process; handles are cleaned up with the pool. */
tp_http *tp_http_create(apr_pool_t *p);

/* POST req; fills resp from p. */
void tp_http_post(tp_http *h, apr_pool_t *p, const tp_http_req *req,
                  tp_http_resp *resp);

/* GET url (discovery documents, key sets), with the same rules. */
void tp_http_get(tp_http *h, apr_pool_t *p, const char *url,
                 apr_interval_time_t timeout, apr_size_t max_answer,
                 tp_http_resp *resp);

#endif /* TP_HTTP_H */
