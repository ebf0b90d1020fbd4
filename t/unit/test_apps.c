/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* Several apps on one host (issue 22): cookies bound to their app, and
 * the startup check of overlapping cookie names. */

#include <string.h>

#include <apr_strings.h>

#include "core/tp_appset.h"
#include "core/tp_binding.h"
#include "core/tp_sealcookie.h"
#include "unit.h"

#define ISS_A "http://127.0.0.1:1001"
#define ISS_B "http://127.0.0.1:1002"

static tp_keyring ring1(void)
{
    tp_keyring kr;

    memset(&kr, 0, sizeof(kr));
    kr.n = 1;
    tp_seal_keygen(kr.keys[0]);
    return kr;
}

START_TEST(label_per_app)
{
    const char *a = tp_binding_label(unit_pool, ISS_A, "app-a");
    const char *a2 = tp_binding_label(unit_pool, ISS_A, "app-a");
    const char *b = tp_binding_label(unit_pool, ISS_B, "app-a");
    const char *c = tp_binding_label(unit_pool, ISS_A, "app-b");
    const char *none = tp_binding_label(unit_pool, NULL, NULL);

    ck_assert_int_eq(strlen(a), TP_BINDING_LABEL_LEN);
    ck_assert_str_eq(a, a2);
    ck_assert_str_ne(a, b);         /* another provider */
    ck_assert_str_ne(a, c);         /* another client */
    ck_assert_str_eq(none, tp_binding_label(unit_pool, "", ""));
    /* the two strings are kept apart: "x\ny" + "" is not "x" + "y" */
    ck_assert_str_ne(tp_binding_label(unit_pool, "x\ny", ""),
                     tp_binding_label(unit_pool, "x", "y"));
    ck_assert(!tp_binding_differ(ISS_A, NULL, ISS_A, ""));
    ck_assert(tp_binding_differ(ISS_A, "c", ISS_B, "c"));
    ck_assert(tp_binding_differ(ISS_A, "c", ISS_A, "d"));
}
END_TEST

START_TEST(bound_cookie_opens_for_its_app_only)
{
    tp_keyring kr = ring1();
    const char *la = tp_binding_label(unit_pool, ISS_A, "app-a");
    const char *lb = tp_binding_label(unit_pool, ISS_B, "app-b");
    const char *s = tp_sealcookie_for(unit_pool, &kr, la, "accessToken", "AT");
    const char *v = NULL;

    ck_assert_ptr_nonnull(s);
    ck_assert(!strncmp(s, apr_pstrcat(unit_pool, TP_BOUND_PREFIX, la, ".",
                                      NULL), 4 + TP_BINDING_LABEL_LEN + 1));
    ck_assert_int_eq(tp_opencookie_for(unit_pool, &kr, la, "accessToken", s,
                                       &v, NULL), TP_OPEN_OK);
    ck_assert_str_eq(v, "AT");
    /* another app's: foreign, whatever the key ring */
    ck_assert_int_eq(tp_opencookie_for(unit_pool, &kr, lb, "accessToken", s,
                                       &v, NULL), TP_OPEN_FOREIGN);
    ck_assert(tp_sealed_foreign(s, lb));
    ck_assert(!tp_sealed_foreign(s, la));
    /* another cookie name of the same app: does not open */
    ck_assert_int_eq(tp_opencookie_for(unit_pool, &kr, la, "refreshToken", s,
                                       &v, NULL), TP_OPEN_BAD);
    /* the old, unbound API opens it (the test tools, the fuzzers) */
    ck_assert(tp_opencookie(unit_pool, &kr, "accessToken", s, &v, NULL));
}
END_TEST

