/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_tokentype: which token a TokenProxy location sends upstream
 * (TokenProxyTokenType), as a decision table of the location's type and
 * the request's session:
 *
 *                    usable session   no session       dead session
 *   user             the user's       over (401/302)   over, cleared
 *   client           client token     client token     client token
 *   user-or-client   the user's       client token     client, cleared
 *   user-or-none     the user's       no token         no token, cleared
 *
 * "client token": a client-credentials token kept machine-wide; the
 * user's cookies are stripped from the upstream request in every row.
 * No request structures; never logs.
 */
#ifndef TP_TOKENTYPE_H
#define TP_TOKENTYPE_H

typedef enum {
    TP_TT_USER = 0,             /* the default: today's behaviour */
    TP_TT_CLIENT,
    TP_TT_USER_OR_CLIENT,
    TP_TT_USER_OR_NONE          /* TokenProxyPublic On */
} tp_tokentype_e;

typedef enum {
    TP_SESSION_USABLE = 0,      /* an access token, or one to be had */
    TP_SESSION_NONE,            /* no token cookie at all */
    TP_SESSION_DEAD             /* token cookies whose session is over */
} tp_session_e;

typedef enum {
    TP_SEND_USER = 0,           /* the session's (or its exchanged) token */
    TP_SEND_CLIENT,             /* a client-credentials token */
    TP_SEND_NONE,               /* forward without a token */
    TP_SEND_OVER                /* answer: the session is over */
} tp_send_e;

/* The decision; *clear set when the dead session's cookies are to be
 * cleared on the response. */
tp_send_e tp_tokentype_decide(tp_tokentype_e type, tp_session_e session,
                              int *clear);

/* "user", "client", "user-or-client", "user-or-none" (case-insensitive);
 * 0 when none of them. */
int tp_tokentype_parse(const char *word, tp_tokentype_e *type);
const char *tp_tokentype_name(tp_tokentype_e type);

/* A user's session may go on without a token, or with the client's. */
int tp_tokentype_has_fallback(tp_tokentype_e type);

#endif /* TP_TOKENTYPE_H */
