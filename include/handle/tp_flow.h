/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_flow: the handler that wraps mod_proxy's on a TokenProxy location.
 * It refreshes a missing or expiring access token before the upstream is
 * asked, runs mod_proxy's handler, and after an upstream 401 (caught by
 * "ProxyErrorOverride On 401") refreshes and replays the request once.
 * When the session is over it answers itself.
 */
#ifndef TP_FLOW_H
#define TP_FLOW_H

#include <httpd.h>

/* Handler hook, run before mod_proxy's. */
int tp_flow_handler(request_rec *r);

/* post_config: find mod_proxy's configuration (no link-time dependency). */
void tp_flow_post_config(void);

#endif /* TP_FLOW_H */
