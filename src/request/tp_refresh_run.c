/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Refresh calls, token cookies on the response, and the answers of a
 * session that is over or cannot be refreshed right now.
 *
 * Set-Cookie headers go into r->err_headers_out with apr_table_addn, one
 * header each: they survive mod_proxy replacing r->headers_out and go out
 * with error responses too.  Whenever token cookies are set, the response
 * carries "Cache-Control: no-store", and an output filter takes the
 * upstream's own caching headers away.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_filter.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "shared/tp_cluster_glue.h"
#include "core/tp_cookie.h"
#include "core/tp_csrf.h"
#include "core/tp_http.h"
#include "core/tp_jwt.h"
#include "core/tp_nav.h"
#include "oidc/tp_oidc_disc.h"
#include "core/tp_oidc_req.h"
#include "oidc/tp_oidc_verify.h"
#include "request/tp_refresh_run.h"
#include "core/tp_setcookie.h"
#include "shared/tp_state.h"
#include "core/tp_token.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

#define NOSTORE_FILTER "TOKENPROXY_NOSTORE"

static tp_http *http;   /* one per child process */

int tp_session_post_config(apr_pool_t *pconf)
{
    static int done;

    (void)pconf;
    if (!done) {    /* curl_global_init once per process, before threads */
        if (!tp_http_global_init()) {
            return 0;
        }
        done = 1;
    }
    return 1;
}

void tp_session_child_init(apr_pool_t *pchild)
{
    http = tp_http_create(pchild);
}

tp_http *tp_session_http(void)
{
    return http;
}

static const char *fp(request_rec *r, const char *secret)
{
    return tp_fingerprint(r->pool, secret, strlen(secret));
}

/* POST a refresh or revocation request built by tp_refresh. */
static void post(apr_pool_t *p, const char *url, const tp_grant_req *req,
                 apr_interval_time_t timeout, tp_http_resp *res)
{
    tp_http_req hreq;

    memset(&hreq, 0, sizeof(hreq));
    hreq.url = url;
    hreq.body = req->body;
    hreq.len = req->len;
    hreq.content_type = req->content_type;
    hreq.authorization = req->authorization;
    hreq.timeout = timeout;
    hreq.max_answer = TP_GRANT_MAX_ANSWER;
    tp_http_post(http, p, &hreq, res);
}

typedef struct refresh_call {
    request_rec *r;
    const tp_grant_cfg *cfg;
    const char *rt;
    int want_id;            /* keep an id_token of the answer */
    const char *id_token;   /* the answer's id_token, or NULL */
} refresh_call;

/* The refresh call itself: tp_flight runs it at most once per token. */
static void call_endpoint(void *baton, apr_pool_t *p, tp_grant_res *res)
{
    refresh_call *c = baton;
    request_rec *r = c->r;
    tp_grant_req req;
    tp_http_resp hres;
    apr_time_t start = apr_time_now();

    if (!http) {            /* child_init creates it; never reached */
        memset(res, 0, sizeof(*res));
        res->result = TP_GRANT_UNAVAILABLE;
        res->why = "no HTTP client in this process";
        return;
    }
    tp_stat_inc(TP_STAT_STARTED);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "tokenproxy: refresh of fp=%s started", fp(r, c->rt));
    tp_grant_refresh(p, c->cfg, c->rt, &req);
    post(p, c->cfg->url, &req, c->cfg->timeout, &hres);
    tp_grant_classify(p, c->cfg, hres.error, hres.status,
                        hres.content_type, hres.body, hres.len, res);
    if (c->want_id && res->result == TP_GRANT_OK) {
        c->id_token = tp_oidc_answer_id_token(r->pool, hres.body, hres.len);
    }
    tp_stat_inc(res->result == TP_GRANT_OK ? TP_STAT_SUCCEEDED
                : res->result == TP_GRANT_REJECTED ? TP_STAT_REJECTED
                : TP_STAT_UNAVAILABLE);
    ap_log_rerror(APLOG_MARK, res->result == TP_GRANT_OK ? APLOG_DEBUG
                  : APLOG_INFO, 0, r,
                  "tokenproxy: refresh of fp=%s %s: %s (%"
                  APR_TIME_T_FMT " ms)", fp(r, c->rt),
                  res->result == TP_GRANT_OK ? "succeeded"
                  : res->result == TP_GRANT_REJECTED ? "rejected"
                  : "unavailable", res->why,
                  apr_time_as_msec(apr_time_now() - start));
}

