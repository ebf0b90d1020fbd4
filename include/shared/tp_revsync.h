/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_revsync: back-channel logouts shared by the nodes of a cluster
 * (TokenProxyCluster).  The node that takes a logout adds it, sealed with
 * TokenProxyClusterKey, to a Redis sorted set scored by Redis's own clock
 * (milliseconds) when it was written; entries older than the longest time
 * a revocation is kept are trimmed by the writes.  In each child process
 * one background thread reads what was written since the machine's last
 * reading (a cursor in shared memory, with a second's overlap) every
 * TP_REVSYNC_INTERVAL_MS and adds it to the machine's table, so a
 * logout reaches every node within about half a second plus a Redis round
 * trip, a node that restarts reads the whole set, and one that was cut
 * off reads what it missed.  The threads of a machine take turns (a
 * time in shared memory): the machine reads once an interval, however
 * many children it has.  The request path sends no Redis command for
 * any of this.
 */
#ifndef TP_REVSYNC_H
#define TP_REVSYNC_H

#include <httpd.h>

#include "core/tp_revtable.h"

#define TP_REVSYNC_KEY "tokenproxy:revocations"
#define TP_REVSYNC_INTERVAL_MS 500

/* Per child: the writer's connection and the reader thread (with
 * TokenProxyCluster). */
void tp_revsync_child_init(apr_pool_t *pchild, server_rec *s);

/* Is there a cluster to share logouts with? */
int tp_revsync_enabled(void);

/* Write a logout for the other nodes (keep: the seconds it is kept, which
 * bounds the set's trimming); 1 when Redis took it, 0 and *why when not. */
int tp_revsync_push(apr_pool_t *p, const tp_rev_entry *e, apr_int64_t keep,
                    const char **why);

#endif /* TP_REVSYNC_H */
