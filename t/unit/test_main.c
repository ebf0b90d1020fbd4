/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* Unit tests of the request-free parts of mod_tokenproxy (Check). */

#include <stdio.h>
#include <stdlib.h>

#include <apr_general.h>
#include <check.h>

#include "unit.h"

apr_pool_t *unit_pool;

static void setup(void)
{
    apr_pool_create(&unit_pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(unit_pool);
}

int main(void)
{
    SRunner *sr;
    int failed;

    apr_initialize();
    sr = srunner_create(cookie_suite(setup, teardown));
    srunner_add_suite(sr, token_suite(setup, teardown));
    srunner_add_suite(sr, grant_suite(setup, teardown));
    srunner_add_suite(sr, session_suite(setup, teardown));
    srunner_add_suite(sr, flight_suite(setup, teardown));
    srunner_add_suite(sr, flight_told_suite(setup, teardown));
    srunner_add_suite(sr, security_suite(setup, teardown));
    srunner_add_suite(sr, cluster_suite(setup, teardown));
    srunner_add_suite(sr, oidc_suite(setup, teardown));
    srunner_add_suite(sr, oidc_req_suite(setup, teardown));
    srunner_add_suite(sr, claims_suite(setup, teardown));
    srunner_add_suite(sr, opencache_suite(setup, teardown));
    srunner_add_suite(sr, tokencookie_suite(setup, teardown));
    srunner_add_suite(sr, hardening_suite(setup, teardown));
    srunner_add_suite(sr, apps_suite(setup, teardown));
    srunner_add_suite(sr, sesscookie_suite(setup, teardown));
    srunner_add_suite(sr, logout_suite(setup, teardown));
    srunner_add_suite(sr, apis_suite(setup, teardown));
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    printf("unit: %d passed, %d failed\n",
           srunner_ntests_run(sr) - failed, failed);
    srunner_free(sr);
    apr_terminate();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
