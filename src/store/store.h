/*
 * store.h — the metadata store: every tenant, team, user, project file,
 * fabric, credential, run, token, session and audit entry sibyl keeps.
 *
 * Two backends sit behind this one interface: SQLite (the embedded default,
 * one file in the data directory, WAL) and PostgreSQL (libpq). Opening a
 * store applies any pending schema migrations, each in its own transaction.
 *
 * Tenant isolation is structural. Apart from the handful of installation-
 * wide functions on `sb_store *` (tenant creation and enumeration, which
 * touch only the tenants table), every function takes an `sb_store_tx *`,
 * and a transaction can only be opened for one tenant and one acting user.
 * Every statement run through a transaction filters on that tenant's id,
 * and every reference between objects (a project's team, a run's fabric)
 * is checked to lie inside the same tenant, so an id from another tenant
 * behaves exactly like an id that does not exist.
 *
 * Versions: every object carries a version that starts at 1 and grows by
 * one with each change. Update and delete take the version the caller last
 * saw; if the row has moved on, nothing changes and SB_STORE_CONFLICT comes
 * back (the server answers 409).
 *
 * Audit: every change made through this interface appends one audit entry
 * in the same transaction (who, what, when, version before and after).
 * Bookkeeping stamps — a token's last use, a session's last request — are
 * not changes and are not audited.
 *
 * Transactions: a failed write poisons its transaction; only rollback is
 * then possible (commit rolls back and returns the first error). A failed
 * read (SB_STORE_NOT_FOUND) does not. Results (strings, lists) are
 * allocated in the arena given to sb_store_begin and outlive the
 * transaction.
 *
 * Threads: an sb_store is one database connection; use one per thread.
 * Several processes may share one database (PostgreSQL, or SQLite on a
 * local file system); the store keeps no state of its own between
 * transactions beyond its cache of prepared statements.
 */
#ifndef SB_STORE_H
#define SB_STORE_H

#include "base/base.h"

/* ---- status ------------------------------------------------------------ */

enum {
    SB_STORE_OK = 0,
    SB_STORE_NOT_FOUND = -1, /* no such object in this tenant (HTTP 404) */
    SB_STORE_CONFLICT = -2,  /* stale version: somebody changed it first (409) */
    SB_STORE_EXISTS = -3,    /* the name (or key) is already taken (409) */
    SB_STORE_INVALID = -4,   /* a bad argument, or misuse of a transaction (400) */
    SB_STORE_DISABLED = -5,  /* samples for a team that has not turned them on (403) */
    SB_STORE_BUSY = -6,      /* lock timeout or serialization failure: retry (503) */
    SB_STORE_ERROR = -7,     /* the database failed; see sb_store_errmsg (500) */
};

/* "ok", "not found", "conflict", ... */
const char *sb_store_status_name(int status);

/* ---- opening ----------------------------------------------------------- */

typedef struct sb_store sb_store;
typedef struct sb_store_tx sb_store_tx;

typedef enum sb_store_backend {
    SB_STORE_SQLITE,
    SB_STORE_POSTGRES,
} sb_store_backend;

typedef struct sb_store_options {
    /* SQLite: how long to wait for another writer's lock (default 5000 ms). */
    int busy_timeout_ms;
    /* SQLite: synchronous=NORMAL instead of FULL. Commits are cheaper; a
     * process crash still loses nothing, a power loss may lose the last
     * commits (never consistency). */
    bool sqlite_sync_normal;
    /* Do not apply migrations: fail unless the schema is already current
     * (for processes that should never change the schema). */
    bool no_migrate;
    /* PostgreSQL: the schema holding sibyl's tables (created when missing);
     * NULL: the connection's search_path (usually `public`). */
    const char *pg_schema;
} sb_store_options;

/* Open a store. `url` is one of
 *   postgresql://... or postgres://...   a libpq connection URI
 *   "host=... dbname=..."                a libpq keyword/value string
 *   sqlite:PATH or a plain PATH          an SQLite database file (use the
 *                                        prefix for a path with '=' in it)
 * opt may be NULL for the defaults. Migrations are applied before this
 * returns. *out is always set (NULL only for allocation failure, which
 * aborts): on failure it holds the message for sb_store_errmsg and must
 * still be closed. */
