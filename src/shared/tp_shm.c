/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Shared memory kept across graceful restarts, and the warning gate.
 */

#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_atomic.h>
#include <apr_shm.h>

#include "shared/tp_shm.h"

APLOG_USE_MODULE(tokenproxy);

/* warnings of a kind go out at most once in this long, machine-wide */
#define WARN_INTERVAL apr_time_from_sec(60)

typedef struct kept {
    apr_shm_t *shm;
    apr_size_t size;
} kept;

void *tp_shm_retained(server_rec *s, const char *key, apr_size_t size,
                      const char *what)
{
    kept *k = ap_retained_data_get(key);
    apr_status_t rv;

    if (!k) {
        k = ap_retained_data_create(key, sizeof(*k));
    }
    if (!k->shm) {
        rv = apr_shm_create(&k->shm, size, NULL, s->process->pool);
        if (rv != APR_SUCCESS) {
            k->shm = NULL;
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "tokenproxy: could not create the %s' shared "
                         "memory", what);
            return NULL;
        }
        k->size = size;
        memset(apr_shm_baseaddr_get(k->shm), 0, size);
    }
    return apr_shm_baseaddr_get(k->shm);
}

int tp_shm_warn_due(volatile apr_uint64_t *last)
{
    apr_uint64_t now = (apr_uint64_t)apr_time_now();
    apr_uint64_t then = apr_atomic_read64(last);

    if (then && now - then < (apr_uint64_t)WARN_INTERVAL) {
        return 0;
    }
    return apr_atomic_cas64(last, now, then) == then;
}
