/*
 * queries.c — the statement table built from queries.def, with the column
 * lists each object's row reader (in its own file) expects, in order.
 */
#include "store/store_internal.h"

#define TENANT_COLS "id, slug, name, version, created_at, updated_at"
#define TEAM_COLS "id, name, samples_enabled, version, created_at, updated_at"
#define USER_COLS                                                                                  \
    "id, login, display_name, email, password_hash, auth_source, external_id, disabled, "          \
    "failed_logins, locked_until, last_login_at, version, created_at, updated_at"
#define MEMBER_COLS "id, user_id, team_id, role, version, created_at, updated_at"
#define PROJECT_COLS "id, team_id, name, description, manifest, version, created_at, updated_at"
#define FILE_COLS "id, project_id, kind, name, content, updated_by, version, created_at, updated_at"
#define FABRIC_COLS "id, team_id, name, definition, version, created_at, updated_at"
#define CRED_COLS                                                                                  \
    "id, user_id, kind, fabric_id, target, key_id, ciphertext, version, created_at, updated_at"
#define RUN_COLS                                                                                   \
    "id, project_id, pipeline_id, pipeline_version, pipeline_name, fabric_id, fabric_name, "       \
    "user_id, config, status, message, metrics, owner, started_at, finished_at, version, "         \
    "created_at, updated_at, cancel_requested, heartbeat_at"
#define TOKEN_COLS                                                                                 \
    "id, user_id, name, hash, scopes, expires_at, revoked_at, last_used_at, version, "             \
    "created_at, updated_at"
#define SESSION_COLS                                                                               \
    "id, user_id, hash, csrf, client, expires_at, last_seen_at, version, created_at, "             \
    "updated_at"
#define AUDIT_COLS                                                                                 \
    "id, at, actor_id, action, kind, object_id, name, version_before, version_after, detail"

const st_sql sb_store_queries[Q__COUNT] = {
#define Q(id, flags, sql) [id] = {#id, flags, sql},
#include "store/queries.def"
#undef Q
};
