/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * TokenProxySessionCookie: a valid cookie name that is none of the other
 * token cookies, under the same prefix rules (__Host-, __Secure-).
 */

#include <string.h>

#include "conf/tp_check.h"
#include "conf/tp_cmd.h"
#include "conf/tp_cmd_session.h"
#include "conf/tp_conf.h"
#include "core/tp_cookie.h"

const char *tp_cmd_session_cookie(cmd_parms *cmd, void *dcv,
                                  const char *name)
{
    tp_dir_conf *dc = dcv;

    if (!tp_cookie_name_valid(name)) {
        return tp_cmd_error(cmd,
                            "'%s' is not a valid cookie name (RFC 6265: "
                            "letters, digits and !#$%%&'*+-.^_`|~ only)",
                            name);
    }
    if (!strcmp(name, tp_conf_access_cookie(dc))
        || !strcmp(name, tp_conf_refresh_cookie(dc))
        || !strcmp(name, tp_oidc_id_cookie(dc))) {
        return tp_cmd_error(cmd,
                            "'%s' is already the access, the refresh or the "
                            "ID cookie", name);
    }
    dc->session_cookie = name;
    return tp_check_prefixes(cmd->pool, cmd->directive->directive, dc);
}
