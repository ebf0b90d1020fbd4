/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* Shared by the libFuzzer targets: APR once, a pool per input. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

static apr_pool_t *fuzz_pool(void)
{
    static int ready;
    apr_pool_t *p;

    if (!ready) {
        apr_initialize();
        ready = 1;
    }
    apr_pool_create(&p, NULL);
    return p;
}

/* The input as a NUL-terminated string (stops at an inner NUL, as a
 * header value would). */
static char *fuzz_str(apr_pool_t *p, const uint8_t *data, size_t size)
{
    char *s = apr_palloc(p, size + 1);

    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