typedef struct cluster_call {
    request_rec *r;
    const tp_flight_params *prm;
    const unsigned char *key;
    refresh_call *inner;
} cluster_call;

/* The node's leader for a token: one refresh in the whole cluster. */
static void call_cluster(void *baton, apr_pool_t *p, tp_grant_res *res)
{
    cluster_call *c = baton;

    (void)p;
    tp_cluster_refresh(c->r, c->prm, c->key, TP_FLIGHT_KEY_LEN,
                       call_endpoint, c->inner, res);
}

/* A refresh answer's new ID token: checked like the login's (no nonce),
 * then kept; a bad one is logged and the old ID cookie stays. */
static void refresh_id_token(request_rec *r, const tp_dir_conf *dc,
                             const tp_oidc_meta *m, const char *idt)
{
    tp_idtoken t;
    const char *why;

    if (tp_oidc_verify(r, dc, m, idt, NULL, &t, &why) != TP_VERIFY_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: the refresh answer's ID token fp=%s "
                      "refused: %s", fp(r, idt), why ? why : "?");
        return;
    }
    tp_session_set_id_cookie(r, dc, idt);
}

tp_grant_e tp_session_refresh(request_rec *r, const tp_dir_conf *dc,
                                tp_req *rq)
{
    tp_grant_cfg cfg;
    tp_flight_params prm;
    tp_flight_out out;
    const tp_flight_store *store;
    refresh_call call;
    cluster_call ccall;
    tp_flight_refresh_fn fn = call_endpoint;
    void *baton = &call;
    unsigned char key[TP_FLIGHT_KEY_LEN];
    tp_oidc_meta meta;

    if (!tp_conf_refresh(dc, &cfg) || !tp_req_refresh(r, dc, rq)) {
        return TP_GRANT_REJECTED;
    }
    memset(&call, 0, sizeof(call));
    memset(&meta, 0, sizeof(meta));
    if (!cfg.url) {             /* TokenProxyOIDCProvider's token_endpoint */
        if (!tp_oidc_disc_meta(r, dc, &meta)) {
            return TP_GRANT_UNAVAILABLE;
        }
        cfg.url = meta.token_endpoint;
        call.want_id = 1;
    }
    call.r = r;
    call.cfg = &cfg;
    call.rt = rq->refresh;
    memset(&out, 0, sizeof(out));
    tp_conf_flight(dc, &prm);
    tp_flight_key(cfg.url, rq->refresh, key);
    if (tp_cluster_enabled()) {
        ccall.r = r;
        ccall.prm = &prm;
        ccall.key = key;
        ccall.inner = &call;
        fn = call_cluster;
        baton = &ccall;
    }
    if ((store = tp_shared_store(r)) != NULL) {
        tp_flight_run(r->pool, store, &prm, key, sizeof(key), fn, baton,
                      &out);
        tp_shared_note_outcome(r, &out);
        if (out.store_failed && out.how == TP_FLIGHT_LOST
            && fn == call_cluster) {
            /* the node's state cannot be used, the cluster's single
             * flight still holds */
            fn(baton, r->pool, &out.res);
            out.how = TP_FLIGHT_REFRESHED;
        }
    }
    else {
        fn(baton, r->pool, &out.res);
    }
    if (out.waited) {
        tp_stat_inc(TP_STAT_WAITS);
    }
    if (out.how == TP_FLIGHT_GRACE) {
        tp_stat_inc(TP_STAT_GRACE_HITS);
    }
    if (out.took_over) {
        tp_stat_inc(TP_STAT_TAKEOVERS);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "tokenproxy: the refresh of fp=%s by another request "
                      "did not finish within its lease; this request took "
                      "over", fp(r, rq->refresh));
    }
    if (out.how == TP_FLIGHT_GAVE_UP) {
        tp_stat_inc(TP_STAT_GAVE_UP);
    }
    if (out.how == TP_FLIGHT_LOST) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: refresh of fp=%s not done (503): %s",
                      fp(r, rq->refresh), out.res.why);
    }
    else if (out.how != TP_FLIGHT_REFRESHED) {
        ap_log_rerror(APLOG_MARK, out.res.result == TP_GRANT_OK
                      ? APLOG_DEBUG : APLOG_INFO, 0, r,
                      "tokenproxy: refresh of fp=%s %s another request's "
                      "refresh: %s", fp(r, rq->refresh),
                      out.how == TP_FLIGHT_GAVE_UP ? "gave up waiting for"
                      : out.how == TP_FLIGHT_SHARED ? "waited for and used"
                      : "used", out.res.why);
    }
    if (out.res.result != TP_GRANT_OK) {
        return out.res.result;
    }
    tp_session_set_cookies(r, dc, &out.res.tokens, rq->refresh);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "tokenproxy: new access token fp=%s, refresh token %s",
                  fp(r, out.res.tokens.access),
                  out.res.tokens.refresh
                  ? apr_pstrcat(r->pool, "fp=",
                                fp(r, out.res.tokens.refresh), NULL)
                  : "not rotated");
    rq->access = out.res.tokens.access;
    if (out.res.tokens.refresh) {
        rq->refresh = out.res.tokens.refresh;
    }
    rq->refreshed = 1;
    rq->cookies_set = 1;
    if (call.id_token) {
        refresh_id_token(r, dc, &meta, call.id_token);
    }
    return TP_GRANT_OK;
}

