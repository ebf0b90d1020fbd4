/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_conf_session: how long a session of a section can be presented,
 * which is how long a back-channel logout must be remembered: the
 * session's maximum age (TokenProxySessionMaxAge, tp_conf_session_max_age
 * in conf/tp_conf.h) when it is set, else the refresh cookie's Max-Age.
 */
#ifndef TP_CONF_SESSION_H
#define TP_CONF_SESSION_H

#include "conf/tp_conf.h"

/* Seconds a revocation is kept: the session's maximum age, else
 * TokenProxyRefreshCookieMaxAge. */
apr_int64_t tp_conf_revocation_keep(const tp_dir_conf *dc);

#endif /* TP_CONF_SESSION_H */