int sb_store_open(const char *url, const sb_store_options *opt, sb_store **out);
/* The embedded default: SQLite at DIR/sibyl.db; DIR is created (0700) when
 * missing. */
int sb_store_open_dir(const char *dir, const sb_store_options *opt, sb_store **out);
void sb_store_close(sb_store *s);

/* The last error on this connection, one sentence; "" when none. */
const char *sb_store_errmsg(const sb_store *s);
sb_store_backend sb_store_backend_of(const sb_store *s);
/* The schema version applied to the database, and the newest this build knows. */
int sb_store_schema_version(sb_store *s, int *version);
int sb_store_latest_version(void);

/* Check the database's consistency: SQLite's integrity and foreign-key
 * checks; on PostgreSQL amcheck over sibyl's indexes when the extension is
 * installed, and in both a scan for rows whose references cross tenants or
 * point nowhere. Problems are described in `report` (one per line).
 * Returns 0 when clean, SB_STORE_ERROR with a report otherwise. */
int sb_store_check(sb_store *s, sb_buf *report);

/* SQLite: copy the live database to `path` (a consistent snapshot; writers
 * are not blocked for long). PostgreSQL: SB_STORE_INVALID (use pg_dump). */
int sb_store_backup(sb_store *s, const char *path);

/* ---- installation-wide: tenants --------------------------------------- */

typedef struct sb_store_tenant {
    int64_t id, version;
    const char *slug;               /* short unique name: lower-case letters, digits, '-' */
    const char *name;               /* display name */
    int64_t created_at, updated_at; /* milliseconds since the epoch */
} sb_store_tenant;

/* Create a tenant (slug and name in; id, version and times out). The audit
 * entry goes to the new tenant. Strings are copied into `a`. */
int sb_store_tenant_create(sb_store *s, sb_arena *a, sb_store_tenant *t);
/* Resolve a slug to an id (for sign-in forms and host names). */
int sb_store_tenant_find(sb_store *s, const char *slug, int64_t *id);
/* Every tenant id in ascending order (for key rotation, shutdown, the
 * scheduler: walk the tenants and open a transaction for each). */
int sb_store_tenant_ids(sb_store *s, sb_arena *a, int64_t **ids, size_t *n);

/* ---- transactions ------------------------------------------------------ */

typedef enum sb_store_mode {
    SB_STORE_READ,  /* a consistent snapshot; write functions are refused */
    SB_STORE_WRITE, /* serialised against other writers */
} sb_store_mode;

/* Open a transaction for `tenant_id` (> 0) on behalf of `actor_id` (a user
 * of that tenant, or 0 for sibyl itself: bootstrap, scheduler, shutdown).
 * A write transaction checks that the actor belongs to the tenant
 * (SB_STORE_NOT_FOUND otherwise). Results are allocated in `a`. One
 * transaction at a time per store; it must end with commit or rollback. */
int sb_store_begin(sb_store *s, sb_arena *a, int64_t tenant_id, int64_t actor_id,
                   sb_store_mode mode, sb_store_tx **out);
/* Commit; on failure (or after a failed write) the transaction is rolled
 * back and the first error returned. The handle is finished either way. */
int sb_store_commit(sb_store_tx *tx);
void sb_store_rollback(sb_store_tx *tx);
int64_t sb_store_tx_tenant(const sb_store_tx *tx);
int64_t sb_store_tx_actor(const sb_store_tx *tx);
sb_store *sb_store_tx_store(const sb_store_tx *tx);

/* Optional paging for histories (runs, audit): rows with id > after_id
 * (or < before_id when descending), at most `limit` (0: no limit). */
typedef struct sb_store_page {
    int64_t after_id;
    int64_t limit;
    bool newest_first; /* descending ids; after_id then means "before" */
} sb_store_page;

/* ---- the tenant itself ------------------------------------------------- */

