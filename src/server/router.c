/*
 * router.c — the route table of the API and the matcher that picks a
 * handler for a method and a path. The table is the one place every
 * endpoint is listed; the OpenAPI document is checked against it
 * (tests/server/test_router.c).
 */
#include "server/server_internal.h"

#include <string.h>

static const sb_route routes[] = {
    {"GET", "/healthz", sb_api_healthz, SB_ROUTE_PUBLIC, 0},
    {"GET", "/readyz", sb_api_readyz, SB_ROUTE_PUBLIC, 0},
    {"GET", "/metrics", sb_api_metrics, SB_ROUTE_PUBLIC, 0},
    {"GET", "/api/v1/openapi.json", sb_api_openapi, SB_ROUTE_PUBLIC, 0},

    {"POST", "/api/v1/auth/login", sb_api_login, SB_ROUTE_PUBLIC, 0},
    {"POST", "/api/v1/auth/logout", sb_api_logout, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"GET", "/api/v1/auth/me", sb_api_me, SB_ROUTE_AUTH, SB_SCOPE_READ},

    {"GET", "/api/v1/tokens", sb_api_token_list, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"POST", "/api/v1/tokens", sb_api_token_create, SB_ROUTE_AUTH, SB_SCOPE_WRITE},
    {"DELETE", "/api/v1/tokens/{id}", sb_api_token_revoke, SB_ROUTE_AUTH, SB_SCOPE_WRITE},

    {"GET", "/api/v1/teams", sb_api_team_list, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"POST", "/api/v1/teams", sb_api_team_create, SB_ROUTE_AUTH, SB_SCOPE_ADMIN},
    {"POST", "/api/v1/teams/{id}/members", sb_api_member_add, SB_ROUTE_AUTH, SB_SCOPE_ADMIN},
    {"GET", "/api/v1/users", sb_api_user_list, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"POST", "/api/v1/users", sb_api_user_create, SB_ROUTE_AUTH, SB_SCOPE_ADMIN},

    {"GET", "/api/v1/projects", sb_api_project_list, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"POST", "/api/v1/projects", sb_api_project_create, SB_ROUTE_AUTH, SB_SCOPE_WRITE},
    {"GET", "/api/v1/projects/{id}", sb_api_project_get, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"PATCH", "/api/v1/projects/{id}", sb_api_project_update, SB_ROUTE_AUTH, SB_SCOPE_WRITE},
    {"DELETE", "/api/v1/projects/{id}", sb_api_project_delete, SB_ROUTE_AUTH, SB_SCOPE_WRITE},
    {"POST", "/api/v1/projects/{id}/validate", sb_api_project_validate, SB_ROUTE_AUTH,
     SB_SCOPE_READ},
    {"POST", "/api/v1/projects/{id}/pipelines/{name}/validate", sb_api_pipeline_validate,
     SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"GET", "/api/v1/projects/{id}/pipelines/{name}/gems/{gem}/schema", sb_api_pipeline_schema,
     SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"GET", "/api/v1/projects/{id}/{kind}", sb_api_file_list, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"GET", "/api/v1/projects/{id}/{kind}/{name}", sb_api_file_get, SB_ROUTE_AUTH,
     SB_SCOPE_READ},
    {"PUT", "/api/v1/projects/{id}/{kind}/{name}", sb_api_file_put, SB_ROUTE_AUTH,
     SB_SCOPE_WRITE},
    {"DELETE", "/api/v1/projects/{id}/{kind}/{name}", sb_api_file_delete, SB_ROUTE_AUTH,
     SB_SCOPE_WRITE},
};

const sb_route *sb_routes(size_t *n)
{
    *n = SB_COUNTOF(routes);
    return routes;
}

bool sb_route_match_pattern(sb_arena *a, const char *pattern, const char *path,
                            const char **params, size_t *nparams)
{
    size_t np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *se = strchr(s, '/');
            if (!se) se = s + strlen(s);
            if (!pe || se == s || np >= 4) return false;
            if (params) params[np] = sb_arena_strndup(a, s, (size_t)(se - s));
            np++;
            p = pe + 1;
            s = se;
        } else {
            if (*p != *s) return false;
            p++, s++;
        }
    }
    if (*p || *s) return false;
    if (nparams) *nparams = np;
    return true;
}

const sb_route *sb_route_match(sb_req *r, const char *method, const char *path,
                               bool *method_mismatch)
{
    *method_mismatch = false;
    for (size_t i = 0; i < SB_COUNTOF(routes); i++) {
        const char *params[4];
        size_t np = 0;
        if (!sb_route_match_pattern(r->a, routes[i].pattern, path, params, &np)) continue;
        if (strcmp(routes[i].method, method) != 0) {
            *method_mismatch = true;
            continue;
        }
        for (size_t k = 0; k < np; k++) r->params[k] = params[k];
        r->nparams = np;
        return &routes[i];
    }
    return NULL;
}
