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

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* What the path byte(s) at s stand for once percent-decoded, for the
 * characters that shape a path: "%2e" is '.', "%2f" '/', "%5c" '\\' (any
 * case); anything else is itself.  *len: the bytes it took. */
static char path_char(const char *s, int *len)
{
    int hi, lo;

    if (s[0] == '%' && (hi = hexval(s[1])) >= 0 && (lo = hexval(s[2])) >= 0
        && (hi * 16 + lo == '.' || hi * 16 + lo == '/'
            || hi * 16 + lo == '\\')) {
        *len = 3;
        return (char)(hi * 16 + lo);
    }
    *len = 1;
    return s[0];
}

/* The path of target (up to '?' or '#'), read as a browser or an
 * application that decodes it once would: it must not begin with "//" or
 * "/\\" (another host), hold a backslash, or hold a "." or ".." segment
 * (which moves a reflected path elsewhere: "/.//evil.example"). */
static int path_stays(const char *target)
{
    const char *s = target + 1;     /* after the leading '/' */
    int len, seg = 0, dots = 0;
    char c = path_char(s, &len);

    if (c == '/' || c == '\\') {
        return 0;
    }
    for (; *s && *s != '?' && *s != '#'; s += len) {
        c = path_char(s, &len);
        if (c == '\\') {
            return 0;
        }
        if (c == '/') {
            if (seg > 0 && seg == dots && dots <= 2) {
                return 0;
            }
            seg = dots = 0;
        }
        else {
            seg++;
            dots += c == '.';
        }
    }
    return !(seg > 0 && seg == dots && dots <= 2);
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
    if (!path_stays(target)) {
        return "/";
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
