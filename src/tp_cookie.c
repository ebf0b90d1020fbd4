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

#include "tp_cookie.h"

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
static int match_name(const char *s, apr_size_t len,
                      const char *const *names, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
            return i;
        }
    }
    return -1;
}

/* Trim OWS from [*b, *e). */
static void trim(const char **b, const char **e)
{
    while (*b < *e && IS_OWS(**b)) (*b)++;
    while (*e > *b && IS_OWS((*e)[-1])) (*e)--;
}

/* The wanted name a piece [b, e) carries as its cookie-name, or -1; sets
 * the value span. */
static int piece_name(const char *b, const char *e,
                      const char *const *names, int n,
                      const char **vb, const char **ve)
{
    const char *eq = memchr(b, '=', (apr_size_t)(e - b));
    const char *nb = b, *ne;

    if (!eq) {
        return -1;
    }
    ne = eq;
    trim(&nb, &ne);
    *vb = eq + 1;
    *ve = e;
    trim(vb, ve);
    return match_name(nb, (apr_size_t)(ne - nb), names, n);
}

/* The wanted name hidden behind a comma in piece [b, e), or -1. */
static int merged_name(const char *b, const char *e,
                       const char *const *names, int n)
{
    const char *c = memchr(b, ',', (apr_size_t)(e - b));

    while (c) {
        const char *sb = c + 1;
        const char *se = memchr(sb, ',', (apr_size_t)(e - sb));
        const char *vb, *ve;
        int idx;

        se = se ? se : e;
        idx = piece_name(sb, se, names, n, &vb, &ve);
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
    apr_size_t len, i, out_len = 0;
    const char *seg, *end;
    char *cut, *out;
    int removed = 0, first = 1;

    memset(found, 0, sizeof(*found) * (apr_size_t)(n > 0 ? n : 0));
    *rest = NULL;
    if (!header) {
        return 0;
    }
    len = strlen(header);
    cut = apr_pcalloc(p, len + 1);

    end = header + len;
    for (seg = header; seg <= end; first = 0) {
        const char *sep = memchr(seg, ';', (apr_size_t)(end - seg));
        const char *se = sep ? sep : end;
        const char *b = seg, *e = se, *vb, *ve;
        int idx, hit = 0;

        trim(&b, &e);
        if (b < e) {
            idx = piece_name(b, e, names, n, &vb, &ve);
            if (idx >= 0) {
                if (!found[idx].value && !found[idx].merged) {
                    found[idx].value = apr_pstrmemdup(p, vb,
                                                      (apr_size_t)(ve - vb));
                }
                found[idx].count++;
                hit = 1;
            }
            else if ((idx = merged_name(b, e, names, n)) >= 0) {
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
            memset(cut + from, 1, to - from);
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

    out = apr_palloc(p, len + 1);
    for (i = 0; i < len; i++) {
        if (!cut[i]) {
            out[out_len++] = header[i];
        }
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
                *rest = apr_pstrmemdup(p, b, (apr_size_t)(e - b));
                break;
            }
        }
    }
    return removed;
}
