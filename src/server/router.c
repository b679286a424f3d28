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

    {"GET", "/api/v1/teams/{id}/fabrics", sb_api_fabric_list, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"POST", "/api/v1/teams/{id}/fabrics", sb_api_fabric_create, SB_ROUTE_AUTH, SB_SCOPE_WRITE},
    {"GET", "/api/v1/fabrics/{id}", sb_api_fabric_get, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"PUT", "/api/v1/fabrics/{id}", sb_api_fabric_update, SB_ROUTE_AUTH, SB_SCOPE_WRITE},
    {"DELETE", "/api/v1/fabrics/{id}", sb_api_fabric_delete, SB_ROUTE_AUTH, SB_SCOPE_WRITE},
    {"GET", "/api/v1/fabrics/{id}/credential", sb_api_fabric_credential_get, SB_ROUTE_AUTH,
     SB_SCOPE_READ},
    {"PUT", "/api/v1/fabrics/{id}/credential", sb_api_fabric_credential_put, SB_ROUTE_AUTH,
     SB_SCOPE_WRITE},
    {"DELETE", "/api/v1/fabrics/{id}/credential", sb_api_fabric_credential_delete, SB_ROUTE_AUTH,
     SB_SCOPE_WRITE},
    {"GET", "/api/v1/credentials/git", sb_api_git_credential_list, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"GET", "/api/v1/credentials/git/{host}", sb_api_git_credential_get, SB_ROUTE_AUTH,
     SB_SCOPE_READ},
    {"PUT", "/api/v1/credentials/git/{host}", sb_api_git_credential_put, SB_ROUTE_AUTH,
     SB_SCOPE_WRITE},
    {"DELETE", "/api/v1/credentials/git/{host}", sb_api_git_credential_delete, SB_ROUTE_AUTH,
     SB_SCOPE_WRITE},
    {"GET", "/api/v1/admin/keys", sb_api_keys_get, SB_ROUTE_AUTH, SB_SCOPE_ADMIN},
    {"POST", "/api/v1/admin/keys/rotate", sb_api_keys_rotate, SB_ROUTE_AUTH, SB_SCOPE_ADMIN},
    {"POST", "/api/v1/admin/keys/reseal", sb_api_keys_reseal, SB_ROUTE_AUTH, SB_SCOPE_ADMIN},

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
    {"GET", "/api/v1/projects/{id}/pipelines/{name}/code", sb_api_pipeline_code, SB_ROUTE_AUTH,
     SB_SCOPE_READ},
    {"POST", "/api/v1/projects/{id}/pipelines/{name}/runs", sb_api_run_start, SB_ROUTE_AUTH,
     SB_SCOPE_WRITE},
    {"GET", "/api/v1/runs", sb_api_run_list, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"GET", "/api/v1/runs/{id}", sb_api_run_get, SB_ROUTE_AUTH, SB_SCOPE_READ},
    {"POST", "/api/v1/runs/{id}/cancel", sb_api_run_cancel, SB_ROUTE_AUTH, SB_SCOPE_WRITE},
    {"GET", "/api/v1/runs/{id}/events", sb_api_run_events, SB_ROUTE_AUTH, SB_SCOPE_READ},
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
    /* The method first (cheap), then the pattern without copying anything;
     * the parameters are copied once, from the route that matched. */
    *method_mismatch = false;
    for (size_t i = 0; i < SB_COUNTOF(routes); i++) {
        if (strcmp(routes[i].method, method) != 0 ||
            !sb_route_match_pattern(r->a, routes[i].pattern, path, NULL, NULL))
            continue;
        const char *params[4];
        size_t np = 0;
        sb_route_match_pattern(r->a, routes[i].pattern, path, params, &np);
        for (size_t k = 0; k < np; k++) r->params[k] = params[k];
        r->nparams = np;
        return &routes[i];
    }
    /* No route for this method: is there one for another (405)? */
    for (size_t i = 0; i < SB_COUNTOF(routes) && !*method_mismatch; i++)
        *method_mismatch = sb_route_match_pattern(r->a, routes[i].pattern, path, NULL, NULL);
    return NULL;
}

/* Literal segments of a pattern: of the patterns matching a path, those
 * with the most are the path's own (a GET of /projects/1/validate reaches
 * the {kind} listing only to be told there is no such kind). */
static int literal_segments(const char *pattern)
{
    int n = 0;
    for (const char *p = pattern; (p = strchr(p, '/')) != NULL; p++) n += p[1] && p[1] != '{';
    return n;
}

const char *sb_route_allow(sb_arena *a, const char *path)
{
    int best = -1;
    for (size_t i = 0; i < SB_COUNTOF(routes); i++)
        if (sb_route_match_pattern(a, routes[i].pattern, path, NULL, NULL) &&
            literal_segments(routes[i].pattern) > best)
            best = literal_segments(routes[i].pattern);
    const char *seen[16];
    size_t nseen = 0;
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < SB_COUNTOF(routes); i++) {
        if (literal_segments(routes[i].pattern) != best ||
            !sb_route_match_pattern(a, routes[i].pattern, path, NULL, NULL))
            continue;
        /* HEAD is answered wherever GET is. */
        const char *ms[2] = {routes[i].method,
                             strcmp(routes[i].method, "GET") == 0 ? "HEAD" : NULL};
        for (size_t k = 0; k < 2 && ms[k]; k++) {
            bool dup = false;
            for (size_t j = 0; j < nseen; j++) dup = dup || strcmp(seen[j], ms[k]) == 0;
            if (dup || nseen == SB_COUNTOF(seen)) continue;
            seen[nseen++] = ms[k];
            sb_buf_printf(&b, "%s%s", b.len ? ", " : "", ms[k]);
        }
    }
    const char *out = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return out;
}
