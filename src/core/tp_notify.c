/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The subscriber connection of a child process, and its waiters.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

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
    int wake[2];                    /* a pipe: tp_notify_tell wakes the
                                     * reader from its poll */
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
    if (n->wake[0] >= 0) {
        close(n->wake[0]);
        close(n->wake[1]);
        n->wake[0] = n->wake[1] = -1;
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
    if (pipe(n->wake) != 0) {
        n->wake[0] = n->wake[1] = -1;   /* tell then wakes the reader late */
    }
    else {
        for (int i = 0; i < 2; i++) {
            int fl = fcntl(n->wake[i], F_GETFL);
            fcntl(n->wake[i], F_SETFL, fl | O_NONBLOCK);
            fcntl(n->wake[i], F_SETFD, FD_CLOEXEC);
        }
    }
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

int tp_notify_watch(tp_notify *n, tp_notify_waiter *w, const char *key,
                    unsigned char *buf, apr_size_t size)
{
    char host[256];
    int port = 0, ok;

    memset(w, 0, sizeof(*w));
    w->key = key;
    w->buf = buf;
    w->size = buf ? size : 0;
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

/* One message from the connection within t: 1 and the message (to be
 * freed), 0 none yet (or woken by tp_notify_tell), -1 the connection
 * broke.  Called without the mutex, by the one reader. */
static int read_one(redisContext *c, int wake, apr_interval_time_t t,
                    redisReply **msg)
{
    void *v = NULL;
    redisReply *r;
    struct pollfd pfd[2];
    int got = 0;

    if (redisReaderGetReply(c->reader, &v) != REDIS_OK) {
        return -1;
    }
    if (!v) {
        int ms = (int)apr_time_as_msec(t + 999);

        pfd[0].fd = c->fd;
        pfd[0].events = POLLIN;
        pfd[0].revents = 0;
        pfd[1].fd = wake;
        pfd[1].events = POLLIN;
        pfd[1].revents = 0;
        got = poll(pfd, wake >= 0 ? 2 : 1, ms < 1 ? 1 : ms);
        if (got == 0 || (got < 0 && errno == EINTR)) {
            return 0;
        }
        if (got < 0) {
            return -1;
        }
        if (wake >= 0 && (pfd[1].revents & POLLIN)) {
            char buf[64];
            while (read(wake, buf, sizeof(buf)) > 0) {
                /* drained */
            }
        }
        if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            return 0;
        }
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
        && r->element[2]->type == REDIS_REPLY_STRING) {
        *msg = r;
        return 1;
    }
    freeReplyObject(r);
    return 0;
}

/* Tell the waiters of a message's key, with the entry when it came
 * along ("KEY" or "KEY ENTRY"); the mutex held. */
static void hand_out(tp_notify *n, const redisReply *m)
{
    const char *s = m->str, *sp = memchr(s, ' ', m->len);
    apr_size_t klen = sp ? (apr_size_t)(sp - s) : m->len;
    apr_size_t vlen = sp ? m->len - klen - 1 : 0;
    tp_notify_waiter *x;

    for (x = n->waiters; x; x = x->next) {
        if (strlen(x->key) != klen || memcmp(x->key, s, klen)) {
            continue;
        }
        x->told = 1;
        x->len = 0;
        if (vlen && x->buf && vlen <= x->size) {
            memcpy(x->buf, sp + 1, vlen);
            x->len = vlen;
        }
    }
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
            redisReply *msg = NULL;
            int got;

            n->reading = 1;
            unlock(n);
            got = read_one(c, n->wake[0], end - now, &msg);
            lock(n);
            n->reading = 0;
            if (got < 0) {
                drop(n);
            }
            else if (got > 0) {
                hand_out(n, msg->element[2]);
                freeReplyObject(msg);
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

void tp_notify_tell(tp_notify *n, const char *key)
{
    tp_notify_waiter *x;
    int any = 0;

    lock(n);
    for (x = n->waiters; x; x = x->next) {
        if (!strcmp(x->key, key)) {
            x->told = 1;
            any = 1;
        }
    }
    if (any) {
        wake_all(n);
        if (n->reading && n->wake[1] >= 0) {
            /* the reader sits in poll(): wake it too */
            ssize_t w = write(n->wake[1], "x", 1);
            (void)w;
        }
    }
    unlock(n);
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
