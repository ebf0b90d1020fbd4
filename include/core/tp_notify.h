/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_notify: waiters that are told instead of polling.  One subscriber
 * connection per child process (SUBSCRIBE TP_NOTIFY_CHANNEL) to the
 * server the child's tp_redis uses; the winner of a cluster claim
 * publishes the entry's key and the entry itself on that channel when it
 * stores its result (inside the publish script: no extra command), so a
 * waiter told has the result without asking Redis for it.
 *
 * No thread reads the connection all the time.  Whichever waiter of the
 * child finds nobody reading reads it, up to its own timeout, and hands
 * every notice to the waiters of its key (a condition variable); when it
 * stops, another waiter takes over.  So no waiting thread blocks another
 * request's thread, prefork children (one thread) need nothing else, and
 * a child has at most this one extra connection.  When the connection
 * cannot be made or breaks, the waiters are told that (-1) and poll; the
 * next watch connects again (at most once a second).  The machine-wide
 * waiters of tp_flight wait on it too (a child's leader may be on
 * another child), and the leader tells its own child's waiters directly
 * (tp_notify_tell).  No request
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
    unsigned char *buf;         /* the entry that came with the notice */
    apr_size_t size;
    apr_size_t len;             /* 0: none came (or it did not fit) */
    struct tp_notify_waiter *next;
} tp_notify_waiter;

/* Per child; url for the credentials, rc for the server's address. */
tp_notify *tp_notify_create(apr_pool_t *p, const tp_redis_url *url,
                            tp_redis *rc, apr_interval_time_t timeout);

/* 1 when notices of key reach w from now on; 0 when they cannot (no
 * connection: poll instead).  A notice is "KEY" or "KEY ENTRY": the
 * entry (at most size bytes) is copied into buf (NULL: not wanted). */
int tp_notify_watch(tp_notify *n, tp_notify_waiter *w, const char *key,
                    unsigned char *buf, apr_size_t size);

/* 1 told (w->len > 0: with the entry in w->buf), 0 timeout, -1 the
 * connection broke (poll instead). */
int tp_notify_wait(tp_notify *n, tp_notify_waiter *w,
                   apr_interval_time_t timeout);

void tp_notify_unwatch(tp_notify *n, tp_notify_waiter *w);

/* Tells this process's waiters of key at once, without Redis (the
 * machine's leader has stored the result): a waiter reading the
 * connection is woken from its poll too. */
void tp_notify_tell(tp_notify *n, const char *key);

/* Connections made so far by this process (for the status page). */
apr_uint64_t tp_notify_connects(tp_notify *n);

#endif /* TP_NOTIFY_H */
