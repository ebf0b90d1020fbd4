/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_revocations: the machine-wide table of back-channel logouts
 * (tp_revtable, TokenProxyRevocationSlots slots in anonymous shared
 * memory kept across graceful restarts) under its own global mutex
 * "tokenproxy-revocation" (registered, so httpd's Mutex directive
 * configures it), and its counters.  The request path asks
 * tp_revocations_end() on every request with a session: answered from
 * shared memory only, and without the lock while no logout is live.
 */
#ifndef TP_REVOCATIONS_H
#define TP_REVOCATIONS_H

#include <httpd.h>

#include "core/tp_revtable.h"

#define TP_REV_MUTEX_NAME "tokenproxy-revocation"

typedef enum {
    TP_RSTAT_ENDED = 0,     /* sessions ended by a back-channel logout */
    TP_RSTAT_ACCEPTED,      /* logout tokens accepted */
    TP_RSTAT_REFUSED,       /* logout tokens refused (400) */
    TP_RSTAT_FULL,          /* logouts refused for a full table (503) */
    TP_RSTAT_CLUSTER_FAILED,/* logouts Redis did not take (503) */
    TP_RSTAT_SYNCED,        /* other nodes' logouts applied here */
    TP_RSTAT_COUNT
} tp_rstat_e;

int tp_revocations_pre_config(apr_pool_t *pconf);
int tp_revocations_post_config(server_rec *s);
void tp_revocations_child_init(apr_pool_t *pchild, server_rec *s);

/* Without the lock: may any session be over by a back-channel logout
 * now?  0 while none is live (the request path then reads nothing). */
int tp_revocations_any(void);

/* 1 when the session (issuer, sub, sid, started: epoch seconds, 0
 * unknown) is over by a back-channel logout. */
int tp_revocations_end(server_rec *s, const char *iss, const char *sub,
                       const char *sid, apr_int64_t started);

typedef enum {
    TP_REVADD_OK = 0,
    TP_REVADD_FULL,         /* no slot: nothing added */
    TP_REVADD_ERROR         /* no table or no lock: nothing added */
} tp_revadd_e;

/* Add entries (all or none). */
tp_revadd_e tp_revocations_add(const tp_rev_entry *e, int n);

/* Is this entry (its kind and key) in the table, live? */
int tp_revocations_has(const tp_rev_entry *e);

/* Was this logout token id (a TP_REV_JTI key) taken before? */
int tp_revocations_seen(const unsigned char *jti_key);

/* The table's fill now; 0 without a table. */
int tp_revocations_fill(tp_revtable_fill *f);

/* The cluster reader's position (Redis milliseconds), machine-wide. */
apr_uint64_t tp_revocations_cursor(void);
void tp_revocations_set_cursor(apr_uint64_t was, apr_uint64_t now);
/* 1 for the one caller, machine-wide, whose turn it is to read Redis:
 * the first since the last reading was `every` or more ago (so a
 * machine reads once an interval however many children it has). */
int tp_revocations_poll_due(apr_interval_time_t every);

void tp_rstat_inc(tp_rstat_e which);
apr_uint64_t tp_rstat_get(tp_rstat_e which);
const char *tp_rstat_name(tp_rstat_e which);
const char *tp_rstat_help(tp_rstat_e which);
/* 1 when the "table full" warning may go out now (once a minute). */
int tp_revocations_warn_due(void);

#endif /* TP_REVOCATIONS_H */
