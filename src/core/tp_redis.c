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
#include "core/tp_sentinel.h"

#define BACKOFF_MIN apr_time_from_msec(100)
#define BACKOFF_MAX apr_time_from_sec(2)
/* during a failover: find the new master soon after it is named */
#define BACKOFF_MAX_FAILOVER apr_time_from_msec(400)

struct tp_redis {
    tp_redis_url url;
    apr_interval_time_t timeout;
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    redisContext *ctx;
    apr_time_t retry_at;            /* no connection attempt before */
    apr_interval_time_t backoff;
    int failover;                   /* the last failure was a failover */
    const char *last_error;         /* and why, for the backoff window */
    char master[256];               /* redis-sentinel: the master named */
    int master_port;
    apr_uint64_t changes;           /* times that address changed */
    tp_sentinel_notices *notices;   /* redis-sentinel: its own, or one
                                     * shared */
    apr_uint64_t seen;              /* their count when the connection
                                     * was made */
};

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
    rc->url.sentinel_user = url->sentinel_user
                            ? apr_pstrdup(p, url->sentinel_user) : NULL;
    rc->url.sentinel_password = url->sentinel_password
                                ? apr_pstrdup(p, url->sentinel_password)
                                : NULL;
    rc->url.master_name = url->master_name
                          ? apr_pstrdup(p, url->master_name) : NULL;
    for (int i = 0; i < url->nsentinels; i++) {
        rc->url.sentinels[i].host = apr_pstrdup(p, url->sentinels[i].host);
    }
    rc->timeout = timeout;
    rc->backoff = BACKOFF_MIN;
#if APR_HAS_THREADS
    apr_thread_mutex_create(&rc->mutex, APR_THREAD_MUTEX_DEFAULT, p);
#endif
    if (url->sentinel) {
        rc->notices = tp_sentinel_notices_create(p);
    }
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
    apr_interval_time_t max = rc->failover ? BACKOFF_MAX_FAILOVER
                                           : BACKOFF_MAX;

    if (rc->ctx) {
        redisFree(rc->ctx);
        rc->ctx = NULL;
    }
    if (rc->backoff > max) {
        rc->backoff = max;
    }
    rc->retry_at = apr_time_now() + rc->backoff;
    rc->backoff = rc->backoff * 2 > max ? max : rc->backoff * 2;
    reply->type = TP_REDIS_ERROR;
    reply->error = why;
    reply->failover = rc->failover;
    rc->last_error = why;
}

