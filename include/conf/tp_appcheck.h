/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_appcheck: the apps of each server (issue 22).  At post_config, every
 * section of every server (its defaults, each <Location> and <Directory>,
 * merged with the sections whose path is a prefix of its own) that uses
 * the module is one tp_app_use; httpd refuses to start when two of
 * different apps share a cookie name on overlapping paths, and each
 * server keeps the set of all its token cookie names (tp_srv_conf
 * app_names), which every proxied request strips.
 */
#ifndef TP_APPCHECK_H
#define TP_APPCHECK_H

#include <httpd.h>

/* NULL, or the message naming both sections and the directive.  pconf:
 * where the servers' name sets live. */
const char *tp_appcheck(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

#endif /* TP_APPCHECK_H */
