/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * tp_form: application/x-www-form-urlencoded values (RFC 6749 appendix B),
 * as the token endpoint, the authorization request and the login
 * redirect's return parameter carry them.  No request structures; never
 * logs.
 */
#ifndef TP_FORM_H
#define TP_FORM_H

#include <apr_pools.h>

/* Every byte but ALPHA, DIGIT, "-", ".", "_" and "~" as %XX. */
const char *tp_form_escape(apr_pool_t *p, const char *s);

#endif /* TP_FORM_H */
