/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: the login state (what a sealed login cookie holds),
 * its cookie name, the Cookie header without login cookies, the
 * id_token of a token answer, and the return path (tp_safe_return). */

#include <assert.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "core/tp_loginstate.h"
#include "core/tp_nav.h"
#include "core/tp_oidc_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *s = fuzz_str(p, data, size);
    tp_login_state st;
    const char *out, *name;
    int n;

    if (tp_login_state_decode(p, s, &st)) {
        /* what decodes encodes to a text that decodes to the same */
        tp_login_state again;
        assert(st.return_path[0] == '/' && st.time > 0);
        assert(tp_login_state_decode(p, tp_login_state_encode(p, &st),
                                     &again));
        assert(again.time == st.time && !strcmp(again.state, st.state)
               && !strcmp(again.nonce, st.nonce)
               && !strcmp(again.verifier, st.verifier)
               && !strcmp(again.return_path, st.return_path));
    }
    if ((name = tp_login_cookie_name(p, s, size & 1))) {
        assert(tp_login_cookie_is(name));
    }
    out = tp_login_cookies_strip(p, s, &n);
    assert(n >= 0);
    assert(!out || strlen(out) <= strlen(s));
    assert(n > 0 || out == s);
    tp_oidc_answer_id_token(p, (const char *)data, size);
    /* the return path: "/" or the input itself, never "//" or "/\\",
     * never a dot segment */
    out = tp_safe_return(p, s);
    if (strcmp(out, "/")) {
        char *path = apr_pstrmemdup(p, out, strcspn(out, "?#"));
        apr_size_t n = strlen(path);
        assert(!strcmp(out, s) && path[0] == '/' && path[1] != '/'
               && !strchr(path, '\\') && !strstr(path, "/./")
               && !strstr(path, "/../")
               && !(n >= 2 && !strcmp(path + n - 2, "/."))
               && !(n >= 3 && !strcmp(path + n - 3, "/..")));
    }
    apr_pool_destroy(p);
    return 0;
}
