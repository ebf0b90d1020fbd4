/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: the sealed-cookie opener and key files. */

#include <assert.h>

#include "fuzz_common.h"
#include "core/tp_sealcookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tp_keyring kr;
    apr_pool_t *p = fuzz_pool();
    char *sealed = fuzz_str(p, data, size);
    const char *value;
    unsigned char key[TP_SEAL_KEY_LEN];
    int which;

    if (!kr.n) {            /* fixed keys: the corpus was sealed with them */
        kr.n = 2;
        memset(kr.keys[0], 0x11, TP_SEAL_KEY_LEN);
        memset(kr.keys[1], 0x22, TP_SEAL_KEY_LEN);
    }
    if (tp_opencookie(p, &kr, "accessToken", sealed, &value, &which)) {
        assert(which == 0 || which == 1);
        assert(value);
    }
    tp_key_parse(sealed, strlen(sealed), key);
    apr_pool_destroy(p);
    return 0;
}
