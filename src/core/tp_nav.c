/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Navigation detection and the login redirect's return path.
 */

#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "core/tp_nav.h"
#include "core/tp_form.h"

static int contains_nocase(const char *hay, const char *needle)
{
    apr_size_t n = strlen(needle);

    for (; *hay; hay++) {
        if (!strncasecmp(hay, needle, n)) {
            return 1;
        }
    }
    return 0;
}

int tp_is_navigation(const tp_nav_in *in)
{
    if (!in->method || (strcmp(in->method, "GET")
                        && strcmp(in->method, "HEAD"))) {
        return 0;
    }
    if (in->has_sec_fetch) {
        return in->sec_fetch_mode
               && !strcasecmp(in->sec_fetch_mode, "navigate");
    }
    return in->accept && contains_nocase(in->accept, "text/html")
           && !in->x_requested_with;
}

const char *tp_safe_return(apr_pool_t *p, const char *target)
{
    const unsigned char *s = (const unsigned char *)target;

    if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\') {
        return "/";
    }
    for (; *s; s++) {
        if (*s <= 0x20 || *s >= 0x7f || *s == '\\') {
            return "/";
        }
    }
    return apr_pstrdup(p, target);
}

const char *tp_login_location(apr_pool_t *p, const char *login_url,
                              const char *target)
{
    return apr_pstrcat(p, login_url, strchr(login_url, '?') ? "&" : "?",
                       "return=",
                       tp_form_escape(p, tp_safe_return(p, target)), NULL);
}