int sb_store_tenant_get(sb_store_tx *tx, sb_store_tenant *out);
/* Rename (name only; the slug is permanent). */
int sb_store_tenant_update(sb_store_tx *tx, sb_store_tenant *t);
/* Delete the tenant and everything in it. The audit entry of the deletion
 * remains. */
int sb_store_tenant_delete(sb_store_tx *tx, int64_t version);

/* ---- teams ------------------------------------------------------------- */

typedef struct sb_store_team {
    int64_t id, version;
    const char *name;
    bool samples_enabled; /* keep per-edge data samples of this team's runs */
    int64_t created_at, updated_at;
} sb_store_team;

int sb_store_team_create(sb_store_tx *tx, sb_store_team *t);
int sb_store_team_get(sb_store_tx *tx, int64_t id, sb_store_team *out);
int sb_store_team_get_by_name(sb_store_tx *tx, const char *name, sb_store_team *out);
/* All teams of the tenant by name: sb_store_team* items. */
int sb_store_team_list(sb_store_tx *tx, sb_vec *out);
/* Rename or switch samples; turning samples off deletes the samples kept
 * for the team's runs. */
int sb_store_team_update(sb_store_tx *tx, sb_store_team *t);
/* Deletes the team's projects, files, fabrics, credentials, runs. */
int sb_store_team_delete(sb_store_tx *tx, int64_t id, int64_t version);

/* ---- users ------------------------------------------------------------- */

typedef struct sb_store_user {
    int64_t id, version;
    const char *login;         /* unique in the tenant */
    const char *display_name;  /* may be NULL */
    const char *email;         /* may be NULL */
    const char *password_hash; /* encoded argon2id string; NULL: no local password */
    const char *auth_source;   /* "local" (default), later "oidc", "saml", "ldap" */
    const char *external_id;   /* the identity provider's subject; NULL for local */
    bool disabled;
    int64_t failed_logins, locked_until, last_login_at; /* sign-in bookkeeping */
    int64_t created_at, updated_at;
} sb_store_user;

int sb_store_user_create(sb_store_tx *tx, sb_store_user *u);
int sb_store_user_get(sb_store_tx *tx, int64_t id, sb_store_user *out);
int sb_store_user_get_by_login(sb_store_tx *tx, const char *login, sb_store_user *out);
/* All users of the tenant by login: sb_store_user* items. */
int sb_store_user_list(sb_store_tx *tx, sb_vec *out);
/* Change login, display name, email, disabled (not the password). */
int sb_store_user_update(sb_store_tx *tx, sb_store_user *u);
int sb_store_user_set_password(sb_store_tx *tx, int64_t id, int64_t *version,
                               const char *password_hash);
/* Record a sign-in attempt's outcome: counters and lock, no version change
 * (audited as "login" or "login_failed"). */
int sb_store_user_record_login(sb_store_tx *tx, int64_t id, bool ok, int64_t failed_logins,
                               int64_t locked_until);
/* Count one failed sign-in in the database itself, so that simultaneous
 * failures in any number of processes all count: the `max_failed`-th
 * consecutive one locks the account until `lock_until` (*locked set) and
 * starts the count again. Audited as "login_failed". */
int sb_store_user_login_failed(sb_store_tx *tx, int64_t id, int64_t max_failed,
                               int64_t lock_until, bool *locked);
/* Deletes the user's memberships, tokens, sessions and credentials; runs
 * keep the user's id. */
int sb_store_user_delete(sb_store_tx *tx, int64_t id, int64_t version);

/* ---- memberships and roles -------------------------------------------- */

/* Ordered by power: a higher role can do whatever a lower one can. */
typedef enum sb_store_role {
    SB_ROLE_NONE = 0,
    SB_ROLE_VIEWER,
    SB_ROLE_MEMBER,
    SB_ROLE_TEAM_ADMIN,
    SB_ROLE_TENANT_ADMIN,
} sb_store_role;

const char *sb_store_role_name(sb_store_role r); /* "viewer", ..., "tenant_admin" */
int sb_store_role_parse(const char *s, sb_store_role *out);