void tp_session_revoke(request_rec *r, const tp_dir_conf *dc, tp_req *rq)
{
    tp_grant_cfg cfg;
    tp_grant_req req;
    tp_http_resp hres;
    tp_oidc_meta meta;
    const char *url = dc->revoke_url;

    if (!tp_req_refresh(r, dc, rq) || !http) {
        return;
    }
    if (!url && tp_oidc_issuer(dc) && tp_oidc_disc_meta(r, dc, &meta)) {
        url = meta.revocation_endpoint;     /* or NULL: none */
    }
    if (!url) {
        return;
    }
    tp_conf_refresh(dc, &cfg);
    tp_grant_revoke(r->pool, &cfg, rq->refresh, &req);
    post(r->pool, url, &req, cfg.timeout, &hres);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: revocation of fp=%s: %s",
                  fp(r, rq->refresh),
                  hres.error ? hres.error
                  : apr_psprintf(r->pool, "HTTP %d", hres.status));
}

/* Is v a Set-Cookie this module wrote for cookie `name` ("name=" or a
 * chunk "name.K=")? */
static int own_cookie(const char *v, const char *name)
{
    apr_size_t n = strlen(name);

    if (strncmp(v, name, n)) {
        return 0;
    }
    if (v[n] == '=') {
        return 1;
    }
    return v[n] == '.' && apr_isdigit(v[n + 1]);
}

/* Is table entry e one of this module's Set-Cookie headers? */
static int own_entry(const apr_table_entry_t *e, const char *access,
                     const char *refresh, const char *id)
{
    return e->key && !strcasecmp(e->key, "Set-Cookie")
           && (own_cookie(e->val, access) || own_cookie(e->val, refresh)
               || (id && own_cookie(e->val, id)));
}

/* Remove the Set-Cookie headers this module put on the response (of the
 * token cookies, and of the ID cookie when with_id). */
