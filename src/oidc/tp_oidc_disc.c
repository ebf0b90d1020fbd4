/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The provider's discovery document and key set, cached per child.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "oidc/tp_oidc_disc.h"
#include "shared/tp_child_http.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

typedef struct doc {
    apr_pool_t *pool;       /* holds text; replaced with it */
    char *text;
    apr_size_t len;
    apr_time_t fetched;     /* 0: never */
    apr_time_t tried;       /* the last fetch that failed, or a refetch */
} doc;

typedef struct provider {
    doc meta, jwks;
} provider;

static apr_pool_t *cpool;
static apr_hash_t *providers;
#if APR_HAS_THREADS
static apr_thread_mutex_t *lock;
#endif

static apr_status_t destroy_root(void *data)
{
    apr_pool_destroy(data);
    cpool = NULL;
    providers = NULL;
    return APR_SUCCESS;
}

/* The cache's pool is a root pool of its own, so that creating and
 * destroying its sub-pools (under the lock) never touches a pool other
 * threads use. */
void tp_oidc_disc_child_init(apr_pool_t *pchild)
{
    if (apr_pool_create(&cpool, NULL) != APR_SUCCESS) {
        cpool = NULL;
        return;
    }
    apr_pool_cleanup_register(pchild, cpool, destroy_root,
                              apr_pool_cleanup_null);
    providers = apr_hash_make(cpool);
#if APR_HAS_THREADS
    apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, pchild);
#endif
}

static void do_lock(void)
{
#if APR_HAS_THREADS
    if (lock) apr_thread_mutex_lock(lock);
#endif
}

static void do_unlock(void)
{
#if APR_HAS_THREADS
    if (lock) apr_thread_mutex_unlock(lock);
#endif
}

/* Under the lock. */
static provider *provider_of(const char *issuer)
{
    provider *pv = apr_hash_get(providers, issuer, APR_HASH_KEY_STRING);

    if (!pv) {
        pv = apr_pcalloc(cpool, sizeof(*pv));
        apr_hash_set(providers, apr_pstrdup(cpool, issuer),
                     APR_HASH_KEY_STRING, pv);
    }
    return pv;
}

/* Under the lock: keep text as d's document. */
static void keep(doc *d, const char *text, apr_size_t len, apr_time_t now)
{
    apr_pool_t *np;

    if (apr_pool_create(&np, cpool) != APR_SUCCESS) {
        return;
    }
    if (d->pool) {
        apr_pool_destroy(d->pool);
    }
    d->pool = np;
    d->text = apr_pstrmemdup(np, text, len);
    d->len = len;
    d->fetched = now;
    d->tried = 0;
}

static int should_fetch(const doc *d, apr_time_t now, int refetch)
{
    tp_doc_times t;

    t.have = d->text != NULL;
    t.fetched = d->fetched;
    t.tried = d->tried;
    return tp_doc_should_fetch(&t, now, refetch);
}

/* GET url: the body, or NULL and *why. */
static const char *fetch(request_rec *r, const tp_dir_conf *dc,
                         const char *url, apr_size_t *len, const char **why)
{
    tp_http_resp res;
    tp_http *h = tp_child_http();

    if (!h) {
        *why = "no HTTP client in this process";
        return NULL;
    }
    tp_http_get(h, r->pool, url, tp_conf_timeout(dc), TP_OIDC_MAX_DOC, &res);
    if (res.error) {
        *why = res.error;
        return NULL;
    }
    if (res.status != 200) {
        *why = apr_psprintf(r->pool, "HTTP %d", res.status);
        return NULL;
    }
    *len = res.len;
    return res.body;
}

int tp_oidc_disc_meta(request_rec *r, const tp_dir_conf *dc,
                      tp_oidc_meta *out)
{
    const char *issuer = tp_oidc_issuer(dc), *url, *why = NULL, *text;
    apr_size_t len = 0;
    apr_time_t now = apr_time_now();
    provider *pv;
    char *copy = NULL;
    apr_size_t clen = 0;

    if (!issuer || !providers) {
        return 0;
    }
    url = apr_pstrcat(r->pool, issuer,
                      issuer[strlen(issuer) - 1] == '/' ? "" : "/",
                      ".well-known/openid-configuration", NULL);
    do_lock();
    pv = provider_of(issuer);
    if (!pv->meta.text || now - pv->meta.fetched
                          >= apr_time_from_sec(TP_DISC_TTL)) {
        if (!should_fetch(&pv->meta, now, 0)) {
            why = "the last fetch failed less than 10 s ago";
        }
        else if ((text = fetch(r, dc, url, &len, &why)) != NULL
                 && tp_oidc_meta_parse(r->pool, text, len, issuer, out,
                                       &why)) {
            keep(&pv->meta, text, len, now);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "tokenproxy: provider metadata of %s fetched",
                          issuer);
        }
        else {
            pv->meta.tried = now;
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "tokenproxy: provider metadata from %s not "
                          "usable: %s", url, why ? why : "?");
        }
    }
    if (pv->meta.text) {        /* a stale document beats none */
        copy = apr_pstrmemdup(r->pool, pv->meta.text, pv->meta.len);
        clen = pv->meta.len;
    }
    do_unlock();
    if (!copy) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: the OpenID provider %s is unavailable: %s",
                      issuer, why ? why : "no metadata");
        return 0;
    }
    return tp_oidc_meta_parse(r->pool, copy, clen, issuer, out, &why);
}

const tp_jwks *tp_oidc_disc_jwks(request_rec *r, const tp_dir_conf *dc,
                                 const tp_oidc_meta *m, int refetch)
{
    const char *issuer = tp_oidc_issuer(dc), *why = NULL, *text;
    apr_size_t len = 0, clen = 0;
    apr_time_t now = apr_time_now();
    provider *pv;
    char *copy = NULL;
    int want;

    if (!issuer || !providers || !m->jwks_uri) {
        return NULL;
    }
    do_lock();
    pv = provider_of(issuer);
    want = should_fetch(&pv->jwks, now, refetch);
    if (refetch && !want) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "tokenproxy: key set of %s fetched or tried less "
                      "than %d s ago; not again", issuer, TP_JWKS_REFETCH);
    }
    if (want) {
        if ((text = fetch(r, dc, m->jwks_uri, &len, &why)) != NULL
            && tp_jwks_parse(r->pool, text, len, &why)) {
            keep(&pv->jwks, text, len, now);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "tokenproxy: key set of %s fetched%s", issuer,
                          refetch ? " again for an unknown kid" : "");
        }
        else {
            pv->jwks.tried = now;
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "tokenproxy: key set from %s not usable: %s",
                          m->jwks_uri, why ? why : "?");
        }
    }
    if (pv->jwks.text) {
        copy = apr_pstrmemdup(r->pool, pv->jwks.text, pv->jwks.len);
        clen = pv->jwks.len;
    }
    do_unlock();
    return copy ? tp_jwks_parse(r->pool, copy, clen, &why) : NULL;
}
