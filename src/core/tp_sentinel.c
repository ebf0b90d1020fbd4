/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Asking the Sentinels for the master, and a server for its role.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include <apr_strings.h>

#include "core/tp_sentinel.h"

static struct timeval tv_of(apr_interval_time_t t)
{
    struct timeval tv;

    if (t < apr_time_from_msec(10)) {
        t = apr_time_from_msec(10);
    }
    tv.tv_sec = (long)apr_time_sec(t);
    tv.tv_usec = (long)apr_time_usec(t);
    return tv;
}

/* One Sentinel: 1 and the address, 0 and why. */
static int ask(const tp_redis_url *url, const tp_redis_addr *a,
               apr_interval_time_t t, char *buf, apr_size_t size, int *port,
               const char **why)
{
    redisContext *c = redisConnectWithTimeout(a->host, a->port, tv_of(t));
    redisReply *r = NULL;
    int ok = 0;

    if (!c || c->err) {
        *why = "cannot connect to a Sentinel";
        goto done;
    }
    redisSetTimeout(c, tv_of(t));
    if (url->sentinel_password) {
        r = url->sentinel_user
            ? redisCommand(c, "AUTH %s %s", url->sentinel_user,
                           url->sentinel_password)
            : redisCommand(c, "AUTH %s", url->sentinel_password);
        if (!r || r->type != REDIS_REPLY_STATUS) {
            *why = r ? "a Sentinel refused the AUTH (check "
                       "TokenProxyClusterSentinelAuth)"
                     : c->err == REDIS_ERR_PROTOCOL
                     ? "a Sentinel answered garbage (not the Redis "
                       "protocol)"
                     : "no answer from a Sentinel";
            goto done;
        }
        freeReplyObject(r);
    }
    r = redisCommand(c, "SENTINEL get-master-addr-by-name %s",
                     url->master_name);
    if (!r) {
        *why = c->err == REDIS_ERR_PROTOCOL
               ? "a Sentinel answered garbage (not the Redis protocol)"
               : "no answer from a Sentinel";
    }
    else if (r->type == REDIS_REPLY_NIL) {
        *why = "a Sentinel does not know the master name";
    }
    else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
             || r->element[0]->type != REDIS_REPLY_STRING
             || r->element[1]->type != REDIS_REPLY_STRING
             || !r->element[0]->len || r->element[0]->len >= size) {
        *why = r->type == REDIS_REPLY_ERROR
               ? "a Sentinel refused the question (is it a Sentinel? "
                 "does it want TokenProxyClusterSentinelAuth?)"
               : "a Sentinel answered something that is not an address";
    }
    else {
        char *e;
        long n = strtol(r->element[1]->str, &e, 10);
        if (*e || n < 1 || n > 65535) {
            *why = "a Sentinel answered something that is not an address";
        }
        else {
            memcpy(buf, r->element[0]->str, r->element[0]->len);
            buf[r->element[0]->len] = '\0';
            *port = (int)n;
            ok = 1;
        }
    }
done:
    if (r) {
        freeReplyObject(r);
    }
    if (c) {
        redisFree(c);
    }
    return ok;
}

int tp_sentinel_master(const tp_redis_url *url, apr_interval_time_t timeout,
                       char *buf, apr_size_t size, int *port,
                       const char **why)
{
    apr_time_t end = apr_time_now() + timeout;
    int i;

    *why = "no Sentinel configured";
    for (i = 0; i < url->nsentinels; i++) {
        apr_interval_time_t left = end - apr_time_now();
        if (i > 0 && left <= 0) {
            *why = "no Sentinel answered within TokenProxyClusterTimeout";
            break;
        }
        if (ask(url, &url->sentinels[i], left, buf, size, port, why)) {
            return 1;
        }
    }
    return 0;
}

int tp_sentinel_is_master(void *ctx)
{
    redisReply *r = redisCommand(ctx, "ROLE");
    int is;

    if (!r) {
        return -1;
    }
    is = r->type == REDIS_REPLY_ARRAY && r->elements >= 1
         && r->element[0]->type == REDIS_REPLY_STRING
         && !strcmp(r->element[0]->str, "master");
    freeReplyObject(r);
    return is;
}
