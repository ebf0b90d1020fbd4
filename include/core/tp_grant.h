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
    TP_GRANT_UNAVAILABLE      /* transport, 5xx, garbage: try again later */
} tp_grant_e;

typedef struct tp_grant_res {
    tp_grant_e result;
    tp_tokens tokens;           /* on TP_GRANT_OK */
    int status;                 /* the endpoint's HTTP status, 0: none */
    const char *why;            /* for the log, never a value */
} tp_grant_res;

/* The fields of the oauth2 format. */
extern const tp_fields tp_oauth2_fields;

void tp_grant_refresh(apr_pool_t *p, const tp_grant_cfg *c, const char *rt,
                      tp_grant_req *out);

/* RFC 7009 revocation of a refresh token (always a form POST). */
void tp_grant_revoke(apr_pool_t *p, const tp_grant_cfg *c, const char *rt,
                     tp_grant_req *out);

/* A form POST of params (already escaped, "a=b&c=d") with the client
 * authentication of c: HTTP Basic with a secret (client_secret_basic),
 * else client_id in the body (a public client). */
void tp_grant_form(apr_pool_t *p, const tp_grant_cfg *c,
                     const char *params, tp_grant_req *out);

/* Classify an answer.  transport_error non-NULL: no HTTP answer at all. */
void tp_grant_classify(apr_pool_t *p, const tp_grant_cfg *c,
                         const char *transport_error, int status,
                         const char *content_type, const char *body,
                         apr_size_t len, tp_grant_res *out);

#endif /* TP_GRANT_H */
