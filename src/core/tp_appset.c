/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The apps of a virtual host: overlapping cookies, and every name.
 */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_appset.h"
#include "core/tp_binding.h"

const tp_app_kind tp_app_kinds[TP_APP_KINDS] = {
    { "access", "TokenProxyAccessCookie" },
    { "refresh", "TokenProxyRefreshCookie" },
    { "ID", "TokenProxyIDCookie" },
    { "session", "TokenProxySessionCookie" },
};

/* Does request path-prefix `shorter` path-match `longer`? */
static int path_match(const char *shorter, const char *longer)
{
    apr_size_t n = strlen(shorter);

    if (strncmp(shorter, longer, n)) {
        return 0;
    }
    return longer[n] == '\0' || (n > 0 && shorter[n - 1] == '/')
           || longer[n] == '/';
}

int tp_cookie_paths_overlap(const char *a, const char *b)
{
    a = a && *a ? a : "/";
    b = b && *b ? b : "/";
    return strlen(a) <= strlen(b) ? path_match(a, b) : path_match(b, a);
}

const char *tp_appset_conflict(apr_pool_t *p, const apr_array_header_t *uses)
{
    const tp_app_use *u = (const tp_app_use *)uses->elts;
    int i, j, ki, kj;

    for (i = 0; i < uses->nelts; i++) {
        for (j = i + 1; j < uses->nelts; j++) {
            /* a section that neither logs in nor refreshes writes no
             * cookie: it cannot clobber a session */
            if (!u[i].provider || !u[j].provider
                || !tp_binding_differ(u[i].provider, u[i].client,
                                   u[j].provider, u[j].client)
                || !tp_cookie_paths_overlap(u[i].path, u[j].path)) {
                continue;
            }
            for (ki = 0; ki < TP_APP_KINDS; ki++) {
                for (kj = 0; kj < TP_APP_KINDS; kj++) {
                    if (!u[i].names[ki] || !u[j].names[kj]
                        || strcmp(u[i].names[ki], u[j].names[kj])) {
                        continue;
                    }
                    return apr_psprintf(p,
                        "%s (provider %s, client %s) and %s (provider %s, "
                        "client %s) both use the cookie '%s' (%s cookie, "
                        "%s cookie) on overlapping paths (%s and %s): their "
                        "sessions would overwrite each other.  Give one of "
                        "them another name with %s (or paths apart with "
                        "TokenProxyCookiePath, not possible with __Host- "
                        "names)",
                        u[i].section, u[i].provider ? u[i].provider : "none",
                        u[i].client ? u[i].client : "none",
                        u[j].section, u[j].provider ? u[j].provider : "none",
                        u[j].client ? u[j].client : "none",
                        u[i].names[ki], tp_app_kinds[ki].what,
                        tp_app_kinds[kj].what, u[i].path, u[j].path,
                        tp_app_kinds[kj].directive);
                }
            }
        }
    }
    return NULL;
}

apr_array_header_t *tp_appset_names(apr_pool_t *p,
                                    const apr_array_header_t *uses)
{
    const tp_app_use *u = (const tp_app_use *)uses->elts;
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(const char *));
    int i, k, m;

    for (i = 0; i < uses->nelts; i++) {
        for (k = 0; k < TP_APP_KINDS; k++) {
            const char *n = u[i].names[k];
            int seen = 0;
            if (!n) {
                continue;
            }
            for (m = 0; m < out->nelts && !seen; m++) {
                seen = !strcmp(APR_ARRAY_IDX(out, m, const char *), n);
            }
            if (!seen) {
                APR_ARRAY_PUSH(out, const char *) = n;
            }
        }
    }
    return out;
}