START_TEST(relabelled_cookie_does_not_open)
{
    tp_keyring kr = ring1();
    const char *la = tp_binding_label(unit_pool, ISS_A, "app-a");
    const char *lb = tp_binding_label(unit_pool, ISS_B, "app-b");
    const char *s = tp_sealcookie_for(unit_pool, &kr, lb, "accessToken", "AT");
    char *moved = apr_pstrdup(unit_pool, s);
    const char *v;

    /* B's cookie with A's label written over B's: the AAD differs */
    memcpy(moved + 4, la, TP_BINDING_LABEL_LEN);
    ck_assert_int_eq(tp_opencookie_for(unit_pool, &kr, la, "accessToken",
                                       moved, &v, NULL), TP_OPEN_BAD);
    /* no label, an empty one, a bad one */
    ck_assert_int_eq(tp_opencookie_for(unit_pool, &kr, la, "accessToken",
                                       "tp2..abc", &v, NULL), TP_OPEN_BAD);
    ck_assert_int_eq(tp_opencookie_for(unit_pool, &kr, la, "accessToken",
                                       "tp2.a!b.abc", &v, NULL), TP_OPEN_BAD);
    ck_assert_int_eq(tp_opencookie_for(unit_pool, &kr, la, "accessToken",
                                       "tp2.nodot", &v, NULL), TP_OPEN_BAD);
    ck_assert_ptr_null(tp_sealcookie_for(unit_pool, &kr, "bad label", "a",
                                         "v"));
}
END_TEST

START_TEST(old_form_opens_for_every_app)
{
    tp_keyring kr = ring1();
    const char *la = tp_binding_label(unit_pool, ISS_A, "app-a");
    const char *old = tp_sealcookie_for(unit_pool, &kr, NULL, "rt", "RT");
    const char *v = NULL;

    /* TokenProxyCookieBinding Off writes the old form; every node opens
     * it, so an upgrade logs nobody out */
    ck_assert(!strncmp(old, TP_SEALED_PREFIX, 4));
    ck_assert_str_eq(old, old);
    ck_assert_int_eq(tp_opencookie_for(unit_pool, &kr, la, "rt", old, &v,
                                       NULL), TP_OPEN_OK);
    ck_assert_str_eq(v, "RT");
    ck_assert(!tp_sealed_foreign(old, la));
}
END_TEST

START_TEST(paths_overlap)
{
    ck_assert(tp_cookie_paths_overlap("/", "/a/"));
    ck_assert(tp_cookie_paths_overlap("/a/", "/"));
    ck_assert(tp_cookie_paths_overlap("/a/", "/a/"));
    ck_assert(tp_cookie_paths_overlap("/a", "/a/x"));
    ck_assert(tp_cookie_paths_overlap("/a/", "/a/b/"));
    ck_assert(!tp_cookie_paths_overlap("/a/", "/b/"));
    ck_assert(!tp_cookie_paths_overlap("/a", "/ab"));
    ck_assert(!tp_cookie_paths_overlap("/a/x", "/a/y"));
    ck_assert(tp_cookie_paths_overlap(NULL, "/b"));
}
END_TEST

static void use(apr_array_header_t *uses, const char *section,
                const char *prov, const char *client, const char *path,
                const char *at, const char *rt, const char *id)
{
    tp_app_use *u = apr_array_push(uses);

    memset(u, 0, sizeof(*u));
    u->section = section;
    u->provider = prov;
    u->client = client;
    u->path = path;
    u->names[0] = at;
    u->names[1] = rt;
    u->names[2] = id;
}

