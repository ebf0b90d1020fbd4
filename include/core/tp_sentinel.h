/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_sentinel: asks the Redis Sentinels of a redis-sentinel:// URL which
 * server is the master (SENTINEL get-master-addr-by-name), and checks
 * that a server says it is a master (ROLE).  Each question is one short
 * connection, bounded by the timeout for all Sentinels together.  And a
 * subscription to their failover notices (+switch-master), read without
 * waiting.  No request structures; never logs.
 */
#ifndef TP_SENTINEL_H
#define TP_SENTINEL_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_redis_url.h"

/* 1 and the master's host (into buf) and port from the first Sentinel
 * that answers with an address; 0 when none does (why says what the last
 * one did, without values). */
int tp_sentinel_master(const tp_redis_url *url, apr_interval_time_t timeout,
                       char *buf, apr_size_t size, int *port,
                       const char **why);

/* On an open hiredis context (void *: redisContext): 1 when ROLE says
 * master, 0 when it says anything else, -1 when there was no answer. */
int tp_sentinel_is_master(void *ctx);

/* The Sentinels' failover notices (+switch-master), for the connections
 * of a process: one subscription on the first Sentinel that takes it,
 * made on first use and again (at most every 5 s) after it broke; freed
 * with the pool. */
typedef struct tp_sentinel_notices tp_sentinel_notices;

tp_sentinel_notices *tp_sentinel_notices_create(apr_pool_t *p);

/* How many notices said that url's master moved, so far: reads what the
 * subscription has received without waiting (subscribing first, within
 * the timeout); sends nothing once subscribed.  A count that changed
 * since a connection was made means that connection's master may be the
 * old one. */
apr_uint64_t tp_sentinel_notices_read(tp_sentinel_notices *w,
                                      const tp_redis_url *url,
                                      apr_interval_time_t timeout);

#endif /* TP_SENTINEL_H */
