/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_sizing: how many refresh results a shmcb cache holds, and how large
 * a cache must be for a number of them.  Pure arithmetic over shmcb's own
 * layout (modules/cache/mod_socache_shmcb.c: a header, then up to 256
 * subcaches, each an index of 24-byte slots and a cyclic data area that
 * holds every entry's id and data); no request structures.
 *
 * One result costs TP_SIZING_ENTRY_FIXED bytes plus the two tokens:
 * the 32-byte id, the 24-byte index slot, and the entry's 37 bytes of
 * header, seal nonce and tag, and separator.
 */
#ifndef TP_SIZING_H
#define TP_SIZING_H

#include <apr.h>

#define TP_SIZING_ID_LEN      32
#define TP_SIZING_INDEX_LEN   24
#define TP_SIZING_ENTRY_FIXED (TP_SIZING_ID_LEN + TP_SIZING_INDEX_LEN + 37)
/* shmcb's limits and its size when the argument names none */
#define TP_SIZING_SHMCB_MIN     8192
#define TP_SIZING_SHMCB_MAX     (64 * 1024 * 1024 - 1)
#define TP_SIZING_SHMCB_DEFAULT (512 * 1024)
/* Keys spread unevenly over the subcaches: the first eviction comes at
 * about 80-85% of the capacity; sizes are suggested for this share. */
#define TP_SIZING_FILL_PERCENT 80

/* Bytes of one result entry in the cache, its id and index slot included. */
apr_size_t tp_sizing_entry_bytes(apr_size_t token_bytes);
/* The object size hint for shmcb: the entry's data and its index slot. */
apr_size_t tp_sizing_hint(apr_size_t token_bytes);
/* Results a shmcb of cache_bytes holds when filled evenly. */
long tp_sizing_capacity(apr_size_t cache_bytes, apr_size_t token_bytes);
/* The smallest shmcb size (a whole number of KiB, at most
 * TP_SIZING_SHMCB_MAX) that holds `entries` before the first eviction
 * is likely; 0 when even the largest cannot. */
apr_size_t tp_sizing_bytes_for(long entries, apr_size_t token_bytes);
/* The size in shmcb's argument "path(bytes)", "(bytes)" or "path"; 0 when
 * it cannot be read. */
apr_size_t tp_sizing_shmcb_size(const char *args);

#endif /* TP_SIZING_H */
