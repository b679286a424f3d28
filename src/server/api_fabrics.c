/*
 * api_fabrics.c — a team's fabrics: where its pipelines run (local Spark,
 * Livy, Databricks). A fabric is a name and a definition, the same JSON as
 * a `fabrics/<name>.json` file (src/fabric/fabric_def.c), stored in
 * canonical form.
 *
 * A definition is shared by the whole team, so it never holds a secret:
 * a password, a token, credentials inside the URL or a Spark setting that
 * carries a key are refused with a 400 that names the field (and never
 * repeats the value). Each user keeps their own secret for a fabric as a
 * credential (api_credentials.c).
 *
 * Viewers of the team read its fabrics; team admins create, change and
 * delete them. A caller with no role on the team, and any caller from
 * another tenant, gets 404.
 */
#include "server/server_internal.h"
#include "fabric/fabric.h"
#include "spec/spec.h"

#include <string.h>

/* Parse a definition text: the kind's name and whether the fabric needs
 * each user's secret (token or basic authentication). */
static void def_summary(sb_arena *a, const sb_store_fabric *f, const char **kind,
                        bool *needs_secret)
{
    sb_diags d;
    sb_diags_init(&d, a);
    sb_fabric_def def;
    *kind = NULL;
    *needs_secret = false;
    const char *t = f->definition ? f->definition : "{}";
    if (sb_fabric_def_parse(a, f->name, NULL, t, strlen(t), &def, &d) != 0) return;
    *kind = sb_fabric_kind_name(def.kind);
    *needs_secret = def.auth == SB_FABRIC_AUTH_TOKEN || def.auth == SB_FABRIC_AUTH_BASIC;
}

static sb_json *fabric_json(sb_req *r, const sb_store_fabric *f, int credential_set)
{
    sb_arena *a = r->a;
    sb_json *o = sb_json_new_object(a);
    sb_js_set_int(a, o, "id", f->id);
    sb_js_set_int(a, o, "version", f->version);
    sb_js_set_int(a, o, "team_id", f->team_id);
    sb_js_set_str(a, o, "name", f->name);
    const char *kind;
    bool needs_secret;
    def_summary(a, f, &kind, &needs_secret);
    sb_js_set_str(a, o, "kind", kind);
    sb_diags d;
    sb_diags_init(&d, a);
    sb_json *def =
        f->definition ? sb_json_parse(a, f->definition, strlen(f->definition), &d) : NULL;
    sb_json_object_set(a, o, "definition", def ? def : sb_json_new_object(a));
    sb_json *c = sb_json_new_object(a);
    sb_js_set_bool(a, c, "required", needs_secret);
    if (credential_set >= 0) sb_js_set_bool(a, c, "set", credential_set > 0);
    sb_json_object_set(a, o, "credential", c);
    sb_js_set_time(a, o, "created_at", f->created_at);
    sb_js_set_time(a, o, "updated_at", f->updated_at);
    return o;
}

/* Has the caller set a credential for the fabric? 1, 0, or -1 unknown. */
static int credential_set(sb_req *r, sb_store_tx *tx, int64_t fabric_id)
{
    sb_store_credential c;
    int rc = sb_store_credential_get_for_fabric(tx, r->who.user_id, fabric_id, &c);
    return rc == SB_STORE_OK ? 1 : rc == SB_STORE_NOT_FOUND ? 0 : -1;
}

bool sb_api_fabric_access(sb_req *r, sb_store_tx *tx, int64_t id, sb_store_role role,
                          sb_store_fabric *out)
{
    int rc = sb_store_fabric_get(tx, id, out);
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "fabric");
        return false;
    }
    sb_store_role have = SB_ROLE_NONE;
    sb_store_role_for(tx, r->who.user_id, out->team_id, &have);
    if (have == SB_ROLE_NONE) {
        sb_req_error(r, 404, "not_found", "no such fabric");
        return false;
    }
    if (have < role) {
        sb_req_error(r, 403, "forbidden", "this needs the %s role on the fabric's team",
                     sb_store_role_name(role));
        return false;
    }
    return true;
}

/* The team of a fabric list or create: 404 unless it exists and the caller
 * has a role on it, 403 below `role`. */
static bool team_access(sb_req *r, sb_store_tx *tx, int64_t team_id, sb_store_role role)
{
    sb_store_team t;
    sb_store_role have = SB_ROLE_NONE;
    int rc = sb_store_team_get(tx, team_id, &t);
    if (rc == SB_STORE_OK) sb_store_role_for(tx, r->who.user_id, team_id, &have);
    if (rc == SB_STORE_NOT_FOUND || (rc == SB_STORE_OK && have == SB_ROLE_NONE)) {
        sb_req_error(r, 404, "not_found", "no such team");
        return false;
    }
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "team");
        return false;
    }
    if (have < role) {
        sb_req_error(r, 403, "forbidden", "this needs the %s role on the team",
                     sb_store_role_name(role));
        return false;
    }
    return true;
}

/* ---- checking a definition ---------------------------------------------- */

