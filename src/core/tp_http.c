/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * libcurl POST and GET with handle reuse; both share one option setup.
 */

#include <string.h>

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <curl/curl.h>

#include "core/tp_http.h"

#define TP_HTTP_MAX_IDLE 16

struct tp_http {
    apr_thread_mutex_t *lock;   /* NULL without threads */
    CURL *idle[TP_HTTP_MAX_IDLE];
    int nidle;
};

typedef struct sink {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap, max;
    int overflow;
} sink;

int tp_http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static apr_status_t cleanup_handles(void *data)
{
    tp_http *h = data;

    while (h->nidle > 0) {
        curl_easy_cleanup(h->idle[--h->nidle]);
    }
    return APR_SUCCESS;
}

tp_http *tp_http_create(apr_pool_t *p)
{
    tp_http *h = apr_pcalloc(p, sizeof(*h));

#if APR_HAS_THREADS
    apr_thread_mutex_create(&h->lock, APR_THREAD_MUTEX_DEFAULT, p);
#endif
    apr_pool_cleanup_register(p, h, cleanup_handles, apr_pool_cleanup_null);
    return h;
}

static CURL *take_handle(tp_http *h)
{
    CURL *c = NULL;

    if (h->lock) apr_thread_mutex_lock(h->lock);
    if (h->nidle > 0) {
        c = h->idle[--h->nidle];
    }
    if (h->lock) apr_thread_mutex_unlock(h->lock);
    return c ? c : curl_easy_init();
}

static void give_handle(tp_http *h, CURL *c)
{
    curl_easy_reset(c);   /* keeps the connection cache */
    if (h->lock) apr_thread_mutex_lock(h->lock);
    if (h->nidle < TP_HTTP_MAX_IDLE) {
        h->idle[h->nidle++] = c;
        c = NULL;
    }
    if (h->lock) apr_thread_mutex_unlock(h->lock);
    if (c) {
        curl_easy_cleanup(c);
    }
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    apr_size_t n = size * nmemb;

    if (s->len + n > s->max) {
        s->overflow = 1;
        return 0;           /* makes curl fail with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        apr_size_t cap = s->cap ? s->cap : 4096;
        char *nb;
        while (cap < s->len + n + 1) cap *= 2;
        nb = apr_palloc(s->p, cap);
        if (s->len) memcpy(nb, s->buf, s->len);
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, ptr, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

/* body NULL: a GET */
static void perform(tp_http *h, apr_pool_t *p, const tp_http_req *req,
                    tp_http_resp *resp)
{
    CURL *c;
    CURLcode rc;
    struct curl_slist *hdrs = NULL;
    sink s;
    long ms = (long)apr_time_as_msec(req->timeout);
    long code = 0;
    char *ct = NULL;
    char errbuf[CURL_ERROR_SIZE];

    memset(resp, 0, sizeof(*resp));
    memset(&s, 0, sizeof(s));
    s.p = p;
    s.max = req->max_answer;
    errbuf[0] = '\0';

    if (!(c = take_handle(h))) {
        resp->error = "could not create a curl handle";
        return;
    }
    if (req->body) {
        hdrs = curl_slist_append(hdrs, apr_pstrcat(p, "Content-Type: ",
                                                    req->content_type, NULL));
    }
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (req->authorization) {
        hdrs = curl_slist_append(hdrs, apr_pstrcat(p, "Authorization: ",
                                                    req->authorization,
                                                    NULL));
    }
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (req->body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)req->len);
    }
    else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mod_tokenproxy");

    rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        resp->status = (int)code;
        resp->content_type = ct ? apr_pstrdup(p, ct) : NULL;
        resp->body = s.buf ? s.buf : "";
        resp->len = s.len;
    }
    else if (s.overflow) {
        resp->error = apr_psprintf(p, "the answer is larger than %"
                                   APR_SIZE_T_FMT " bytes", req->max_answer);
    }
    else if (rc == CURLE_OPERATION_TIMEDOUT) {
        resp->error = apr_psprintf(p, "no answer within %ld ms", ms);
    }
    else {
        /* curl's messages name the host and the failure, never the body */
        resp->error = apr_psprintf(p, "%s: %s", curl_easy_strerror(rc),
                                   errbuf[0] ? errbuf : "-");
    }
    curl_slist_free_all(hdrs);
    give_handle(h, c);
}

void tp_http_post(tp_http *h, apr_pool_t *p, const tp_http_req *req,
                  tp_http_resp *resp)
{
    tp_http_req r = *req;

    if (!r.body) {
        r.body = "";
        r.len = 0;
    }
    perform(h, p, &r, resp);
}

void tp_http_get(tp_http *h, apr_pool_t *p, const char *url,
                 apr_interval_time_t timeout, apr_size_t max_answer,
                 tp_http_resp *resp)
{
    tp_http_req r;

    memset(&r, 0, sizeof(r));
    r.url = url;
    r.timeout = timeout;
    r.max_answer = max_answer;
    perform(h, p, &r, resp);
}
