/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* libFuzzer target: the sealed-cookie opener, key files, and sealed
 * cluster entries (their lifetime). */

#include <assert.h>

#include "fuzz_common.h"
#include "core/tp_cluster.h"
#include "core/tp_sealcookie.h"

/* the clock of the cluster entries in the corpus */
#define FUZZ_CLUSTER_NOW apr_time_from_sec(1900000000)

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
    /* the bound form (issue 22): a cookie of another app never opens,
     * and is told apart without opening */
    {
        const char *label = "AAAAAAAAAAA";
        tp_open_e o = tp_opencookie_for(p, &kr, label, "accessToken", sealed,
                                        &value, &which);
        assert(o == TP_OPEN_OK || o == TP_OPEN_BAD || o == TP_OPEN_FOREIGN);
        assert((o == TP_OPEN_FOREIGN) == tp_sealed_foreign(sealed, label));
        assert(o != TP_OPEN_OK || value);
    }
    tp_key_parse(sealed, strlen(sealed), key);
    /* a cluster entry (the corpus sealed with the first key, at
     * FUZZ_CLUSTER_NOW): only live ones open */
    {
        tp_grant_res res;
        char state = 0;
        int rc = tp_cluster_decode(p, kr.keys[0], "tokenproxy:00ff", data,
                                   size, FUZZ_CLUSTER_NOW, &state, &res);
        assert(rc >= -1 && rc <= 1);
        assert(rc != 1 || (state && strchr("FDRU", state)));
        assert(rc != 1 || state != 'D' || res.tokens.access);
        /* and every entry that opens runs out: 40 years on, none does */
        assert(rc != 1 || tp_cluster_decode(p, kr.keys[0], "tokenproxy:00ff",
                                            data, size, FUZZ_CLUSTER_NOW
                                            + apr_time_from_sec(40 * 366
                                                                * 86400),
                                            &state, &res) == -1);
    }
    apr_pool_destroy(p);
    return 0;
}
