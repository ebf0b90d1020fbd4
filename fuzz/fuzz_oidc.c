/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: the JWK Set, discovery document and compact JWS
 * parsers, and verification against what they produced. */

#include <assert.h>
#include <strings.h>

#include "fuzz_common.h"
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
    }
    if (tp_jws_parse(p, s, &jws, &why)) {
        tp_idtoken_expect e = { "https://idp.example", "app", NULL,
                                1900000000 };
        tp_idtoken t;
        assert(jws.alg && jws.signing_len < strlen(s));
        /* never verifies without a key or a secret: no "none" path */
        assert(tp_jws_verify(p, &jws, NULL, NULL, 0xf, &why) != TP_JOSE_OK);
        assert(tp_jws_verify(p, &jws, ks, NULL, 0, &why) != TP_JOSE_OK);
        tp_idtoken_check(p, &jws, &e, &t, &why);
    }
    apr_pool_destroy(p);
    return 0;
}
