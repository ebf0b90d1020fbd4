/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: the JWK Set, discovery document and compact JWS
 * parsers, and verification against what they produced; the ID token
 * checks (times in range, OpenID Connect Core 12.2). */

#include <assert.h>
#include <strings.h>

#include "fuzz_common.h"
#include "core/tp_b64.h"
#include "core/tp_idtoken.h"
#include "core/tp_jose.h"
#include "core/tp_oidc_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *s = fuzz_str(p, data, size);
    const char *why = NULL;
    tp_oidc_meta m;
    tp_jwks *ks;
    tp_jws jws;

    ks = tp_jwks_parse(p, (const char *)data, size, &why);
    assert(ks || why);
    if (tp_oidc_meta_parse(p, (const char *)data, size, "https://idp.example",
                           &m, &why)) {
        /* what it accepts is complete, and https (no loopback here) */
        assert(m.authorization_endpoint && m.token_endpoint && m.jwks_uri);
        assert(!strncasecmp(m.token_endpoint, "https://", 8)
               || !strncasecmp(m.token_endpoint, "http://", 7));
        /* HS256 only where announced, and never without a secret */
        assert(!(tp_oidc_id_token_algs(&m, NULL) & TP_ALG_HS256));
        assert(!!(tp_oidc_id_token_algs(&m, "s") & TP_ALG_HS256)
               == !!(m.id_token_algs & TP_ALG_HS256));
    }
    if (tp_jws_parse(p, s, &jws, &why)) {
        tp_idtoken_expect e = { "https://idp.example", "app", NULL,
                                1900000000 };
        tp_idtoken t;
        const char *d1 = strchr(s, '.'), *d2 = strchr(d1 + 1, '.');
        assert(jws.alg && jws.signing_len < strlen(s));
        /* strict base64url: the payload has one spelling only */
        assert(!strncmp(tp_b64url_encode(p, (const unsigned char *)
                                         jws.payload, jws.payload_len),
                        d1 + 1, (size_t)(d2 - d1 - 1))
               && strlen(tp_b64url_encode(p, (const unsigned char *)
                                          jws.payload, jws.payload_len))
                  == (size_t)(d2 - d1 - 1));
        /* never verifies without a key or a secret: no "none" path */
        assert(tp_jws_verify(p, &jws, NULL, NULL, 0xf, &why) != TP_JOSE_OK);
        assert(tp_jws_verify(p, &jws, ks, NULL, 0, &why) != TP_JOSE_OK);
        if (tp_idtoken_check(p, &jws, &e, &t, &why)) {
            /* the times it takes are NumericDates in range */
            assert(t.exp >= 0 && t.exp <= TP_IDTOKEN_MAX_TIME);
            assert(t.iat >= 0 && t.iat <= TP_IDTOKEN_MAX_TIME);
        }
        /* OpenID Connect Core 12.2 against itself, and against the
         * input as a payload */
        if (t.claims) {
            assert(tp_idtoken_same_session(p, t.claims, strlen(t.claims),
                                           t.claims, strlen(t.claims),
                                           &why));
        }
        tp_idtoken_same_session(p, jws.payload, jws.payload_len,
                                (const char *)data, size, &why);
    }
    apr_pool_destroy(p);
    return 0;
}
