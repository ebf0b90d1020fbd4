/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Token cookies on the response.
 */

#include <string.h>
#include <strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "conf/tp_conf_app.h"
#include "core/tp_jwt.h"
#include "core/tp_sesscookie.h"
#include "core/tp_tokencookie.h"
#include "request/tp_cookies.h"
#include "request/tp_nostore.h"
#include "shared/tp_state.h"

APLOG_USE_MODULE(tokenproxy);

/* Put the values of vals on the response. */
static void add_all(request_rec *r, const apr_array_header_t *vals)
{
    int i;

    for (i = 0; i < vals->nelts; i++) {
        apr_table_addn(r->err_headers_out, "Set-Cookie",
                       APR_ARRAY_IDX(vals, i, const char *));
    }
}

static apr_array_header_t *values(request_rec *r)
{
    return apr_array_make(r->pool, 4, sizeof(const char *));
}

/* Set one token cookie; logged when it cannot be. */
static void set_one(request_rec *r, const tp_dir_conf *dc,
                    const tp_keyring *keys, const char *name,
                    const char *value, apr_int64_t age, unsigned int sent,
                    const tp_cookie_attrs *attrs)
{
    apr_array_header_t *vals = values(r);
    const char *why;

    if (!tp_tokencookie_set_for(r->pool, vals, keys,
                                keys ? tp_conf_seal_label(r->pool, dc) : NULL,
                                name, value, age, sent, attrs, &why)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "tokenproxy: %s", why);
        return;
    }
    add_all(r, vals);
}

static void clear_one(request_rec *r, const char *name, unsigned int sent,
                      const tp_cookie_attrs *attrs)
{
    apr_array_header_t *vals = values(r);

    tp_tokencookie_clear(r->pool, vals, name, sent, attrs);
    add_all(r, vals);
}

/* Is table entry e one of this module's Set-Cookie headers? */
static int own_entry(const apr_table_entry_t *e, const char *access,
                     const char *refresh, const char *id, const char *sess)
{
    return e->key && !strcasecmp(e->key, "Set-Cookie")
           && (tp_tokencookie_is(e->val, access)
               || tp_tokencookie_is(e->val, refresh)
               || (id && tp_tokencookie_is(e->val, id))
               || (sess && tp_tokencookie_is(e->val, sess)));
}

/* Remove the Set-Cookie headers this module put on the response (of the
 * token cookies, and of the ID and the session cookie when with_id). */
static void drop_cookies(request_rec *r, const tp_dir_conf *dc, int with_id)
{
    const apr_array_header_t *arr = apr_table_elts(r->err_headers_out);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const char *a = tp_conf_access_cookie(dc);
    const char *f = tp_conf_refresh_cookie(dc);
    const char *id = with_id && tp_oidc_issuer(dc) ? tp_oidc_id_cookie(dc)
                                                   : NULL;
    const char *sess = with_id ? tp_conf_session_cookie(dc) : NULL;
    apr_table_t *keep;
    int i, own = 0;

    for (i = 0; i < arr->nelts; i++) {
        own += own_entry(&e[i], a, f, id, sess);
    }
    if (!own) {
        return;
    }
    keep = apr_table_make(r->pool, arr->nelts);
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && !own_entry(&e[i], a, f, id, sess)) {
            apr_table_addn(keep, e[i].key, e[i].val);
        }
    }
    r->err_headers_out = keep;
}

void tp_cookies_set_tokens(request_rec *r, const tp_dir_conf *dc,
                           const tp_req *rq, const tp_tokens *tokens,
                           const char *old_refresh)
{
    tp_cookie_attrs attrs;
    apr_int64_t age = tokens->expires_in, exp;
    const char *rt = tokens->refresh ? tokens->refresh : old_refresh;

    if (age < 0 && tp_jwt_exp(r->pool, tokens->access, &exp)) {
        age = exp - apr_time_sec(apr_time_now());
        if (age < 0) {
            age = 0;
        }
    }
    tp_conf_cookie_attrs(dc, &attrs);
    drop_cookies(r, dc, 0);
    set_one(r, dc, dc->keys, tp_conf_access_cookie(dc), tokens->access, age,
            rq->sent[0], &attrs);
    if (rt) {
        set_one(r, dc, dc->keys, tp_conf_refresh_cookie(dc), rt,
                tp_conf_refresh_max_age(dc), rq->sent[1], &attrs);
    }
    tp_nostore(r);
}

