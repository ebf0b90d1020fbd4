/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: the session cookie's content (what a sealed session
 * cookie holds, issue 19), the limits on what it decodes to, the user
 * endpoint's session member, and RFC 9207's iss comparison. */

#include <assert.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "core/tp_iss_resp.h"
#include "core/tp_sesscookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *s = fuzz_str(p, data, size);
    tp_sessinfo si, again;
    apr_int64_t ie, e;

    if (tp_sess_decode(p, s, &si)) {
        /* what decodes encodes to exactly the same text (one spelling) */
        const char *enc = tp_sess_encode(p, &si);
        assert(!strcmp(enc, s));
        assert(tp_sess_decode(p, enc, &again));
        assert(again.started == si.started && again.last_used == si.last_used);
        assert(si.started >= 0 && si.last_used >= 0);
        assert(!si.iss || (*si.iss && strlen(si.iss) <= TP_SESS_MAX_STR));
        (void)tp_sess_state(&si, si.started + (apr_int64_t)(size & 0xff),
                            (apr_int64_t)(size & 7), (apr_int64_t)(size & 15));
        tp_sess_ends(&si, 1800, 36000, &ie, &e);
        assert(ie == si.last_used + 1800 && e == si.started + 36000);
    }
    /* the input as ID token claims and as a user endpoint's JSON */
    tp_sess_begin(p, &si, 1900000000, s);
    assert(!si.sub || (*si.sub && strlen(si.sub) <= TP_SESS_MAX_STR));
    assert(tp_sess_decode(p, tp_sess_encode(p, &si), &again));
    (void)tp_sess_user_json(p, s, &si, (apr_int64_t)(size & 1) * 60, 0);
    /* an iss equal to the issuer passes; another one never does */
    assert(!tp_iss_resp_check(s, s, 1));
    assert(tp_iss_resp_check(s, "https://idp.example", size & 1)
           ? strcmp(s, "https://idp.example") != 0
           : !strcmp(s, "https://idp.example"));
    apr_pool_destroy(p);
    return 0;
}
