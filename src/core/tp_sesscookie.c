/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The session cookie's content and the session limits.
 */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "core/tp_b64.h"
#include "core/tp_sesscookie.h"

#define VERSION "s1"
/* The latest time taken (9999-12-31T23:59:59Z), as tp_idtoken. */
#define MAX_TIME APR_INT64_C(253402300799)

static const char *field(apr_pool_t *p, const char *s)
{
    return s ? tp_b64url_encode(p, (const unsigned char *)s, strlen(s)) : "";
}

const char *tp_sess_encode(apr_pool_t *p, const tp_sessinfo *s)
{
    return apr_psprintf(p, VERSION "|%" APR_INT64_T_FMT "|%" APR_INT64_T_FMT
                        "|%s|%s|%s", s->started, s->last_used,
                        field(p, s->iss), field(p, s->sub), field(p, s->sid));
}

/* A time: decimal digits only, no leading zero (one spelling), within
 * 0..MAX_TIME. */
static int parse_time(const char *b, apr_size_t len, apr_int64_t *out)
{
    apr_int64_t v = 0;
    apr_size_t i;

    if (len == 0 || len > 12 || (len > 1 && b[0] == '0')) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (b[i] < '0' || b[i] > '9') {
            return 0;
        }
        v = v * 10 + (b[i] - '0');
    }
    if (v > MAX_TIME) {
        return 0;
    }
    *out = v;
    return 1;
}

/* A string field: empty (NULL) or strict base64url of 1..TP_SESS_MAX_STR
 * bytes with no NUL. */
static int parse_str(apr_pool_t *p, const char *b, apr_size_t len,
                     const char **out)
{
    unsigned char *buf;
    long n;

    *out = NULL;
    if (len == 0) {
        return 1;
    }
    if (len > (TP_SESS_MAX_STR * 4 + 2) / 3) {
        return 0;
    }
    buf = apr_palloc(p, len * 3 / 4 + 2);
    n = tp_b64url_decode_strict(buf, b, len);
    if (n <= 0 || memchr(buf, '\0', (apr_size_t)n)) {
        return 0;
    }
    buf[n] = '\0';
    *out = (const char *)buf;
    return 1;
}

int tp_sess_decode(apr_pool_t *p, const char *v, tp_sessinfo *out)
{
    const char *b[5], *s, *bar;
    apr_size_t len[5];
    int i;

    if (!v || strncmp(v, VERSION "|", sizeof(VERSION))) {
        return 0;
    }
    s = v + sizeof(VERSION);            /* past "s1|" */
    for (i = 0; i < 5; i++) {
        bar = strchr(s, '|');
        if ((i < 4) != (bar != NULL)) {
            return 0;                   /* four bars, no more, no fewer */
        }
        b[i] = s;
        len[i] = bar ? (apr_size_t)(bar - s) : strlen(s);
        s = bar ? bar + 1 : s;
    }
    memset(out, 0, sizeof(*out));
    return parse_time(b[0], len[0], &out->started)
           && parse_time(b[1], len[1], &out->last_used)
           && parse_str(p, b[2], len[2], &out->iss)
           && parse_str(p, b[3], len[3], &out->sub)
           && parse_str(p, b[4], len[4], &out->sid);
}

const char *tp_sesscookie_seal(apr_pool_t *p, const tp_keyring *kr,
                               const char *name, const tp_sessinfo *s)
{
    return tp_sealcookie(p, kr, name, tp_sess_encode(p, s));
}

int tp_sesscookie_open(apr_pool_t *p, const tp_keyring *kr, const char *name,
                       const char *value, tp_sessinfo *out)
{
    const char *plain;

    return tp_opencookie(p, kr, name, value, &plain, NULL)
           && tp_sess_decode(p, plain, out);
}

/* A string claim of at most TP_SESS_MAX_STR bytes, else NULL. */
static const char *claim(apr_pool_t *p, json_t *c, const char *name)
{
    json_t *v = json_object_get(c, name);
    const char *s;

    if (!json_is_string(v) || !*(s = json_string_value(v))
        || json_string_length(v) > TP_SESS_MAX_STR
        || strlen(s) != json_string_length(v)) {
        return NULL;
    }
    return apr_pstrdup(p, s);
}

void tp_sess_begin(apr_pool_t *p, tp_sessinfo *s, apr_int64_t now,
                   const char *id_claims)
{
    json_error_t jerr;
    json_t *c;

    memset(s, 0, sizeof(*s));
    s->started = s->last_used = now;
    if (id_claims && (c = json_loads(id_claims, JSON_REJECT_DUPLICATES,
                                     &jerr))) {
        if (json_is_object(c)) {
            s->iss = claim(p, c, "iss");
            s->sub = claim(p, c, "sub");
            s->sid = claim(p, c, "sid");
        }
        json_decref(c);
    }
}

tp_sess_state_e tp_sess_state(const tp_sessinfo *s, apr_int64_t now,
                              apr_int64_t idle, apr_int64_t max_age)
{
    apr_int64_t started = s->started < now ? s->started : now;
    apr_int64_t used = s->last_used < now ? s->last_used : now;

    if (max_age > 0 && now - started >= max_age) {
        return TP_SESS_AGED;
    }
    if (idle > 0 && now - used >= idle) {
        return TP_SESS_IDLE;
    }
    return TP_SESS_LIVE;
}

apr_int64_t tp_sess_resolution(apr_int64_t idle)
{
    return idle >= 20 ? idle / 10 : 1;
}

int tp_sess_touch_due(const tp_sessinfo *s, apr_int64_t now,
                      apr_int64_t idle)
{
    return idle > 0 && now - s->last_used >= tp_sess_resolution(idle);
}

void tp_sess_ends(const tp_sessinfo *s, apr_int64_t idle,
                  apr_int64_t max_age, apr_int64_t *idle_expires,
                  apr_int64_t *expires)
{
    *idle_expires = idle > 0 ? s->last_used + idle : 0;
    *expires = max_age > 0 ? s->started + max_age : 0;
}

const char *tp_sess_user_json(apr_pool_t *p, const char *user_json,
                              const tp_sessinfo *s, apr_int64_t idle,
                              apr_int64_t max_age)
{
    json_error_t jerr;
    json_t *o, *sess;
    apr_int64_t idle_exp, exp;
    const char *out = user_json;
    char *d;

    if (!user_json || !(o = json_loads(user_json, JSON_REJECT_DUPLICATES,
                                       &jerr))) {
        return user_json;
    }
    if (json_is_object(o) && (sess = json_object())) {
        tp_sess_ends(s, idle, max_age, &idle_exp, &exp);
        json_object_set_new(sess, "started", json_integer(s->started));
        if (idle_exp) {
            json_object_set_new(sess, "idle_expires", json_integer(idle_exp));
        }
        if (exp) {
            json_object_set_new(sess, "expires", json_integer(exp));
        }
        json_object_set_new(o, "session", sess);
        if ((d = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS))) {
            out = apr_pstrdup(p, d);
            free(d);
        }
    }
    json_decref(o);
    return out;
}

const char *tp_sess_state_str(tp_sess_state_e st)
{
    switch (st) {
    case TP_SESS_LIVE:
        return "live";
    case TP_SESS_IDLE:
        return "idle for TokenProxySessionIdleTimeout";
    case TP_SESS_AGED:
        return "older than TokenProxySessionMaxAge";
    }
    return "?";
}