static void drop_cookies(request_rec *r, const tp_dir_conf *dc, int with_id)
{
    const apr_array_header_t *arr = apr_table_elts(r->err_headers_out);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const char *a = tp_conf_access_cookie(dc);
    const char *f = tp_conf_refresh_cookie(dc);
    const char *id = with_id ? tp_oidc_id_cookie(dc) : NULL;
    apr_table_t *keep;
    int i, own = 0;

    for (i = 0; i < arr->nelts; i++) {
        own += own_entry(&e[i], a, f, id);
    }
    if (!own) {
        return;
    }
    keep = apr_table_make(r->pool, arr->nelts);
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && !own_entry(&e[i], a, f, id)) {
            apr_table_addn(keep, e[i].key, e[i].val);
        }
    }
    r->err_headers_out = keep;
}

static void drop_own_cookies(request_rec *r, const tp_dir_conf *dc)
{
    drop_cookies(r, dc, 0);
}

static void no_store(request_rec *r)
{
    ap_filter_t *f;

    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    for (f = r->output_filters; f; f = f->next) {
        if (!strcasecmp(f->frec->name, NOSTORE_FILTER)) {
            return;
        }
    }
    ap_add_output_filter(NOSTORE_FILTER, NULL, r, r->connection);
}

/* Drops the upstream's caching headers: only no-store goes out. */
static apr_status_t nostore_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    apr_table_unset(f->r->headers_out, "Cache-Control");
    apr_table_unset(f->r->headers_out, "Expires");
    apr_table_setn(f->r->err_headers_out, "Cache-Control", "no-store");
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

void tp_session_register(void)
{
    ap_register_output_filter(NOSTORE_FILTER, nostore_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
}

/* Clear the chunk cookies name.K, K >= from, that arrived (bit K of
 * sent). */
static void clear_chunks(request_rec *r, const char *name, int from,
                         unsigned int sent, const tp_cookie_attrs *attrs)
{
    int k;

    for (k = from; k <= TP_MAX_CHUNKS; k++) {
        if (sent & (1u << k)) {
            apr_table_addn(r->err_headers_out, "Set-Cookie",
                           tp_setcookie_clear(r->pool,
                                              apr_psprintf(r->pool, "%s.%d",
                                                           name, k),
                                              attrs));
        }
    }
}

/* Clear what arrived of one token cookie: the cookie itself (bit 0 of
 * sent) and its chunks.  A cookie the request did not carry is never
 * cleared: a cross-site navigation carries no SameSite=Strict cookies,
 * yet the browser applies the Set-Cookie headers of its answer. */
static void clear_one(request_rec *r, const char *name, unsigned int sent,
                      const tp_cookie_attrs *attrs)
{
    if (sent & 1u) {
        apr_table_addn(r->err_headers_out, "Set-Cookie",
                       tp_setcookie_clear(r->pool, name, attrs));
    }
    clear_chunks(r, name, 1, sent, attrs);
}

/* Set one token cookie: sealed when keys are set, in chunks when large,
 * with the chunks the client has and no longer needs cleared.  0 when it
 * cannot be set. */
static int set_one(request_rec *r, const tp_keyring *keys, const char *name,
                   const char *value, apr_int64_t age, unsigned int sent,
                   const tp_cookie_attrs *attrs)
{
    const char *parts[TP_MAX_CHUNKS];
    int n, k;

    if (keys && !(value = tp_sealcookie(r->pool, keys, name, value))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "tokenproxy: could not seal cookie '%s'", name);
        return 0;
    }
    n = tp_cookie_split(r->pool, value, parts);
    if (n == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "tokenproxy: cookie '%s' would need more than %d "
                      "chunks of %d bytes; not set", name, TP_MAX_CHUNKS,
                      TP_CHUNK_MAX);
        return 0;
    }
    if (n == 1) {
        apr_table_addn(r->err_headers_out, "Set-Cookie",
                       tp_setcookie(r->pool, name, value, age, attrs));
        clear_chunks(r, name, 1, sent, attrs);
        return 1;
    }
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   tp_setcookie(r->pool, name, apr_psprintf(r->pool, "~%d", n),
                                age, attrs));
    for (k = 1; k <= n; k++) {
        apr_table_addn(r->err_headers_out, "Set-Cookie",
                       tp_setcookie(r->pool,
                                    apr_psprintf(r->pool, "%s.%d", name, k),
                                    parts[k - 1], age, attrs));
    }
    clear_chunks(r, name, n + 1, sent, attrs);
    return 1;
}

