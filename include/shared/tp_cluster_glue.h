/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cluster_glue: the httpd side of cluster-wide single flight.  The
 * server-config directives TokenProxyCluster, TokenProxyClusterKey and
 * TokenProxyClusterTimeout; the Redis store behind tp_cluster, one
 * connection per child process; the cluster's counters in shared memory
 * (kept across graceful restarts); warnings at most once a minute.
 */
#ifndef TP_CLUSTER_GLUE_H
#define TP_CLUSTER_GLUE_H

#include <httpd.h>
#include <http_config.h>

#include "core/tp_flight.h"
#include "core/tp_grant.h"

#define TP_CLUSTER_DEFAULT_TIMEOUT_MS 500

const char *tp_cmd_cluster(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cluster_key(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cluster_timeout(cmd_parms *cmd, void *dcv,
                                   const char *arg);

int tp_cluster_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp);
int tp_cluster_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s);
int tp_cluster_post_config(apr_pool_t *pconf, server_rec *s);
void tp_cluster_child_init(apr_pool_t *pchild, server_rec *s);

/* Is TokenProxyCluster configured (and ready in this process)? */
int tp_cluster_enabled(void);

/* Run fn at most once in the cluster for this flight key: called by the
 * node's leader for the token (from inside tp_flight_run). */
void tp_cluster_refresh(request_rec *r, const tp_flight_params *prm,
                        const unsigned char *key, apr_size_t klen,
                        tp_flight_refresh_fn fn, void *baton,
                        tp_grant_res *res);

/* The status page's part: a JSON member "cluster":{...} (without a
 * leading comma), or Prometheus lines. */
void tp_cluster_status(request_rec *r, int prometheus);

#endif /* TP_CLUSTER_GLUE_H */