START_TEST(overlap_check)
{
    apr_array_header_t *u = apr_array_make(unit_pool, 4, sizeof(tp_app_use));
    const char *e;

    /* the four configurations of the issue */
    use(u, "<Location /a/>", ISS_A, "app-a", "/a/", "atA", "rtA", "idA");
    use(u, "<Location /b/>", ISS_B, "app-b", "/b/", "atB", "rtB", "idB");
    ck_assert_ptr_null(tp_appset_conflict(unit_pool, u));
    APR_ARRAY_IDX(u, 0, tp_app_use).path = "/";
    APR_ARRAY_IDX(u, 1, tp_app_use).path = "/";
    ck_assert_ptr_null(tp_appset_conflict(unit_pool, u));
    apr_array_clear(u);
    use(u, "<Location /a/>", ISS_A, "app-a", "/a/", "accessToken",
        "refreshToken", "idToken");
    use(u, "<Location /b/>", ISS_B, "app-b", "/b/", "accessToken",
        "refreshToken", "idToken");
    ck_assert_ptr_null(tp_appset_conflict(unit_pool, u));
    APR_ARRAY_IDX(u, 1, tp_app_use).path = "/";
    e = tp_appset_conflict(unit_pool, u);
    ck_assert_ptr_nonnull(e);
    ck_assert(strstr(e, "<Location /a/>") && strstr(e, "<Location /b/>"));
    ck_assert(strstr(e, "'accessToken'"));
    ck_assert(strstr(e, "TokenProxyAccessCookie"));
    ck_assert(strstr(e, ISS_A) && strstr(e, ISS_B));

    /* one app in two sections (a nested one inherits): no conflict */
    apr_array_clear(u);
    use(u, "<Location /a/>", ISS_A, "app-a", "/", "at", "rt", "id");
    use(u, "<Location /a/api/>", ISS_A, "app-a", "/", "at", "rt", "id");
    ck_assert_ptr_null(tp_appset_conflict(unit_pool, u));
    /* same provider, another client: a conflict */
    use(u, "<Location /c/>", ISS_A, "app-c", "/", "atC", "rtC", "id");
    e = tp_appset_conflict(unit_pool, u);
    ck_assert(e && strstr(e, "<Location /c/>")
              && strstr(e, "TokenProxyIDCookie"));
    /* one app's refresh name is another's access name */
    apr_array_clear(u);
    use(u, "<Location /a/>", "http://idp/token", NULL, "/", "x", "y", NULL);
    use(u, "<Location /b/>", "http://idp/token-b", NULL, "/", "y", "z",
        NULL);
    e = tp_appset_conflict(unit_pool, u);
    ck_assert(e && strstr(e, "'y'") && strstr(e, "TokenProxyAccessCookie"));
    /* a section that neither logs in nor refreshes conflicts with none */
    apr_array_clear(u);
    use(u, "<Location /api/>", NULL, NULL, "/", "accessToken",
        "refreshToken", NULL);
    use(u, "<Location /b/>", "http://idp/token", NULL, "/", "accessToken",
        "refreshToken", NULL);
    ck_assert_ptr_null(tp_appset_conflict(unit_pool, u));
}
END_TEST

START_TEST(every_name_once)
{
    apr_array_header_t *u = apr_array_make(unit_pool, 4, sizeof(tp_app_use));
    apr_array_header_t *n;

    use(u, "a", ISS_A, "a", "/", "atA", "rtA", "idA");
    use(u, "a2", ISS_A, "a", "/", "atA", "rtA", "idA");
    use(u, "p", NULL, NULL, "/", "accessToken", "refreshToken", NULL);
    n = tp_appset_names(unit_pool, u);
    ck_assert_int_eq(n->nelts, 5);
    ck_assert_str_eq(APR_ARRAY_IDX(n, 0, const char *), "atA");
    ck_assert_str_eq(APR_ARRAY_IDX(n, 4, const char *), "refreshToken");
}
END_TEST

Suite *apps_suite(unit_fixture setup, unit_fixture teardown)
{
    Suite *s = suite_create("apps");
    TCase *tc = tcase_create("apps");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, label_per_app);
    tcase_add_test(tc, bound_cookie_opens_for_its_app_only);
    tcase_add_test(tc, relabelled_cookie_does_not_open);
    tcase_add_test(tc, old_form_opens_for_every_app);
    tcase_add_test(tc, paths_overlap);
    tcase_add_test(tc, overlap_check);
    tcase_add_test(tc, every_name_once);
    suite_add_tcase(s, tc);
    return s;
}
