/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_conncache: what a client connection keeps of its last access cookie
 * (tp_opencache), as whole operations that find the connection's cache
 * and lock it inside.  The HTTP/1 requests of a connection run one after
 * another in the connection's thread; the HTTP/2 streams of one run as
 * secondary connections (c->master) in several threads at once, and share
 * the primary connection's cache under its lock.  mod_proxy's connections
 * to the upstream (c->outgoing) have none.
 */
#ifndef TP_CONNCACHE_H
#define TP_CONNCACHE_H

#include <httpd.h>

#include "core/tp_jwt.h"

/* pre_connection hook: a client connection's cache. */
int tp_conncache_pre_connection(conn_rec *c, void *csd);

/* The token the connection kept for cookie `name` arriving as
 * [arrived, arrived + len) and read with `ring` (copied into r->pool),
 * with "Bearer " and the token in *bearer, its JWT times in *t and
 * *has_times, and the entry's number in *gen; NULL when it kept none. */
const char *tp_conncache_lookup(request_rec *r, const void *ring,
                                const char *name, const char *arrived,
                                apr_size_t len, const char **bearer,
                                tp_jwt_times *t, int *has_times,
                                unsigned long *gen);

/* Keep the checked token read from a value, its JWT times not read yet:
 * 1 and the entry's number in *gen; 0 when the connection has no cache. */
int tp_conncache_store(request_rec *r, const void *ring, const char *name,
                       const char *arrived, apr_size_t len,
                       const char *token, apr_size_t token_len,
                       unsigned long *gen);

/* The JWT times of entry `gen`, once read (nothing happens when another
 * entry has replaced it since). */
void tp_conncache_set_times(request_rec *r, unsigned long gen,
                            const tp_jwt_times *t, int has_times);

#endif /* TP_CONNCACHE_H */
