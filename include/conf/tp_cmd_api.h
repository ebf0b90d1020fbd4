/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_cmd_api: the handlers of the API token directives (TokenProxyTokenType,
 * TokenProxyClientScope, TokenProxyClientResource, TokenProxyExchange,
 * TokenProxyExchangeFormat, TokenProxyClientKey,
 * TokenProxyClientAssertionAudience, and the main server's
 * TokenProxyAPITokenCache).  A bad value stops httpd with a message
 * naming the directive.
 */
#ifndef TP_CMD_API_H
#define TP_CMD_API_H

#include <httpd.h>
#include <http_config.h>

const char *tp_cmd_token_type(cmd_parms *cmd, void *dcv, const char *w);
const char *tp_cmd_client_scope(cmd_parms *cmd, void *dcv, const char *w);
const char *tp_cmd_client_resource(cmd_parms *cmd, void *dcv,
                                   const char *uri);
const char *tp_cmd_exchange(cmd_parms *cmd, void *dcv, int argc,
                            char *const argv[]);
const char *tp_cmd_exchange_format(cmd_parms *cmd, void *dcv,
                                   const char *w);
const char *tp_cmd_client_key(cmd_parms *cmd, void *dcv, const char *file,
                              const char *kid);
const char *tp_cmd_assertion_aud(cmd_parms *cmd, void *dcv, const char *w);
const char *tp_cmd_api_cache(cmd_parms *cmd, void *dummy, const char *arg);

/* Some section asks for client-credentials or exchanged tokens (read at
 * post_config; forgotten by tp_cmd_api_pre_config). */
int tp_cmd_api_used(void);
void tp_cmd_api_pre_config(void);

#endif /* TP_CMD_API_H */
