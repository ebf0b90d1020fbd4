/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cmd_main: the handlers of the main-server directives, which fill the
 * main server's tp_srv_conf: TokenProxyCache, TokenProxyTokenSize,
 * TokenProxyRefreshSlots (the machine-wide refresh state), and
 * TokenProxyCluster, TokenProxyClusterKey, TokenProxyClusterTimeout (the
 * cluster's Redis).
 */
#ifndef TP_CMD_MAIN_H
#define TP_CMD_MAIN_H

#include <httpd.h>
#include <http_config.h>

const char *tp_cmd_cache(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_token_size(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_slots(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cluster(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cluster_key(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cluster_timeout(cmd_parms *cmd, void *dcv,
                                   const char *arg);
const char *tp_cmd_cluster_sentinel_auth(cmd_parms *cmd, void *dcv,
                                         const char *arg);
const char *tp_cmd_cluster_replicas(cmd_parms *cmd, void *dcv,
                                    const char *arg);

/* TokenProxyRevocationSlots N */
const char *tp_cmd_revocation_slots(cmd_parms *cmd, void *dcv,
                                    const char *arg);

#endif /* TP_CMD_MAIN_H */
