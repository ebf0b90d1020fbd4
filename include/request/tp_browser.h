/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_browser: what the browser's request headers say, read into the
 * core's plain structs: whether an unsafe request comes from a site it
 * may come from (TokenProxyCSRF, decided by tp_csrf), and whether it is a
 * navigation (decided by tp_nav).
 */
#ifndef TP_BROWSER_H
#define TP_BROWSER_H

#include <httpd.h>

#include "conf/tp_conf.h"

/* TokenProxyCSRF: NULL when the request may go on, else why not.  For
 * every request, with or without token cookies: a refused request must
 * neither reach the upstream nor be answered with a login redirect. */
const char *tp_browser_csrf(request_rec *r, const tp_dir_conf *dc);

/* TokenProxyCSRF for the logout endpoint (tp_csrf_logout): NULL when the
 * request may log out, else why not. */
const char *tp_browser_csrf_logout(request_rec *r, const tp_dir_conf *dc);

/* Is this request a browser navigation? */
int tp_browser_is_navigation(request_rec *r);

#endif /* TP_BROWSER_H */
