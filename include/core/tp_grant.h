/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_grant: the messages of the token endpoint, without the transport:
 * the refresh-token grant's request body in the json and oauth2 formats,
 * the RFC 7009 revocation request, any form POST with the client's
 * authentication, and the classification of the endpoint's answer as a
 * success, a rejection (the session is over) or an unavailability (the
 * session may be fine).  No request structures; never logs.
 */
#ifndef TP_GRANT_H
#define TP_GRANT_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_answer.h"
#include "core/tp_assert.h"

/* The largest answer read from the token endpoint. */
#define TP_GRANT_MAX_ANSWER (64 * 1024)

typedef enum {
    TP_FORMAT_JSON = 0,     /* {"refreshToken": RT} -> {"accessToken", ...} */
    TP_FORMAT_OAUTH2 = 1    /* RFC 6749 section 6 form POST */
} tp_format_e;

typedef struct tp_grant_cfg {
    const char *url;
    tp_format_e format;
    const char *client_id;      /* NULL: none */
    const char *client_secret;  /* NULL: client_id goes into the body */
    const char *client_assertion; /* private_key_jwt (RFC 7523): a signed
                                   * assertion made for this call, or NULL */
    const tp_client_key *client_key; /* private_key_jwt: sign a fresh
                                      * assertion per form POST, for
                                      * assertion_aud (NULL: url) */
    const char *assertion_aud;
    apr_interval_time_t timeout;
    tp_fields fields;           /* used by the json format */
} tp_grant_cfg;

/* What to POST. */
typedef struct tp_grant_req {
    const char *body;
    apr_size_t len;
    const char *content_type;
    const char *authorization;  /* HTTP Basic client authentication or NULL */
} tp_grant_req;

typedef enum {
    TP_GRANT_OK = 0,
    TP_GRANT_REJECTED,        /* 400, 401, 403: the session is over */
    TP_GRANT_UNAVAILABLE,     /* transport, 5xx, garbage: try again later */
    TP_GRANT_MISCONFIGURED    /* 400, 401, 403 with an error that says the
                               * configuration is wrong (invalid_client,
                               * invalid_target, invalid_scope,
                               * unauthorized_client, unsupported_grant_type):
                               * never a logout, 502 */
} tp_grant_e;

typedef struct tp_grant_res {
    tp_grant_e result;
    tp_tokens tokens;           /* on TP_GRANT_OK */
    int status;                 /* the endpoint's HTTP status, 0: none */
    const char *why;            /* for the log, never a value */
    const char *error;          /* the answer's OAuth "error" code (checked
                                 * to be a short token), or NULL */
} tp_grant_res;

/* The fields of the oauth2 format. */
extern const tp_fields tp_oauth2_fields;

void tp_grant_refresh(apr_pool_t *p, const tp_grant_cfg *c, const char *rt,
                      tp_grant_req *out);

/* RFC 7009 revocation of a refresh token (always a form POST). */
void tp_grant_revoke(apr_pool_t *p, const tp_grant_cfg *c, const char *rt,
                     tp_grant_req *out);

/* A form POST of params (already escaped, "a=b&c=d") with the client
 * authentication of c: a client assertion (private_key_jwt) in the body,
 * else HTTP Basic with a secret (client_secret_basic), else client_id in
 * the body (a public client). */
void tp_grant_form(apr_pool_t *p, const tp_grant_cfg *c,
                     const char *params, tp_grant_req *out);

/* Classify an answer.  transport_error non-NULL: no HTTP answer at all. */
void tp_grant_classify(apr_pool_t *p, const tp_grant_cfg *c,
                         const char *transport_error, int status,
                         const char *content_type, const char *body,
                         apr_size_t len, tp_grant_res *out);

/* 1 when an OAuth error code says the client's configuration is wrong
 * (invalid_client, invalid_target, invalid_scope, unauthorized_client,
 * unsupported_grant_type), not the grant. */
int tp_grant_error_is_config(const char *error);

#endif /* TP_GRANT_H */
