/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The capture output filter.  It holds the whole answer (up to
 * TP_CAPTURE_MAX) before anything is sent, so it can still change the
 * body, its length and the status.  An answer that carries a token it
 * cannot store is refused with 502 rather than shown to the page.
 */

#include <string.h>
#include <strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_filter.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "core/tp_answer.h"
#include "core/tp_grant.h"
#include "handle/tp_capture.h"
#include "request/tp_cookies.h"
#include "request/tp_request.h"
#include "request/tp_session.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

#define CAPTURE_FILTER "TOKENPROXY_CAPTURE"

typedef struct capture_ctx {
    apr_bucket_brigade *held;
    apr_off_t len;
} capture_ctx;

static apr_status_t refuse(ap_filter_t *f, apr_bucket_brigade *bb,
                           const char *why)
{
    request_rec *r = f->r;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "tokenproxy: login answer refused: %s", why);
    ap_remove_output_filter(f);
    apr_brigade_cleanup(bb);
    APR_BRIGADE_INSERT_TAIL(bb, ap_bucket_error_create(HTTP_BAD_GATEWAY, NULL,
                                                       r->pool,
                                                       bb->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    return ap_pass_brigade(f->next, bb);
}

static apr_status_t capture_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    capture_ctx *ctx = f->ctx;
    const tp_dir_conf *dc;
    tp_grant_cfg cfg;
    tp_tokens tokens;
    tp_answer_e st;
    const char *enc, *out;
    apr_size_t out_len, len;
    char *body;
    apr_bucket *b;
    int eos = 0;

    if (!ctx) {
        enc = apr_table_get(r->headers_out, "Content-Encoding");
        if (r->status < 200 || r->status > 299 || r->header_only
            || !tp_is_json_type(r->content_type)
            || (enc && strcasecmp(enc, "identity"))) {
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
        f->ctx = ctx = apr_pcalloc(r->pool, sizeof(*ctx));
        ctx->held = apr_brigade_create(r->pool, f->c->bucket_alloc);
    }

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        if (APR_BUCKET_IS_EOS(b)) {
            eos = 1;
            break;
        }
    }
    if (ap_save_brigade(f, &ctx->held, &bb, r->pool) != APR_SUCCESS) {
        return refuse(f, bb, "could not hold the answer");
    }
    apr_brigade_length(ctx->held, 1, &ctx->len);
    if (ctx->len > TP_CAPTURE_MAX) {
        return refuse(f, bb, "larger than 1 MiB");
    }
    if (!eos) {
        apr_brigade_cleanup(bb);
        return APR_SUCCESS;
    }

    len = (apr_size_t)ctx->len;
    body = apr_palloc(r->pool, len + 1);
    apr_brigade_flatten(ctx->held, body, &len);
    body[len] = '\0';
    dc = ap_get_module_config(r->per_dir_config, &tokenproxy_module);
    tp_conf_grant(dc, &cfg);
    st = tp_answer_capture(r->pool, body, len, &cfg.fields, &tokens, &out,
                           &out_len);
    ap_remove_output_filter(f);
    apr_brigade_cleanup(bb);
    if (st == TP_ANSWER_OK) {
        tp_cookies_set_tokens(r, dc, tp_req_get(r, dc), &tokens, NULL);
        tp_session_begin(r, dc, tp_req_get(r, dc), NULL);
        apr_table_unset(r->headers_out, "Cache-Control");
        apr_table_unset(r->headers_out, "Expires");
        apr_table_unset(r->headers_out, "Content-Length");
        ap_set_content_length(r, (apr_off_t)out_len);
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(out, out_len,
                                                           r->pool,
                                                           bb->bucket_alloc));
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "tokenproxy: login answer turned into cookies");
    }
    else if (st == TP_ANSWER_BAD_TYPE || st == TP_ANSWER_BAD_TOKEN) {
        return refuse(f, bb, tp_answer_str(st));
    }
    else {
        /* no tokens in it: the answer goes out as it came */
        APR_BRIGADE_CONCAT(bb, ctx->held);
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    return ap_pass_brigade(f->next, bb);
}

void tp_capture_register(void)
{
    ap_register_output_filter(CAPTURE_FILTER, capture_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
}

void tp_capture_insert(request_rec *r)
{
    const tp_dir_conf *dc = ap_get_module_config(r->per_dir_config,
                                                 &tokenproxy_module);

    if (tp_conf_capture(dc)) {
        ap_add_output_filter(CAPTURE_FILTER, NULL, r, r->connection);
    }
}
