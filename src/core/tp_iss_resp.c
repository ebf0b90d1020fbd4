/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * RFC 9207 section 2.4: the client compares the iss parameter with the
 * issuer it sent the request to, by simple string comparison.
 */

#include <string.h>

#include "core/tp_iss_resp.h"

const char *tp_iss_resp_check(const char *iss, const char *issuer,
                              int supported)
{
    if (iss) {
        if (!issuer || strcmp(iss, issuer)) {
            return "the authorization response's iss is not the provider's "
                   "issuer (RFC 9207)";
        }
        return NULL;
    }
    if (supported) {
        return "the authorization response has no iss, and the provider's "
               "metadata says it sends one (RFC 9207)";
    }
    return NULL;
}
