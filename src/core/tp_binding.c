/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The app of a cookie: its label.
 */

#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>

#include "core/tp_b64.h"
#include "core/tp_binding.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

const char *tp_binding_label(apr_pool_t *p, const char *provider,
                             const char *client)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const char *in = apr_pstrcat(p, "mod_tokenproxy app\n",
                                 or_empty(provider), "\n", or_empty(client),
                                 NULL);

    if (!EVP_Digest(in, strlen(in), md, &n, EVP_sha256(), NULL) || n < 8) {
        return NULL;
    }
    /* 8 bytes: 11 base64url characters */
    return tp_b64url_encode(p, md, 8);
}

int tp_binding_differ(const char *provider_a, const char *client_a,
                      const char *provider_b, const char *client_b)
{
    return strcmp(or_empty(provider_a), or_empty(provider_b))
           || strcmp(or_empty(client_a), or_empty(client_b));
}
