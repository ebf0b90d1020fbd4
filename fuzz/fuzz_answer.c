/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: token answers (refresh endpoint, login capture). */

#include <assert.h>

#include "fuzz_common.h"
#include "core/tp_answer.h"
#include "core/tp_grant.h"
#include "core/tp_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tp_fields f = { "accessToken", "refreshToken", "expiresIn" };
    apr_pool_t *p = fuzz_pool();
    const char *body = (const char *)data;
    tp_tokens t;
    tp_grant_cfg cfg;
    tp_grant_res res;
    const char *out;
    apr_size_t out_len;

    if (tp_answer_parse(p, body, size, &f, 0, &t) == TP_ANSWER_OK) {
        /* a token we accept can go into a header and a cookie */
        assert(tp_token_check(t.access, strlen(t.access)) == TP_TOKEN_OK);
        assert(!t.refresh
               || tp_token_check(t.refresh, strlen(t.refresh)) == TP_TOKEN_OK);
    }
    if (tp_answer_capture(p, body, size, &f, &t, &out, &out_len)
        == TP_ANSWER_OK) {
        tp_tokens t2;
        assert(out && strlen(out) == out_len);
        /* the body the browser sees has no token member left */
        assert(tp_answer_parse(p, out, out_len, &f, 0, &t2)
               == TP_ANSWER_NO_ACCESS);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.fields = f;
    cfg.format = (size & 1) ? TP_FORMAT_OAUTH2 : TP_FORMAT_JSON;
    tp_grant_classify(p, &cfg, NULL, 200, "application/json", body, size,
                        &res);
    assert(res.why);
    apr_pool_destroy(p);
    return 0;
}
