/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Cookie header parsing and editing (RFC 6265 section 4.2 and 5.4).
 *
 * The header is a list of pieces separated by ';'.  Each piece is trimmed
 * of SP and HTAB; its name is what stands before the first '=' (a piece
 * without '=' has no name and never matches).  Names are case-sensitive.
 *
 * httpd joins several Cookie request headers with ", ", so a piece such as
 * "a=1, accessToken=x" may hide one of our cookies behind a comma.  Such a
 * piece is removed as a whole (a token must never leak upstream) and its
 * value is never used.
 *
 * Removal keeps every other byte: a removed piece takes its preceding ';'
 * with it (the following one when it is the first piece); separators left
 * in front and white space left at either end of the result are trimmed.
 * A header with nothing removed is returned as it came.
 */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_cookie.h"

#define IS_OWS(c) ((c) == ' ' || (c) == '\t')

/* RFC 7230 tchar */
static int is_tchar(unsigned char c)
{
    if (c >= '0' && c <= '9') return 1;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int tp_cookie_name_valid(const char *name)
{
    const unsigned char *s = (const unsigned char *)name;

    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!is_tchar(*s)) {
            return 0;
        }
    }
    return 1;
}

/* Index of the wanted name equal to [s, s+len), or -1. */
static APR_INLINE int match_name(const char *s, apr_size_t len,
                                 const char *const *names,
                                 const apr_size_t *lens, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (lens[i] == len && memcmp(names[i], s, len) == 0) {
            return i;
        }
    }
    return -1;
}

/* Trim OWS from [*b, *e). */
static APR_INLINE void trim(const char **b, const char **e)
{
    while (*b < *e && IS_OWS(**b)) (*b)++;
    while (*e > *b && IS_OWS((*e)[-1])) (*e)--;
}

/* "name.K" for a wanted name and K in 1..TP_MAX_CHUNKS: its index, and K
 * in *chunk; else -1. */
static int match_chunk(const char *s, apr_size_t len,
                       const char *const *names, const apr_size_t *lens,
                       int n, int *chunk)
{
    apr_size_t d = len;
    int i, k = 0;

    while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9') {
        d--;
    }
    if (d == len || d < 2 || s[d - 1] != '.' || len - d > 2
        || s[d] == '0') {
        return -1;
    }
    for (; d < len; d++) {
        k = k * 10 + (s[d] - '0');
    }
    if (k < 1 || k > TP_MAX_CHUNKS) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        apr_size_t nl = lens[i];
        if (nl + 1 + (k > 9 ? 2 : 1) == len && !memcmp(names[i], s, nl)) {
            *chunk = k;
            return i;
        }
    }
    return -1;
}

/* The wanted name a piece [b, e) carries as its cookie-name, or -1; sets
 * the value span, and *chunk to K for a chunk cookie "name.K" (else 0). */
static APR_INLINE int piece_name(const char *b, const char *e,
                                 const char *const *names,
                                 const apr_size_t *lens, int n,
                                 const char **vb, const char **ve,
                                 int *chunk)
{
    const char *eq = memchr(b, '=', (apr_size_t)(e - b));
    const char *nb = b, *ne;
    int idx;

    *chunk = 0;
    if (!eq) {
        return -1;
    }
    ne = eq;
    trim(&nb, &ne);
    *vb = eq + 1;
    *ve = e;
    trim(vb, ve);
    idx = match_name(nb, (apr_size_t)(ne - nb), names, lens, n);
    if (idx < 0) {
        idx = match_chunk(nb, (apr_size_t)(ne - nb), names, lens, n, chunk);
    }
    return idx;
}

/* The wanted name hidden behind a comma in piece [b, e), or -1. */
static int merged_name(const char *b, const char *e,
                       const char *const *names, const apr_size_t *lens,
                       int n)
{
    const char *c = memchr(b, ',', (apr_size_t)(e - b));

    while (c) {
        const char *sb = c + 1;
        const char *se = memchr(sb, ',', (apr_size_t)(e - sb));
        const char *vb, *ve;
        int idx, chunk;

        se = se ? se : e;
        idx = piece_name(sb, se, names, lens, n, &vb, &ve, &chunk);
        if (idx >= 0) {
            return idx;
        }
        c = (se < e) ? se : NULL;
    }
    return -1;
}

