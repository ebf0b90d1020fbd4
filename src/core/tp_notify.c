/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The subscriber connection of a child process, and its waiters.
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include "core/tp_notify.h"

#define RETRY_AFTER apr_time_from_sec(1)

struct tp_notify {
    tp_redis_url url;
    tp_redis *rc;
    apr_interval_time_t timeout;
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
    apr_thread_cond_t *cond;
#endif
    redisContext *ctx;
    char host[256];                 /* the server it is subscribed at */
    int port;
    int reading;                    /* a waiter reads the connection */
    apr_time_t retry_at;
    apr_uint64_t connects;
    tp_notify_waiter *waiters;
};

static void lock(tp_notify *n)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(n->mutex);
#else
    (void)n;
#endif
}

static void unlock(tp_notify *n)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(n->mutex);
#else
    (void)n;
#endif
}

static void wake_all(tp_notify *n)
{
#if APR_HAS_THREADS
    apr_thread_cond_broadcast(n->cond);
#else
    (void)n;
#endif
}

static void drop(tp_notify *n)
{
    if (n->ctx) {
        redisFree(n->ctx);
        n->ctx = NULL;
    }
    n->retry_at = apr_time_now() + RETRY_AFTER;
}

static apr_status_t cleanup(void *data)
{
    tp_notify *n = data;

    if (n->ctx) {
        redisFree(n->ctx);
        n->ctx = NULL;
    }
    return APR_SUCCESS;
}

tp_notify *tp_notify_create(apr_pool_t *p, const tp_redis_url *url,
                            tp_redis *rc, apr_interval_time_t timeout)
{
    tp_notify *n = apr_pcalloc(p, sizeof(*n));

    n->url.user = url->user ? apr_pstrdup(p, url->user) : NULL;
    n->url.password = url->password ? apr_pstrdup(p, url->password) : NULL;
    n->rc = rc;
    n->timeout = timeout;
#if APR_HAS_THREADS
    apr_thread_mutex_create(&n->mutex, APR_THREAD_MUTEX_DEFAULT, p);
    apr_thread_cond_create(&n->cond, p);
#endif
    apr_pool_cleanup_register(p, n, cleanup, apr_pool_cleanup_null);
    return n;
}

static struct timeval tv_of(apr_interval_time_t t)
{
    struct timeval tv;

    tv.tv_sec = (long)apr_time_sec(t);
    tv.tv_usec = (long)apr_time_usec(t);
    return tv;
}

/* Connect to the server the data connection uses, AUTH, SUBSCRIBE (the
 * mutex held, nobody reading); 1 when subscribed. */
static int subscribe(tp_notify *n, const char *host, int port)
{
    redisReply *r;
    int ok;

    n->ctx = redisConnectWithTimeout(host, port, tv_of(n->timeout));
    if (!n->ctx || n->ctx->err) {
        drop(n);
        return 0;
    }
    redisSetTimeout(n->ctx, tv_of(n->timeout));
    if (n->url.password) {
        r = n->url.user ? redisCommand(n->ctx, "AUTH %s %s", n->url.user,
                                       n->url.password)
                        : redisCommand(n->ctx, "AUTH %s", n->url.password);
        ok = r && r->type == REDIS_REPLY_STATUS;
        if (r) {
            freeReplyObject(r);
        }
        if (!ok) {
            drop(n);
            return 0;
        }
    }
    r = redisCommand(n->ctx, "SUBSCRIBE %s", TP_NOTIFY_CHANNEL);
    ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 3
         && r->element[0]->type == REDIS_REPLY_STRING
         && !strcmp(r->element[0]->str, "subscribe");
    if (r) {
        freeReplyObject(r);
    }
    if (!ok) {
        drop(n);
        return 0;
    }
    apr_cpystrn(n->host, host, sizeof(n->host));
    n->port = port;
    n->connects++;
    return 1;
}

