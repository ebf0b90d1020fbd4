/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_conf_api: the settings of tokens for several APIs (issue 20) in a
 * section: TokenProxyTokenType, TokenProxyClientScope,
 * TokenProxyClientResource, TokenProxyExchange, TokenProxyExchangeFormat,
 * TokenProxyClientKey and TokenProxyClientAssertionAudience; their merge
 * (an inner section's value wins) and effective values.  The directive
 * handlers are tp_cmd_api.
 */
#ifndef TP_CONF_API_H
#define TP_CONF_API_H

#include <apr_pools.h>

#include "core/tp_apigrant.h"
#include "core/tp_assert.h"
#include "core/tp_tokentype.h"

#define TP_DEFAULT_API_CACHE_SIZE 16777216   /* 16 MiB */

typedef struct tp_api_conf {
    int token_type;                 /* TokenProxyTokenType, or -1 */
    const char *client_scope;       /* TokenProxyClientScope, joined */
    const char *client_resource;    /* TokenProxyClientResource */
    tp_exchange_target *exchange;   /* TokenProxyExchange, or NULL */
    int exchange_format;            /* TokenProxyExchangeFormat, or -1 */
    const tp_client_key *key;       /* TokenProxyClientKey, or NULL */
    const char *key_file;
    int assertion_aud_issuer;       /* TokenProxyClientAssertionAudience:
                                     * 1 issuer, 0 endpoint, -1 unset */
} tp_api_conf;

tp_api_conf *tp_api_conf_make(apr_pool_t *p);
tp_api_conf *tp_api_conf_merge(apr_pool_t *p, const tp_api_conf *base,
                               const tp_api_conf *add);

/* Effective values; api may be NULL.  public_on: TokenProxyPublic On (an
 * alias of user-or-none when no TokenProxyTokenType is set). */
tp_tokentype_e tp_api_token_type(const tp_api_conf *api, int public_on);
tp_xformat_e tp_api_exchange_format(const tp_api_conf *api);
/* The location needs grants at the token endpoint besides the refresh. */
int tp_api_needs_grants(const tp_api_conf *api, int public_on);

#endif /* TP_CONF_API_H */
