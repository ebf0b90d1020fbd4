/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: the Cookie header parser and editor. */

#include <assert.h>

#include "fuzz_common.h"
#include "core/tp_cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = { "accessToken", "refreshToken" };
    apr_pool_t *p = fuzz_pool();
    char *header = fuzz_str(p, data, size);
    tp_cookie_match found[2];
    const char *rest, *again;
    const char *parts[TP_MAX_CHUNKS];
    int removed, i;

    removed = tp_cookie_take(p, header, names, 2, found, &rest);
    /* never longer than what came in */
    assert(!rest || strlen(rest) <= strlen(header));
    if (!removed) {
        assert(rest == header);
    }
    /* what is left carries no token cookie any more */
    if (rest) {
        tp_cookie_match f2[2];
        tp_cookie_take(p, rest, names, 2, f2, &again);
        assert(f2[0].value == NULL && f2[1].value == NULL);
        assert(f2[0].max_chunk == 0 && f2[1].max_chunk == 0);
    }
    for (i = 0; i < 2; i++) {
        const char *v = tp_cookie_joined(p, &found[i]);
        if (v) {
            int n = tp_cookie_split(p, v, parts);
            assert(n >= 0 && n <= TP_MAX_CHUNKS);
        }
    }
    tp_cookie_name_valid(header);
    apr_pool_destroy(p);
    return 0;
}
