/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * How long a back-channel logout is kept (see tp_conf_session.h).
 */

#include "conf/tp_conf_session.h"

apr_int64_t tp_conf_revocation_keep(const tp_dir_conf *dc)
{
    apr_int64_t max_age = tp_conf_session_max_age(dc);

    return max_age > 0 ? max_age : tp_conf_refresh_max_age(dc);
}
