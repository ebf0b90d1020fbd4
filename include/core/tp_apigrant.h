/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_apigrant: the grants that give tokens for the APIs behind the BFF,
 * without the transport: the client-credentials grant
 * (TokenProxyTokenType client), the RFC 8693 token exchange and Entra
 * ID's on-behalf-of request (TokenProxyExchange,
 * TokenProxyExchangeFormat), the machine-wide key of a kept token, and
 * how long a kept token serves.  The bodies go through tp_grant_form, so
 * the client authenticates as for a refresh (secret or private_key_jwt).
 * No request structures; never logs.
 */
#ifndef TP_APIGRANT_H
#define TP_APIGRANT_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_grant.h"

typedef enum {
    TP_TARGET_AUDIENCE = 1,     /* TokenProxyExchange audience NAME */
    TP_TARGET_RESOURCE,         /* TokenProxyExchange resource URI */
    TP_TARGET_SCOPE             /* TokenProxyExchange scope SCOPE ... */
} tp_target_e;

typedef enum {
    TP_XFORMAT_RFC8693 = 0,     /* the default */
    TP_XFORMAT_ENTRA_OBO        /* Entra ID's on-behalf-of */
} tp_xformat_e;

typedef struct tp_exchange_target {
    tp_target_e kind;
    const char *value;          /* NAME, URI, or the SCOPE words joined by
                                 * single spaces */
} tp_exchange_target;

/* The grant kinds, part of a kept token's key. */
typedef enum {
    TP_APIGRANT_CLIENT = 'C',
    TP_APIGRANT_EXCHANGE = 'X'
} tp_apigrant_kind_e;

#define TP_EXCHANGE_GRANT "urn:ietf:params:oauth:grant-type:token-exchange"
#define TP_OBO_GRANT "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define TP_ACCESS_TOKEN_TYPE "urn:ietf:params:oauth:token-type:access_token"

/* grant_type=client_credentials, with scope (space-separated words) and
 * RFC 8707 resource when not NULL. */
void tp_apigrant_client(apr_pool_t *p, const tp_grant_cfg *c,
                        const char *scope, const char *resource,
                        tp_grant_req *out);

/* The exchange of subject (the session's access token) for a token of
 * target, in format fmt.  0 (and nothing in out) when the format cannot
 * carry the target: entra-obo needs the scope form. */
int tp_apigrant_exchange(apr_pool_t *p, const tp_grant_cfg *c,
                         tp_xformat_e fmt, const tp_exchange_target *t,
                         const char *subject, tp_grant_req *out);

/* The key of a kept token: SHA-256 of the grant kind, the endpoint, the
 * client, the target (what the grant asks for) and, for an exchange, the
 * subject token, each length-prefixed: an exchanged token is found only
 * with the very access token it was exchanged for. */
#define TP_APIGRANT_KEY_LEN 32
void tp_apigrant_key(tp_apigrant_kind_e kind, const char *url,
                     const char *client_id, const char *target,
                     const char *subject,
                     unsigned char key[TP_APIGRANT_KEY_LEN]);

/* Seconds a token obtained at now serves: until its JWT exp, or its
 * expires_in (>= 0) when it is opaque or has no exp, minus skew (at most
 * half its lifetime, as for the session's tokens); 0 when it is not to be
 * kept (no lifetime known, or already within the skew). */
apr_int64_t tp_apigrant_keep_for(apr_pool_t *p, const char *token,
                                 apr_int64_t expires_in, apr_int64_t skew,
                                 apr_int64_t now);

/* The target as text, "audience NAME", "resource URI", "scope S1 S2". */
const char *tp_apigrant_target_str(apr_pool_t *p,
                                   const tp_exchange_target *t);

/* The directive to fix when the endpoint answered error (an OAuth error
 * code tp_grant_error_is_config accepts) to a grant of kind (0: the
 * refresh or the login's code exchange); has_key: the client
 * authenticates with TokenProxyClientKey. */
const char *tp_apigrant_directive(int kind, const char *error, int has_key);

#endif /* TP_APIGRANT_H */
