/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_appset: the apps of one virtual host and their token cookies (issue
 * 22).  Each section that uses the module is one tp_app_use: its app
 * (provider and client, tp_binding) and the names and path of its
 * cookies, one per kind of tp_app_kinds[] (a new kind of cookie is one
 * more line there).  Two sections of different apps must not use one
 * cookie name on overlapping paths (their sessions would clobber each
 * other); the set of every name is what each proxied request strips.
 * No request structures; never logs.
 */
#ifndef TP_APPSET_H
#define TP_APPSET_H

#include <apr_pools.h>
#include <apr_tables.h>

/* The kinds of token cookies: what they are, and the directive that
 * names them. */
typedef struct tp_app_kind {
    const char *what;
    const char *directive;
} tp_app_kind;

#define TP_APP_KINDS 4
extern const tp_app_kind tp_app_kinds[TP_APP_KINDS];

typedef struct tp_app_use {
    const char *section;    /* "<Location /a/> at file:line", for messages */
    const char *provider;   /* issuer, or refresh endpoint, or NULL */
    const char *client;     /* client id, or NULL */
    const char *path;       /* the cookies' Path */
    const char *names[TP_APP_KINDS];   /* NULL: this kind is not used */
} tp_app_use;

/* RFC 6265 5.1.4: can one request carry cookies of both paths? */
int tp_cookie_paths_overlap(const char *a, const char *b);

/* The first conflict among uses (tp_app_use): two of different apps
 * (each with a provider: a section that neither logs in nor refreshes
 * writes no cookie) with one cookie name on overlapping paths.  NULL or the message, which
 * names both sections and the directive to change. */
const char *tp_appset_conflict(apr_pool_t *p, const apr_array_header_t *uses);

/* Every cookie name of uses, each once (const char *). */
apr_array_header_t *tp_appset_names(apr_pool_t *p,
                                    const apr_array_header_t *uses);

#endif /* TP_APPSET_H */
