/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The API token settings of a section: creation, merge, effective values.
 */

#include <apr_strings.h>

#include "conf/tp_conf_api.h"

tp_api_conf *tp_api_conf_make(apr_pool_t *p)
{
    tp_api_conf *a = apr_pcalloc(p, sizeof(*a));

    a->token_type = -1;
    a->exchange_format = -1;
    a->assertion_aud_issuer = -1;
    return a;
}

#define MERGE_INT(f) a->f = add->f != -1 ? add->f : base->f
#define MERGE_PTR(f) a->f = add->f ? add->f : base->f

tp_api_conf *tp_api_conf_merge(apr_pool_t *p, const tp_api_conf *base,
                               const tp_api_conf *add)
{
    tp_api_conf *a;

    if (!base || !add) {
        return (tp_api_conf *)(add ? add : base);
    }
    a = apr_pcalloc(p, sizeof(*a));
    MERGE_INT(token_type);
    MERGE_PTR(client_scope);
    MERGE_PTR(client_resource);
    MERGE_PTR(exchange);
    MERGE_INT(exchange_format);
    MERGE_PTR(key);
    MERGE_PTR(key_file);
    MERGE_INT(assertion_aud_issuer);
    return a;
}

tp_tokentype_e tp_api_token_type(const tp_api_conf *api, int public_on)
{
    if (api && api->token_type != -1) {
        return (tp_tokentype_e)api->token_type;
    }
    return public_on ? TP_TT_USER_OR_NONE : TP_TT_USER;
}

tp_xformat_e tp_api_exchange_format(const tp_api_conf *api)
{
    return api && api->exchange_format == TP_XFORMAT_ENTRA_OBO
           ? TP_XFORMAT_ENTRA_OBO : TP_XFORMAT_RFC8693;
}

int tp_api_needs_grants(const tp_api_conf *api, int public_on)
{
    tp_tokentype_e t = tp_api_token_type(api, public_on);

    return t == TP_TT_CLIENT || t == TP_TT_USER_OR_CLIENT
           || (api && api->exchange);
}
