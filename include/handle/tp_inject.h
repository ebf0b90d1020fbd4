/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_inject: the mod_proxy glue.  mod_proxy_http runs the proxy "fixups"
 * hook on a copy of r->headers_in that becomes the upstream request; there
 * the access cookie turns into "Authorization: Bearer" and the token
 * cookies are taken out of the Cookie header.  The client's own headers,
 * which the access log and every other module see, stay as they were.
 */
#ifndef TP_INJECT_H
#define TP_INJECT_H

#include <httpd.h>

/* mod_proxy's optional fixups hook. */
int tp_inject_fixups(request_rec *r);

#endif /* TP_INJECT_H */