/* Spark settings whose values are keys or passwords (object-store account
 * keys, JDBC passwords, OAuth client secrets ...). */
static bool secret_setting(const char *key)
{
    static const char *const words[] = {"password", "passwd",      "secret",      "token",
                                        "credential", "account.key", "private.key", "sas."};
    for (const char *p = key; *p; p++)
        for (size_t i = 0; i < SB_COUNTOF(words); i++)
            if (sb_str_ieqn(p, strlen(words[i]), words[i])) return true;
    return false;
}

/* A URL with user information (https://user:token@host) carries a secret. */
static bool url_has_userinfo(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p) return false;
    p += 3;
    size_t n = strcspn(p, "/?#");
    return memchr(p, '@', n) != NULL;
}

static void definition_error(sb_req *r, const char *code, const char *field, sb_diags *d,
                             const char *fmt, ...) SB_PRINTF(5, 6);

static void definition_error(sb_req *r, const char *code, const char *field, sb_diags *d,
                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sb_arena_vprintf(r->a, fmt, ap);
    va_end(ap);
    sb_json *err = sb_json_new_object(r->a);
    sb_js_set_str(r->a, err, "code", code);
    sb_js_set_str(r->a, err, "message", msg);
    sb_js_set_str(r->a, err, "field", field);
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "error", err);
    if (d && sb_diags_count(d)) {
        /* Positions refer to the server's copy of the definition, not to
         * the request: leave them out. */
        for (size_t i = 0; i < sb_diags_count(d); i++) {
            sb_diag *g = sb_diags_at(d, i);
            g->line = g->col = 0;
            g->file = NULL;
        }
        sb_buf b = SB_BUF_INIT;
        sb_diags_format_json(&b, d);
        sb_diags pd;
        sb_diags_init(&pd, r->a);
        sb_json *arr = sb_json_parse(r->a, b.data ? b.data : "[]", b.len, &pd);
        sb_buf_free(&b);
        if (arr) sb_json_object_set(r->a, o, "diagnostics", arr);
    }
    sb_req_json(r, 400, o);
}

/* The `definition` member of a request as the canonical text to store;
 * NULL after answering 400. */
static const char *definition_text(sb_req *r, const sb_json *body, const char *name)
{
    const sb_json *v = sb_json_get(body, "definition");
    if (!v) {
        sb_req_error(r, 400, "missing_field", "field `definition` is required");
        return NULL;
    }
    if (v->kind != SB_JSON_OBJECT) {
        sb_req_error(r, 400, "wrong_type", "field `definition` must be an object, not %s",
                     sb_json_kind_name(v->kind));
        return NULL;
    }
    if (sb_json_get(v, "name")) {
        sb_req_error(r, 400, "invalid",
                     "field `definition.name`: the fabric's name is the `name` field, beside the "
                     "definition");
        return NULL;
    }
    /* A JSON number is a value however it is written: a whole number given
     * as 4.0 is the integer 4 that the file format's integer fields take
     * (sb_req_field_int reads request fields the same way). */
    for (size_t i = 0; i < v->u.object.len; i++) {
        sb_json_member *m = &v->u.object.members[i];
        if (m->value->kind != SB_JSON_NUMBER || m->value->u.number.is_integer) continue;
        double x = m->value->u.number.value;
        if (x >= -9.0e15 && x <= 9.0e15 && x == (double)(int64_t)x)
            m->value = sb_json_new_int(r->a, (int64_t)x);
    }
    sb_buf text = SB_BUF_INIT;
    sb_json_write_canonical(&text, v);
    sb_diags d;
    sb_diags_init(&d, r->a);
    sb_fabric_def def;
    int rc = sb_fabric_def_parse(r->a, name, NULL, sb_arena_strndup(r->a, text.data, text.len),
                                 text.len, &def, &d);
    sb_buf_free(&text);
    for (size_t i = 0; i < sb_diags_count(&d); i++) {
        const sb_diag *g = sb_diags_at(&d, i);
        if (g->code && strcmp(g->code, "fabric-secret") == 0) {
            definition_error(r, "secret_in_definition",
                             sb_arena_printf(r->a, "definition.%s", g->field), NULL,
                             "field `definition.%s` is a secret, and a fabric definition is "
                             "shared with the whole team: leave it out, and let each user set "
                             "their own with PUT /api/v1/fabrics/{id}/credential",
                             g->field);
            return NULL;
        }
    }
    if (rc != 0) {
        const sb_diag *g = sb_diags_count(&d) ? sb_diags_at(&d, 0) : NULL;
        const char *field =
            g && g->field ? sb_arena_printf(r->a, "definition.%s", g->field) : "definition";
        definition_error(r, "invalid_definition", field, &d, "field `%s`: %s", field,
                         g ? g->message : "not a fabric definition");
        return NULL;
    }
    if (def.url && url_has_userinfo(def.url)) {
        definition_error(r, "secret_in_definition", "definition.url", NULL,
                         "field `definition.url` carries credentials (user:secret@host): give "
                         "the plain URL, and let each user set their own secret with PUT "
                         "/api/v1/fabrics/{id}/credential");
        return NULL;
    }
    for (size_t i = 0; i < def.nconf; i++) {
        if (!secret_setting(def.conf[i].key)) continue;
        const char *field = sb_arena_printf(r->a, "definition.conf.%s", def.conf[i].key);
        definition_error(r, "secret_in_definition", field, NULL,
                         "field `%s` looks like a key or password, and a fabric definition is "
                         "shared with the whole team: give it to the cluster another way "
                         "(its own configuration, a secret scope, an instance profile)",
                         field);
        return NULL;
    }
    sb_buf out = SB_BUF_INIT;
    sb_fabric_def_write(&out, &def);
    const char *canonical = sb_arena_strndup(r->a, out.data, out.len);
    sb_buf_free(&out);
    return canonical;
}

