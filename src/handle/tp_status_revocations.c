/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The back-channel logout part of the status handler.
 */

#include <httpd.h>
#include <http_protocol.h>

#include "handle/tp_status_revocations.h"
#include "shared/tp_revocations.h"

void tp_status_revocations(request_rec *r, int prometheus)
{
    tp_revtable_fill f;
    int have = tp_revocations_fill(&f), i;

    if (prometheus) {
        for (i = 0; i < TP_RSTAT_COUNT; i++) {
            ap_rprintf(r, "# HELP tokenproxy_%s_total %s\n"
                       "# TYPE tokenproxy_%s_total counter\n"
                       "tokenproxy_%s_total %" APR_UINT64_T_FMT "\n",
                       tp_rstat_name(i), tp_rstat_help(i), tp_rstat_name(i),
                       tp_rstat_name(i), tp_rstat_get(i));
        }
        if (have) {
            ap_rprintf(r, "# HELP tokenproxy_revocations Entries in the "
                       "table of back-channel logouts, by kind.\n"
                       "# TYPE tokenproxy_revocations gauge\n"
                       "tokenproxy_revocations{kind=\"sid\"} %ld\n"
                       "tokenproxy_revocations{kind=\"sub\"} %ld\n"
                       "tokenproxy_revocations{kind=\"jti\"} %ld\n"
                       "# HELP tokenproxy_revocations_slots Slots of the "
                       "table of back-channel logouts "
                       "(TokenProxyRevocationSlots).\n"
                       "# TYPE tokenproxy_revocations_slots gauge\n"
                       "tokenproxy_revocations_slots %ld\n",
                       f.sids, f.subs, f.jtis, f.slots);
        }
        return;
    }
    ap_rputs("\"backchannel\":{", r);
    for (i = 0; i < TP_RSTAT_COUNT; i++) {
        ap_rprintf(r, "%s\"%s\":%" APR_UINT64_T_FMT, i ? "," : "",
                   tp_rstat_name(i), tp_rstat_get(i));
    }
    if (have) {
        ap_rprintf(r, ",\"revocations\":{\"slots\":%ld,\"entries\":%ld,"
                   "\"sids\":%ld,\"subs\":%ld,\"jtis\":%ld}", f.slots,
                   f.sids + f.subs + f.jtis, f.sids, f.subs, f.jtis);
    }
    ap_rputs("}", r);
}
