/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_replay: keeps a copy of the request body as mod_proxy reads it, so
 * the request can be sent again after an upstream 401.  A resource-level
 * input filter copies what passes (heap buckets, never transient ones) up
 * to TokenProxyReplayMaxBody; past that it stops keeping but keeps
 * streaming, and the request can no longer be replayed.  On a replay it
 * serves the kept bytes first, then whatever the client has not sent yet.
 */
#ifndef TP_REPLAY_H
#define TP_REPLAY_H

#include <httpd.h>

typedef struct tp_replay tp_replay;

void tp_replay_register(void);

/* Prepare a request for replays: returns NULL when it cannot be replayed
 * (an upgrade, or a Content-Length over max).  The filter is inserted only
 * when there is a body to keep. */
tp_replay *tp_replay_setup(request_rec *r, apr_off_t max);

/* Can the body still be served again (nothing dropped past the limit)? */
int tp_replay_possible(const tp_replay *rp);

/* Serve the body again from its first byte on the next reads. */
void tp_replay_rewind(tp_replay *rp);

#endif /* TP_REPLAY_H */
