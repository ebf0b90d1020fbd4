/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_iss_resp: RFC 9207, the issuer in an authorization response.  When
 * the response carries "iss" it must equal the provider's issuer; when
 * the provider's metadata says authorization_response_iss_parameter_
 * supported: true, a response without one is refused (a mix-up attack
 * sends the browser back with another provider's code).  No request
 * structures; never logs.
 */
#ifndef TP_ISS_RESP_H
#define TP_ISS_RESP_H

/* NULL when the response may go on; otherwise why not (naming no
 * value).  iss: the response's "iss" parameter, or NULL when absent;
 * issuer: TokenProxyOIDCProvider; supported: the metadata's flag. */
const char *tp_iss_resp_check(const char *iss, const char *issuer,
                              int supported);

#endif /* TP_ISS_RESP_H */
