/*
 * test_router.c — the route matcher, and the OpenAPI document against the
 * route table: every route is documented and every documented operation
 * is served.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "server/server_internal.h"

#include <ctype.h>
#include <string.h>

static void test_match_pattern(void **state)
{
    sb_arena *a = sb_arena_new();
    const char *p[4];
    size_t n = 0;
    assert_true(sb_route_match_pattern(a, "/api/v1/projects/{id}/{kind}/{name}",
                                       "/api/v1/projects/12/pipelines/orders", p, &n));
    assert_int_equal(n, 3);
    assert_string_equal(p[0], "12");
    assert_string_equal(p[1], "pipelines");
    assert_string_equal(p[2], "orders");
    assert_false(sb_route_match_pattern(a, "/api/v1/projects/{id}", "/api/v1/projects/", p, &n));
    assert_false(sb_route_match_pattern(a, "/api/v1/projects/{id}", "/api/v1/projects/1/x", p, &n));
    assert_false(sb_route_match_pattern(a, "/api/v1/projects", "/api/v1/projectsx", p, &n));
    assert_true(sb_route_match_pattern(a, "/healthz", "/healthz", p, &n));
    assert_int_equal(n, 0);
    sb_arena_free(a);
}

static void test_literal_routes_win(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_req r = {.a = a};
    bool mismatch;
    const sb_route *rt = sb_route_match(&r, "POST", "/api/v1/projects/3/validate", &mismatch);
    assert_non_null(rt);
    assert_ptr_equal(rt->fn, sb_api_project_validate);
    rt = sb_route_match(&r, "GET", "/api/v1/projects/3/pipelines/a/gems/g/schema", &mismatch);
    assert_non_null(rt);
    assert_ptr_equal(rt->fn, sb_api_pipeline_schema);
    assert_string_equal(r.params[2], "g");
    rt = sb_route_match(&r, "POST", "/api/v1/projects/3/pipelines", &mismatch);
    assert_null(rt);
    assert_true(mismatch);
    rt = sb_route_match(&r, "GET", "/api/v1/nothing", &mismatch);
    assert_null(rt);
    assert_false(mismatch);
    sb_arena_free(a);
}

/* A 405 lists what the path does answer to (RFC 9110: Allow). */
static void test_allow(void **state)
{
    sb_arena *a = sb_arena_new();
    assert_string_equal(sb_route_allow(a, "/healthz"), "GET, HEAD");
    assert_string_equal(sb_route_allow(a, "/api/v1/tokens"), "GET, HEAD, POST");
    assert_string_equal(sb_route_allow(a, "/api/v1/auth/login"), "POST");
    assert_string_equal(sb_route_allow(a, "/api/v1/nothing"), "");
    /* The path's own routes, not the {kind} listing it also matches. */
    assert_string_equal(sb_route_allow(a, "/api/v1/projects/1/validate"), "POST");
    assert_string_equal(sb_route_allow(a, "/api/v1/projects/1/pipelines"), "GET, HEAD");
    sb_arena_free(a);
}

static void lower(char *s)
{
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

static void test_openapi_matches_routes(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_json *doc = sb_json_parse(a, (const char *)sb_openapi_json, sb_openapi_json_len, &d);
    assert_non_null(doc);
    sb_json *paths = sb_json_get(doc, "paths");
    assert_non_null(paths);
    size_t n;
    const sb_route *routes = sb_routes(&n);
    for (size_t i = 0; i < n; i++) {
        sb_json *item = sb_json_get(paths, routes[i].pattern);
        if (!item) fail_msg("route %s %s is not in openapi.json", routes[i].method, routes[i].pattern);
        char *m = sb_arena_strdup(a, routes[i].method);
        lower(m);
        if (!sb_json_get(item, m))
            fail_msg("route %s %s is not in openapi.json", routes[i].method, routes[i].pattern);
    }
    size_t ops = 0;
    for (size_t i = 0; i < paths->u.object.len; i++) {
        const sb_json_member *pm = &paths->u.object.members[i];
        for (size_t k = 0; k < pm->value->u.object.len; k++) {
            const char *method = pm->value->u.object.members[k].key;
            bool found = false;
            for (size_t j = 0; j < n; j++) {
                char *m = sb_arena_strdup(a, routes[j].method);
                lower(m);
                if (strcmp(routes[j].pattern, pm->key) == 0 && strcmp(m, method) == 0) found = true;
            }
            if (!found) fail_msg("openapi.json documents %s %s, which is not served", method, pm->key);
            ops++;
        }
    }
    assert_int_equal(ops, n);
    sb_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_pattern),
        cmocka_unit_test(test_literal_routes_win),
        cmocka_unit_test(test_allow),
        cmocka_unit_test(test_openapi_matches_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
