/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_selfurl: this site's own URLs, made absolute for the provider (the
 * redirect_uri of a login, the post-logout URL): a local path gets the
 * request's scheme and its Host header, when that is a plain host[:port],
 * else httpd's own name for the server.  A URL stays as it is.
 */
#ifndef TP_SELFURL_H
#define TP_SELFURL_H

#include <httpd.h>

const char *tp_selfurl(request_rec *r, const char *path_or_url);

#endif /* TP_SELFURL_H */
