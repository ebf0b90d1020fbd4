/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_request: what mod_tokenproxy knows about one request, kept in the
 * request's config vector.  The client's cookies are read once; the
 * refresh, the replay and the fixups hook on every attempt share this.
 */
#ifndef TP_REQUEST_H
#define TP_REQUEST_H

#include <httpd.h>

#include "conf/tp_conf.h"
#include "core/tp_cookie.h"
#include "core/tp_jwt.h"
#include "core/tp_sesscookie.h"

struct tp_replay;

typedef struct tp_req {
    /* from the client */
    const char *access;        /* the access token to send, or NULL */
    const char *refresh;       /* a usable refresh token, or NULL; read
                                * it through tp_req_refresh_token(), which
                                * opens the cookie on first need */
    int had_token_cookie;      /* any token cookie at all was sent */
    const char *cookie_out;    /* the Cookie header for upstream, or NULL */
    int removed;               /* token cookie pieces taken out */
    unsigned int sent[2];      /* what arrived of the access and refresh
                                * cookies: bit 0 the cookie itself, bit K
                                * its chunk K; only these are ever cleared */
    const char *id_cookie;     /* the ID cookie as sent (joined, still
                                * sealed), or NULL */
    unsigned int id_sent;      /* what arrived of it, as sent[] */
    int unopened;              /* cookies that did not open (1: access,
                                * 2: refresh), to be cleared */
    const char *max_forwards;  /* the client's Max-Forwards, or NULL */
    /* what happened */
    int in_flow;               /* the proxy wrapper handler is running */
    int anonymous;             /* send no token (TokenProxyPublic) */
    int injected;              /* the last attempt carried a token */
    int refreshed;             /* a refresh succeeded in this request */
    int cookies_set;           /* rotated cookies are on the response */
    int attempts;              /* upstream attempts made */
    struct tp_replay *replay;  /* the kept request body, or NULL */
    /* the refresh cookie as it arrived, opened by tp_req_refresh_token() */
    tp_cookie_match refresh_found;
    int refresh_read;          /* tp_req_refresh_token() has looked */
    /* the access token as read from the cookie, and its JWT times: read
     * through tp_req_access_times() */
    const char *access_read;
    const char *bearer;        /* "Bearer " access_read, or NULL */
    tp_jwt_times access_times;
    int access_has_times;      /* 1, 0 (no exp), -1 (not read yet) */
    int cached;                /* the connection's cache (tp_conncache)
                                * holds access_read as entry oc_gen */
    unsigned long oc_gen;
    /* issue 19: the session cookie (TokenProxySessionCookie), never sent
     * upstream; opened by tp_session_check (request/tp_session.h) */
    const char *sess_cookie;   /* as sent (joined, still sealed), or NULL */
    unsigned int sess_sent;    /* what arrived of it, as sent[] */
    const tp_sessinfo *session; /* the session opened or begun, or NULL */
    /* the token for this location's API when it is not the session's
     * access token: a client-credentials or an exchanged token */
    const char *api_token;
} tp_req;

/* The request's context, reading the cookies on the first call.  The
 * access cookie is opened and checked then; the refresh cookie is taken
 * out of the upstream's Cookie header then too, but opened only by
 * tp_req_refresh_token(). */
tp_req *tp_req_get(request_rec *r, const tp_dir_conf *dc);

/* The usable refresh token, or NULL: the refresh cookie opened (unsealed,
 * token68-checked) on the first call, when a refresh, a revocation or the
 * refresh handler needs it.  A request with a valid access token that
 * refreshes nothing never opens it; a damaged refresh cookie is then
 * noticed (and cleared) only when it is needed. */
const char *tp_req_refresh_token(request_rec *r, const tp_dir_conf *dc,
                                 tp_req *rq);

/* The JWT exp and iat of `token`: 1 and *t when it is a JWT with exp.
 * For the access token read from the cookie they are read once per
 * connection and cookie value (tp_conncache). */
int tp_req_access_times(request_rec *r, tp_req *rq, const char *token,
                        tp_jwt_times *t);

#endif /* TP_REQUEST_H */
