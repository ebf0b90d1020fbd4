/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * JWT "exp" reader: header.payload.signature, base64url, JSON (jansson).
 */

#include <string.h>

#include <jansson.h>

#include "tp_b64.h"
#include "tp_jwt.h"

int tp_jwt_exp(apr_pool_t *p, const char *token, apr_int64_t *exp)
{
    const char *dot1, *dot2;
    apr_size_t len;
    unsigned char *buf;
    long n;
    json_t *root, *v;
    json_error_t err;
    int found = 0;

    if (!token || !(dot1 = strchr(token, '.'))
        || !(dot2 = strchr(dot1 + 1, '.')) || strchr(dot2 + 1, '.')) {
        return 0;
    }
    len = (apr_size_t)(dot2 - dot1 - 1);
    if (len == 0 || len > TP_JWT_MAX_PAYLOAD) {
        return 0;
    }
    buf = apr_palloc(p, len);
    n = tp_b64url_decode(buf, dot1 + 1, len);
    if (n <= 0) {
        return 0;
    }
    root = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES,
                      &err);
    if (!root) {
        return 0;
    }
    if (json_is_object(root) && (v = json_object_get(root, "exp"))) {
        if (json_is_integer(v)) {
            *exp = (apr_int64_t)json_integer_value(v);
            found = 1;
        }
        else if (json_is_real(v) && json_real_value(v) > 0
                 && json_real_value(v) < 9.0e15) {
            *exp = (apr_int64_t)json_real_value(v);
            found = 1;
        }
    }
    json_decref(root);
    return found;
}