void tp_session_set_cookies(request_rec *r, const tp_dir_conf *dc,
                            const tp_tokens *tokens, const char *old_refresh)
{
    tp_cookie_attrs attrs;
    apr_int64_t age = tokens->expires_in, exp;
    const char *rt = tokens->refresh ? tokens->refresh : old_refresh;
    const tp_req *rq = tp_req_get(r, dc);

    if (age < 0 && tp_jwt_exp(r->pool, tokens->access, &exp)) {
        age = exp - apr_time_sec(apr_time_now());
        if (age < 0) {
            age = 0;
        }
    }
    tp_conf_cookie_attrs(dc, &attrs);
    drop_own_cookies(r, dc);
    set_one(r, dc->keys, tp_conf_access_cookie(dc), tokens->access, age,
            rq->sent[0], &attrs);
    if (rt) {
        set_one(r, dc->keys, tp_conf_refresh_cookie(dc), rt,
                tp_conf_refresh_max_age(dc), rq->sent[1], &attrs);
    }
    no_store(r);
}

void tp_session_clear_cookies(request_rec *r, const tp_dir_conf *dc)
{
    tp_cookie_attrs attrs;
    const tp_req *rq = tp_req_get(r, dc);

    tp_conf_cookie_attrs(dc, &attrs);
    drop_cookies(r, dc, tp_oidc_issuer(dc) != NULL);
    clear_one(r, tp_conf_access_cookie(dc), rq->sent[0], &attrs);
    clear_one(r, tp_conf_refresh_cookie(dc), rq->sent[1], &attrs);
    if (tp_oidc_issuer(dc)) {
        clear_one(r, tp_oidc_id_cookie(dc), rq->id_sent, &attrs);
    }
    no_store(r);
}

void tp_session_login_cookies(request_rec *r, const tp_dir_conf *dc,
                              const tp_tokens *tokens, const char *id_token)
{
    tp_cookie_attrs attrs;
    const tp_req *rq = tp_req_get(r, dc);

    tp_session_set_cookies(r, dc, tokens, NULL);
    if (!tokens->refresh) {     /* an old session's refresh token */
        tp_conf_cookie_attrs(dc, &attrs);
        clear_one(r, tp_conf_refresh_cookie(dc), rq->sent[1], &attrs);
    }
    tp_session_set_id_cookie(r, dc, id_token);
}

const tp_keyring *tp_session_id_keys(request_rec *r, const tp_dir_conf *dc)
{
    return dc->keys ? dc->keys : tp_shared_start_keyring(r->pool);
}

void tp_session_set_id_cookie(request_rec *r, const tp_dir_conf *dc,
                              const char *id_token)
{
    tp_cookie_attrs attrs;
    const tp_req *rq = tp_req_get(r, dc);
    const tp_keyring *kr = tp_session_id_keys(r, dc);

    if (!kr) {
        return;
    }
    tp_conf_cookie_attrs(dc, &attrs);
    set_one(r, kr, tp_oidc_id_cookie(dc), id_token,
            tp_conf_refresh_max_age(dc), rq->id_sent, &attrs);
    no_store(r);
}

void tp_session_clear_unopened(request_rec *r, const tp_dir_conf *dc)
{
    tp_req *rq = tp_req_get(r, dc);
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
    no_store(r);
}

