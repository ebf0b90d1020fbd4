/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Asking the Sentinels for the master, and a server for its role.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "core/tp_sentinel.h"

/* a broken subscription to the notices: taken again after */
#define NOTICES_RETRY apr_time_from_sec(5)

static struct timeval tv_of(apr_interval_time_t t)
{
    struct timeval tv;

    if (t < apr_time_from_msec(10)) {
        t = apr_time_from_msec(10);
    }
    tv.tv_sec = (long)apr_time_sec(t);
    tv.tv_usec = (long)apr_time_usec(t);
    return tv;
}

/* A connection to one Sentinel, authenticated: NULL and why when not. */
static redisContext *open_one(const tp_redis_url *url, const tp_redis_addr *a,
                              apr_interval_time_t t, const char **why)
{
    redisContext *c = redisConnectWithTimeout(a->host, a->port, tv_of(t));
    redisReply *r;

    if (!c || c->err) {
        *why = "cannot connect to a Sentinel";
        if (c) {
            redisFree(c);
        }
        return NULL;
    }
    redisSetTimeout(c, tv_of(t));
    if (url->sentinel_password) {
        r = url->sentinel_user
            ? redisCommand(c, "AUTH %s %s", url->sentinel_user,
                           url->sentinel_password)
            : redisCommand(c, "AUTH %s", url->sentinel_password);
        if (!r || r->type != REDIS_REPLY_STATUS) {
            *why = r ? "a Sentinel refused the AUTH (check "
                       "TokenProxyClusterSentinelAuth)"
                     : c->err == REDIS_ERR_PROTOCOL
                     ? "a Sentinel answered garbage (not the Redis "
                       "protocol)"
                     : "no answer from a Sentinel";
            if (r) {
                freeReplyObject(r);
            }
            redisFree(c);
            return NULL;
        }
        freeReplyObject(r);
    }
    return c;
}

/* One Sentinel: 1 and the address, 0 and why. */
static int ask(const tp_redis_url *url, const tp_redis_addr *a,
               apr_interval_time_t t, char *buf, apr_size_t size, int *port,
               const char **why)
{
    redisContext *c = open_one(url, a, t, why);
    redisReply *r = NULL;
    int ok = 0;

    if (!c) {
        return 0;
    }
    r = redisCommand(c, "SENTINEL get-master-addr-by-name %s",
                     url->master_name);
    if (!r) {
        *why = c->err == REDIS_ERR_PROTOCOL
               ? "a Sentinel answered garbage (not the Redis protocol)"
               : "no answer from a Sentinel";
    }
    else if (r->type == REDIS_REPLY_NIL) {
        *why = "a Sentinel does not know the master name";
    }
    else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
             || r->element[0]->type != REDIS_REPLY_STRING
             || r->element[1]->type != REDIS_REPLY_STRING
             || !r->element[0]->len || r->element[0]->len >= size) {
        *why = r->type == REDIS_REPLY_ERROR
               ? "a Sentinel refused the question (is it a Sentinel? "
                 "does it want TokenProxyClusterSentinelAuth?)"
               : "a Sentinel answered something that is not an address";
    }
    else {
        char *e;
        long n = strtol(r->element[1]->str, &e, 10);
        if (*e || n < 1 || n > 65535) {
            *why = "a Sentinel answered something that is not an address";
        }
        else {
            memcpy(buf, r->element[0]->str, r->element[0]->len);
            buf[r->element[0]->len] = '\0';
            *port = (int)n;
            ok = 1;
        }
    }
    if (r) {
        freeReplyObject(r);
    }
    redisFree(c);
    return ok;
}

int tp_sentinel_master(const tp_redis_url *url, apr_interval_time_t timeout,
                       char *buf, apr_size_t size, int *port,
                       const char **why)
{
    apr_time_t end = apr_time_now() + timeout;
    int i;

    *why = "no Sentinel configured";
    for (i = 0; i < url->nsentinels; i++) {
        apr_interval_time_t left = end - apr_time_now();
        if (i > 0 && left <= 0) {
            *why = "no Sentinel answered within TokenProxyClusterTimeout";
            break;
        }
        if (ask(url, &url->sentinels[i], left, buf, size, port, why)) {
            return 1;
        }
    }
    return 0;
}