/* A user's role on a team, or tenant-wide (team_id 0, role tenant_admin). */
typedef struct sb_store_membership {
    int64_t id, version;
    int64_t user_id;
    int64_t team_id; /* 0: the whole tenant */
    sb_store_role role;
    int64_t created_at, updated_at;
} sb_store_membership;

/* team_id 0 requires SB_ROLE_TENANT_ADMIN; a team requires one of the
 * three team roles. SB_STORE_EXISTS when the user already has one there. */
int sb_store_membership_create(sb_store_tx *tx, sb_store_membership *m);
int sb_store_membership_get(sb_store_tx *tx, int64_t user_id, int64_t team_id,
                            sb_store_membership *out);
/* Filter by user and/or team (0: any): sb_store_membership* items. */
int sb_store_membership_list(sb_store_tx *tx, int64_t user_id, int64_t team_id, sb_vec *out);
/* Change the role (same scope rules as create). */
int sb_store_membership_update(sb_store_tx *tx, sb_store_membership *m);
int sb_store_membership_delete(sb_store_tx *tx, int64_t id, int64_t version);
/* The role that governs what `user_id` may do on `team_id` (0: tenant-wide
 * only): tenant_admin if the user is one, else the team role, else NONE.
 * Disabled or unknown users get NONE. One indexed query. */
int sb_store_role_for(sb_store_tx *tx, int64_t user_id, int64_t team_id, sb_store_role *out);

/* ---- projects ---------------------------------------------------------- */

typedef struct sb_store_project {
    int64_t id, version;
    int64_t team_id;         /* the owner */
    const char *name;        /* an identifier, unique in the team */
    const char *description; /* may be NULL */
    const char *manifest;    /* canonical sibyl.json text; may be NULL */
    int64_t created_at, updated_at;
} sb_store_project;

int sb_store_project_create(sb_store_tx *tx, sb_store_project *p);
int sb_store_project_get(sb_store_tx *tx, int64_t id, sb_store_project *out);
int sb_store_project_get_by_name(sb_store_tx *tx, int64_t team_id, const char *name,
                                 sb_store_project *out);
/* By name; team_id 0: every team's. */
int sb_store_project_list(sb_store_tx *tx, int64_t team_id, sb_vec *out);
/* Rename, describe, replace the manifest, or move to another team. */
int sb_store_project_update(sb_store_tx *tx, sb_store_project *p);
int sb_store_project_delete(sb_store_tx *tx, int64_t id, int64_t version);

/* ---- project files: pipelines, datasets, configurations, subgraphs ----- */

typedef enum sb_store_file_kind {
    SB_FILE_PIPELINE,
    SB_FILE_DATASET,
    SB_FILE_CONFIG,
    SB_FILE_SUBGRAPH,
} sb_store_file_kind;

/* "pipeline", ... and the project directory the file lives in: "pipelines". */
const char *sb_store_file_kind_name(sb_store_file_kind k);
const char *sb_store_file_kind_dir(sb_store_file_kind k);
int sb_store_file_kind_parse(const char *s, sb_store_file_kind *out);

/* One file of a project, kept as the exact canonical text the CLI reads,
 * so that committing it to Git writes these bytes at
 * <dir>/<name>.json. Every version's text is kept (sb_store_file_get_version). */
typedef struct sb_store_file {
    int64_t id, version;
    int64_t project_id;
    sb_store_file_kind kind;
    const char *name;    /* an identifier; unique per project and kind */
    const char *content; /* canonical JSON text, NUL-terminated; NULL in lists
                            without content, and in an update that keeps it */
    size_t content_len;  /* set by reads; writes go by strlen(content) */
    int64_t updated_by;  /* the user who wrote this version (0: sibyl) */
    int64_t created_at, updated_at;
} sb_store_file;

int sb_store_file_create(sb_store_tx *tx, sb_store_file *f);
int sb_store_file_get(sb_store_tx *tx, int64_t id, sb_store_file *out);
int sb_store_file_get_by_name(sb_store_tx *tx, int64_t project_id, sb_store_file_kind kind,
                              const char *name, sb_store_file *out);
