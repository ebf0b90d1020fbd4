/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Per-directory configuration: creation, merging of nested sections (a
 * value set in an inner <Location> wins, an unset one is inherited) and
 * the directive handlers, which reject bad values at startup.
 */

#include <apr_strings.h>

#include "tp_config.h"
#include "tp_cookie.h"

void *tp_dir_conf_create(apr_pool_t *p, char *dir)
{
    tp_dir_conf *dc = apr_pcalloc(p, sizeof(*dc));

    (void)dir;
    dc->enabled = TP_UNSET;
    return dc;
}

void *tp_dir_conf_merge(apr_pool_t *p, void *basev, void *addv)
{
    const tp_dir_conf *base = basev, *add = addv;
    tp_dir_conf *dc = apr_pcalloc(p, sizeof(*dc));

    dc->enabled = (add->enabled != TP_UNSET) ? add->enabled : base->enabled;
    dc->access_cookie = add->access_cookie ? add->access_cookie
                                           : base->access_cookie;
    dc->refresh_cookie = add->refresh_cookie ? add->refresh_cookie
                                             : base->refresh_cookie;
    return dc;
}

int tp_conf_enabled(const tp_dir_conf *dc)
{
    return dc && dc->enabled == 1;
}

const char *tp_conf_access_cookie(const tp_dir_conf *dc)
{
    return dc->access_cookie ? dc->access_cookie : TP_DEFAULT_ACCESS_COOKIE;
}

const char *tp_conf_refresh_cookie(const tp_dir_conf *dc)
{
    return dc->refresh_cookie ? dc->refresh_cookie
                              : TP_DEFAULT_REFRESH_COOKIE;
}

const char *tp_cmd_enable(cmd_parms *cmd, void *dcv, int on)
{
    tp_dir_conf *dc = dcv;

    (void)cmd;
    dc->enabled = on ? 1 : 0;
    return NULL;
}

static const char *check_cookie_name(cmd_parms *cmd, const char *name,
                                     const char *other)
{
    if (!tp_cookie_name_valid(name)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid cookie "
                            "name (RFC 6265: letters, digits and "
                            "!#$%%&'*+-.^_`|~ only)",
                            cmd->directive->directive, name);
    }
    if (other && !strcmp(other, name)) {
        return apr_psprintf(cmd->pool, "%s: the access and the refresh "
                            "cookie cannot both be called '%s'",
                            cmd->directive->directive, name);
    }
    return NULL;
}

const char *tp_cmd_access_cookie(cmd_parms *cmd, void *dcv, const char *name)
{
    tp_dir_conf *dc = dcv;
    const char *err = check_cookie_name(cmd, name,
                                        tp_conf_refresh_cookie(dc));

    if (!err) {
        dc->access_cookie = name;
    }
    return err;
}

const char *tp_cmd_refresh_cookie(cmd_parms *cmd, void *dcv, const char *name)
{
    tp_dir_conf *dc = dcv;
    const char *err = check_cookie_name(cmd, name,
                                        tp_conf_access_cookie(dc));

    if (!err) {
        dc->refresh_cookie = name;
    }
    return err;
}
