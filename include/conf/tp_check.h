/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_check: the startup checks of a configuration that no single
 * directive can make.  Every <Location> and <Directory> section, merged
 * with the server defaults and the sections whose path is a prefix of its
 * own (__Host-/__Secure- cookie names against contradicting settings made
 * in another section; an OpenID provider without a client or a redirect
 * URI), and the main server's TokenProxyCluster without its key.
 */
#ifndef TP_CHECK_H
#define TP_CHECK_H

#include <httpd.h>

#include "conf/tp_conf.h"

/* The cookie prefixes' rules in one section: what names the directive or
 * section in the message.  NULL or the message. */
const char *tp_check_prefixes(apr_pool_t *p, const char *what,
                              const tp_dir_conf *dc);

/* Every section of every server: NULL or the message (post_config). */
const char *tp_check_sections(apr_pool_t *p, server_rec *s);

/* The main server's settings (check_config, so that apache2 -t sees it
 * too): logs and returns HTTP_INTERNAL_SERVER_ERROR, or OK. */
int tp_check_main(server_rec *s);

#endif /* TP_CHECK_H */
