/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: the JWT exp and iat reader, its scanner against
 * jansson (the input as a payload), and the base64url codecs. */

#include <assert.h>

#include "fuzz_common.h"
#include "core/tp_b64.h"
#include "core/tp_jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *token = fuzz_str(p, data, size);
    apr_int64_t exp;
    tp_jwt_times t, a, b;
    unsigned char *buf = apr_palloc(p, size * 3 / 4 + 4);
    long n;
    int r;

    tp_jwt_exp(p, token, &exp);
    if (tp_jwt_times_of(p, token, &t)) {
        (void)tp_jwt_skew(30, &t);
    }
    /* the scanner answers as jansson or not at all */
    r = tp_jwt_scan((const char *)data, size, &a);
    if (r >= 0) {
        assert(r == tp_jwt_parse((const char *)data, size, &b));
        assert(a.has_exp == b.has_exp && a.has_iat == b.has_iat);
        assert(!a.has_exp || a.exp == b.exp);
        assert(!a.has_iat || a.iat == b.iat);
    }
    /* strict base64url: what it takes is the one spelling of its bytes */
    n = tp_b64url_decode_strict(buf, token, strlen(token));
    if (n >= 0) {
        assert(!strcmp(tp_b64url_encode(p, buf, (apr_size_t)n), token));
    }
    n = tp_b64url_decode(buf, token, strlen(token));
    if (n >= 0) {
        /* what decodes encodes back to something that decodes the same */
        const char *enc = tp_b64url_encode(p, buf, (apr_size_t)n);
        unsigned char *buf2 = apr_palloc(p, strlen(enc) * 3 / 4 + 4);
        long n2 = tp_b64url_decode(buf2, enc, strlen(enc));
        assert(n2 == n && !memcmp(buf, buf2, (size_t)n));
    }
    apr_pool_destroy(p);
    return 0;
}
