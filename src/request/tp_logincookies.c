/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The login state cookies of a request.
 */

#include <string.h>

#include <httpd.h>
#include <apr_strings.h>

#include "conf/tp_conf_app.h"
#include "core/tp_sealcookie.h"
#include "request/tp_cookies.h"
#include "request/tp_logincookies.h"

void tp_logincookies_attrs(const tp_dir_conf *dc, tp_cookie_attrs *a)
{
    tp_conf_cookie_attrs(dc, a);
    a->path = "/";
    a->samesite = TP_SAMESITE_LAX;  /* the provider's redirect is a
                                     * cross-site navigation */
}

apr_array_header_t *tp_logincookies_arrived(request_rec *r)
{
    apr_array_header_t *out = apr_array_make(r->pool, 4,
                                             sizeof(tp_login_cookie));
    const char *h = apr_table_get(r->headers_in, "Cookie");
    char *copy, *piece, *last;

    if (!h) {
        return out;
    }
    copy = apr_pstrdup(r->pool, h);
    for (piece = apr_strtok(copy, ";", &last); piece;
         piece = apr_strtok(NULL, ";", &last)) {
        char *eq;
        while (*piece == ' ' || *piece == '\t') {
            piece++;
        }
        if (!(eq = strchr(piece, '=')) || !tp_login_cookie_is(piece)) {
            continue;
        }
        *eq = '\0';
        {
            tp_login_cookie *c = apr_array_push(out);
            c->name = piece;
            c->value = eq + 1;
        }
    }
    return out;
}

const char *tp_logincookies_find(request_rec *r, const char *name)
{
    apr_array_header_t *all = tp_logincookies_arrived(r);
    int i;

    for (i = 0; i < all->nelts; i++) {
        tp_login_cookie *c = &APR_ARRAY_IDX(all, i, tp_login_cookie);
        if (!strcmp(c->name, name)) {
            return c->value;
        }
    }
    return NULL;
}

int tp_logincookies_open(request_rec *r, const tp_dir_conf *dc,
                         const char *name, const char *value,
                         tp_login_state *st)
{
    const tp_keyring *kr = tp_cookies_id_keys(r, dc);
    const char *plain;
    tp_open_e o;

    if (!kr) {
        return TP_OPEN_BAD;
    }
    o = tp_opencookie_for(r->pool, kr, tp_conf_app_label(r->pool, dc), name,
                          value, &plain, NULL);
    if (o == TP_OPEN_OK && !tp_login_state_decode(r->pool, plain, st)) {
        o = TP_OPEN_BAD;
    }
    return o;
}
