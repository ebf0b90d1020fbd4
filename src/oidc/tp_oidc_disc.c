/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The provider's discovery document and key set, cached per child.
 *
 * One thread mutex guards the cache, and is held only to read or change
 * it: never across a fetch.  A document that must be fetched is fetched
 * by the one request that notices first; while it runs, requests that
 * have a document (a stale one too) use it at once, and requests that
 * have none, or want a newer key set (a kid it does not have), wait for
 * that fetch on a condition variable, at most TokenProxyRefreshTimeout.
 * Each fetch is parsed once, into a pool of its own, and shared: the
 * parsed metadata and key set (its OpenSSL keys) are counted by
 * reference, and freed by the last request that used them after a newer
 * fetch replaced them.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include "oidc/tp_oidc_disc.h"
#include "shared/tp_child_http.h"

extern module AP_MODULE_DECLARE_DATA tokenproxy_module;
APLOG_USE_MODULE(tokenproxy);

/* When a document was fetched, and whether it is being fetched. */
typedef struct doc {
    apr_time_t fetched;     /* 0: never */
    apr_time_t tried;       /* the last fetch that failed, or a refetch */
    int fetching;           /* a request of this child fetches it now */
} doc;

/* One fetch's parsed document, shared by the requests that use it. */
typedef struct parsed {
    apr_pool_t *pool;       /* unmanaged: holds all of it */
    tp_oidc_meta meta;      /* the metadata's */
    const tp_jwks *jwks;    /* the key set's, with its keys */
    int refs;               /* the cache's own, and each request's */
} parsed;

typedef struct provider {
    doc meta_doc, keys_doc;
    parsed *meta, *keys;    /* or NULL */
} provider;

static apr_pool_t *cpool;
static apr_hash_t *providers;
#if APR_HAS_THREADS
static apr_thread_mutex_t *lock;
static apr_thread_cond_t *fetch_ended;  /* broadcast after every fetch */
#endif

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

/* Under the lock: a reference less; the last one frees the document. */
static void unref(parsed *d)
{
    if (d && --d->refs == 0) {
        apr_pool_destroy(d->pool);
    }
}

static apr_status_t release(void *data)
{
    do_lock();
    unref(data);
    do_unlock();
    return APR_SUCCESS;
}

/* Under the lock: a reference for the request, until its end. */
static parsed *take(request_rec *r, parsed *d)
{
    if (d) {
        d->refs++;
        apr_pool_cleanup_register(r->pool, d, release,
                                  apr_pool_cleanup_null);
    }
    return d;
}

/* At the child's end: the documents go with the cache. */
static apr_status_t destroy_root(void *data)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, providers); hi; hi = apr_hash_next(hi)) {
        provider *pv = apr_hash_this_val(hi);
        unref(pv->meta);
        unref(pv->keys);
    }
    apr_pool_destroy(data);
    cpool = NULL;
    providers = NULL;
    return APR_SUCCESS;
}

/* The cache's pool is a root pool of its own, touched only under the
 * lock; each parsed document has an unmanaged pool (its own allocator),
 * filled by the one request that fetched it and then only read. */
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
    if (apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, pchild)
        != APR_SUCCESS
        || apr_thread_cond_create(&fetch_ended, pchild) != APR_SUCCESS) {
        lock = NULL;
        fetch_ended = NULL;
    }
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

/* Outside the lock: fetch url and parse it (the key set when is_keys,
 * else the metadata) into a new unmanaged pool.  1 and *out; 0 and
 * *why. */
static parsed *fetch_parse(request_rec *r, const tp_dir_conf *dc,
                           const char *url, int is_keys, const char **why)
{
    const char *text;
    apr_size_t len = 0;
    apr_pool_t *pool;
    parsed *d;
    int ok;

    if (!(text = fetch(r, dc, url, &len, why))) {
        return NULL;
    }
    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
        *why = "out of memory";
        return NULL;
    }
    d = apr_pcalloc(pool, sizeof(*d));
    d->pool = pool;
    d->refs = 1;                /* the cache's */
    ok = is_keys ? (d->jwks = tp_jwks_parse(pool, text, len, why)) != NULL
                 : tp_oidc_meta_parse(pool, text, len, tp_oidc_issuer(dc),
                                      &d->meta, why);
    if (!ok) {
        apr_pool_destroy(pool);
        return NULL;
    }
    return d;
}

