/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cmd: the handlers of the per-directory directives (the OpenID Connect
 * ones are tp_cmd_oidc, the main-server ones tp_cmd_main), and what they
 * share: the error message naming the directive, the check for bytes no
 * directive value may hold, and key files.
 */
#ifndef TP_CMD_H
#define TP_CMD_H

#include <httpd.h>
#include <http_config.h>

#include "conf/tp_conf.h"

/* "Directive: " and fmt with arg. */
const char *tp_cmd_error(cmd_parms *cmd, const char *fmt, const char *arg);

/* Does s hold a control byte, a space or a non-ASCII byte? */
int tp_cmd_bad_bytes(const char *s);

/* Read a key file (32 bytes as hex or base64) for a directive; NULL on
 * success, else the error message. */
const char *tp_cmd_read_key(cmd_parms *cmd, const char *file,
                            unsigned char key[TP_SEAL_KEY_LEN]);

const char *tp_cmd_enable(cmd_parms *cmd, void *dcv, int on);
const char *tp_cmd_access_cookie(cmd_parms *cmd, void *dcv, const char *name);
const char *tp_cmd_refresh_cookie(cmd_parms *cmd, void *dcv, const char *name);
const char *tp_cmd_url(cmd_parms *cmd, void *dcv, const char *url);
const char *tp_cmd_format(cmd_parms *cmd, void *dcv, const char *fmt);
const char *tp_cmd_client(cmd_parms *cmd, void *dcv, const char *id,
                          const char *secret);
const char *tp_cmd_seconds(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_bytes(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_json_field(cmd_parms *cmd, void *dcv, const char *which,
                              const char *name);
const char *tp_cmd_flag(cmd_parms *cmd, void *dcv, int on);
const char *tp_cmd_samesite(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cookie_path(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_login_url(cmd_parms *cmd, void *dcv, const char *arg);
const char *tp_cmd_cookie_secure(cmd_parms *cmd, void *dcv, int on);
const char *tp_cmd_cookie_key(cmd_parms *cmd, void *dcv, const char *file);
const char *tp_cmd_trusted_origin(cmd_parms *cmd, void *dcv,
                                  const char *origin);
const char *tp_cmd_csrf_header(cmd_parms *cmd, void *dcv, const char *name);

#endif /* TP_CMD_H */
