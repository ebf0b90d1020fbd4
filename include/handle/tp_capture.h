/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_capture: TokenProxyCaptureTokens.  On the location that proxies the
 * upstream's login endpoint, a 2xx JSON answer carrying the tokens becomes
 * the two cookies, and the token members are removed from the body the
 * browser receives (Content-Length corrected), so page JavaScript never
 * sees a token.
 */
#ifndef TP_CAPTURE_H
#define TP_CAPTURE_H

#include <httpd.h>

/* The largest login answer buffered; a larger one is refused (502). */
#define TP_CAPTURE_MAX (1024 * 1024)

void tp_capture_register(void);

/* insert_filter hook */
void tp_capture_insert(request_rec *r);

#endif /* TP_CAPTURE_H */
