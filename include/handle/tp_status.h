/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_status: the handler "tokenproxy-status".  The refresh counters since
 * start, summed over all child processes, the cache's fill level, and the
 * cluster's state and counters, as JSON, or as Prometheus text with
 * ?format=prometheus.  Restrict it like server-status (Require ip ...): it
 * shows no token, but it shows load.
 */
#ifndef TP_STATUS_H
#define TP_STATUS_H

#include <httpd.h>

#define TP_HANDLER_STATUS "tokenproxy-status"

int tp_status_handler(request_rec *r);

#endif /* TP_STATUS_H */
