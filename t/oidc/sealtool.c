/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The login tests' sealing tool: seals and opens cookie values exactly as
 * mod_tokenproxy does (src/tp_sealcookie.c), so a test can read a login
 * state cookie and write one with a time of its choosing.
 *
 *   sealtool seal|open KEYFILE COOKIE-NAME   (the value on stdin)
 */
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "core/tp_sealcookie.h"

int main(int argc, char **argv)
{
    apr_pool_t *p;
    tp_keyring kr;
    char buf[65536];
    FILE *f;
    size_t n;
    const char *out = NULL;

    if (argc != 4 || (strcmp(argv[1], "seal") && strcmp(argv[1], "open"))) {
        fprintf(stderr, "usage: sealtool seal|open KEYFILE NAME\n");
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    memset(&kr, 0, sizeof(kr));
    if (!(f = fopen(argv[2], "r"))) {
        return 1;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    if (!tp_key_parse(buf, n, kr.keys[0])) {
        return 1;
    }
    kr.n = 1;
    n = fread(buf, 1, sizeof(buf) - 1, stdin);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    if (!strcmp(argv[1], "seal")) {
        out = tp_sealcookie(p, &kr, argv[3], buf);
    }
    else if (!tp_opencookie(p, &kr, argv[3], buf, &out, NULL)) {
        out = NULL;
    }
    if (!out) {
        return 1;
    }
    printf("%s\n", out);
    return 0;
}
