/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cmd_session: the handler of TokenProxySessionCookie (the limits,
 * TokenProxySessionIdleTimeout and TokenProxySessionMaxAge, are numbers
 * of seconds read by tp_cmd_seconds).
 */
#ifndef TP_CMD_SESSION_H
#define TP_CMD_SESSION_H

#include <httpd.h>
#include <http_config.h>

const char *tp_cmd_session_cookie(cmd_parms *cmd, void *dcv,
                                  const char *name);

#endif /* TP_CMD_SESSION_H */
