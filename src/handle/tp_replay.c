/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The replay input filter.
 *
 * Inserting any resource-level input filter makes mod_proxy_http distrust
 * Content-Length and spool a body over 16 KB before it contacts the
 * backend, so the filter goes in only when the body can be kept: a
 * Content-Length within the limit, or chunked.
 */

#include <string.h>

#include <httpd.h>
#include <http_log.h>
#include <http_request.h>
#include <util_filter.h>
#include <apr_strings.h>

#include "handle/tp_replay.h"

#define REPLAY_FILTER "TOKENPROXY_REPLAY"

struct tp_replay {
    request_rec *r;
    apr_bucket_brigade *kept;   /* heap copies of the body read so far */
    apr_bucket_brigade *serve;  /* what a replay still has to serve */
    apr_off_t kept_len;
    apr_off_t max;
    int dropped;                /* more than max came: no replay */
    int eos;                    /* the whole body has been read */
};

static void keep(tp_replay *rp, apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;

        if (APR_BUCKET_IS_EOS(b)) {
            rp->eos = 1;
            continue;
        }
        if (APR_BUCKET_IS_METADATA(b) || rp->dropped) {
            continue;
        }
        if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) != APR_SUCCESS) {
            rp->dropped = 1;
            continue;
        }
        if (rp->kept_len + (apr_off_t)len > rp->max) {
            rp->dropped = 1;
            apr_brigade_cleanup(rp->kept);
            continue;
        }
        if (len) {
            APR_BRIGADE_INSERT_TAIL(rp->kept,
                apr_bucket_heap_create(data, len, NULL, bb->bucket_alloc));
            rp->kept_len += (apr_off_t)len;
        }
    }
}

static apr_status_t replay_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                  ap_input_mode_t mode,
                                  apr_read_type_e block, apr_off_t readbytes)
{
    tp_replay *rp = f->ctx;
    apr_status_t rv;

    if (mode != AP_MODE_READBYTES) {
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    }
    if (rp->serve && !APR_BRIGADE_EMPTY(rp->serve)) {
        apr_bucket *after;

        rv = apr_brigade_partition(rp->serve, readbytes, &after);
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            return rv;
        }
        while (!APR_BRIGADE_EMPTY(rp->serve)
               && APR_BRIGADE_FIRST(rp->serve) != after) {
            apr_bucket *b = APR_BRIGADE_FIRST(rp->serve);
            APR_BUCKET_REMOVE(b);
            APR_BRIGADE_INSERT_TAIL(bb, b);
        }
        return APR_SUCCESS;
    }
    if (rp->serve && rp->eos) {
        /* the whole body was served again */
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
        return APR_SUCCESS;
    }
    rv = ap_get_brigade(f->next, bb, mode, block, readbytes);
    if (rv == APR_SUCCESS) {
        keep(rp, bb);
    }
    return rv;
}

void tp_replay_register(void)
{
    ap_register_input_filter(REPLAY_FILTER, replay_filter, NULL,
                             AP_FTYPE_RESOURCE);
}

tp_replay *tp_replay_setup(request_rec *r, apr_off_t max)
{
    const char *te = apr_table_get(r->headers_in, "Transfer-Encoding");
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    const char *upgrade = apr_table_get(r->headers_in, "Upgrade");
    tp_replay *rp;
    apr_off_t len = 0;

    if (upgrade) {
        return NULL;            /* never replay a WebSocket or h2c upgrade */
    }
    rp = apr_pcalloc(r->pool, sizeof(*rp));
    rp->r = r;
    rp->max = max;
    if (!te && cl) {
        char *end;
        if (apr_strtoff(&len, cl, &end, 10) != APR_SUCCESS || *end
            || len < 0) {
            return NULL;
        }
        if (len > max) {
            return NULL;        /* streamed as it comes, not kept */
        }
    }
    if (!te && len == 0) {
        rp->eos = 1;            /* no body: nothing to keep */
        return rp;
    }
    rp->kept = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    ap_add_input_filter(REPLAY_FILTER, rp, r, r->connection);
    return rp;
}

int tp_replay_possible(const tp_replay *rp)
{
    return rp && !rp->dropped;
}

void tp_replay_rewind(tp_replay *rp)
{
    apr_bucket *b;

    if (!rp->serve) {
        rp->serve = apr_brigade_create(rp->r->pool,
                                       rp->r->connection->bucket_alloc);
    }
    apr_brigade_cleanup(rp->serve);
    if (!rp->kept) {
        return;                 /* no body */
    }
    for (b = APR_BRIGADE_FIRST(rp->kept); b != APR_BRIGADE_SENTINEL(rp->kept);
         b = APR_BUCKET_NEXT(b)) {
        apr_bucket *copy;
        if (apr_bucket_copy(b, &copy) == APR_SUCCESS) {
            APR_BRIGADE_INSERT_TAIL(rp->serve, copy);
        }
    }
}