int tp_sentinel_is_master(void *ctx)
{
    redisReply *r = redisCommand(ctx, "ROLE");
    int is;

    if (!r) {
        return -1;
    }
    is = r->type == REDIS_REPLY_ARRAY && r->elements >= 1
         && r->element[0]->type == REDIS_REPLY_STRING
         && !strcmp(r->element[0]->str, "master");
    freeReplyObject(r);
    return is;
}

/* A subscription to +switch-master on the first Sentinel that takes it,
 * within the timeout for all; NULL when none does. */
static redisContext *subscribe(const tp_redis_url *url,
                               apr_interval_time_t timeout)
{
    apr_time_t end = apr_time_now() + timeout;
    int i;

    for (i = 0; i < url->nsentinels; i++) {
        apr_interval_time_t left = end - apr_time_now();
        const char *why;
        redisContext *c;
        redisReply *r;
        int ok;

        if (i > 0 && left <= 0) {
            break;
        }
        if (!(c = open_one(url, &url->sentinels[i], left, &why))) {
            continue;
        }
        r = redisCommand(c, "SUBSCRIBE +switch-master");
        ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 3
             && r->element[0]->type == REDIS_REPLY_STRING
             && !strcmp(r->element[0]->str, "subscribe");
        if (r) {
            freeReplyObject(r);
        }
        if (ok) {
            return c;
        }
        redisFree(c);
    }
    return NULL;
}

/* A +switch-master message for this master: "NAME OLDIP OLDPORT NEWIP
 * NEWPORT". */
static int for_master(const redisReply *r, const char *name)
{
    apr_size_t n = strlen(name);

    return r->type == REDIS_REPLY_ARRAY && r->elements == 3
           && r->element[0]->type == REDIS_REPLY_STRING
           && !strcmp(r->element[0]->str, "message")
           && r->element[2]->type == REDIS_REPLY_STRING
           && r->element[2]->len > n
           && !memcmp(r->element[2]->str, name, n)
           && r->element[2]->str[n] == ' ';
}

/* What the subscription has received, read without waiting: 1 when a
 * notice says the master called name has moved, 0 when none does, -1
 * when the connection broke. */
static int switched(redisContext *c, const char *name)
{
    int switched = 0;

    for (;;) {
        void *v = NULL;
        struct pollfd pfd;
        int got;

        if (redisReaderGetReply(c->reader, &v) != REDIS_OK) {
            return -1;
        }
        if (v) {
            switched |= for_master(v, name);
            freeReplyObject(v);
            continue;
        }
        pfd.fd = c->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        got = poll(&pfd, 1, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return got < 0 ? -1 : switched;
        }
        if (redisBufferRead(c) != REDIS_OK) {
            return -1;              /* closed or broken */
        }
    }
}

struct tp_sentinel_notices {
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    redisContext *sub;              /* the subscription, or NULL */
    apr_time_t retry_at;            /* no new subscription before */
    apr_uint64_t count;             /* notices for the master so far */
};

static apr_status_t notices_cleanup(void *data)
{
    tp_sentinel_notices *w = data;

    if (w->sub) {
        redisFree(w->sub);
        w->sub = NULL;
    }
    return APR_SUCCESS;
}

tp_sentinel_notices *tp_sentinel_notices_create(apr_pool_t *p)
{
    tp_sentinel_notices *w = apr_pcalloc(p, sizeof(*w));

#if APR_HAS_THREADS
    apr_thread_mutex_create(&w->mutex, APR_THREAD_MUTEX_DEFAULT, p);
#endif
    apr_pool_cleanup_register(p, w, notices_cleanup, apr_pool_cleanup_null);
    return w;
}

apr_uint64_t tp_sentinel_notices_read(tp_sentinel_notices *w,
                                      const tp_redis_url *url,
                                      apr_interval_time_t timeout)
{
    apr_uint64_t n;
    int sw;

#if APR_HAS_THREADS
    apr_thread_mutex_lock(w->mutex);
#endif
    if (!w->sub && apr_time_now() >= w->retry_at) {
        w->sub = subscribe(url, timeout);
        if (!w->sub) {
            w->retry_at = apr_time_now() + NOTICES_RETRY;
        }
    }
    if (w->sub) {
        sw = switched(w->sub, url->master_name);
        if (sw < 0) {
            redisFree(w->sub);
            w->sub = NULL;
            w->retry_at = apr_time_now() + NOTICES_RETRY;
        }
        else if (sw > 0) {
            w->count++;
        }
    }
    n = w->count;
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(w->mutex);
#endif
    return n;
}
