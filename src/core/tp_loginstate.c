/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The login state and its cookie.
 */

#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>

#include "core/tp_loginstate.h"

static int b64url_chars(const char *s)
{
    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
              || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')) {
            return 0;
        }
    }
    return 1;
}

const char *tp_login_state_encode(apr_pool_t *p, const tp_login_state *st)
{
    return apr_psprintf(p, "v1|%" APR_INT64_T_FMT "|%s|%s|%s|%s", st->time,
                        st->state, st->nonce, st->verifier,
                        st->return_path ? st->return_path : "/");
}

int tp_login_state_decode(apr_pool_t *p, const char *s, tp_login_state *out)
{
    char *copy, *f[6], *end;
    int i;

    memset(out, 0, sizeof(*out));
    if (!s || strncmp(s, "v1|", 3)) {
        return 0;
    }
    copy = apr_pstrdup(p, s);
    f[0] = copy;
    for (i = 1; i < 6; i++) {
        char *bar = strchr(f[i - 1], '|');
        if (!bar) {
            return 0;
        }
        *bar = '\0';
        f[i] = bar + 1;
    }
    out->time = apr_strtoi64(f[1], &end, 10);
    if (!*f[1] || *end || out->time <= 0) {
        return 0;
    }
    if (!b64url_chars(f[2]) || !b64url_chars(f[3]) || !b64url_chars(f[4])
        || f[5][0] != '/') {
        return 0;
    }
    out->state = f[2];
    out->nonce = f[3];
    out->verifier = f[4];
    out->return_path = f[5];
    return 1;
}

const char *tp_login_cookie_name(apr_pool_t *p, const char *state,
                                 int secure)
{
    if (!b64url_chars(state) || strlen(state) < TP_LOGIN_NAME_CHARS) {
        return NULL;
    }
    return apr_pstrcat(p, secure ? TP_LOGIN_COOKIE_HOST : TP_LOGIN_COOKIE,
                       apr_pstrmemdup(p, state, TP_LOGIN_NAME_CHARS), NULL);
}

int tp_login_cookie_is(const char *name)
{
    return !strncmp(name, TP_LOGIN_COOKIE, strlen(TP_LOGIN_COOKIE))
           || !strncmp(name, TP_LOGIN_COOKIE_HOST,
                       strlen(TP_LOGIN_COOKIE_HOST));
}

const char *tp_login_cookies_strip(apr_pool_t *p, const char *header,
                                   int *removed)
{
    const char *s = header, *end, *name;
    char *out, *o;
    int kept = 0;

    *removed = 0;
    if (!header) {
        return NULL;
    }
    o = out = apr_palloc(p, strlen(header) + 1);
    while (*s) {
        end = strchr(s, ';');
        if (!end) {
            end = s + strlen(s);
        }
        for (name = s; *name == ' ' || *name == '\t'; name++) {
        }
        if (tp_login_cookie_is(name) && name < end) {
            (*removed)++;
        }
        else if (name < end) {
            if (kept++) {
                *o++ = ';';
            }
            memcpy(o, s, (apr_size_t)(end - s));
            o += end - s;
        }
        s = *end ? end + 1 : end;
    }
    *o = '\0';
    if (!*removed) {
        return header;
    }
    for (o = out; *o == ' ' || *o == '\t'; o++) {
    }
    return *o ? out : NULL;
}

int tp_login_state_equal(const char *a, const char *b)
{
    apr_size_t n;

    if (!a || !b || (n = strlen(a)) != strlen(b) || n == 0) {
        return 0;
    }
    return CRYPTO_memcmp(a, b, n) == 0;
}