static int has_header(void *rec, const char *key, const char *val)
{
    const char **want = rec;

    (void)val;
    if (*want && !strcasecmp(key, *want)) {
        *want = NULL;
        return 0;
    }
    return 1;
}

const char *tp_session_csrf(request_rec *r, const tp_dir_conf *dc)
{
    tp_csrf_in in;
    const char *want = dc->csrf_header;

    /* GET and HEAD have M_GET, OPTIONS M_OPTIONS: the methods
     * tp_csrf_check() always lets through */
    if (!tp_conf_csrf(dc) || r->method_number == M_GET
        || r->method_number == M_OPTIONS) {
        return NULL;
    }
    memset(&in, 0, sizeof(in));
    in.method = r->method;
    in.sec_fetch_site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    in.origin = apr_table_get(r->headers_in, "Origin");
    in.scheme = ap_http_scheme(r);
    in.host = apr_table_get(r->headers_in, "Host");
    in.trusted = dc->trusted;
    in.required_header = dc->csrf_header;
    if (want) {
        apr_table_do(has_header, &want, r->headers_in, NULL);
        in.has_required_header = (want == NULL);
    }
    return tp_csrf_check(r->pool, &in);
}

int tp_session_forbidden(request_rec *r, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "tokenproxy: %s request refused (TokenProxyCSRF): %s",
                  r->method, ap_escape_logitem(r->pool, why));
    return tp_session_json(r, HTTP_FORBIDDEN,
                           "{\"error\":\"forbidden\",\"message\":"
                           "\"cross-site request refused\"}\n", NULL, NULL);
}

static int has_sec_fetch(void *rec, const char *key, const char *val)
{
    (void)val;
    if (!strncasecmp(key, "Sec-Fetch-", 10)) {
        *(int *)rec = 1;
        return 0;
    }
    return 1;
}

int tp_session_is_navigation(request_rec *r)
{
    tp_nav_in in;

    memset(&in, 0, sizeof(in));
    in.method = r->method;
    in.sec_fetch_mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    apr_table_do(has_sec_fetch, &in.has_sec_fetch, r->headers_in, NULL);
    in.accept = apr_table_get(r->headers_in, "Accept");
    in.x_requested_with = apr_table_get(r->headers_in, "X-Requested-With");
    return tp_is_navigation(&in);
}

int tp_session_json(request_rec *r, int status, const char *json,
                    const char *header, const char *value)
{
    apr_size_t len = strlen(json);

    apr_table_clear(r->headers_out);
    apr_table_unset(r->err_headers_out, "WWW-Authenticate"); /* upstream's */
    if (header) {
        apr_table_setn(r->headers_out, header, value);
    }
    r->status = status;
    r->status_line = NULL;
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(json, (int)len, r);
    }
    return OK;
}

int tp_session_over(request_rec *r, const tp_dir_conf *dc)
{
    tp_session_clear_cookies(r, dc);
    if (tp_session_is_navigation(r)) {
        apr_table_clear(r->headers_out);
        apr_table_setn(r->headers_out, "Location",
                       tp_login_location(r->pool, tp_conf_login_url(dc),
                                         r->unparsed_uri));
        r->status = HTTP_OK;
        return HTTP_MOVED_TEMPORARILY;
    }
    return tp_session_json(r, HTTP_UNAUTHORIZED,
                           "{\"error\":\"unauthorized\","
                           "\"message\":\"the session is over\"}\n",
                           "WWW-Authenticate", "Bearer realm=\"tokenproxy\"");
}

int tp_session_unavailable(request_rec *r)
{
    return tp_session_json(r, HTTP_SERVICE_UNAVAILABLE,
                           "{\"error\":\"refresh_unavailable\","
                           "\"message\":\"try again shortly\"}\n",
                           "Retry-After", TP_RETRY_AFTER);
}