int tp_cookie_take(apr_pool_t *p, const char *header,
                   const char *const *names, int n,
                   tp_cookie_match *found, const char **rest)
{
    apr_size_t len, out_len = 0, kept = 0;
    const char *seg, *end;
    char *out = NULL;
    int removed = 0, first = 1, i;
    apr_size_t few[8], *lens;

    memset(found, 0, sizeof(*found) * (apr_size_t)(n > 0 ? n : 0));
    *rest = NULL;
    if (!header) {
        return 0;
    }
    len = strlen(header);
    lens = n <= 8 ? few : apr_palloc(p, sizeof(*lens) * (apr_size_t)n);
    for (i = 0; i < n; i++) {
        lens[i] = strlen(names[i]);
    }

    /* the kept bytes are copied span by span: [kept, from) in front of
     * each removed piece; two removed pieces may share a ';' */
    end = header + len;
    for (seg = header; seg <= end; first = 0) {
        const char *sep = memchr(seg, ';', (apr_size_t)(end - seg));
        const char *se = sep ? sep : end;
        const char *b = seg, *e = se, *vb, *ve;
        int idx, hit = 0, chunk;

        trim(&b, &e);
        if (b < e) {
            idx = piece_name(b, e, names, lens, n, &vb, &ve, &chunk);
            if (idx >= 0 && chunk) {
                tp_cookie_match *m = &found[idx];
                if (!m->chunk[chunk]) {
                    m->chunk[chunk] = apr_pstrmemdup(p, vb,
                                                     (apr_size_t)(ve - vb));
                }
                if (chunk > m->max_chunk) {
                    m->max_chunk = chunk;
                }
                hit = 1;
            }
            else if (idx >= 0) {
                if (!found[idx].value && !found[idx].merged) {
                    found[idx].value = apr_pstrmemdup(p, vb,
                                                      (apr_size_t)(ve - vb));
                }
                found[idx].count++;
                hit = 1;
            }
            else if ((idx = merged_name(b, e, names, lens, n)) >= 0) {
                found[idx].count++;
                found[idx].merged = 1;
                hit = 1;
            }
        }
        if (hit) {
            /* cut the piece with its preceding ';' (or, for the first
             * piece, its following one) */
            apr_size_t from = (apr_size_t)(seg - header);
            apr_size_t to = (apr_size_t)(se - header);
            if (!first) {
                from--;
            }
            else if (sep) {
                to++;
            }
            if (!out) {
                out = apr_palloc(p, len + 1);
            }
            if (from > kept) {
                memcpy(out + out_len, header + kept, from - kept);
                out_len += from - kept;
            }
            if (to > kept) {
                kept = to;
            }
            removed++;
        }
        if (!sep) {
            break;
        }
        seg = sep + 1;
    }

    if (!removed) {
        *rest = header;
        return 0;
    }
    if (len > kept) {
        memcpy(out + out_len, header + kept, len - kept);
        out_len += len - kept;
    }
    out[out_len] = '\0';

    /* trim white space at both ends, and separators left in front by the
     * removal of leading pieces; nothing but separators left means no
     * header at all */
    {
        const char *b = out, *e = out + out_len, *q;
        while (b < e && (IS_OWS(*b) || *b == ';')) b++;
        trim(&b, &e);
        for (q = b; q < e; q++) {
            if (*q != ';' && !IS_OWS(*q)) {
                out[e - out] = '\0';      /* [b, e) lies in out */
                *rest = b;
                break;
            }
        }
    }
    return removed;
}

const char *tp_cookie_joined(apr_pool_t *p, const tp_cookie_match *m)
{
    const char *v = m->value;
    int n = 0, i;
    apr_size_t total = 0;
    char *out, *o;

    if (!v || v[0] != '~') {
        return v;
    }
    for (i = 1; v[i]; i++) {
        if (v[i] < '0' || v[i] > '9' || i > 2) {
            return NULL;
        }
        n = n * 10 + (v[i] - '0');
    }
    if (n < 1 || n > TP_MAX_CHUNKS) {
        return NULL;
    }
    for (i = 1; i <= n; i++) {
        if (!m->chunk[i]) {
            return NULL;
        }
        total += strlen(m->chunk[i]);
    }
    o = out = apr_palloc(p, total + 1);
    for (i = 1; i <= n; i++) {
        apr_size_t l = strlen(m->chunk[i]);
        memcpy(o, m->chunk[i], l);
        o += l;
    }
    *o = '\0';
    return out;
}

unsigned int tp_cookie_sent(const tp_cookie_match *m)
{
    unsigned int sent = m->count > 0 ? 1u : 0u;
    int k;

    for (k = 1; k <= m->max_chunk; k++) {     /* none is above it */
        if (m->chunk[k]) {
            sent |= 1u << k;
        }
    }
    return sent;
}

int tp_cookie_split(apr_pool_t *p, const char *value,
                    const char *parts[TP_MAX_CHUNKS])
{
    apr_size_t len = strlen(value), off;
    int n = 0;

    if (len <= TP_CHUNK_MAX) {
        parts[0] = value;
        return 1;
    }
    if (len > (apr_size_t)TP_CHUNK_MAX * TP_MAX_CHUNKS) {
        return 0;
    }
    for (off = 0; off < len; off += TP_CHUNK_MAX) {
        apr_size_t l = len - off < TP_CHUNK_MAX ? len - off : TP_CHUNK_MAX;
        parts[n++] = apr_pstrmemdup(p, value + off, l);
    }
    return n;
}

int tp_cookie_host_prefixed(const char *name)
{
    return !strncmp(name, "__Host-", 7);
}

int tp_cookie_secure_prefixed(const char *name)
{
    return tp_cookie_host_prefixed(name) || !strncmp(name, "__Secure-", 9);
}
