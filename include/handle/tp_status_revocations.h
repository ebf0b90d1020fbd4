/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_status_revocations: tokenproxy-status's part on back-channel
 * logout: sessions ended, logout tokens accepted and refused, the
 * revocation table's entries and capacity.
 */
#ifndef TP_STATUS_REVOCATIONS_H
#define TP_STATUS_REVOCATIONS_H

#include <httpd.h>

/* A JSON member "backchannel":{...} (without a leading comma), or
 * Prometheus lines. */
void tp_status_revocations(request_rec *r, int prometheus);

#endif /* TP_STATUS_REVOCATIONS_H */
