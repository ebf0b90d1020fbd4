/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_logincookies: the login state cookies of a request (tp_loginstate):
 * their attributes (SameSite=Lax, Path=/: the provider's redirect back is
 * a cross-site navigation), the ones that arrived, and opening one with
 * the keys of the ID cookie.
 */
#ifndef TP_LOGINCOOKIES_H
#define TP_LOGINCOOKIES_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_loginstate.h"

typedef struct tp_login_cookie {
    const char *name, *value;
} tp_login_cookie;

void tp_logincookies_attrs(const tp_dir_conf *dc, tp_cookie_attrs *a);

/* The login state cookies that arrived (tp_login_cookie). */
apr_array_header_t *tp_logincookies_arrived(request_rec *r);

/* The value of the one called name that arrived, or NULL. */
const char *tp_logincookies_find(request_rec *r, const char *name);

/* Open and decode one: TP_OPEN_OK (1) and *st; TP_OPEN_FOREIGN when it
 * is another app's login (another provider or client: never cleared,
 * never used); TP_OPEN_BAD (0). */
int tp_logincookies_open(request_rec *r, const tp_dir_conf *dc,
                         const char *name, const char *value,
                         tp_login_state *st);

#endif /* TP_LOGINCOOKIES_H */