/* The text as it was at `version` (content, name and updated_by of then). */
int sb_store_file_get_version(sb_store_tx *tx, int64_t id, int64_t version, sb_store_file *out);
/* A project's files ordered by kind then name; kind < 0: all kinds. */
int sb_store_file_list(sb_store_tx *tx, int64_t project_id, int kind, bool with_content,
                       sb_vec *out);
/* New content and/or name (a NULL one is kept). */
int sb_store_file_update(sb_store_tx *tx, sb_store_file *f);
int sb_store_file_delete(sb_store_tx *tx, int64_t id, int64_t version);

/* ---- fabrics and per-user credentials --------------------------------- */

typedef struct sb_store_fabric {
    int64_t id, version;
    int64_t team_id;
    const char *name;       /* unique in the team */
    const char *definition; /* canonical fabric JSON (no secrets in it) */
    int64_t created_at, updated_at;
} sb_store_fabric;

int sb_store_fabric_create(sb_store_tx *tx, sb_store_fabric *f);
int sb_store_fabric_get(sb_store_tx *tx, int64_t id, sb_store_fabric *out);
int sb_store_fabric_get_by_name(sb_store_tx *tx, int64_t team_id, const char *name,
                                sb_store_fabric *out);
/* By name; team_id 0: every team's. */
int sb_store_fabric_list(sb_store_tx *tx, int64_t team_id, sb_vec *out);
int sb_store_fabric_update(sb_store_tx *tx, sb_store_fabric *f);
/* Deletes the fabric's credentials. */
int sb_store_fabric_delete(sb_store_tx *tx, int64_t id, int64_t version);

typedef enum sb_store_cred_kind {
    SB_CRED_FABRIC, /* a user's secret for one fabric (a Databricks PAT) */
    SB_CRED_GIT,    /* a user's token for a Git host or remote */
} sb_store_cred_kind;

/* A secret that belongs to one user. The store never sees plaintext: the
 * auth layer encrypts and hands over opaque bytes plus the id of the key
 * that sealed them (for rotation). */
typedef struct sb_store_credential {
    int64_t id, version;
    int64_t user_id;
    sb_store_cred_kind kind;
    int64_t fabric_id;  /* SB_CRED_FABRIC: the fabric; else 0 */
    const char *target; /* SB_CRED_GIT: host or remote URL; NULL for fabrics */
    const char *key_id;
    const unsigned char *ciphertext;
    size_t ciphertext_len;
    int64_t created_at, updated_at;
} sb_store_credential;

/* One per (user, fabric) and per (user, git target): else SB_STORE_EXISTS. */
int sb_store_credential_create(sb_store_tx *tx, sb_store_credential *c);
int sb_store_credential_get(sb_store_tx *tx, int64_t id, sb_store_credential *out);
/* The user's credential for a fabric. */
int sb_store_credential_get_for_fabric(sb_store_tx *tx, int64_t user_id, int64_t fabric_id,
                                       sb_store_credential *out);
int sb_store_credential_get_for_git(sb_store_tx *tx, int64_t user_id, const char *target,
                                    sb_store_credential *out);
/* Filter by user (0: any). Items carry ciphertext too. */
int sb_store_credential_list(sb_store_tx *tx, int64_t user_id, sb_vec *out);
/* Credentials sealed with a key other than `key_id` (for rotation). */
int sb_store_credential_list_stale(sb_store_tx *tx, const char *key_id, sb_vec *out);
/* Replace ciphertext and key id (a new secret, or a re-encryption). */
int sb_store_credential_update(sb_store_tx *tx, sb_store_credential *c);
int sb_store_credential_delete(sb_store_tx *tx, int64_t id, int64_t version);

/* ---- runs and samples -------------------------------------------------- */

