/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_capacity: what a single-flight outcome says about the machine-wide
 * state's capacity.  Results evicted within their grace window, results
 * the cache would not take, a full claim table: each is counted, and
 * warned about at most once a minute machine-wide, naming the directive
 * and the size to set (from the bytes per result measured so far).
 */
#ifndef TP_CAPACITY_H
#define TP_CAPACITY_H

#include <httpd.h>

#include "core/tp_flight.h"

/* After tp_flight_run. */
void tp_capacity_note(request_rec *r, const tp_flight_out *out);

#endif /* TP_CAPACITY_H */
