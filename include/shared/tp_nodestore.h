/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_nodestore: the machine-wide refresh state (tp_state) as the store of
 * tp_flight: the global mutex, the claim table and the results cache,
 * with the child's subscriber connection to tell its waiters; and
 * the real clock that tp_flight's and tp_cluster's stores run on.
 */
#ifndef TP_NODESTORE_H
#define TP_NODESTORE_H

#include <httpd.h>

#include "core/tp_flight.h"
#include "core/tp_notify.h"

/* This child's subscriber connection (TokenProxyCluster) and the key of
 * the cluster's entries, or NULL: with it, the machine's waiters are told
 * instead of polling, and take the result from the notice. */
void tp_nodestore_notify(tp_notify *n, const unsigned char *key);

/* The store for tp_flight_run, or NULL when there is none. */
const tp_flight_store *tp_nodestore(request_rec *r);

/* The real clock of the stores. */
apr_time_t tp_nodestore_now(void *ctx);
void tp_nodestore_sleep(void *ctx, apr_interval_time_t t);

#endif /* TP_NODESTORE_H */