void tp_cookies_clear(request_rec *r, const tp_dir_conf *dc,
                      const tp_req *rq)
{
    tp_cookie_attrs attrs;

    tp_conf_cookie_attrs(dc, &attrs);
    drop_cookies(r, dc, 1);
    clear_one(r, tp_conf_access_cookie(dc), rq->sent[0], &attrs);
    clear_one(r, tp_conf_refresh_cookie(dc), rq->sent[1], &attrs);
    if (tp_oidc_issuer(dc)) {
        clear_one(r, tp_oidc_id_cookie(dc), rq->id_sent, &attrs);
    }
    clear_one(r, tp_conf_session_cookie(dc), rq->sess_sent, &attrs);
    tp_nostore(r);
}

void tp_cookies_set_session(request_rec *r, const tp_dir_conf *dc,
                            const tp_req *rq, const tp_sessinfo *s)
{
    tp_cookie_attrs attrs;
    const tp_keyring *kr = tp_cookies_id_keys(r, dc);
    const char *name = tp_conf_session_cookie(dc), *v;
    const apr_array_header_t *arr = apr_table_elts(r->err_headers_out);
    apr_table_entry_t *e = (apr_table_entry_t *)arr->elts;
    int i;

    if (!kr || !(v = tp_sesscookie_seal(r->pool, kr, name, s))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "tokenproxy: could not "
                      "seal the session cookie '%s'%s", name,
                      kr ? "" : " (no key yet)");
        return;
    }
    tp_conf_cookie_attrs(dc, &attrs);
    v = tp_setcookie(r->pool, name, v, tp_conf_refresh_max_age(dc), &attrs);
    for (i = 0; i < arr->nelts; i++) {      /* one session cookie only */
        if (e[i].key && !strcasecmp(e[i].key, "Set-Cookie")
            && tp_tokencookie_is(e[i].val, name)) {
            e[i].val = apr_pstrdup(r->pool, v);
            tp_nostore(r);
            return;
        }
    }
    apr_table_addn(r->err_headers_out, "Set-Cookie", v);
    if (rq->sess_sent & ~1u) {      /* chunks it never has: not ours */
        clear_one(r, name, rq->sess_sent & ~1u, &attrs);
    }
    tp_nostore(r);
}

void tp_cookies_login(request_rec *r, const tp_dir_conf *dc,
                      const tp_req *rq, const tp_tokens *tokens,
                      const char *id_token)
{
    tp_cookie_attrs attrs;

    tp_cookies_set_tokens(r, dc, rq, tokens, NULL);
    if (!tokens->refresh) {     /* an old session's refresh token */
        tp_conf_cookie_attrs(dc, &attrs);
        clear_one(r, tp_conf_refresh_cookie(dc), rq->sent[1], &attrs);
    }
    tp_cookies_set_id(r, dc, rq, id_token);
}

const tp_keyring *tp_cookies_id_keys(request_rec *r, const tp_dir_conf *dc)
{
    return dc->keys ? dc->keys : tp_state_start_keyring(r->pool);
}

void tp_cookies_set_id(request_rec *r, const tp_dir_conf *dc,
                       const tp_req *rq, const char *id_token)
{
    tp_cookie_attrs attrs;
    const tp_keyring *kr = tp_cookies_id_keys(r, dc);

    if (!kr) {
        return;
    }
    tp_conf_cookie_attrs(dc, &attrs);
    set_one(r, dc, kr, tp_oidc_id_cookie(dc), id_token,
            tp_conf_refresh_max_age(dc), rq->id_sent, &attrs);
    tp_nostore(r);
}

void tp_cookies_clear_id(request_rec *r, const tp_dir_conf *dc,
                         const tp_req *rq)
{
    tp_cookie_attrs attrs;

    tp_conf_cookie_attrs(dc, &attrs);
    clear_one(r, tp_oidc_id_cookie(dc), rq->id_sent, &attrs);
    tp_nostore(r);
}

void tp_cookies_clear_unopened(request_rec *r, const tp_dir_conf *dc,
                               tp_req *rq)
{
    tp_cookie_attrs attrs;
    int i;

    if (!rq->unopened || rq->cookies_set) {
        return;
    }
    tp_conf_cookie_attrs(dc, &attrs);
    for (i = 0; i < 2; i++) {
        if (rq->unopened & (1 << i)) {
            clear_one(r, i ? tp_conf_refresh_cookie(dc)
                           : tp_conf_access_cookie(dc),
                      rq->sent[i], &attrs);
        }
    }
    rq->unopened = 0;
    tp_nostore(r);
}