typedef struct sb_store_run {
    int64_t id, version;
    int64_t project_id;
    int64_t pipeline_id;      /* the pipeline file; checked on create, kept after it goes */
    int64_t pipeline_version; /* the file version that ran */
    const char *pipeline_name;
    int64_t fabric_id; /* 0: none (validation-only runs); kept after the fabric goes */
    const char *fabric_name;
    int64_t user_id;    /* who started it (0: the scheduler) */
    const char *config; /* configuration instance name; may be NULL */
    const char *status; /* "queued", "running", "succeeded", "failed", "cancelled", "interrupted" */
    const char *message;             /* one sentence when it failed; may be NULL */
    const char *metrics;             /* JSON: per-gem rows and time; may be NULL */
    const char *owner;               /* the server process running it; may be NULL */
    int64_t started_at, finished_at; /* 0: not yet */
    int64_t created_at, updated_at;
    bool cancel_requested; /* asked of any server process, for the owner to act on */
    int64_t heartbeat_at;  /* the owner's last sign of life (set on create) */
} sb_store_run;

/* The pipeline must be a pipeline file of the project, and the fabric (when
 * set) a fabric of the project's team. */
int sb_store_run_create(sb_store_tx *tx, sb_store_run *r);
int sb_store_run_get(sb_store_tx *tx, int64_t id, sb_store_run *out);
typedef struct sb_store_run_filter {
    int64_t project_id, pipeline_id, user_id; /* 0: any */
    const char *status;                       /* NULL: any */
} sb_store_run_filter;
int sb_store_run_list(sb_store_tx *tx, const sb_store_run_filter *f, const sb_store_page *page,
                      sb_vec *out);
/* Status, message, metrics, owner, started_at, finished_at. */
int sb_store_run_update(sb_store_tx *tx, sb_store_run *r);
int sb_store_run_delete(sb_store_tx *tx, int64_t id, int64_t version);
/* Mark every queued or running run of `owner` interrupted (graceful
 * shutdown). *count receives how many. */
int sb_store_run_interrupt_owned(sb_store_tx *tx, const char *owner, const char *message,
                                 int64_t *count);

/* Several server processes share the runs of one store. Each run has an
 * owner, the process that queued it and runs it; the owner stamps its live
 * runs with a heartbeat, acts on cancels asked of other processes, and
 * passes the run's live events through the store so that any process can
 * stream them. Any process marks interrupted the live runs of an owner
 * that stopped beating. */

/* Admission: take the tenant's admission lock until the transaction ends
 * (two processes cannot both admit past a limit), then count the tenant's
 * runs queued or running, and those of `user_id` among them. */
int sb_store_run_count_live(sb_store_tx *tx, int64_t user_id, int64_t *tenant_runs,
                            int64_t *user_runs);
/* Ask the owner to cancel a run (audited; the run's version stays).
 * SB_STORE_NOT_FOUND: no such run; SB_STORE_CONFLICT: it already ended. */
int sb_store_run_request_cancel(sb_store_tx *tx, int64_t id);
/* Ids (int64_t* items) of `owner`'s live runs whose cancel was asked. */
int sb_store_run_cancels_owned(sb_store_tx *tx, const char *owner, sb_vec *ids);
/* Stamp `owner`'s live runs as alive at `now`. */
int sb_store_run_heartbeat(sb_store_tx *tx, const char *owner, int64_t now);
/* Mark interrupted every live run whose owner last beat before `before`. */
int sb_store_run_interrupt_stale(sb_store_tx *tx, int64_t before, const char *message,
                                 int64_t *count);
/* The owners (const char* items) of the tenant's live runs. */
int sb_store_run_live_owners(sb_store_tx *tx, sb_vec *owners);

typedef struct sb_store_run_event {
    int64_t seq;          /* 0, 1, 2, ... in the order the owner produced them */
    const char *key_id;   /* the master key that sealed it */
    const unsigned char *sealed;
    size_t sealed_len;
} sb_store_run_event;

/* Add an event of a live run, sealed by the caller (adding a seq already
 * there does nothing). */
int sb_store_run_event_add(sb_store_tx *tx, sb_store_run_event *e, int64_t run_id);
/* Events with seq >= from_seq, oldest first, at most `limit`. */
int sb_store_run_event_list(sb_store_tx *tx, int64_t run_id, int64_t from_seq, int64_t limit,
                            sb_vec *out);
/* Drop the events of runs that ended before `finished_before`. */
int sb_store_run_event_purge(sb_store_tx *tx, int64_t finished_before, int64_t *count);