int tp_notify_watch(tp_notify *n, tp_notify_waiter *w, const char *key)
{
    char host[256];
    int port = 0, ok;

    memset(w, 0, sizeof(*w));
    w->key = key;
    if (!tp_redis_address(n->rc, host, sizeof(host), &port)) {
        return 0;
    }
    lock(n);
    if (n->ctx && !n->reading
        && (strcmp(host, n->host) || port != n->port)) {
        /* the data connection moved (a failover): follow it */
        redisFree(n->ctx);
        n->ctx = NULL;
        n->retry_at = 0;
    }
    ok = n->ctx != NULL
         || (apr_time_now() >= n->retry_at && !n->reading
             && subscribe(n, host, port));
    if (ok) {
        w->next = n->waiters;
        n->waiters = w;
    }
    unlock(n);
    return ok;
}

/* One message from the connection within t: 1 and its key, 0 none yet,
 * -1 the connection broke.  Called without the mutex, by the one reader. */
static int read_one(redisContext *c, apr_interval_time_t t, char *key,
                    apr_size_t size)
{
    void *v = NULL;
    redisReply *r;
    struct pollfd pfd;
    int got = 0;

    if (redisReaderGetReply(c->reader, &v) != REDIS_OK) {
        return -1;
    }
    if (!v) {
        int ms = (int)apr_time_as_msec(t + 999);

        pfd.fd = c->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        got = poll(&pfd, 1, ms < 1 ? 1 : ms);
        if (got == 0 || (got < 0 && errno == EINTR)) {
            return 0;
        }
        if (got < 0) {
            return -1;
        }
        got = 0;
        if (redisBufferRead(c) != REDIS_OK
            || redisReaderGetReply(c->reader, &v) != REDIS_OK) {
            return -1;
        }
        if (!v) {
            return 0;
        }
    }
    r = v;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 3
        && r->element[0]->type == REDIS_REPLY_STRING
        && !strcmp(r->element[0]->str, "message")
        && r->element[2]->type == REDIS_REPLY_STRING
        && r->element[2]->len < size) {
        memcpy(key, r->element[2]->str, r->element[2]->len);
        key[r->element[2]->len] = '\0';
        got = 1;
    }
    freeReplyObject(r);
    return got;
}

int tp_notify_wait(tp_notify *n, tp_notify_waiter *w,
                   apr_interval_time_t timeout)
{
    apr_time_t end = apr_time_now() + timeout, now;
    int rv;

    lock(n);
    for (;;) {
        if (w->told) {
            w->told = 0;
            rv = 1;
            break;
        }
        if (!n->ctx) {
            rv = -1;
            break;
        }
        now = apr_time_now();
        if (now >= end) {
            rv = 0;
            break;
        }
        if (!n->reading) {
            redisContext *c = n->ctx;
            char key[256];              /* tokenproxy:<64 hex> */
            int got;

            n->reading = 1;
            unlock(n);
            got = read_one(c, end - now, key, sizeof(key));
            lock(n);
            n->reading = 0;
            if (got < 0) {
                drop(n);
            }
            else if (got > 0) {
                tp_notify_waiter *x;
                for (x = n->waiters; x; x = x->next) {
                    if (!strcmp(x->key, key)) {
                        x->told = 1;
                    }
                }
            }
            wake_all(n);            /* the told, and the next reader */
            continue;
        }
#if APR_HAS_THREADS
        apr_thread_cond_timedwait(n->cond, n->mutex, end - now);
#endif
    }
    unlock(n);
    return rv;
}

void tp_notify_unwatch(tp_notify *n, tp_notify_waiter *w)
{
    tp_notify_waiter **x;

    lock(n);
    for (x = &n->waiters; *x; x = &(*x)->next) {
        if (*x == w) {
            *x = w->next;
            break;
        }
    }
    unlock(n);
}

apr_uint64_t tp_notify_connects(tp_notify *n)
{
    apr_uint64_t c;

    lock(n);
    c = n->connects;
    unlock(n);
    return c;
}
