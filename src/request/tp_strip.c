/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Every app's token cookies out of a request where TokenProxy is off.
 */

#include <httpd.h>
#include <http_log.h>
#include <apr_strings.h>

#include "conf/tp_conf.h"
#include "conf/tp_conf_app.h"
#include "core/tp_cookie.h"
#include "core/tp_loginstate.h"
#include "request/tp_strip.h"

APLOG_USE_MODULE(tokenproxy);

int tp_strip_all(request_rec *r)
{
    const tp_srv_conf *sc = tp_srv_apps(r->server);
    const char *cookie, *rest = NULL;
    tp_cookie_match *found;
    int removed = 0, gone = 0;

    if (!sc || !sc->app_names || !sc->app_names->nelts
        || !(cookie = apr_table_get(r->headers_in, "Cookie"))) {
        return 0;
    }
    found = apr_palloc(r->pool, sizeof(*found) * sc->app_names->nelts);
    removed = tp_cookie_take(r->pool, cookie,
                             (const char *const *)sc->app_names->elts,
                             sc->app_names->nelts, found, &rest);
    if (sc->app_login) {
        const char *left = tp_login_cookies_strip(r->pool,
                                                  removed ? rest : cookie,
                                                  &gone);
        if (gone) {
            rest = left;
            removed += gone;
        }
    }
    if (!removed) {
        return 0;
    }
    if (rest) {
        apr_table_setn(r->headers_in, "Cookie", rest);
    }
    else {
        apr_table_unset(r->headers_in, "Cookie");
    }
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "tokenproxy: %d token cookie(s) of this server's apps kept "
                  "from upstream (TokenProxy is off here)", removed);
    return removed;
}
