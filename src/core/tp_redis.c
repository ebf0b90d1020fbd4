/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The Redis connection of a child process (hiredis).
 */

#include <errno.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "core/tp_redis.h"

#define BACKOFF_MIN apr_time_from_msec(100)
#define BACKOFF_MAX apr_time_from_sec(2)

struct tp_redis {
    tp_redis_url url;
    apr_interval_time_t timeout;
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    redisContext *ctx;
    apr_time_t retry_at;            /* no connection attempt before */
    apr_interval_time_t backoff;
};

/* %XX decoding of the user and password parts */
static char *unescape(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && apr_isxdigit(s[i + 1])
            && apr_isxdigit(s[i + 2])) {
            char hex[3] = { s[i + 1], s[i + 2], '\0' };
            *o++ = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

const char *tp_redis_url_parse(apr_pool_t *p, const char *url,
                               tp_redis_url *out)
{
    const char *s, *at, *hp, *slash, *colon, *end;

    memset(out, 0, sizeof(*out));
    out->port = 6379;
    if (!url || strncasecmp(url, "redis://", 8)) {
        return "the URL must begin with redis:// (TLS to Redis is not "
               "supported: see the README for a local TLS tunnel)";
    }
    s = url + 8;
    end = s + strlen(s);
    slash = strchr(s, '/');
    at = memchr(s, '@', (apr_size_t)((slash ? slash : end) - s));
    if (at) {
        const char *c = memchr(s, ':', (apr_size_t)(at - s));
        if (!c) {
            return "the credentials must be [USER]:PASSWORD@";
        }
        if (c > s) {
            out->user = unescape(p, s, (apr_size_t)(c - s));
        }
        out->password = unescape(p, c + 1, (apr_size_t)(at - c - 1));
        if (!*out->password) {
            return "the password after ':' is empty";
        }
        hp = at + 1;
    }
    else {
        hp = s;
    }
    if (slash) {
        const char *d = slash + 1;
        char *e;
        long db;
        if (!*d) {
            return "no database number after '/'";
        }
        db = strtol(d, &e, 10);
        if (*e || db < 0 || db > 65535 || !apr_isdigit(*d)) {
            return "the database after '/' must be a number";
        }
        out->db = (int)db;
        end = slash;
    }
    if (*hp == '[') {                       /* [IPv6]:port */
        const char *rb = memchr(hp, ']', (apr_size_t)(end - hp));
        if (!rb || rb == hp + 1) {
            return "an IPv6 address needs its closing ']'";
        }
        out->host = apr_pstrmemdup(p, hp + 1, (apr_size_t)(rb - hp - 1));
        colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
        if (rb + 1 < end && !colon) {
            return "garbage after the IPv6 address";
        }
    }
    else {
        colon = memchr(hp, ':', (apr_size_t)(end - hp));
        out->host = apr_pstrmemdup(p, hp,
                                   (apr_size_t)((colon ? colon : end) - hp));
    }
    if (!*out->host) {
        return "no host";
    }
    if (colon) {
        char *e;
        long port = strtol(colon + 1, &e, 10);
        if (e != end || port < 1 || port > 65535 || !apr_isdigit(colon[1])) {
            return "the port must be a number from 1 to 65535";
        }
        out->port = (int)port;
    }
    return NULL;
}

static apr_status_t cleanup(void *data)
{
    tp_redis *rc = data;

    if (rc->ctx) {
        redisFree(rc->ctx);
        rc->ctx = NULL;
    }
    return APR_SUCCESS;
}

tp_redis *tp_redis_create(apr_pool_t *p, const tp_redis_url *url,
                          apr_interval_time_t timeout)
{
    tp_redis *rc = apr_pcalloc(p, sizeof(*rc));

    rc->url = *url;
    rc->url.host = apr_pstrdup(p, url->host);
    rc->url.user = url->user ? apr_pstrdup(p, url->user) : NULL;
    rc->url.password = url->password ? apr_pstrdup(p, url->password) : NULL;
    rc->timeout = timeout;
    rc->backoff = BACKOFF_MIN;
#if APR_HAS_THREADS
    apr_thread_mutex_create(&rc->mutex, APR_THREAD_MUTEX_DEFAULT, p);
#endif
    apr_pool_cleanup_register(p, rc, cleanup, apr_pool_cleanup_null);
    return rc;
}

static struct timeval tv_of(apr_interval_time_t t)
{
    struct timeval tv;

    tv.tv_sec = (long)apr_time_sec(t);
    tv.tv_usec = (long)apr_time_usec(t);
    return tv;
}

/* The connection broke or never came: drop it, wait before the next. */
static void failed(tp_redis *rc, tp_redis_reply *reply, const char *why)
{
    if (rc->ctx) {
        redisFree(rc->ctx);
        rc->ctx = NULL;
    }
    rc->retry_at = apr_time_now() + rc->backoff;
    rc->backoff = rc->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX
                                                : rc->backoff * 2;
    reply->type = TP_REDIS_ERROR;
    reply->error = why;
}

/* One command on the open connection, the reply copied; 1 when an
 * answer came, 0 when the connection failed (then reply says why), -1
 * when the server had closed the connection before (worth one retry on a
 * new connection). */
static int run(tp_redis *rc, apr_pool_t *p, int argc, const char **argv,
               const size_t *lens, tp_redis_reply *reply)
{
    redisReply *r = redisCommandArgv(rc->ctx, argc, argv, lens);
    int closed;

    memset(reply, 0, sizeof(*reply));
    if (!r) {
        closed = rc->ctx->err == REDIS_ERR_EOF
                 || (rc->ctx->err == REDIS_ERR_IO
                     && (errno == ECONNRESET || errno == EPIPE));
        failed(rc, reply, rc->ctx->err == REDIS_ERR_IO && !closed
                          ? "no answer from Redis (I/O error or timeout)"
                          : closed ? "Redis closed the connection"
                          : "the connection to Redis failed");
        return closed ? -1 : 0;
    }
    switch (r->type) {
    case REDIS_REPLY_NIL:
        reply->type = TP_REDIS_NIL;
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        reply->type = TP_REDIS_STRING;
        reply->str = apr_pstrmemdup(p, r->str, r->len);
        reply->len = r->len;
        break;
    case REDIS_REPLY_INTEGER:
        reply->type = TP_REDIS_INTEGER;
        reply->integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        reply->type = TP_REDIS_ARRAY;
        reply->nelem = (int)r->elements;
        reply->elem = apr_pcalloc(p, (r->elements + 1) * sizeof(char *));
        reply->elen = apr_pcalloc(p, (r->elements + 1) * sizeof(apr_size_t));
        for (size_t i = 0; i < r->elements; i++) {
            const redisReply *el = r->element[i];
            if (el && el->type == REDIS_REPLY_STRING) {
                reply->elem[i] = apr_pstrmemdup(p, el->str, el->len);
                reply->elen[i] = el->len;
            }
        }
        break;
    case REDIS_REPLY_ERROR:
        reply->type = TP_REDIS_REFUSED;
        reply->str = apr_pstrmemdup(p, r->str, r->len);
        reply->len = r->len;
        break;
    default:
        reply->type = TP_REDIS_ERROR;
        reply->error = "an unexpected kind of answer from Redis";
        break;
    }
    freeReplyObject(r);
    return 1;
}

/* Connect, AUTH, SELECT; 0 when that failed (reply says why). */
static int connect_now(tp_redis *rc, apr_pool_t *p, tp_redis_reply *reply)
{
    const char *argv[3];
    size_t lens[3];
    int n = 0;

    rc->ctx = redisConnectWithTimeout(rc->url.host, rc->url.port,
                                      tv_of(rc->timeout));
    if (!rc->ctx || rc->ctx->err) {
        failed(rc, reply, "cannot connect to Redis");
        return 0;
    }
    if (redisSetTimeout(rc->ctx, tv_of(rc->timeout)) != REDIS_OK) {
        failed(rc, reply, "cannot set the Redis timeout");
        return 0;
    }
    if (rc->url.password) {
        argv[n++] = "AUTH";
        if (rc->url.user) {
            argv[n++] = rc->url.user;
        }
        argv[n++] = rc->url.password;
        for (int i = 0; i < n; i++) {
            lens[i] = strlen(argv[i]);
        }
        if (run(rc, p, n, argv, lens, reply) <= 0) {
            return 0;
        }
        if (reply->type != TP_REDIS_STRING) {
            failed(rc, reply, "Redis refused the AUTH (check the user and "
                   "password of TokenProxyCluster)");
            return 0;
        }
    }
    if (rc->url.db) {
        const char *db = apr_itoa(p, rc->url.db);
        argv[0] = "SELECT";
        argv[1] = db;
        lens[0] = 6;
        lens[1] = strlen(db);
        if (run(rc, p, 2, argv, lens, reply) <= 0) {
            return 0;
        }
        if (reply->type != TP_REDIS_STRING) {
            failed(rc, reply, "Redis refused the SELECT of the database");
            return 0;
        }
    }
    rc->backoff = BACKOFF_MIN;
    return 1;
}

void tp_redis_command(tp_redis *rc, apr_pool_t *p, int argc,
                      const char *const *argv, const apr_size_t *lens,
                      tp_redis_reply *reply)
{
    size_t l[16];
    int i;

    memset(reply, 0, sizeof(*reply));
    if (argc < 1 || argc > 16) {
        reply->type = TP_REDIS_ERROR;
        reply->error = "too many arguments";
        return;
    }
    for (i = 0; i < argc; i++) {
        l[i] = lens[i];
    }
#if APR_HAS_THREADS
    apr_thread_mutex_lock(rc->mutex);
#endif
    if (!rc->ctx && apr_time_now() < rc->retry_at) {
        reply->type = TP_REDIS_ERROR;
        reply->error = "Redis was unreachable a moment ago; waiting before "
                       "the next attempt";
    }
    else if (rc->ctx) {
        /* a connection kept from earlier may have died meanwhile (Redis
         * restarted, an idle timeout): then the command never reached a
         * server, so connect again at once and send it once more */
        if (run(rc, p, argc, (const char **)argv, l, reply) < 0
            && connect_now(rc, p, reply)) {
            run(rc, p, argc, (const char **)argv, l, reply);
        }
    }
    else if (connect_now(rc, p, reply)) {
        run(rc, p, argc, (const char **)argv, l, reply);
    }
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(rc->mutex);
#endif
}

/* The hex SHA-1 of a script, as EVALSHA wants it. */
static const char *sha1_hex(apr_pool_t *p, const char *s)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    char *hex;

    if (!EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL)) {
        return "";
    }
    hex = apr_palloc(p, 2 * n + 1);
    for (i = 0; i < n; i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    return hex;
}

void tp_redis_script(tp_redis *rc, apr_pool_t *p, const char *script,
                     const char *key, apr_size_t klen, int argc,
                     const char *const *argv, const apr_size_t *lens,
                     tp_redis_reply *reply)
{
    const char *a[16];
    apr_size_t l[16];
    int i;

    if (argc > 12) {
        memset(reply, 0, sizeof(*reply));
        reply->type = TP_REDIS_ERROR;
        reply->error = "too many arguments";
        return;
    }
    a[0] = "EVALSHA";
    l[0] = 7;
    a[1] = sha1_hex(p, script);
    l[1] = strlen(a[1]);
    a[2] = "1";
    l[2] = 1;
    a[3] = key;
    l[3] = klen;
    for (i = 0; i < argc; i++) {
        a[4 + i] = argv[i];
        l[4 + i] = lens[i];
    }
    tp_redis_command(rc, p, 4 + argc, a, l, reply);
    if (reply->type == TP_REDIS_REFUSED && !strncmp(reply->str, "NOSCRIPT", 8)) {
        a[0] = "EVAL";
        l[0] = 4;
        a[1] = script;
        l[1] = strlen(script);
        tp_redis_command(rc, p, 4 + argc, a, l, reply);
    }
}
