/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_b64: base64url (RFC 4648 section 5) without padding, and a decoder
 * that also takes standard base64 and padding (for key files).  No request
 * structures.
 */
#ifndef TP_B64_H
#define TP_B64_H

#include <apr_pools.h>

/* Encode len bytes, no padding; allocated from p. */
const char *tp_b64url_encode(apr_pool_t *p, const unsigned char *in,
                             apr_size_t len);

/* Decode base64url, or standard base64 when std is non-zero; padding
 * optional.  out needs len * 3 / 4 + 1 bytes.  Returns the decoded
 * length, or -1 for a character outside the alphabet. */
long tp_b64_decode(unsigned char *out, const char *in, apr_size_t len,
                   int std);

/* base64url only (the JWT and sealed-cookie alphabet). */
#define tp_b64url_decode(out, in, len) tp_b64_decode((out), (in), (len), 0)

/* Strict base64url, as RFC 7515 section 2 asks of a JWS: no padding, no
 * length that leaves a single character, and the unused low bits of the
 * last character zero, so that a byte string has exactly one encoding.
 * out needs len * 3 / 4 + 1 bytes.  Returns the decoded length, or -1. */
long tp_b64url_decode_strict(unsigned char *out, const char *in,
                             apr_size_t len);

#endif /* TP_B64_H */