static int should_fetch(const doc *d, int have, apr_time_t now, int refetch)
{
    tp_doc_times t;

    t.have = have;
    t.fetched = d->fetched;
    t.tried = d->tried;
    return tp_doc_should_fetch(&t, now, refetch);
}

/*
 * Under the lock (held again on return): bring the provider's metadata
 * (is_keys 0) or key set (1) up to date as far as it can be now; NULL,
 * or why it could not be had.  With a fetch of it running in another
 * thread of this child, a request that has a document uses it at once,
 * and one that has none, or wants a newer key set (refetch), waits for
 * that fetch, at most the section's TokenProxyRefreshTimeout.
 * Otherwise, when the document is due (tp_doc_should_fetch), this
 * request fetches it, without the lock.
 */
static const char *update(request_rec *r, const tp_dir_conf *dc,
                          provider *pv, int is_keys, const char *url,
                          int refetch)
{
    doc *d = is_keys ? &pv->keys_doc : &pv->meta_doc;
    parsed **slot = is_keys ? &pv->keys : &pv->meta, *f;
    const char *what = is_keys ? "key set" : "provider metadata", *why = NULL;
    apr_time_t deadline = apr_time_now() + tp_conf_timeout(dc), now;

#if APR_HAS_THREADS
    while (d->fetching && fetch_ended && (!*slot || refetch)) {
        now = apr_time_now();
        if (now >= deadline) {
            return apr_psprintf(r->pool, "another request's fetch of the "
                                "%s did not end within %" APR_TIME_T_FMT
                                " s", what,
                                apr_time_sec(tp_conf_timeout(dc)));
        }
        apr_thread_cond_timedwait(fetch_ended, lock, deadline - now);
    }
#endif
    now = apr_time_now();
    if (d->fetching) {
        return NULL;            /* have one: used meanwhile */
    }
    if (!should_fetch(d, *slot != NULL, now, refetch)) {
        if (refetch) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "tokenproxy: key set of %s fetched or tried less "
                          "than %d s ago; not again", tp_oidc_issuer(dc),
                          TP_JWKS_REFETCH);
        }
        return *slot ? NULL : apr_psprintf(r->pool, "the last fetch of the "
                                          "%s failed less than %d s ago",
                                          what, TP_DISC_RETRY);
    }
    d->fetching = 1;
    do_unlock();
    f = fetch_parse(r, dc, url, is_keys, &why);
    do_lock();
    d->fetching = 0;
    if (f) {
        unref(*slot);           /* freed once no request holds it */
        *slot = f;
        d->fetched = now;
        d->tried = 0;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "tokenproxy: %s of %s fetched%s", what,
                      tp_oidc_issuer(dc),
                      refetch ? " again for an unknown kid" : "");
    }
    else {
        d->tried = now;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: %s from %s not usable: %s", what, url,
                      why ? why : "?");
    }
#if APR_HAS_THREADS
    if (fetch_ended) {
        apr_thread_cond_broadcast(fetch_ended);
    }
#endif
    return f ? NULL : why;
}

int tp_oidc_disc_meta(request_rec *r, const tp_dir_conf *dc,
                      tp_oidc_meta *out)
{
    const char *issuer = tp_oidc_issuer(dc), *url, *why;
    provider *pv;
    parsed *d;

    memset(out, 0, sizeof(*out));
    if (!issuer || !providers) {
        return 0;
    }
    url = apr_pstrcat(r->pool, issuer,
                      issuer[strlen(issuer) - 1] == '/' ? "" : "/",
                      ".well-known/openid-configuration", NULL);
    do_lock();
    pv = provider_of(issuer);
    why = update(r, dc, pv, 0, url, 0);
    if ((d = take(r, pv->meta)) != NULL) {   /* a stale one beats none */
        *out = d->meta;
    }
    do_unlock();
    if (!d) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "tokenproxy: the OpenID provider %s is unavailable: "
                      "%s", issuer, why ? why : "no metadata");
    }
    return d != NULL;
}

const tp_jwks *tp_oidc_disc_jwks(request_rec *r, const tp_dir_conf *dc,
                                 const tp_oidc_meta *m, int refetch)
{
    const char *issuer = tp_oidc_issuer(dc);
    provider *pv;
    parsed *d;

    if (!issuer || !providers || !m->jwks_uri) {
        return NULL;
    }
    do_lock();
    pv = provider_of(issuer);
    update(r, dc, pv, 1, m->jwks_uri, refetch);
    d = take(r, pv->keys);
    do_unlock();
    return d ? d->jwks : NULL;
}
