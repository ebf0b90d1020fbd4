/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * shmcb's layout, as socache_shmcb_init lays it out: the segment less an
 * 80-byte header is cut into N subcaches (256, halved while a subcache
 * would have fewer than 2N index slots), each a 16-byte header, an index
 * of `slots` 24-byte entries (slots = segment / (hint + id length) / N)
 * and the data area in the rest.
 */

#include <stdlib.h>
#include <string.h>

#include "core/tp_flight.h"
#include "core/tp_sizing.h"

#define SHMCB_HEADER 80
#define SHMCB_SUBCACHE_HEADER 16

apr_size_t tp_sizing_entry_bytes(apr_size_t token_bytes)
{
    return token_bytes + TP_SIZING_ENTRY_FIXED;
}

apr_size_t tp_sizing_hint(apr_size_t token_bytes)
{
    return token_bytes + TP_FLIGHT_ENTRY_OVERHEAD + TP_SIZING_INDEX_LEN;
}

long tp_sizing_capacity(apr_size_t cache_bytes, apr_size_t token_bytes)
{
    apr_size_t seg, idx, nsub = 256, sub, data, per, by_data;

    if (cache_bytes <= SHMCB_HEADER) {
        return 0;
    }
    seg = cache_bytes - SHMCB_HEADER;
    idx = seg / (tp_sizing_hint(token_bytes) + TP_SIZING_ID_LEN);
    while (nsub > 1 && idx / nsub < 2 * nsub) {
        nsub /= 2;
    }
    idx /= nsub;
    sub = seg / nsub;
    if (idx < 5 || sub < SHMCB_SUBCACHE_HEADER + idx * TP_SIZING_INDEX_LEN) {
        return 0;
    }
    data = sub - SHMCB_SUBCACHE_HEADER - idx * TP_SIZING_INDEX_LEN;
    per = TP_SIZING_ID_LEN + token_bytes + TP_FLIGHT_ENTRY_OVERHEAD;
    by_data = data / per;
    return (long)(nsub * (by_data < idx ? by_data : idx));
}

apr_size_t tp_sizing_bytes_for(long entries, apr_size_t token_bytes)
{
    apr_size_t lo = TP_SIZING_SHMCB_MIN / 1024, hi = TP_SIZING_SHMCB_MAX / 1024;
    long want = (long)(((apr_int64_t)entries * 100 + TP_SIZING_FILL_PERCENT
                        - 1) / TP_SIZING_FILL_PERCENT);

    if (tp_sizing_capacity(TP_SIZING_SHMCB_MAX, token_bytes) < want) {
        return 0;
    }
    /* the capacity grows with the size, give or take a subcache split:
     * binary search, then step up past any dip */
    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;

        if (tp_sizing_capacity(mid * 1024, token_bytes) >= want) {
            hi = mid;
        }
        else {
            lo = mid + 1;
        }
    }
    while (lo * 1024 < TP_SIZING_SHMCB_MAX
           && tp_sizing_capacity(lo * 1024, token_bytes) < want) {
        lo++;
    }
    return lo * 1024 > TP_SIZING_SHMCB_MAX ? TP_SIZING_SHMCB_MAX : lo * 1024;
}

apr_size_t tp_sizing_shmcb_size(const char *args)
{
    const char *open, *close;
    char *end;
    long v;

    if (!args || !*args) {
        return TP_SIZING_SHMCB_DEFAULT;
    }
    open = strrchr(args, '(');
    if (!open) {
        return TP_SIZING_SHMCB_DEFAULT;
    }
    close = args + strlen(args) - 1;
    if (*close != ')') {
        return 0;
    }
    v = strtol(open + 1, &end, 10);
    if (end != close || v <= 0) {
        return 0;
    }
    return (apr_size_t)v;
}
