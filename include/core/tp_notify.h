/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_notify: waiters that are told instead of polling.  One subscriber
 * connection per child process (SUBSCRIBE TP_NOTIFY_CHANNEL) to the
 * server the child's tp_redis uses; the winner of a cluster claim
 * publishes the entry's key on that channel when it stores its result
 * (inside the publish script: no extra command).
 *
 * No thread reads the connection all the time.  Whichever waiter of the
 * child finds nobody reading reads it, up to its own timeout, and hands
 * every notice to the waiters of its key (a condition variable); when it
 * stops, another waiter takes over.  So no waiting thread blocks another
 * request's thread, prefork children (one thread) need nothing else, and
 * a child has at most this one extra connection.  When the connection
 * cannot be made or breaks, the waiters are told that (-1) and poll; the
 * next watch connects again (at most once a second).  No request
 * structures; never logs.
 */
#ifndef TP_NOTIFY_H
#define TP_NOTIFY_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_redis.h"

#define TP_NOTIFY_CHANNEL "tokenproxy:published"

typedef struct tp_notify tp_notify;

/* A waiter: the caller's memory, from watch to unwatch. */
typedef struct tp_notify_waiter {
    const char *key;
    int told;
    struct tp_notify_waiter *next;
} tp_notify_waiter;

/* Per child; url for the credentials, rc for the server's address. */
tp_notify *tp_notify_create(apr_pool_t *p, const tp_redis_url *url,
                            tp_redis *rc, apr_interval_time_t timeout);

/* 1 when notices of key reach w from now on; 0 when they cannot (no
 * connection: poll instead). */
int tp_notify_watch(tp_notify *n, tp_notify_waiter *w, const char *key);

/* 1 told, 0 timeout, -1 the connection broke (poll instead). */
int tp_notify_wait(tp_notify *n, tp_notify_waiter *w,
                   apr_interval_time_t timeout);

void tp_notify_unwatch(tp_notify *n, tp_notify_waiter *w);

/* Connections made so far by this process (for the status page). */
apr_uint64_t tp_notify_connects(tp_notify *n);

#endif /* TP_NOTIFY_H */
