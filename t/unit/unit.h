/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
#ifndef UNIT_H
#define UNIT_H

#include <apr_pools.h>
#include <check.h>

extern apr_pool_t *unit_pool;

typedef void (*unit_fixture)(void);

Suite *cookie_suite(unit_fixture setup, unit_fixture teardown);
Suite *token_suite(unit_fixture setup, unit_fixture teardown);
Suite *grant_suite(unit_fixture setup, unit_fixture teardown);
Suite *session_suite(unit_fixture setup, unit_fixture teardown);
Suite *flight_suite(unit_fixture setup, unit_fixture teardown);
Suite *flight_told_suite(unit_fixture setup, unit_fixture teardown);
Suite *security_suite(unit_fixture setup, unit_fixture teardown);
Suite *cluster_suite(unit_fixture setup, unit_fixture teardown);
Suite *oidc_suite(unit_fixture setup, unit_fixture teardown);
Suite *oidc_req_suite(unit_fixture setup, unit_fixture teardown);
Suite *claims_suite(unit_fixture setup, unit_fixture teardown);
Suite *opencache_suite(unit_fixture setup, unit_fixture teardown);
Suite *tokencookie_suite(unit_fixture setup, unit_fixture teardown);
Suite *hardening_suite(unit_fixture setup, unit_fixture teardown);
Suite *apps_suite(unit_fixture setup, unit_fixture teardown);
Suite *sesscookie_suite(unit_fixture setup, unit_fixture teardown);
Suite *logout_suite(unit_fixture setup, unit_fixture teardown);
Suite *apis_suite(unit_fixture setup, unit_fixture teardown);

#endif
