/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The token-type decision table (TokenProxyTokenType).
 */

#include <strings.h>

#include "core/tp_tokentype.h"

static const char *const names[] = {
    "user", "client", "user-or-client", "user-or-none"
};

tp_send_e tp_tokentype_decide(tp_tokentype_e type, tp_session_e session,
                              int *clear)
{
    *clear = session == TP_SESSION_DEAD;
    switch (type) {
    case TP_TT_CLIENT:
        *clear = 0;         /* not looked at: stripped, never judged */
        return TP_SEND_CLIENT;
    case TP_TT_USER_OR_CLIENT:
        return session == TP_SESSION_USABLE ? TP_SEND_USER : TP_SEND_CLIENT;
    case TP_TT_USER_OR_NONE:
        return session == TP_SESSION_USABLE ? TP_SEND_USER : TP_SEND_NONE;
    case TP_TT_USER:
    default:
        return session == TP_SESSION_USABLE ? TP_SEND_USER : TP_SEND_OVER;
    }
}

int tp_tokentype_parse(const char *word, tp_tokentype_e *type)
{
    int i;

    for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
        if (!strcasecmp(word, names[i])) {
            *type = (tp_tokentype_e)i;
            return 1;
        }
    }
    return 0;
}

const char *tp_tokentype_name(tp_tokentype_e type)
{
    return (unsigned)type < sizeof(names) / sizeof(names[0])
           ? names[type] : "?";
}

int tp_tokentype_has_fallback(tp_tokentype_e type)
{
    return type == TP_TT_USER_OR_CLIENT || type == TP_TT_USER_OR_NONE;
}
