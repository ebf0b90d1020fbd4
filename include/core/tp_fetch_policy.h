/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_fetch_policy: when a cached provider document (discovery metadata,
 * key set) is fetched again.  No request structures; never logs.
 */
#ifndef TP_FETCH_POLICY_H
#define TP_FETCH_POLICY_H

#include <apr_time.h>

#define TP_DISC_TTL      3600   /* seconds a document is used */
#define TP_DISC_RETRY    10     /* seconds between failed fetches */
#define TP_JWKS_REFETCH  30     /* seconds between unknown-kid refetches */

typedef struct tp_doc_times {
    int have;               /* a document is cached */
    apr_time_t fetched;     /* when it was */
    apr_time_t tried;       /* the last fetch that failed, or 0 */
} tp_doc_times;

/* Fetch now?  Without a document or with one older than TP_DISC_TTL: yes,
 * unless a fetch failed within TP_DISC_RETRY.  refetch (a kid the key set
 * does not have): also a fresh document, unless it was fetched, or a
 * fetch failed, within TP_JWKS_REFETCH. */
int tp_doc_should_fetch(const tp_doc_times *d, apr_time_t now, int refetch);

#endif /* TP_FETCH_POLICY_H */