/* An answer that says this server is not (or no longer) the master. */
static int not_master(const char *s, apr_size_t len)
{
    return (len >= 8 && !strncmp(s, "READONLY", 8))
           || (len >= 7 && !strncmp(s, "LOADING", 7))
           || (len >= 10 && !strncmp(s, "MASTERDOWN", 10));
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
        if (rc->url.sentinel && not_master(r->str, r->len)) {
            /* ask the Sentinels again on the next command */
            freeReplyObject(r);
            rc->failover = 1;
            failed(rc, reply, "the Redis server is no longer the master "
                   "(READONLY, LOADING or MASTERDOWN)");
            return 0;
        }
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

/* redis-sentinel, before a command on the connection: a failover notice
 * received since it was made drops it, so that the command goes to the
 * master the Sentinels name now (a master that is still reachable and
 * writable after the Sentinels replaced it would take claims that the
 * other nodes never see).  Reading the notices sends nothing. */
static void check_watch(tp_redis *rc)
{
    apr_uint64_t n;

    if (!rc->ctx) {
        return;                     /* the next connection asks anyway */
    }
    n = tp_sentinel_notices_read(rc->notices, &rc->url, rc->timeout);
    if (n != rc->seen) {
        rc->seen = n;
        redisFree(rc->ctx);
        rc->ctx = NULL;
        rc->retry_at = 0;
    }
}

/* Connect, AUTH, SELECT; 0 when that failed (reply says why). */
static int connect_now(tp_redis *rc, apr_pool_t *p, tp_redis_reply *reply)
{
    const char *argv[3];
    size_t lens[3];
    int n = 0;
    const char *host = rc->url.host;
    int port = rc->url.port;

    if (rc->url.sentinel) {
        char buf[sizeof(rc->master)];
        const char *why;

        /* subscribed first: a failover after the question is noticed */
        rc->seen = tp_sentinel_notices_read(rc->notices, &rc->url,
                                            rc->timeout);
        /* the Sentinels' answer wins over the address used before */
        rc->failover = 0;
        if (!tp_sentinel_master(&rc->url, rc->timeout, buf, sizeof(buf),
                                &port, &why)) {
            failed(rc, reply, why);
            return 0;
        }
        if (strcmp(buf, rc->master) || port != rc->master_port) {
            if (*rc->master) {
                rc->changes++;
            }
            memcpy(rc->master, buf, sizeof(buf));
            rc->master_port = port;
        }
        host = rc->master;
        /* from here on, a failure is a failover in progress */
        rc->failover = 1;
    }
    rc->ctx = redisConnectWithTimeout(host, port, tv_of(rc->timeout));
    if (!rc->ctx || rc->ctx->err) {
        failed(rc, reply, rc->url.sentinel
                          ? "cannot connect to the master the Sentinels name"
                          : "cannot connect to Redis");
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
            rc->failover = 0;
            failed(rc, reply, "Redis refused the AUTH (check the user and "
                   "password of TokenProxyCluster)");
            return 0;
        }
    }
    if (rc->url.sentinel) {
        int is = tp_sentinel_is_master(rc->ctx);
        if (is <= 0) {
            failed(rc, reply, is < 0 ? "no answer to ROLE from the master "
                                       "the Sentinels name"
                                     : "the server the Sentinels name is "
                                       "not a master (yet)");
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
    rc->failover = 0;
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
    if (rc->url.sentinel) {
        check_watch(rc);
    }
    if (!rc->ctx && apr_time_now() < rc->retry_at) {
        reply->type = TP_REDIS_ERROR;
        reply->error = apr_pstrcat(p, "Redis was unreachable a moment ago (",
                                   rc->last_error ? rc->last_error : "?",
                                   "); waiting before the next attempt",
                                   NULL);
        reply->failover = rc->failover;
    }
    else if (rc->ctx) {
        /* a connection kept from earlier may have died meanwhile (Redis
         * restarted, an idle timeout): then the command never reached a
         * server, so connect again at once and send it once more */
        int got = run(rc, p, argc, (const char **)argv, l, reply);

        if (got < 0 && connect_now(rc, p, reply)) {
            run(rc, p, argc, (const char **)argv, l, reply);
        }
        else if (got == 0 && rc->url.sentinel && !reply->failover) {
            /* the master stopped answering: ask the Sentinels now, so
             * that a failover is told from a dead Redis.  The command
             * may have run: it is not sent again, and its outcome is
             * unknown, so it counts as failed over either way (unless
             * no Sentinel answers at all) */
            tp_redis_reply again;
            const char *why = reply->error;

            if (connect_now(rc, p, &again)) {
                reply->failover = 1;
            }
            else {
                reply->failover = again.failover;
                reply->error = apr_pstrcat(p, why, "; then: ", again.error,
                                           NULL);
            }
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

void tp_redis_master(tp_redis *rc, char *buf, apr_size_t size,
                     apr_uint64_t *changes)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(rc->mutex);
#endif
    if (rc->url.sentinel) {
        apr_snprintf(buf, size, *rc->master ? "%s:%d" : "", rc->master,
                     rc->master_port);
    }
    else {
        apr_snprintf(buf, size, "%s:%d", rc->url.host, rc->url.port);
    }
    *changes = rc->changes;
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(rc->mutex);
#endif
}

int tp_redis_address(tp_redis *rc, char *buf, apr_size_t size, int *port)
{
    int ok;

#if APR_HAS_THREADS
    apr_thread_mutex_lock(rc->mutex);
#endif
    if (!rc->url.sentinel) {
        ok = 1;
    }
    else if (rc->ctx || *rc->master) {
        ok = 1;                     /* the master in use, or named last */
    }
    else {
        /* a child's waiters may come before its first command: ask the
         * Sentinels (no connection to the master is made for this) */
        char m[sizeof(rc->master)];
        const char *why;
        int mport;

        ok = !rc->ctx && apr_time_now() >= rc->retry_at
             && tp_sentinel_master(&rc->url, rc->timeout, m, sizeof(m),
                                   &mport, &why);
        if (ok) {
            memcpy(rc->master, m, sizeof(m));
            rc->master_port = mport;
        }
    }
    if (ok) {
        apr_cpystrn(buf, rc->url.sentinel ? rc->master : rc->url.host, size);
        *port = rc->url.sentinel ? rc->master_port : rc->url.port;
    }
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(rc->mutex);
#endif
    return ok;
}

void tp_redis_share_watch(tp_redis *rc, tp_redis *from)
{
    if (rc->notices && from->notices) {
        rc->notices = from->notices;
    }
}
