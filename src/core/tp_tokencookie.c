/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * A token cookie's Set-Cookie values: sealed, chunked, stale chunks
 * cleared.
 */

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "core/tp_cookie.h"
#include "core/tp_tokencookie.h"

static void add(apr_array_header_t *out, const char *v)
{
    APR_ARRAY_PUSH(out, const char *) = v;
}

/* The chunk cookies name.K, K >= from, that arrived (bit K of sent). */
static void clear_chunks(apr_pool_t *p, apr_array_header_t *out,
                         const char *name, int from, unsigned int sent,
                         const tp_cookie_attrs *a)
{
    int k;

    for (k = from; k <= TP_MAX_CHUNKS; k++) {
        if (sent & (1u << k)) {
            add(out, tp_setcookie_clear(p, apr_psprintf(p, "%s.%d", name, k),
                                        a));
        }
    }
}

void tp_tokencookie_clear(apr_pool_t *p, apr_array_header_t *out,
                          const char *name, unsigned int sent,
                          const tp_cookie_attrs *a)
{
    if (sent & 1u) {
        add(out, tp_setcookie_clear(p, name, a));
    }
    clear_chunks(p, out, name, 1, sent, a);
}

int tp_tokencookie_set(apr_pool_t *p, apr_array_header_t *out,
                       const tp_keyring *keys, const char *name,
                       const char *value, apr_int64_t max_age,
                       unsigned int sent, const tp_cookie_attrs *a,
                       const char **why)
{
    return tp_tokencookie_set_for(p, out, keys, NULL, name, value, max_age,
                                  sent, a, why);
}

int tp_tokencookie_set_for(apr_pool_t *p, apr_array_header_t *out,
                           const tp_keyring *keys, const char *label,
                           const char *name, const char *value,
                           apr_int64_t max_age, unsigned int sent,
                           const tp_cookie_attrs *a, const char **why)
{
    const char *parts[TP_MAX_CHUNKS];
    int n, k;

    if (keys && !(value = tp_sealcookie_for(p, keys, label, name, value))) {
        *why = apr_psprintf(p, "could not seal cookie '%s'", name);
        return 0;
    }
    n = tp_cookie_split(p, value, parts);
    if (n == 0) {
        *why = apr_psprintf(p, "cookie '%s' would need more than %d chunks "
                            "of %d bytes; not set", name, TP_MAX_CHUNKS,
                            TP_CHUNK_MAX);
        return 0;
    }
    if (n == 1) {
        add(out, tp_setcookie(p, name, value, max_age, a));
        clear_chunks(p, out, name, 1, sent, a);
        return 1;
    }
    add(out, tp_setcookie(p, name, apr_psprintf(p, "~%d", n), max_age, a));
    for (k = 1; k <= n; k++) {
        add(out, tp_setcookie(p, apr_psprintf(p, "%s.%d", name, k),
                              parts[k - 1], max_age, a));
    }
    clear_chunks(p, out, name, n + 1, sent, a);
    return 1;
}

int tp_tokencookie_is(const char *v, const char *name)
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
