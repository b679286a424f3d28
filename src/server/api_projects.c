/*
 * api_projects.c — projects: create, list, read, change, delete. A project
 * belongs to a team; viewers read it, members change it, team admins
 * delete it. A caller with no role on the team gets 404, exactly like a
 * caller from another tenant, so that existence is not revealed.
 */
#include "server/server_internal.h"
#include "spec/spec.h"

#include <stdlib.h>
#include <string.h>

sb_json *sb_api_project_json(sb_arena *a, const sb_store_project *p)
{
    sb_json *o = sb_json_new_object(a);
    sb_js_set_int(a, o, "id", p->id);
    sb_js_set_int(a, o, "version", p->version);
    sb_js_set_int(a, o, "team_id", p->team_id);
    sb_js_set_str(a, o, "name", p->name);
    sb_js_set_str(a, o, "description", p->description);
    sb_json *m = NULL;
    if (p->manifest) {
        sb_diags d;
        sb_diags_init(&d, a);
        m = sb_json_parse(a, p->manifest, strlen(p->manifest), &d);
    }
    sb_json_object_set(a, o, "manifest", m ? m : sb_json_new_null(a));
    sb_js_set_time(a, o, "created_at", p->created_at);
    sb_js_set_time(a, o, "updated_at", p->updated_at);
    return o;
}

/* Read a project the caller may see with at least `role`: 404 when it does
 * not exist or the caller has no role on its team, 403 when the role is
 * too low. */
bool sb_api_project_access(sb_req *r, sb_store_tx *tx, int64_t id, sb_store_role role,
                           sb_store_project *out)
{
    int rc = sb_store_project_get(tx, id, out);
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "project");
        return false;
    }
    sb_store_role have = SB_ROLE_NONE;
    sb_store_role_for(tx, r->who.user_id, out->team_id, &have);
    if (have == SB_ROLE_NONE) {
        sb_req_error(r, 404, "not_found", "no such project");
        return false;
    }
    if (have < role) {
        sb_req_error(r, 403, "forbidden", "this needs the %s role on the project's team",
                     sb_store_role_name(role));
        return false;
    }
    return true;
}

/* The manifest member of a request as canonical text; *ok false after 400. */
static const char *manifest_text(sb_req *r, const sb_json *b, bool *ok)
{
    *ok = true;
    const sb_json *m = sb_json_get(b, "manifest");
    if (!m || m->kind == SB_JSON_NULL) return NULL;
    if (m->kind != SB_JSON_OBJECT) {
        sb_req_error(r, 400, "wrong_type", "field `manifest` must be an object, not %s",
                     sb_json_kind_name(m->kind));
        *ok = false;
        return NULL;
    }
    sb_buf buf = SB_BUF_INIT;
    sb_json_write_canonical(&buf, m);
    char *t = sb_arena_strdup(r->a, sb_buf_str(&buf));
    sb_buf_free(&buf);
    return t;
}

void sb_api_project_list(sb_req *r)
{
    int64_t team_id = 0;
    const char *q = sb_req_query(r, "team_id");
    if (q) {
        char *end;
        long long v = strtoll(q, &end, 10);
        if (*q < '0' || *q > '9' || *end || v <= 0)
            return sb_req_error(r, 400, "invalid", "query parameter `team_id` must be a positive integer");
        team_id = v;
    }
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_vec v = {0};
    int rc = sb_store_project_list(tx, team_id, &v);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "project");
    }
    sb_json *arr = sb_json_new_array(r->a);
    int64_t last_team = -1;
    sb_store_role role = SB_ROLE_NONE;
    for (size_t i = 0; i < v.len; i++) {
        const sb_store_project *p = v.items[i];
        if (p->team_id != last_team) {
            role = SB_ROLE_NONE;
            sb_store_role_for(tx, r->who.user_id, p->team_id, &role);
            last_team = p->team_id;
        }
        if (role == SB_ROLE_NONE) continue;
        sb_json_array_push(r->a, arr, sb_api_project_json(r->a, p));
    }
    sb_store_rollback(tx);
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "projects", arr);
    sb_req_json(r, 200, o);
}

