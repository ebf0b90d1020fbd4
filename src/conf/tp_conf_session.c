/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * How long a session can be presented (see tp_conf_session.h).
 */

#include "conf/tp_conf_session.h"

apr_int64_t tp_conf_session_max_age(const tp_dir_conf *dc)
{
    /* until the session cookie (issue 19 part A) lands: its
     * TokenProxySessionMaxAge is read here, and is off until then */
    (void)dc;
    return 0;
}

apr_int64_t tp_conf_revocation_keep(const tp_dir_conf *dc)
{
    apr_int64_t max_age = tp_conf_session_max_age(dc);

    return max_age > 0 ? max_age : tp_conf_refresh_max_age(dc);
}
