/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The child's HTTP client.
 */

#include <string.h>

#include <httpd.h>

#include "shared/tp_child_http.h"

static tp_http *http;   /* one per child process */

int tp_child_http_post_config(void)
{
    static int done;

    if (!done) {    /* curl_global_init once per process, before threads */
        if (!tp_http_global_init()) {
            return 0;
        }
        done = 1;
    }
    return 1;
}

void tp_child_http_child_init(apr_pool_t *pchild)
{
    http = tp_http_create(pchild);
}

tp_http *tp_child_http(void)
{
    return http;
}

void tp_child_http_grant(apr_pool_t *p, const char *url,
                         const tp_grant_req *req,
                         apr_interval_time_t timeout, tp_http_resp *res)
{
    tp_http_req hreq;

    if (!http) {            /* child_init makes it; never reached */
        memset(res, 0, sizeof(*res));
        res->error = "no HTTP client in this process";
        return;
    }
    memset(&hreq, 0, sizeof(hreq));
    hreq.url = url;
    hreq.body = req->body;
    hreq.len = req->len;
    hreq.content_type = req->content_type;
    hreq.authorization = req->authorization;
    hreq.timeout = timeout;
    hreq.max_answer = TP_GRANT_MAX_ANSWER;
    tp_http_post(http, p, &hreq, res);
}
