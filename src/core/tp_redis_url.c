/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * TokenProxyCluster's URL: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or
 * redis-sentinel://[[USER]:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER
 * [/DB], and TokenProxyClusterSentinelAuth's [USER:]PASSWORD.
 */

#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "core/tp_redis_url.h"

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

/* HOST[:PORT] or [IPv6][:PORT] between hp and end. */
static const char *hostport(apr_pool_t *p, const char *hp, const char *end,
                            const char **host, int *port)
{
    const char *colon;

    if (*hp == '[') {                       /* [IPv6]:port */
        const char *rb = memchr(hp, ']', (apr_size_t)(end - hp));
        if (!rb || rb == hp + 1) {
            return "an IPv6 address needs its closing ']'";
        }
        *host = apr_pstrmemdup(p, hp + 1, (apr_size_t)(rb - hp - 1));
        colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
        if (rb + 1 < end && !colon) {
            return "garbage after the IPv6 address";
        }
    }
    else {
        colon = memchr(hp, ':', (apr_size_t)(end - hp));
        *host = apr_pstrmemdup(p, hp,
                               (apr_size_t)((colon ? colon : end) - hp));
    }
    if (!**host) {
        return "no host";
    }
    if (colon) {
        char *e;
        long n = strtol(colon + 1, &e, 10);
        if (e != end || n < 1 || n > 65535 || !apr_isdigit(colon[1])) {
            return "the port must be a number from 1 to 65535";
        }
        *port = (int)n;
    }
    return NULL;
}

static const char *database(const char *d, int *db)
{
    char *e;
    long n;

    if (!*d) {
        return "no database number after '/'";
    }
    n = strtol(d, &e, 10);
    if (*e || n < 0 || n > 65535 || !apr_isdigit(*d)) {
        return "the database after '/' must be a number";
    }
    *db = (int)n;
    return NULL;
}

/* The Sentinels' HOST[:PORT],... list, the master's name and the DB. */
static const char *sentinel_part(apr_pool_t *p, const char *hp,
                                 const char *slash, tp_redis_url *out)
{
    const char *s = hp, *why, *name, *next;
    const char *end;

    while (s < slash) {
        const char *comma = memchr(s, ',', (apr_size_t)(slash - s));
        const char *e = comma ? comma : slash;
        tp_redis_addr *a;

        if (out->nsentinels == TP_REDIS_MAX_SENTINELS) {
            return "more than 16 Sentinels";
        }
        a = &out->sentinels[out->nsentinels];
        a->port = TP_REDIS_SENTINEL_PORT;
        if (e == s) {
            return "an empty Sentinel address";
        }
        if ((why = hostport(p, s, e, &a->host, &a->port))) {
            return why;
        }
        out->nsentinels++;
        s = comma ? comma + 1 : slash;
        if (comma && s == slash) {
            return "an empty Sentinel address";
        }
    }
    if (!out->nsentinels) {
        return "no Sentinel address";
    }
    name = slash + 1;
    next = strchr(name, '/');
    end = next ? next : name + strlen(name);
    if (end == name) {
        return "no master name after the Sentinels (.../MASTER-NAME)";
    }
    for (s = name; s < end; s++) {
        if (!apr_isalnum(*s) && !strchr("._-", *s)) {
            return "the master name may hold letters, digits, '.', '_' "
                   "and '-' only";
        }
    }
    out->master_name = apr_pstrmemdup(p, name, (apr_size_t)(end - name));
    out->host = out->sentinels[0].host;
    out->port = out->sentinels[0].port;
    return next ? database(next + 1, &out->db) : NULL;
}

const char *tp_redis_url_parse(apr_pool_t *p, const char *url,
                               tp_redis_url *out)
{
    const char *s, *at, *hp, *slash, *end, *why;

    memset(out, 0, sizeof(*out));
    out->port = 6379;
    if (url && !strncasecmp(url, "redis-sentinel://", 17)) {
        out->sentinel = 1;
        s = url + 17;
    }
    else if (url && !strncasecmp(url, "redis://", 8)) {
        s = url + 8;
    }
    else {
        return "the URL must begin with redis:// or redis-sentinel:// (TLS "
               "to Redis is not supported: see the README for a local TLS "
               "tunnel)";
    }
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
    if (out->sentinel) {
        if (!slash) {
            return "no master name after the Sentinels (.../MASTER-NAME)";
        }
        return sentinel_part(p, hp, slash, out);
    }
    if (slash) {
        if ((why = database(slash + 1, &out->db))) {
            return why;
        }
        end = slash;
    }
    return hostport(p, hp, end, &out->host, &out->port);
}

const char *tp_redis_sentinel_auth_parse(apr_pool_t *p, const char *arg,
                                         tp_redis_url *url)
{
    const char *c = strchr(arg, ':');

    url->sentinel_user = c && c > arg
                         ? unescape(p, arg, (apr_size_t)(c - arg)) : NULL;
    url->sentinel_password = c ? unescape(p, c + 1, strlen(c + 1))
                               : unescape(p, arg, strlen(arg));
    if (!*url->sentinel_password) {
        return "the password is empty";
    }
    return NULL;
}

const char *tp_redis_url_where(apr_pool_t *p, const tp_redis_url *url)
{
    char *list = "";
    int i;

    if (!url->sentinel) {
        return apr_psprintf(p, "redis://%s%s%s:%d/%d",
                            strchr(url->host, ':') ? "[" : "", url->host,
                            strchr(url->host, ':') ? "]" : "", url->port,
                            url->db);
    }
    for (i = 0; i < url->nsentinels; i++) {
        const char *h = url->sentinels[i].host;
        list = apr_psprintf(p, "%s%s%s%s%s:%d", list, i ? "," : "",
                            strchr(h, ':') ? "[" : "", h,
                            strchr(h, ':') ? "]" : "",
                            url->sentinels[i].port);
    }
    return apr_psprintf(p, "redis-sentinel://%s/%s/%d", list,
                        url->master_name, url->db);
}
