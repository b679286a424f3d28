/*
 * migrate.c — the schema, as a list of numbered migrations, and the code
 * that brings a database up to the newest one when a store opens.
 *
 * Each migration runs in its own transaction together with the row that
 * records it in schema_migrations, so a crash leaves the database either
 * before or after a migration, never in between (both SQLite and
 * PostgreSQL have transactional DDL). Two processes starting at once over
 * one database take turns: SQLite through BEGIN IMMEDIATE, PostgreSQL
 * through an advisory lock keyed by the schema; the second one finds the
 * work done.
 *
 * The DDL is written once with a few tokens for what the dialects spell
 * differently:
 *   {ID}    the id column: SQLite's AUTOINCREMENT rowid (ids are never
 *           reused, so an id in an old audit entry or URL never names a
 *           newer object) or PostgreSQL's identity column
 *   {INT}   a 64-bit integer
 *   {BLOB}  bytes: BLOB / BYTEA
 *   {NAME}  text compared and sorted by bytes on both (PostgreSQL would
 *           otherwise sort names by the database's locale)
 * and a migration may carry extra statements for one backend only.
 *
 * Never edit a migration that has shipped: add the next one.
 *
 * Every table but tenants carries tenant_id, and every reference between
 * objects is a foreign key on (tenant_id, id), so the database itself
 * refuses a row of one tenant that points into another.
 */
#include "store/store_internal.h"

#include <string.h>

typedef struct migration {
    int version;
    const char *name;
    const char *sql;    /* both backends, with tokens */
    const char *sqlite; /* SQLite only, or NULL */
    const char *pg;     /* PostgreSQL only, or NULL */
} migration;