void sb_api_project_create(sb_req *r)
{
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    sb_store_project p = {0};
    bool ok;
    if (!sb_req_field_int(r, b, "team_id", true, &p.team_id) ||
        !sb_req_field_str(r, b, "name", true, &p.name) ||
        !sb_req_field_str(r, b, "description", false, &p.description))
        return;
    p.manifest = manifest_text(r, b, &ok);
    if (!ok) return;
    if (!sb_spec_is_name(p.name))
        return sb_req_error(r, 400, "invalid",
                            "field `name` must be a name: a letter or `_`, then letters, digits "
                            "or `_`");
    if (!p.manifest)
        p.manifest = sb_arena_printf(r->a,
                                     "{\n  \"name\": \"%s\",\n  \"spark\": \"3.5\",\n"
                                     "  \"version\": \"0.1.0\"\n}\n",
                                     p.name);
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_role have = SB_ROLE_NONE;
    sb_store_role_for(tx, r->who.user_id, p.team_id, &have);
    if (have == SB_ROLE_NONE) {
        sb_store_rollback(tx);
        return sb_req_error(r, 404, "not_found", "no such team");
    }
    if (!sb_req_require_role(r, tx, p.team_id, SB_ROLE_MEMBER)) return sb_store_rollback(tx);
    int rc = sb_store_project_create(tx, &p);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "project");
    }
    if (!sb_req_commit(r, tx)) return;
    sb_req_add_header(r, "Location", sb_arena_printf(r->a, "/api/v1/projects/%lld", (long long)p.id));
    sb_req_add_header(r, "ETag", sb_arena_printf(r->a, "\"%lld\"", (long long)p.version));
    sb_req_json(r, 201, sb_api_project_json(r->a, &p));
}

void sb_api_project_get(sb_req *r)
{
    int64_t id;
    if (!sb_req_param_id(r, 0, &id)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_project p;
    bool ok = sb_api_project_access(r, tx, id, SB_ROLE_VIEWER, &p);
    sb_store_rollback(tx);
    if (!ok) return;
    sb_req_add_header(r, "ETag", sb_arena_printf(r->a, "\"%lld\"", (long long)p.version));
    sb_req_json(r, 200, sb_api_project_json(r->a, &p));
}

void sb_api_project_update(sb_req *r)
{
    int64_t id, version;
    if (!sb_req_param_id(r, 0, &id)) return;
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    if (!sb_req_version(r, b, &version)) return;
    const char *name = NULL, *description = NULL;
    int64_t team_id = 0;
    bool ok;
    if (!sb_req_field_str(r, b, "name", false, &name) ||
        !sb_req_field_str(r, b, "description", false, &description) ||
        !sb_req_field_int(r, b, "team_id", false, &team_id))
        return;
    const char *manifest = manifest_text(r, b, &ok);
    if (!ok) return;
    if (name && !sb_spec_is_name(name))
        return sb_req_error(r, 400, "invalid", "field `name` must be a name");
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_project p;
    if (!sb_api_project_access(r, tx, id, SB_ROLE_MEMBER, &p)) return sb_store_rollback(tx);
    if (team_id && team_id != p.team_id) {
        /* Moving needs admin rights on both sides. */
        if (!sb_req_require_role(r, tx, p.team_id, SB_ROLE_TEAM_ADMIN) ||
            !sb_req_require_role(r, tx, team_id, SB_ROLE_TEAM_ADMIN))
            return sb_store_rollback(tx);
        p.team_id = team_id;
    }
    p.version = version;
    if (name) p.name = name;
    if (sb_json_get(b, "description")) p.description = description;
    if (manifest) p.manifest = manifest;
    int rc = sb_store_project_update(tx, &p);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "project");
    }
    if (!sb_req_commit(r, tx)) return;
    sb_req_add_header(r, "ETag", sb_arena_printf(r->a, "\"%lld\"", (long long)p.version));
    sb_req_json(r, 200, sb_api_project_json(r->a, &p));
}

void sb_api_project_delete(sb_req *r)
{
    int64_t id, version;
    if (!sb_req_param_id(r, 0, &id)) return;
    if (!sb_req_version(r, NULL, &version)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_project p;
    if (!sb_api_project_access(r, tx, id, SB_ROLE_TEAM_ADMIN, &p)) return sb_store_rollback(tx);
    int rc = sb_store_project_delete(tx, id, version);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "project");
    }
    if (!sb_req_commit(r, tx)) return;
    r->status = 204;
}
