/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_nostore: a response that carries token cookies is never cached.  It
 * gets "Cache-Control: no-store", and an output filter takes the
 * upstream's own caching headers (Cache-Control, Expires) away.
 */
#ifndef TP_NOSTORE_H
#define TP_NOSTORE_H

#include <httpd.h>

/* Registers the output filter (register_hooks). */
void tp_nostore_register(void);

/* Mark this response no-store (once; the filter is added once). */
void tp_nostore(request_rec *r);

#endif /* TP_NOSTORE_H */