static const migration migrations[] = {
    {
        1,
        "initial schema",
        "CREATE TABLE tenants ("
        "  id {ID},"
        "  slug {NAME} NOT NULL UNIQUE,"
        "  name TEXT NOT NULL,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL);"

        "CREATE TABLE teams ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
        "  name {NAME} NOT NULL,"
        "  samples_enabled {INT} NOT NULL DEFAULT 0,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  UNIQUE (tenant_id, id),"
        "  UNIQUE (tenant_id, name));"

        "CREATE TABLE users ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
        "  login {NAME} NOT NULL,"
        "  display_name TEXT,"
        "  email TEXT,"
        "  password_hash TEXT,"
        "  auth_source TEXT NOT NULL DEFAULT 'local',"
        "  external_id TEXT,"
        "  disabled {INT} NOT NULL DEFAULT 0,"
        "  failed_logins {INT} NOT NULL DEFAULT 0,"
        "  locked_until {INT} NOT NULL DEFAULT 0,"
        "  last_login_at {INT} NOT NULL DEFAULT 0,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  UNIQUE (tenant_id, id),"
        "  UNIQUE (tenant_id, login));"

        /* team_id NULL: the tenant-wide role (tenant_admin). */
        "CREATE TABLE memberships ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  user_id {INT} NOT NULL,"
        "  team_id {INT},"
        "  role TEXT NOT NULL CHECK (role IN ('tenant_admin', 'team_admin', 'member', 'viewer')),"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  CHECK ((team_id IS NULL) = (role = 'tenant_admin')),"
        "  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,"
        "  FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE);"
        "CREATE UNIQUE INDEX memberships_user_team ON memberships (tenant_id, user_id, team_id);"
        "CREATE UNIQUE INDEX memberships_tenant_role ON memberships (tenant_id, user_id)"
        "  WHERE team_id IS NULL;"
        "CREATE INDEX memberships_team ON memberships (tenant_id, team_id);"

        "CREATE TABLE projects ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  team_id {INT} NOT NULL,"
        "  name {NAME} NOT NULL,"
        "  description TEXT,"
        "  manifest TEXT,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  UNIQUE (tenant_id, id),"
        "  UNIQUE (tenant_id, team_id, name),"
        "  FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE);"

        "CREATE TABLE project_files ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  project_id {INT} NOT NULL,"
        "  kind TEXT NOT NULL CHECK (kind IN ('pipeline', 'dataset', 'config', 'subgraph')),"
        "  name {NAME} NOT NULL,"
        "  content TEXT NOT NULL,"
        "  updated_by {INT} NOT NULL DEFAULT 0,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  UNIQUE (tenant_id, id),"
        "  UNIQUE (tenant_id, project_id, kind, name),"
        "  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)"
        "    ON DELETE CASCADE);"

        /* Every version of every file, the current one included. */
        "CREATE TABLE project_file_versions ("
        "  tenant_id {INT} NOT NULL,"
        "  file_id {INT} NOT NULL,"
        "  version {INT} NOT NULL,"
        "  name {NAME} NOT NULL,"
        "  content TEXT NOT NULL,"
        "  updated_by {INT} NOT NULL DEFAULT 0,"
        "  updated_at {INT} NOT NULL,"
        "  PRIMARY KEY (tenant_id, file_id, version),"
        "  FOREIGN KEY (tenant_id, file_id) REFERENCES project_files (tenant_id, id)"
        "    ON DELETE CASCADE);"

        "CREATE TABLE fabrics ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  team_id {INT} NOT NULL,"
        "  name {NAME} NOT NULL,"
        "  definition TEXT NOT NULL,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  UNIQUE (tenant_id, id),"
        "  UNIQUE (tenant_id, team_id, name),"
        "  FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE);"

        "CREATE TABLE credentials ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  user_id {INT} NOT NULL,"
        "  kind TEXT NOT NULL CHECK (kind IN ('fabric', 'git')),"
        "  fabric_id {INT},"
        "  target TEXT,"
        "  key_id TEXT NOT NULL,"
        "  ciphertext {BLOB} NOT NULL,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  CHECK ((kind = 'fabric') = (fabric_id IS NOT NULL)),"
        "  CHECK ((kind = 'git') = (target IS NOT NULL)),"
        "  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,"
        "  FOREIGN KEY (tenant_id, fabric_id) REFERENCES fabrics (tenant_id, id)"
        "    ON DELETE CASCADE);"
        "CREATE UNIQUE INDEX credentials_fabric ON credentials (tenant_id, user_id, fabric_id)"
        "  WHERE kind = 'fabric';"
        "CREATE UNIQUE INDEX credentials_git ON credentials (tenant_id, user_id, target)"
        "  WHERE kind = 'git';"
        "CREATE INDEX credentials_fabric_id ON credentials (tenant_id, fabric_id);"

        /* pipeline_id and fabric_id are not foreign keys: a run's history
         * outlives the pipeline and the fabric it ran on. */
        "CREATE TABLE runs ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  project_id {INT} NOT NULL,"
        "  pipeline_id {INT} NOT NULL,"
        "  pipeline_version {INT} NOT NULL,"
        "  pipeline_name TEXT NOT NULL,"
        "  fabric_id {INT} NOT NULL DEFAULT 0,"
        "  fabric_name TEXT,"
        "  user_id {INT} NOT NULL DEFAULT 0,"
        "  config TEXT,"
        "  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed',"
        "    'cancelled', 'interrupted')),"
        "  message TEXT,"
        "  metrics TEXT,"
        "  owner TEXT,"
        "  started_at {INT} NOT NULL DEFAULT 0,"
        "  finished_at {INT} NOT NULL DEFAULT 0,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  UNIQUE (tenant_id, id),"
        "  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)"
        "    ON DELETE CASCADE);"
        "CREATE INDEX runs_project ON runs (tenant_id, project_id, id);"
        "CREATE INDEX runs_live ON runs (tenant_id, owner) WHERE status IN ('queued', 'running');"

        "CREATE TABLE samples ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  run_id {INT} NOT NULL,"
        "  gem TEXT NOT NULL,"
        "  port TEXT NOT NULL,"
        "  content TEXT NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  FOREIGN KEY (tenant_id, run_id) REFERENCES runs (tenant_id, id) ON DELETE CASCADE);"
        "CREATE INDEX samples_run ON samples (tenant_id, run_id, id);"

        "CREATE TABLE api_tokens ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  user_id {INT} NOT NULL,"
        "  name TEXT NOT NULL,"
        "  hash {NAME} NOT NULL,"
        "  scopes TEXT NOT NULL,"
        "  expires_at {INT} NOT NULL DEFAULT 0,"
        "  revoked_at {INT} NOT NULL DEFAULT 0,"
        "  last_used_at {INT} NOT NULL DEFAULT 0,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  UNIQUE (tenant_id, hash),"
        "  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"
        "CREATE INDEX api_tokens_user ON api_tokens (tenant_id, user_id);"

        "CREATE TABLE sessions ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  user_id {INT} NOT NULL,"
        "  hash {NAME} NOT NULL,"
        "  csrf TEXT NOT NULL,"
        "  client TEXT,"
        "  expires_at {INT} NOT NULL,"
        "  last_seen_at {INT} NOT NULL DEFAULT 0,"
        "  version {INT} NOT NULL,"
        "  created_at {INT} NOT NULL,"
        "  updated_at {INT} NOT NULL,"
        "  UNIQUE (tenant_id, hash),"
        "  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE);"
        "CREATE INDEX sessions_user ON sessions (tenant_id, user_id);"
        "CREATE INDEX sessions_expiry ON sessions (tenant_id, expires_at);"

        /* No foreign keys: the log outlives what it describes, including
         * the deletion of its tenant. */
        "CREATE TABLE audit ("
        "  id {ID},"
        "  tenant_id {INT} NOT NULL,"
        "  at {INT} NOT NULL,"
        "  actor_id {INT} NOT NULL,"
        "  action TEXT NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  object_id {INT} NOT NULL,"
        "  name TEXT,"
        "  version_before {INT} NOT NULL,"
        "  version_after {INT} NOT NULL,"
        "  detail TEXT);"
        "CREATE INDEX audit_tenant ON audit (tenant_id, id);"
        "CREATE INDEX audit_object ON audit (tenant_id, kind, object_id, id);",
        NULL,
        NULL,
    },
    {
        2,
        "runs shared by server processes",
        /* A cancel asked of any process, for the one running the run to
         * see; the running process's sign of life, so that the runs of a
         * process that died are marked interrupted by the others. */
        "ALTER TABLE runs ADD COLUMN cancel_requested {INT} NOT NULL DEFAULT 0;"
        "ALTER TABLE runs ADD COLUMN heartbeat_at {INT} NOT NULL DEFAULT 0;"
        /* The live events of a run (Server-Sent Events, sealed under the
         * master key: they carry sample rows) on their way from the
         * process running it to the streams of every process; dropped
         * shortly after the run ends. */
        "CREATE TABLE run_events ("
        "  tenant_id {INT} NOT NULL,"
        "  run_id {INT} NOT NULL,"
        "  seq {INT} NOT NULL,"
        "  key_id TEXT NOT NULL,"
        "  sealed {BLOB} NOT NULL,"
        "  PRIMARY KEY (tenant_id, run_id, seq),"
        "  FOREIGN KEY (tenant_id, run_id) REFERENCES runs (tenant_id, id) ON DELETE CASCADE);",
        NULL,
        NULL,
    },
};

