/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_answer: reads the tokens out of a JSON answer (the refresh endpoint's
 * answer, or the upstream login endpoint's answer that
 * TokenProxyCaptureTokens turns into cookies).  jansson only; no request
 * structures; never logs.
 */
#ifndef TP_ANSWER_H
#define TP_ANSWER_H

#include <apr_pools.h>

/* JSON member names of the tokens. */
typedef struct tp_fields {
    const char *access;   /* default "accessToken" (oauth2: access_token) */
    const char *refresh;  /* default "refreshToken" (oauth2: refresh_token) */
    const char *expires;  /* default "expiresIn" (oauth2: expires_in) */
} tp_fields;

typedef struct tp_tokens {
    const char *access;       /* never NULL on success */
    const char *refresh;      /* NULL: the refresh token was not rotated */
    apr_int64_t expires_in;   /* seconds; -1: not given */
} tp_tokens;

typedef enum {
    TP_ANSWER_OK = 0,
    TP_ANSWER_NOT_JSON,       /* not parseable JSON */
    TP_ANSWER_NOT_OBJECT,     /* JSON, but not an object */
    TP_ANSWER_NO_ACCESS,      /* no access token member */
    TP_ANSWER_BAD_TYPE,       /* a member of the wrong JSON type */
    TP_ANSWER_BAD_TOKEN,      /* a token that could not go into a cookie */
    TP_ANSWER_BAD_TOKEN_TYPE  /* oauth2 token_type other than Bearer */
} tp_answer_e;

/* Parse `len` bytes of JSON.  check_token_type: also require an absent or
 * "Bearer" token_type member (RFC 6749 section 5.1). */
tp_answer_e tp_answer_parse(apr_pool_t *p, const char *body, apr_size_t len,
                            const tp_fields *f, int check_token_type,
                            tp_tokens *out);

/* The same, and remove the three token members: *out_body (allocated
 * from p, compact JSON, other members in their order) is what the browser
 * may see. */
tp_answer_e tp_answer_capture(apr_pool_t *p, const char *body,
                              apr_size_t len, const tp_fields *f,
                              tp_tokens *out, const char **out_body,
                              apr_size_t *out_len);

/* A short text for the error log; never a value. */
const char *tp_answer_str(tp_answer_e st);

/* Is this Content-Type application/json or application/...+json (with
 * parameters such as charset allowed)? */
int tp_is_json_type(const char *content_type);

#endif /* TP_ANSWER_H */
