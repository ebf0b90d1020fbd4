/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_check_api: the startup check of a section's API token settings: a
 * location that asks for client-credentials or exchanged tokens needs a
 * token endpoint (TokenProxyRefreshURL in the oauth2 format, or
 * TokenProxyOIDCProvider) and a TokenProxyClient; entra-obo needs the
 * scope form; a client key needs a client id and a form endpoint; the
 * issuer as the assertion's audience needs a provider.
 */
#ifndef TP_CHECK_API_H
#define TP_CHECK_API_H

#include "conf/tp_conf.h"

/* NULL, or the message (naming the directives) that stops httpd. */
const char *tp_check_api(apr_pool_t *p, const char *what,
                         const tp_dir_conf *dc);

#endif /* TP_CHECK_API_H */