typedef struct sb_store_sample {
    int64_t id;
    int64_t run_id;
    const char *gem, *port;
    const char *rows; /* JSON as received from the fabric */
    int64_t created_at;
} sb_store_sample;

/* Keep a sample only if the run's team has samples enabled
 * (SB_STORE_DISABLED otherwise: show it and drop it). */
int sb_store_sample_add(sb_store_tx *tx, sb_store_sample *smp);
int sb_store_sample_list(sb_store_tx *tx, int64_t run_id, sb_vec *out);

/* ---- API tokens -------------------------------------------------------- */

typedef struct sb_store_token {
    int64_t id, version;
    int64_t user_id;
    const char *name;
    const char *hash;   /* of the secret (the secret itself is never stored) */
    const char *scopes; /* space-separated, as the auth layer defines them */
    int64_t expires_at; /* 0: never */
    int64_t revoked_at; /* 0: live */
    int64_t last_used_at;
    int64_t created_at, updated_at;
} sb_store_token;

int sb_store_token_create(sb_store_tx *tx, sb_store_token *t);
int sb_store_token_get(sb_store_tx *tx, int64_t id, sb_store_token *out);
/* By hash; expired and revoked tokens are returned too (the caller says why
 * it refuses them). */
int sb_store_token_lookup(sb_store_tx *tx, const char *hash, sb_store_token *out);
/* Filter by user (0: any). */
int sb_store_token_list(sb_store_tx *tx, int64_t user_id, sb_vec *out);
/* Revoke (idempotent; bumps the version the first time). */
int sb_store_token_revoke(sb_store_tx *tx, int64_t id);
/* Stamp last use (bookkeeping: no version change, no audit). */
int sb_store_token_touch(sb_store_tx *tx, int64_t id, int64_t when);
int sb_store_token_delete(sb_store_tx *tx, int64_t id, int64_t version);

/* ---- sign-in sessions -------------------------------------------------- */

typedef struct sb_store_session {
    int64_t id, version;
    int64_t user_id;
    const char *hash;   /* of the cookie's secret */
    const char *csrf;   /* what the auth layer checks CSRF tokens against */
    const char *client; /* user agent / address summary, for "your sessions"; may be NULL */
    int64_t expires_at;
    int64_t last_seen_at;
    int64_t created_at, updated_at;
} sb_store_session;

int sb_store_session_create(sb_store_tx *tx, sb_store_session *ss);
int sb_store_session_lookup(sb_store_tx *tx, const char *hash, sb_store_session *out);
int sb_store_session_list(sb_store_tx *tx, int64_t user_id, sb_vec *out);
/* Slide the expiry and stamp the last request (bookkeeping: no audit). */
int sb_store_session_touch(sb_store_tx *tx, int64_t id, int64_t last_seen_at, int64_t expires_at);
/* Sign out one session. */
int sb_store_session_delete(sb_store_tx *tx, int64_t id);
/* Sign out all of a user's sessions (password change, lockout). */
int sb_store_session_delete_user(sb_store_tx *tx, int64_t user_id, int64_t *count);
/* Remove sessions that expired before `now`. */
int sb_store_session_purge(sb_store_tx *tx, int64_t now, int64_t *count);

/* ---- audit ------------------------------------------------------------- */

typedef struct sb_store_audit {
    int64_t id;
    int64_t at;
    int64_t actor_id;   /* 0: sibyl itself */
    const char *action; /* "create", "update", "delete", "revoke", "login", ... */
    const char *kind;   /* "team", "user", "file", ... */
    int64_t object_id;
    const char *name; /* the object's name then, for reading the log without joins */
    int64_t version_before, version_after; /* 0: none (created / deleted) */
    const char *detail; /* small JSON for what versions do not say; may be NULL */
} sb_store_audit;

typedef struct sb_store_audit_filter {
    const char *kind;  /* NULL: any */
    int64_t object_id; /* 0: any */
    int64_t actor_id;  /* 0: any */
} sb_store_audit_filter;

int sb_store_audit_list(sb_store_tx *tx, const sb_store_audit_filter *f, const sb_store_page *page,
                        sb_vec *out);

#endif
