/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * When provider documents are fetched again.
 */

#include "core/tp_fetch_policy.h"

static int within(apr_time_t now, apr_time_t t, int secs)
{
    return t && now - t < apr_time_from_sec(secs);
}

int tp_doc_should_fetch(const tp_doc_times *d, apr_time_t now, int refetch)
{
    if (!d->have || !within(now, d->fetched, TP_DISC_TTL)) {
        return !within(now, d->tried, TP_DISC_RETRY);
    }
    if (refetch) {
        return !within(now, d->fetched, TP_JWKS_REFETCH)
               && !within(now, d->tried, TP_JWKS_REFETCH);
    }
    return 0;
}
