/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cluster_glue: the httpd side of cluster-wide single flight
 * (TokenProxyCluster).  The Redis store behind tp_cluster, on one
 * connection per child process; the outcomes counted (tp_cluster_stats)
 * and warned about at most once a minute machine-wide.
 */
#ifndef TP_CLUSTER_GLUE_H
#define TP_CLUSTER_GLUE_H

#include <httpd.h>

#include "core/tp_flight.h"
#include "core/tp_grant.h"
#include "core/tp_redis.h"

int tp_cluster_post_config(server_rec *s);
void tp_cluster_child_init(apr_pool_t *pchild, server_rec *s);

/* Is TokenProxyCluster configured (and ready in this process)? */
int tp_cluster_enabled(void);

/* This child's connection to the cluster's Redis, or NULL. */
tp_redis *tp_cluster_redis(void);

/* Run fn at most once in the cluster for this flight key: called by the
 * node's leader for the token (from inside tp_flight_run). */
void tp_cluster_refresh(request_rec *r, const tp_flight_params *prm,
                        const unsigned char *key, apr_size_t klen,
                        tp_flight_refresh_fn fn, void *baton,
                        tp_grant_res *res);

/* "up" when the Redis server answers a PING now, "down" when it does
 * not, "failover" when the Sentinels answer but the master they name does
 * not (yet), "off" without TokenProxyCluster. */
const char *tp_cluster_state(request_rec *r);

/* The master this child uses ("host:port"), "" before it knows one or
 * without TokenProxyCluster. */
const char *tp_cluster_master(request_rec *r);

#endif /* TP_CLUSTER_GLUE_H */
