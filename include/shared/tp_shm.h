/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_shm: machine-wide memory that outlives graceful restarts.  Anonymous
 * shared memory made once, in the process pool, and found again by its
 * key in httpd's retained data, so that the old and the new generation of
 * children count (and warn) together; and a gate that lets one process of
 * the machine warn at most once a minute.
 */
#ifndef TP_SHM_H
#define TP_SHM_H

#include <httpd.h>

/* The zeroed block of `size` bytes kept under `key` (made on the first
 * call, at post_config, before the children fork); NULL after logging
 * why, `what` naming it. */
void *tp_shm_retained(server_rec *s, const char *key, apr_size_t size,
                      const char *what);

/* 1 for the one caller, machine-wide, whose turn it is to warn: the
 * first since *last (a time in the block) was a minute or more ago. */
int tp_shm_warn_due(volatile apr_uint64_t *last);

#endif /* TP_SHM_H */