static bool fabric_name_ok(sb_req *r, const char *name)
{
    if (sb_spec_is_name(name)) return true;
    sb_req_error(r, 400, "invalid",
                 "field `name` must be a name: a letter or `_`, then letters, digits or `_` "
                 "(at most 128)");
    return false;
}

/* ---- handlers ------------------------------------------------------------ */

void sb_api_fabric_list(sb_req *r)
{
    int64_t team_id;
    if (!sb_req_param_id(r, 0, &team_id)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    if (!team_access(r, tx, team_id, SB_ROLE_VIEWER)) return sb_store_rollback(tx);
    sb_vec v = {0};
    int rc = sb_store_fabric_list(tx, team_id, &v);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "fabric");
    }
    sb_json *arr = sb_json_new_array(r->a);
    for (size_t i = 0; i < v.len; i++) {
        const sb_store_fabric *f = v.items[i];
        sb_json_array_push(r->a, arr, fabric_json(r, f, credential_set(r, tx, f->id)));
    }
    sb_store_rollback(tx);
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "fabrics", arr);
    sb_req_json(r, 200, o);
}

void sb_api_fabric_create(sb_req *r)
{
    int64_t team_id;
    if (!sb_req_param_id(r, 0, &team_id)) return;
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    sb_store_fabric f = {.team_id = team_id};
    if (!sb_req_field_str(r, b, "name", true, &f.name)) return;
    if (!fabric_name_ok(r, f.name)) return;
    if (!(f.definition = definition_text(r, b, f.name))) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    if (!team_access(r, tx, team_id, SB_ROLE_TEAM_ADMIN)) return sb_store_rollback(tx);
    int rc = sb_store_fabric_create(tx, &f);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "fabric");
    }
    if (!sb_req_commit(r, tx)) return;
    sb_req_add_header(r, "Location",
                      sb_arena_printf(r->a, "/api/v1/fabrics/%lld", (long long)f.id));
    sb_req_add_header(r, "ETag", sb_arena_printf(r->a, "\"%lld\"", (long long)f.version));
    sb_req_json(r, 201, fabric_json(r, &f, 0));
}

void sb_api_fabric_get(sb_req *r)
{
    int64_t id;
    if (!sb_req_param_id(r, 0, &id)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_fabric f;
    if (!sb_api_fabric_access(r, tx, id, SB_ROLE_VIEWER, &f)) return sb_store_rollback(tx);
    int set = credential_set(r, tx, f.id);
    sb_store_rollback(tx);
    sb_req_add_header(r, "ETag", sb_arena_printf(r->a, "\"%lld\"", (long long)f.version));
    sb_req_json(r, 200, fabric_json(r, &f, set));
}

void sb_api_fabric_update(sb_req *r)
{
    int64_t id, version;
    if (!sb_req_param_id(r, 0, &id)) return;
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    if (!sb_req_version(r, b, &version)) return;
    const char *name = NULL;
    if (!sb_req_field_str(r, b, "name", false, &name)) return;
    if (name && !fabric_name_ok(r, name)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_fabric f;
    if (!sb_api_fabric_access(r, tx, id, SB_ROLE_TEAM_ADMIN, &f)) return sb_store_rollback(tx);
    if (name) f.name = name;
    const char *def = definition_text(r, b, f.name);
    if (!def) return sb_store_rollback(tx);
    f.definition = def;
    f.version = version;
    int rc = sb_store_fabric_update(tx, &f);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "fabric");
    }
    int set = credential_set(r, tx, f.id);
    if (!sb_req_commit(r, tx)) return;
    sb_req_add_header(r, "ETag", sb_arena_printf(r->a, "\"%lld\"", (long long)f.version));
    sb_req_json(r, 200, fabric_json(r, &f, set));
}

void sb_api_fabric_delete(sb_req *r)
{
    int64_t id, version;
    if (!sb_req_param_id(r, 0, &id)) return;
    if (!sb_req_version(r, NULL, &version)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_fabric f;
    if (!sb_api_fabric_access(r, tx, id, SB_ROLE_TEAM_ADMIN, &f)) return sb_store_rollback(tx);
    int rc = sb_store_fabric_delete(tx, id, version);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "fabric");
    }
    if (!sb_req_commit(r, tx)) return;
    r->status = 204;
}
