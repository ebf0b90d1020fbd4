/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_refresh: the refresh-token grant, without the transport: builds the
 * request body for the json and oauth2 formats (and the RFC 7009
 * revocation request), and classifies the endpoint's answer as a success,
 * a rejection (the session is over) or an unavailability (the session may
 * be fine).  No request structures; never logs.
 */
#ifndef TP_REFRESH_H
#define TP_REFRESH_H

#include <apr_pools.h>
#include <apr_time.h>

#include "core/tp_answer.h"

/* The largest answer read from the refresh endpoint. */
#define TP_REFRESH_MAX_ANSWER (64 * 1024)

typedef enum {
    TP_FORMAT_JSON = 0,     /* {"refreshToken": RT} -> {"accessToken", ...} */
    TP_FORMAT_OAUTH2 = 1    /* RFC 6749 section 6 form POST */
} tp_format_e;

typedef struct tp_refresh_cfg {
    const char *url;
    tp_format_e format;
    const char *client_id;      /* NULL: none */
    const char *client_secret;  /* NULL: client_id goes into the body */
    apr_interval_time_t timeout;
    tp_fields fields;           /* used by the json format */
} tp_refresh_cfg;

/* What to POST. */
typedef struct tp_refresh_req {
    const char *body;
    apr_size_t len;
    const char *content_type;
    const char *authorization;  /* HTTP Basic client authentication or NULL */
} tp_refresh_req;

typedef enum {
    TP_REFRESH_OK = 0,
    TP_REFRESH_REJECTED,        /* 400, 401, 403: the session is over */
    TP_REFRESH_UNAVAILABLE      /* transport, 5xx, garbage: try again later */
} tp_refresh_e;

typedef struct tp_refresh_res {
    tp_refresh_e result;
    tp_tokens tokens;           /* on TP_REFRESH_OK */
    int status;                 /* the endpoint's HTTP status, 0: none */
    const char *why;            /* for the log, never a value */
} tp_refresh_res;

/* The fields of the oauth2 format. */
extern const tp_fields tp_oauth2_fields;

void tp_refresh_build(apr_pool_t *p, const tp_refresh_cfg *c, const char *rt,
                      tp_refresh_req *out);

/* RFC 7009 revocation of a refresh token (always a form POST). */
void tp_revoke_build(apr_pool_t *p, const tp_refresh_cfg *c, const char *rt,
                     tp_refresh_req *out);

/* A form POST of params (already escaped, "a=b&c=d") with the client
 * authentication of c: HTTP Basic with a secret (client_secret_basic),
 * else client_id in the body (a public client). */
void tp_refresh_form(apr_pool_t *p, const tp_refresh_cfg *c,
                     const char *params, tp_refresh_req *out);

/* Classify an answer.  transport_error non-NULL: no HTTP answer at all. */
void tp_refresh_classify(apr_pool_t *p, const tp_refresh_cfg *c,
                         const char *transport_error, int status,
                         const char *content_type, const char *body,
                         apr_size_t len, tp_refresh_res *out);

/* Is this Content-Type application/json or application/...+json (with
 * parameters such as charset allowed)? */
int tp_is_json_type(const char *content_type);

/* application/x-www-form-urlencoded escaping (RFC 6749 appendix B). */
const char *tp_form_escape(apr_pool_t *p, const char *s);

#endif /* TP_REFRESH_H */