int sb_store_latest_version(void)
{
    return migrations[SB_COUNTOF(migrations) - 1].version;
}

static void expand(sb_buf *out, const char *sql, sb_store_backend kind)
{
    static const struct {
        const char *token, *sqlite, *pg;
    } tokens[] = {
        {"{ID}", "INTEGER PRIMARY KEY AUTOINCREMENT",
         "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"{INT}", "INTEGER", "BIGINT"},
        {"{BLOB}", "BLOB", "BYTEA"},
        {"{NAME}", "TEXT", "TEXT COLLATE \"C\""},
    };
    for (const char *p = sql; *p;) {
        bool done = false;
        for (size_t i = 0; i < SB_COUNTOF(tokens) && *p == '{'; i++) {
            size_t n = strlen(tokens[i].token);
            if (strncmp(p, tokens[i].token, n) == 0) {
                sb_buf_puts(out, kind == SB_STORE_SQLITE ? tokens[i].sqlite : tokens[i].pg);
                p += n;
                done = true;
                break;
            }
        }
        if (!done) sb_buf_putc(out, *p++);
    }
}

static int read_version(sb_store *s, int *version)
{
    st_cur c;
    int rc = st_query_sys(s, Q_MIGRATION_VERSION, &c, "");
    if (rc != SB_STORE_OK) return rc;
    rc = st_next(&c);
    *version = rc == 1 ? (int)st_col_int(&c, 0) : 0;
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int st_schema_version(sb_store *s, int *version)
{
    *version = 0;
    if (s->tx.active) return st_fail(s, SB_STORE_INVALID, "a transaction is open");
    return read_version(s, version);
}

static const char *MIGRATIONS_TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                      "  version {INT} PRIMARY KEY,"
                                      "  name TEXT NOT NULL,"
                                      "  applied_at {INT} NOT NULL)";

/* Open a migration transaction: exclusive against other migrating
 * processes, with the bookkeeping table in place. */
static int migration_begin(sb_store *s)
{
    sb_store_backend kind = s->be->kind;
    int rc = s->be->exec(s, kind == SB_STORE_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
    if (rc != SB_STORE_OK) return rc;
    if (kind == SB_STORE_POSTGRES)
        rc = s->be->exec(s, "SELECT pg_advisory_xact_lock(hashtext('sibyl migrations ' || "
                            "current_schema()))");
    if (rc == SB_STORE_OK) {
        sb_buf sql = SB_BUF_INIT;
        expand(&sql, MIGRATIONS_TABLE, kind);
        rc = s->be->exec(s, sb_buf_str(&sql));
        sb_buf_free(&sql);
    }
    if (rc != SB_STORE_OK) s->be->exec(s, "ROLLBACK");
    return rc;
}

int st_migrate(sb_store *s)
{
    int latest = sb_store_latest_version();
    for (;;) {
        int rc = migration_begin(s);
        if (rc != SB_STORE_OK) return rc;
        int current = 0;
        rc = read_version(s, &current);
        if (rc == SB_STORE_OK && current > latest)
            rc = st_fail(s, SB_STORE_ERROR,
                         "the database schema is at version %d, newer than this sibyl knows "
                         "(%d): run a newer sibyl",
                         current, latest);
        if (rc != SB_STORE_OK || current == latest) {
            s->be->exec(s, rc == SB_STORE_OK ? "COMMIT" : "ROLLBACK");
            return rc;
        }
        const migration *m = NULL;
        for (size_t i = 0; i < SB_COUNTOF(migrations); i++)
            if (migrations[i].version == current + 1) m = &migrations[i];
        if (!m) {
            s->be->exec(s, "ROLLBACK");
            return st_fail(s, SB_STORE_ERROR, "no migration to schema version %d", current + 1);
        }
        sb_buf sql = SB_BUF_INIT;
        expand(&sql, m->sql, s->be->kind);
        const char *extra = s->be->kind == SB_STORE_SQLITE ? m->sqlite : m->pg;
        if (extra) {
            sb_buf_puts(&sql, ";");
            expand(&sql, extra, s->be->kind);
        }
        rc = s->be->exec(s, sb_buf_str(&sql));
        sb_buf_free(&sql);
        if (rc == SB_STORE_OK) {
            st_cur c;
            rc = st_query_sys(s, Q_MIGRATION_ADD, &c, "isi", (int64_t)m->version, m->name,
                              st_now_ms());
            st_done(&c);
        }
        if (rc == SB_STORE_OK) rc = s->be->exec(s, "COMMIT");
        if (rc != SB_STORE_OK) {
            char msg[sizeof s->err];
            memcpy(msg, s->err, sizeof msg);
            s->be->exec(s, "ROLLBACK");
            return st_fail(s, rc, "migration %d (%s) failed: %s", m->version, m->name, msg);
        }
    }
}
