/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The startup check of the API token settings.
 */

#include <apr_strings.h>

#include "conf/tp_check_api.h"

static int form_endpoint(const tp_dir_conf *dc)
{
    return (dc->refresh_url && dc->format == TP_FORMAT_OAUTH2)
           || tp_oidc_issuer(dc);
}

const char *tp_check_api(apr_pool_t *p, const char *what,
                         const tp_dir_conf *dc)
{
    const tp_api_conf *api = dc->api;

    if (!api) {
        return NULL;
    }
    if (tp_conf_enabled(dc) && tp_api_needs_grants(api, dc->public_ == 1)) {
        const char *asks = api->exchange ? "TokenProxyExchange"
                           : apr_pstrcat(p, "TokenProxyTokenType ",
                                         tp_tokentype_name(
                                             tp_conf_token_type(dc)), NULL);
        if (!form_endpoint(dc)) {
            return apr_psprintf(p, "%s: %s needs a token endpoint: "
                                "TokenProxyRefreshURL with "
                                "TokenProxyRefreshFormat oauth2, or "
                                "TokenProxyOIDCProvider", what, asks);
        }
        if (!dc->client_id) {
            return apr_psprintf(p, "%s: %s needs TokenProxyClient (the "
                                "client that asks the token endpoint)",
                                what, asks);
        }
    }
    if (api->exchange && tp_api_exchange_format(api) == TP_XFORMAT_ENTRA_OBO
        && api->exchange->kind != TP_TARGET_SCOPE) {
        return apr_psprintf(p, "%s: TokenProxyExchangeFormat entra-obo "
                            "needs TokenProxyExchange scope SCOPE (e.g. "
                            "api://orders/.default)", what);
    }
    if (api->key && !dc->client_id) {
        return apr_psprintf(p, "%s: TokenProxyClientKey %s needs "
                            "TokenProxyClient ID (without a secret)", what,
                            api->key_file);
    }
    if (api->key && dc->client_secret) {
        return apr_psprintf(p, "%s: TokenProxyClientKey and a "
                            "TokenProxyClient secret: choose one client "
                            "authentication (drop the secret)", what);
    }
    if (api->key && dc->refresh_url && dc->format != TP_FORMAT_OAUTH2) {
        return apr_psprintf(p, "%s: TokenProxyClientKey signs form posts: "
                            "it needs TokenProxyRefreshFormat oauth2", what);
    }
    if (api->assertion_aud_issuer == 1 && !tp_oidc_issuer(dc)) {
        return apr_psprintf(p, "%s: TokenProxyClientAssertionAudience "
                            "issuer needs TokenProxyOIDCProvider", what);
    }
    return NULL;
}
