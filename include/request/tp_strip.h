/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_strip: a proxied request where TokenProxy is off still reaches its
 * upstream without any token, ID or login state cookie of the server's
 * apps (issue 22; the names are collected at startup by tp_appcheck).
 */
#ifndef TP_STRIP_H
#define TP_STRIP_H

#include <httpd.h>

/* Take every such cookie (chunks included) out of r->headers_in's
 * Cookie (mod_proxy's copy, in its fixups hook).  Returns how many
 * pieces went. */
int tp_strip_all(request_rec *r);

#endif /* TP_STRIP_H */
