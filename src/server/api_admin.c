/*
 * api_admin.c — teams, users and memberships: what a tenant admin manages.
 * Everybody in the tenant may list teams and users (to share work); only a
 * tenant admin creates them and hands out roles.
 */
#include "server/server_internal.h"

#include <string.h>


static sb_json *team_json(sb_arena *a, const sb_store_team *t)
{
    sb_json *o = sb_json_new_object(a);
    sb_js_set_int(a, o, "id", t->id);
    sb_js_set_int(a, o, "version", t->version);
    sb_js_set_str(a, o, "name", t->name);
    sb_js_set_bool(a, o, "samples_enabled", t->samples_enabled);
    sb_js_set_time(a, o, "created_at", t->created_at);
    sb_js_set_time(a, o, "updated_at", t->updated_at);
    return o;
}

void sb_api_team_list(sb_req *r)
{
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_vec v = {0};
    int rc = sb_store_team_list(tx, &v);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, "team");
    sb_json *arr = sb_json_new_array(r->a);
    for (size_t i = 0; i < v.len; i++) sb_json_array_push(r->a, arr, team_json(r->a, v.items[i]));
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "teams", arr);
    sb_req_json(r, 200, o);
}

void sb_api_team_create(sb_req *r)
{
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    sb_store_team t = {0};
    if (!sb_req_field_str(r, b, "name", true, &t.name) ||
        !sb_req_field_bool(r, b, "samples_enabled", false, &t.samples_enabled))
        return;
    if (!*t.name || sb_utf8_count(t.name) > 200)
        return sb_req_error(r, 400, "invalid", "field `name` must have 1 to 200 characters");
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    if (!sb_req_require_role(r, tx, 0, SB_ROLE_TENANT_ADMIN)) return sb_store_rollback(tx);
    int rc = sb_store_team_create(tx, &t);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "team");
    }
    if (!sb_req_commit(r, tx)) return;
    sb_req_json(r, 201, team_json(r->a, &t));
}

void sb_api_user_list(sb_req *r)
{
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_vec v = {0};
    int rc = sb_store_user_list(tx, &v);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, "user");
    sb_json *arr = sb_json_new_array(r->a);
    for (size_t i = 0; i < v.len; i++)
        sb_json_array_push(r->a, arr, sb_api_user_json(r->a, v.items[i]));
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "users", arr);
    sb_req_json(r, 200, o);
}

void sb_api_user_create(sb_req *r)
{
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    sb_store_user u = {.auth_source = "local"};
    const char *password = NULL, *why;
    if (!sb_req_field_str(r, b, "login", true, &u.login) ||
        !sb_req_field_str(r, b, "password", true, &password) ||
        !sb_req_field_str(r, b, "display_name", false, &u.display_name) ||
        !sb_req_field_str(r, b, "email", false, &u.email))
        return;
    if (!*u.login || sb_utf8_count(u.login) > 200)
        return sb_req_error(r, 400, "invalid", "field `login` must have 1 to 200 characters");
    if (!sb_auth_password_ok(password, &why))
        return sb_req_error(r, 400, "invalid", "field `password`: %s", why);
    sb_store_tx *tx;
    /* Check the role before spending a password hash on the request. */
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    bool ok = sb_req_require_role(r, tx, 0, SB_ROLE_TENANT_ADMIN);
    sb_store_rollback(tx);
    if (!ok) return;
    u.password_hash = sb_auth_password_hash(r->a, password);
    if (!u.password_hash) return sb_req_error(r, 500, "internal", "cannot hash the password");
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    if (!sb_req_require_role(r, tx, 0, SB_ROLE_TENANT_ADMIN)) return sb_store_rollback(tx);
    int rc = sb_store_user_create(tx, &u);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "user");
    }
    if (!sb_req_commit(r, tx)) return;
    sb_req_json(r, 201, sb_api_user_json(r->a, &u));
}

void sb_api_member_add(sb_req *r)
{
    int64_t team_id;
    if (!sb_req_param_id(r, 0, &team_id)) return;
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    sb_store_membership m = {.team_id = team_id};
    const char *role = NULL;
    if (!sb_req_field_int(r, b, "user_id", true, &m.user_id) ||
        !sb_req_field_str(r, b, "role", true, &role))
        return;
    if (sb_store_role_parse(role, &m.role) != SB_STORE_OK || m.role == SB_ROLE_NONE ||
        m.role == SB_ROLE_TENANT_ADMIN)
        return sb_req_error(r, 400, "invalid",
                            "field `role` must be one of viewer, member, team_admin");
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_team t;
    int rc = sb_store_team_get(tx, team_id, &t);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "team");
    }
    if (!sb_req_require_role(r, tx, team_id, SB_ROLE_TEAM_ADMIN)) return sb_store_rollback(tx);
    rc = sb_store_membership_create(tx, &m);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, rc == SB_STORE_EXISTS ? "membership" : "user");
    }
    if (!sb_req_commit(r, tx)) return;
    sb_json *o = sb_json_new_object(r->a);
    sb_js_set_int(r->a, o, "id", m.id);
    sb_js_set_int(r->a, o, "version", m.version);
    sb_js_set_int(r->a, o, "user_id", m.user_id);
    sb_js_set_int(r->a, o, "team_id", m.team_id);
    sb_js_set_str(r->a, o, "role", sb_store_role_name(m.role));
    sb_req_json(r, 201, o);
}
