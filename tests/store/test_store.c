/*
 * test_store.c — the metadata store suite, run against every backend:
 * SQLite always, PostgreSQL when SIBYL_TEST_PG holds a connection string
 * (tests/store/run_pg.sh starts a throwaway server and sets it).
 *
 * Each test gets an empty database: a new SQLite file, or a new schema on
 * the PostgreSQL server (dropped afterwards).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_internal.h"

#define OK(x) assert_int_equal((x), SB_STORE_OK)
#define IS(status, x) assert_int_equal((x), (status))

/* ---- per-test environment ------------------------------------------------ */

/* An event of a run as the server seals it (here: bytes under key k1). */
#define EVENT(seq_, bytes_)                                                                        \
    (sb_store_run_event)                                                                           \
    {                                                                                              \
        .seq = (seq_), .key_id = "k1", .sealed = (const unsigned char *)(bytes_),                  \
        .sealed_len = strlen(bytes_)                                                               \
    }

static const char *g_pg; /* connection string while the PostgreSQL group runs */
static int g_counter;

typedef struct env {
    bool pg;
    char url[1024];  /* what sb_store_open gets */
    char dir[256];   /* SQLite: the temporary directory */
    char schema[64]; /* PostgreSQL: the schema of this test */
    sb_store_options opt;
    sb_arena *a;
    sb_store *s;
} env;

static void raw_pg(const char *sql)
{
    PGconn *conn = PQconnectdb(g_pg);
    assert_int_equal(PQstatus(conn), CONNECTION_OK);
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(conn);
}

/* Run SQL on the test's database behind the store's back. */
static void raw_exec(env *e, const char *sql)
{
    if (e->pg) {
        char buf[512];
        snprintf(buf, sizeof buf, "SET search_path TO %s; %s", e->schema, sql);
        raw_pg(buf);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(e->url, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static sb_store *open_store(env *e)
{
    sb_store *s = NULL;
    int rc = sb_store_open(e->url, &e->opt, &s);
    if (rc != SB_STORE_OK) fail_msg("open %s: %s", e->url, sb_store_errmsg(s));
    return s;
}

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    e->pg = g_pg != NULL;
    e->a = sb_arena_new();
    if (e->pg) {
        snprintf(e->schema, sizeof e->schema, "sbtest_%d_%d", (int)getpid(), ++g_counter);
        snprintf(e->url, sizeof e->url, "%s", g_pg);
        e->opt.pg_schema = e->schema;
    } else {
        snprintf(e->dir, sizeof e->dir, "/tmp/sibyl-store-XXXXXX");
        assert_non_null(mkdtemp(e->dir));
        snprintf(e->url, sizeof e->url, "%s/sibyl.db", e->dir);
    }
    e->s = open_store(e);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    sb_store_close(e->s);
    if (e->pg) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", e->schema);
        raw_pg(sql);
    } else {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
        if (system(cmd) != 0) return -1;
    }
    sb_arena_free(e->a);
    free(e);
    return 0;
}

static sb_store_tx *begin_w(env *e, int64_t tenant, int64_t actor)
{
    sb_store_tx *tx = NULL;
    int rc = sb_store_begin(e->s, e->a, tenant, actor, SB_STORE_WRITE, &tx);
    if (rc != SB_STORE_OK) fail_msg("begin: %s", sb_store_errmsg(e->s));
    return tx;
}

static sb_store_tx *begin_r(env *e, int64_t tenant)
{
    sb_store_tx *tx = NULL;
    int rc = sb_store_begin(e->s, e->a, tenant, 0, SB_STORE_READ, &tx);
    if (rc != SB_STORE_OK) fail_msg("begin: %s", sb_store_errmsg(e->s));
    return tx;
}

static void commit(env *e, sb_store_tx *tx)
{
    int rc = sb_store_commit(tx);
    if (rc != SB_STORE_OK) fail_msg("commit: %s", sb_store_errmsg(e->s));
}

/* Run an expression that must succeed, with the store's message if not. */
#define MUST(e, x)                                                                                 \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != SB_STORE_OK)                                                                    \
            fail_msg("%s: %s (%s)", #x, sb_store_status_name(rc_), sb_store_errmsg((e)->s));       \
    } while (0)

static int64_t new_tenant(env *e, const char *slug)
{
    sb_store_tenant t = {.slug = slug, .name = slug};
    MUST(e, sb_store_tenant_create(e->s, e->a, &t));
    return t.id;
}

/* A populated tenant: one of everything. */
typedef struct world {
    int64_t tenant;
    sb_store_user admin, user;
    sb_store_team team;
    sb_store_membership m_admin, m_user;
    sb_store_project project;
    sb_store_file pipeline, dataset;
    sb_store_fabric fabric;
    sb_store_credential cred_fabric, cred_git;
    sb_store_run run;
    sb_store_sample sample;
    sb_store_token token;
    sb_store_session session;
} world;

static const char *PIPELINE_V1 = "{\n  \"gems\": []\n}\n";
static const char *PIPELINE_V2 = "{\n  \"description\": \"two\",\n  \"gems\": []\n}\n";

static void build_world(env *e, world *w, const char *slug, const char *prefix)
{
    memset(w, 0, sizeof *w);
    w->tenant = new_tenant(e, slug);
    sb_store_tx *tx = begin_w(e, w->tenant, 0);
    w->admin = (sb_store_user){
        .login = "admin", .display_name = "Admin", .password_hash = "$argon2id$v=19$x"};
    MUST(e, sb_store_user_create(tx, &w->admin));
    w->user = (sb_store_user){.login = sb_arena_printf(e->a, "%s_user", prefix),
                              .email = "u@example.com"};
    MUST(e, sb_store_user_create(tx, &w->user));
    w->team =
        (sb_store_team){.name = sb_arena_printf(e->a, "%s team", prefix), .samples_enabled = true};
    MUST(e, sb_store_team_create(tx, &w->team));
    w->m_admin = (sb_store_membership){.user_id = w->admin.id, .role = SB_ROLE_TENANT_ADMIN};
    MUST(e, sb_store_membership_create(tx, &w->m_admin));
    w->m_user =
        (sb_store_membership){.user_id = w->user.id, .team_id = w->team.id, .role = SB_ROLE_MEMBER};
    MUST(e, sb_store_membership_create(tx, &w->m_user));
    w->project = (sb_store_project){.team_id = w->team.id,
                                    .name = sb_arena_printf(e->a, "%s_project", prefix),
                                    .manifest = "{\n  \"name\": \"p\"\n}\n"};
    MUST(e, sb_store_project_create(tx, &w->project));
    w->pipeline = (sb_store_file){.project_id = w->project.id,
                                  .kind = SB_FILE_PIPELINE,
                                  .name = "orders",
                                  .content = PIPELINE_V1};
    MUST(e, sb_store_file_create(tx, &w->pipeline));
    w->pipeline.content = PIPELINE_V2;
    MUST(e, sb_store_file_update(tx, &w->pipeline));
    w->dataset = (sb_store_file){.project_id = w->project.id,
                                 .kind = SB_FILE_DATASET,
                                 .name = "orders",
                                 .content = "{\n  \"format\": \"csv\"\n}\n"};
    MUST(e, sb_store_file_create(tx, &w->dataset));
    w->fabric = (sb_store_fabric){
        .team_id = w->team.id, .name = "local", .definition = "{\n  \"kind\": \"spark\"\n}\n"};
    MUST(e, sb_store_fabric_create(tx, &w->fabric));
    static const unsigned char sealed[] = {0, 1, 2, 3, 0xff, 0, 7};
    w->cred_fabric = (sb_store_credential){.user_id = w->user.id,
                                           .kind = SB_CRED_FABRIC,
                                           .fabric_id = w->fabric.id,
                                           .key_id = "k1",
                                           .ciphertext = sealed,
                                           .ciphertext_len = sizeof sealed};
    MUST(e, sb_store_credential_create(tx, &w->cred_fabric));
    w->cred_git = (sb_store_credential){.user_id = w->user.id,
                                        .kind = SB_CRED_GIT,
                                        .target = "github.com",
                                        .key_id = "k1",
                                        .ciphertext = sealed,
                                        .ciphertext_len = 3};
    MUST(e, sb_store_credential_create(tx, &w->cred_git));
    w->run = (sb_store_run){.project_id = w->project.id,
                            .pipeline_id = w->pipeline.id,
                            .fabric_id = w->fabric.id,
                            .user_id = w->user.id,
                            .status = "running",
                            .owner = sb_arena_printf(e->a, "%s-srv", prefix),
                            .started_at = 1000};
    MUST(e, sb_store_run_create(tx, &w->run));
    MUST(e, sb_store_run_event_add(tx, &EVENT(0, "sealed status"), w->run.id));
    w->sample = (sb_store_sample){
        .run_id = w->run.id, .gem = "clean", .port = "out", .rows = "[{\"a\":1}]"};
    MUST(e, sb_store_sample_add(tx, &w->sample));
    w->token = (sb_store_token){.user_id = w->user.id,
                                .name = "ci",
                                .hash = sb_arena_printf(e->a, "%s-token-hash", prefix),
                                .scopes = "read write"};
    MUST(e, sb_store_token_create(tx, &w->token));
    w->session = (sb_store_session){.user_id = w->user.id,
                                    .hash = sb_arena_printf(e->a, "%s-session-hash", prefix),
                                    .csrf = "csrf",
                                    .expires_at = INT64_C(4000000000000)};
    MUST(e, sb_store_session_create(tx, &w->session));
    commit(e, tx);
}

/* ---- migrations ------------------------------------------------------------ */

static void test_migrations(void **state)
{
    env *e = *state;
    int v = 0;
    OK(sb_store_schema_version(e->s, &v));
    assert_int_equal(v, sb_store_latest_version());
    assert_true(v >= 1);
    /* Re-opening applies nothing and changes nothing. */
    int64_t t = new_tenant(e, "acme");
    for (int i = 0; i < 3; i++) {
        sb_store_close(e->s);
        e->s = open_store(e);
        OK(sb_store_schema_version(e->s, &v));
        assert_int_equal(v, sb_store_latest_version());
    }
    int64_t found = 0;
    OK(sb_store_tenant_find(e->s, "acme", &found));
    assert_int_equal(found, t);
    /* One row per migration, however often it was opened. */
    char sql[200];
    snprintf(sql, sizeof sql, "CREATE TABLE probe AS SELECT COUNT(*) AS n FROM schema_migrations");
    raw_exec(e, sql);
    sb_store_close(e->s);
    e->s = open_store(e);
    raw_exec(e, "DROP TABLE probe");

    /* no_migrate: fine on a current schema... */
    sb_store_options o = e->opt;
    o.no_migrate = true;
    sb_store *s2 = NULL;
    OK(sb_store_open(e->url, &o, &s2));
    sb_store_close(s2);
    /* ...and a schema newer than this build is refused. */
    raw_exec(e, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'x', 0)");
    IS(SB_STORE_ERROR, sb_store_open(e->url, &e->opt, &s2));
    assert_non_null(strstr(sb_store_errmsg(s2), "newer"));
    sb_store_close(s2);
    raw_exec(e, "DELETE FROM schema_migrations WHERE version = 999");
}

static void test_migrations_concurrent(void **state)
{
    /* Several processes opening one empty database at once: all succeed,
     * and the schema is migrated exactly once. */
    env *e = *state;
    sb_store_close(e->s);
    e->s = NULL;
    env fresh = *e;
    if (e->pg) {
        snprintf(fresh.schema, sizeof fresh.schema, "%.50s_c", e->schema);
        fresh.opt.pg_schema = fresh.schema;
    } else {
        snprintf(fresh.url, sizeof fresh.url, "%s/concurrent.db", e->dir);
    }
    enum { N = 4 };
    pid_t kids[N];
    for (int i = 0; i < N; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            sb_store *s = NULL;
            int rc = sb_store_open(fresh.url, &fresh.opt, &s);
            if (rc != SB_STORE_OK) fprintf(stderr, "child: %s\n", sb_store_errmsg(s));
            sb_store_close(s);
            _exit(rc == SB_STORE_OK ? 0 : 1);
        }
    }
    for (int i = 0; i < N; i++) {
        int status = 0;
        assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    sb_store *s = open_store(&fresh);
    int v = 0;
    OK(sb_store_schema_version(s, &v));
    assert_int_equal(v, sb_store_latest_version());
    sb_buf report = SB_BUF_INIT;
    OK(sb_store_check(s, &report));
    sb_buf_free(&report);
    sb_store_close(s);
    if (e->pg) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", fresh.schema);
        raw_pg(sql);
    }
    e->s = open_store(e);
}

/* Every tenant statement binds the tenant as ?1 and filters on it. */
static void test_statements_are_scoped(void **state)
{
    (void)state;
    int scoped = 0;
    for (int q = 0; q < Q__COUNT; q++) {
        const st_sql *s = &sb_store_queries[q];
        assert_non_null(s->sql);
        /* Numbered placeholders only. */
        for (const char *p = s->sql; (p = strchr(p, '?')) != NULL; p++)
            if (!(p[1] >= '0' && p[1] <= '9')) fail_msg("%s: bare ? placeholder", s->name);
        if (s->flags & ST_SYS) continue;
        bool filters = strstr(s->sql, "tenant_id = ?1") != NULL;
        bool tenant_row = strstr(s->sql, "tenants") && strstr(s->sql, "WHERE id = ?1");
        bool insert = strncmp(s->sql, "INSERT INTO", 11) == 0 && strstr(s->sql, "(tenant_id,") &&
                      strstr(s->sql, "VALUES (?1,");
        if (!filters && !tenant_row && !insert)
            fail_msg("%s does not scope itself to the tenant: %s", s->name, s->sql);
        scoped++;
    }
    assert_true(scoped > 60);
}

/* ---- CRUD -------------------------------------------------------------------- */

static void test_tenants(void **state)
{
    env *e = *state;
    sb_store_tenant t = {.slug = "acme-corp", .name = "Acme"};
    OK(sb_store_tenant_create(e->s, e->a, &t));
    assert_true(t.id > 0);
    assert_int_equal(t.version, 1);
    sb_store_tenant dup = {.slug = "acme-corp", .name = "Again"};
    IS(SB_STORE_EXISTS, sb_store_tenant_create(e->s, e->a, &dup));
    sb_store_tenant bad = {.slug = "Acme Corp", .name = "x"};
    IS(SB_STORE_INVALID, sb_store_tenant_create(e->s, e->a, &bad));
    bad.slug = "-x";
    IS(SB_STORE_INVALID, sb_store_tenant_create(e->s, e->a, &bad));
    int64_t other = new_tenant(e, "globex");
    int64_t id = 0;
    OK(sb_store_tenant_find(e->s, "acme-corp", &id));
    assert_int_equal(id, t.id);
    IS(SB_STORE_NOT_FOUND, sb_store_tenant_find(e->s, "nobody", &id));
    int64_t *ids = NULL;
    size_t n = 0;
    OK(sb_store_tenant_ids(e->s, e->a, &ids, &n));
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], t.id);
    assert_int_equal(ids[1], other);

    sb_store_tx *tx = begin_w(e, t.id, 0);
    sb_store_tenant got;
    OK(sb_store_tenant_get(tx, &got));
    assert_string_equal(got.slug, "acme-corp");
    assert_string_equal(got.name, "Acme");
    got.name = "Acme Inc.";
    OK(sb_store_tenant_update(tx, &got));
    assert_int_equal(got.version, 2);
    commit(e, tx);
    tx = begin_w(e, t.id, 0);
    sb_store_tenant stale = got;
    stale.version = 1;
    IS(SB_STORE_CONFLICT, sb_store_tenant_update(tx, &stale));
    sb_store_rollback(tx);

    /* Deleting a tenant takes everything in it, and leaves the log entry. */
    world w;
    build_world(e, &w, "doomed", "d");
    tx = begin_w(e, w.tenant, 0);
    OK(sb_store_tenant_get(tx, &got));
    IS(SB_STORE_CONFLICT, sb_store_tenant_delete(tx, got.version + 1));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    OK(sb_store_tenant_delete(tx, got.version));
    commit(e, tx);
    tx = begin_r(e, w.tenant);
    IS(SB_STORE_NOT_FOUND, sb_store_tenant_get(tx, &got));
    IS(SB_STORE_NOT_FOUND, sb_store_team_get(tx, w.team.id, &(sb_store_team){0}));
    IS(SB_STORE_NOT_FOUND, sb_store_file_get(tx, w.pipeline.id, &(sb_store_file){0}));
    IS(SB_STORE_NOT_FOUND, sb_store_token_lookup(tx, w.token.hash, &(sb_store_token){0}));
    sb_vec log = {0};
    OK(sb_store_audit_list(tx, &(sb_store_audit_filter){.kind = "tenant"}, NULL, &log));
    assert_int_equal(log.len, 2); /* created, deleted */
    assert_string_equal(((sb_store_audit *)log.items[1])->action, "delete");
    commit(e, tx);
    sb_buf report = SB_BUF_INIT;
    int rc = sb_store_check(e->s, &report);
    if (rc != SB_STORE_OK) fail_msg("check: %s", sb_buf_str(&report));
    sb_buf_free(&report);
}

static void test_teams_users(void **state)
{
    env *e = *state;
    int64_t t = new_tenant(e, "acme");
    sb_store_tx *tx = begin_w(e, t, 0);
    sb_store_team a = {.name = "analytics"}, b = {.name = "billing", .samples_enabled = true};
    OK(sb_store_team_create(tx, &b));
    OK(sb_store_team_create(tx, &a));
    sb_store_user u = {.login = "ann",
                       .display_name = "Ann",
                       .email = "ann@example.com",
                       .password_hash = "$argon2id$h1"};
    OK(sb_store_user_create(tx, &u));
    assert_string_equal(u.auth_source, "local");
    commit(e, tx);

    tx = begin_r(e, t);
    sb_vec teams = {0};
    OK(sb_store_team_list(tx, &teams));
    assert_int_equal(teams.len, 2);
    assert_string_equal(((sb_store_team *)teams.items[0])->name, "analytics");
    sb_store_team got;
    OK(sb_store_team_get_by_name(tx, "billing", &got));
    assert_int_equal(got.id, b.id);
    assert_true(got.samples_enabled);
    assert_int_equal(got.version, 1);
    OK(sb_store_team_get(tx, a.id, &got));
    assert_string_equal(got.name, "analytics");
    assert_false(got.samples_enabled);
    IS(SB_STORE_NOT_FOUND, sb_store_team_get(tx, 999999, &got));
    sb_store_user gu;
    OK(sb_store_user_get_by_login(tx, "ann", &gu));
    assert_int_equal(gu.id, u.id);
    assert_string_equal(gu.email, "ann@example.com");
    assert_string_equal(gu.password_hash, "$argon2id$h1");
    assert_null(gu.external_id);
    commit(e, tx);

    tx = begin_w(e, t, u.id);
    sb_store_team dup = {.name = "analytics"};
    IS(SB_STORE_EXISTS, sb_store_team_create(tx, &dup));
    sb_store_rollback(tx);

    tx = begin_w(e, t, u.id);
    got.name = "analysis";
    OK(sb_store_team_update(tx, &got));
    assert_int_equal(got.version, 2);
    gu.display_name = "Ann B.";
    gu.disabled = true;
    OK(sb_store_user_update(tx, &gu));
    assert_int_equal(gu.version, 2);
    int64_t v = gu.version;
    OK(sb_store_user_set_password(tx, gu.id, &v, "$argon2id$h2"));
    assert_int_equal(v, 3);
    OK(sb_store_user_record_login(tx, gu.id, false, 3, 12345));
    commit(e, tx);

    tx = begin_r(e, t);
    OK(sb_store_user_get(tx, u.id, &gu));
    assert_string_equal(gu.display_name, "Ann B.");
    assert_true(gu.disabled);
    assert_string_equal(gu.password_hash, "$argon2id$h2");
    assert_int_equal(gu.failed_logins, 3);
    assert_int_equal(gu.locked_until, 12345);
    assert_int_equal(gu.version, 3); /* sign-in bookkeeping is not a new version */
    sb_vec users = {0};
    OK(sb_store_user_list(tx, &users));
    assert_int_equal(users.len, 1);
    commit(e, tx);

    tx = begin_w(e, t, 0);
    OK(sb_store_user_record_login(tx, gu.id, true, 0, 0));
    commit(e, tx);
    tx = begin_w(e, t, 0);
    OK(sb_store_user_get(tx, u.id, &gu));
    assert_true(gu.last_login_at > 0);
    assert_int_equal(gu.failed_logins, 0);
    /* Failures are counted by the store: the second of two locks. */
    bool locked = true;
    OK(sb_store_user_login_failed(tx, gu.id, 2, 777, &locked));
    assert_false(locked);
    OK(sb_store_user_get(tx, u.id, &gu));
    assert_int_equal(gu.failed_logins, 1);
    OK(sb_store_user_login_failed(tx, gu.id, 2, 777, &locked));
    assert_true(locked);
    OK(sb_store_user_get(tx, u.id, &gu));
    assert_int_equal(gu.failed_logins, 0);
    assert_int_equal(gu.locked_until, 777);
    assert_int_equal(gu.version, 3);
    OK(sb_store_team_delete(tx, a.id, 2));
    IS(SB_STORE_NOT_FOUND, sb_store_team_get(tx, a.id, &got));
    commit(e, tx);
    tx = begin_w(e, t, 0);
    OK(sb_store_user_delete(tx, u.id, 3));
    commit(e, tx);
    tx = begin_r(e, t);
    IS(SB_STORE_NOT_FOUND, sb_store_user_get(tx, u.id, &gu));
    sb_store_rollback(tx);

    /* Bad names never reach the database. */
    tx = begin_w(e, t, 0);
    IS(SB_STORE_INVALID, sb_store_team_create(tx, &(sb_store_team){.name = ""}));
    sb_store_rollback(tx);
    tx = begin_w(e, t, 0);
    IS(SB_STORE_INVALID, sb_store_team_create(tx, &(sb_store_team){.name = "a/b"}));
    sb_store_rollback(tx);
    tx = begin_w(e, t, 0);
    IS(SB_STORE_INVALID, sb_store_user_create(tx, &(sb_store_user){.login = "bad\xff"}));
    sb_store_rollback(tx);
}

static void test_projects_files(void **state)
{
    env *e = *state;
    world w;
    build_world(e, &w, "acme", "a");
    sb_store_tx *tx = begin_r(e, w.tenant);
    sb_store_project p;
    OK(sb_store_project_get_by_name(tx, w.team.id, "a_project", &p));
    assert_int_equal(p.id, w.project.id);
    assert_string_equal(p.manifest, w.project.manifest);
    assert_null(p.description);
    sb_vec list = {0};
    OK(sb_store_project_list(tx, 0, &list));
    assert_int_equal(list.len, 1);

    /* Files: exact bytes back, history kept. */
    sb_store_file f;
    OK(sb_store_file_get(tx, w.pipeline.id, &f));
    assert_string_equal(f.content, PIPELINE_V2);
    assert_int_equal(f.content_len, strlen(PIPELINE_V2));
    assert_int_equal(f.version, 2);
    assert_int_equal(f.kind, SB_FILE_PIPELINE);
    OK(sb_store_file_get_version(tx, w.pipeline.id, 1, &f));
    assert_string_equal(f.content, PIPELINE_V1);
    assert_int_equal(f.version, 1);
    IS(SB_STORE_NOT_FOUND, sb_store_file_get_version(tx, w.pipeline.id, 3, &f));
    OK(sb_store_file_get_by_name(tx, w.project.id, SB_FILE_DATASET, "orders", &f));
    assert_int_equal(f.id, w.dataset.id);
    IS(SB_STORE_NOT_FOUND,
       sb_store_file_get_by_name(tx, w.project.id, SB_FILE_CONFIG, "orders", &f));
    list = (sb_vec){0};
    OK(sb_store_file_list(tx, w.project.id, -1, false, &list));
    assert_int_equal(list.len, 2);
    /* By kind, then name: "dataset" < "pipeline". */
    assert_int_equal(((sb_store_file *)list.items[0])->kind, SB_FILE_DATASET);
    assert_null(((sb_store_file *)list.items[0])->content);
    list = (sb_vec){0};
    OK(sb_store_file_list(tx, w.project.id, SB_FILE_PIPELINE, true, &list));
    assert_int_equal(list.len, 1);
    assert_string_equal(((sb_store_file *)list.items[0])->content, PIPELINE_V2);
    commit(e, tx);

    tx = begin_w(e, w.tenant, w.user.id);
    /* Same name, other kind: fine. Same kind: taken. Bad names: refused. */
    sb_store_file cfg = {
        .project_id = w.project.id, .kind = SB_FILE_CONFIG, .name = "orders", .content = "{}\n"};
    OK(sb_store_file_create(tx, &cfg));
    assert_int_equal(cfg.updated_by, w.user.id);
    commit(e, tx);
    tx = begin_w(e, w.tenant, 0);
    sb_store_file dup = {
        .project_id = w.project.id, .kind = SB_FILE_CONFIG, .name = "orders", .content = "{}\n"};
    IS(SB_STORE_EXISTS, sb_store_file_create(tx, &dup));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    dup.name = "1bad";
    IS(SB_STORE_INVALID, sb_store_file_create(tx, &dup));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    dup.name = "ok";
    dup.content = "\xc3\x28";
    IS(SB_STORE_INVALID, sb_store_file_create(tx, &dup));
    sb_store_rollback(tx);

    /* Rename keeps the id and the history. */
    tx = begin_w(e, w.tenant, 0);
    sb_store_file ren = {.id = cfg.id, .version = 1, .name = "prod"};
    OK(sb_store_file_update(tx, &ren));
    assert_int_equal(ren.version, 2);
    OK(sb_store_file_get(tx, cfg.id, &f));
    assert_string_equal(f.name, "prod");
    assert_string_equal(f.content, "{}\n");
    OK(sb_store_file_get_version(tx, cfg.id, 1, &f));
    assert_string_equal(f.name, "orders");
    OK(sb_store_file_delete(tx, cfg.id, 2));
    IS(SB_STORE_NOT_FOUND, sb_store_file_get(tx, cfg.id, &f));

    /* Projects: update, move between teams, delete with its files. */
    sb_store_team t2 = {.name = "other"};
    OK(sb_store_team_create(tx, &t2));
    p = w.project;
    p.team_id = t2.id;
    p.description = "moved";
    OK(sb_store_project_update(tx, &p));
    OK(sb_store_project_get(tx, p.id, &p));
    assert_int_equal(p.team_id, t2.id);
    assert_string_equal(p.description, "moved");
    assert_int_equal(p.version, 2);
    list = (sb_vec){0};
    OK(sb_store_project_list(tx, w.team.id, &list));
    assert_int_equal(list.len, 0);
    sb_store_project p2 = {.team_id = t2.id, .name = "a_project"};
    IS(SB_STORE_EXISTS, sb_store_project_create(tx, &p2));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_NOT_FOUND,
       sb_store_project_create(tx, &(sb_store_project){.team_id = 424242, .name = "x"}));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_CONFLICT, sb_store_project_delete(tx, w.project.id, 2)); /* the move rolled back */
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    OK(sb_store_project_delete(tx, w.project.id, 1));
    IS(SB_STORE_NOT_FOUND, sb_store_file_get(tx, w.pipeline.id, &f));
    IS(SB_STORE_NOT_FOUND, sb_store_run_get(tx, w.run.id, &(sb_store_run){0}));
    commit(e, tx);
}

static void test_fabrics_credentials(void **state)
{
    env *e = *state;
    world w;
    build_world(e, &w, "acme", "a");
    sb_store_tx *tx = begin_r(e, w.tenant);
    sb_store_fabric f;
    OK(sb_store_fabric_get_by_name(tx, w.team.id, "local", &f));
    assert_int_equal(f.id, w.fabric.id);
    assert_string_equal(f.definition, w.fabric.definition);
    sb_vec list = {0};
    OK(sb_store_fabric_list(tx, w.team.id, &list));
    assert_int_equal(list.len, 1);
    sb_store_credential c;
    OK(sb_store_credential_get_for_fabric(tx, w.user.id, w.fabric.id, &c));
    assert_int_equal(c.id, w.cred_fabric.id);
    assert_int_equal(c.ciphertext_len, 7);
    assert_memory_equal(c.ciphertext, w.cred_fabric.ciphertext, 7); /* bytes, NULs included */
    assert_string_equal(c.key_id, "k1");
    assert_int_equal(c.kind, SB_CRED_FABRIC);
    assert_null(c.target);
    OK(sb_store_credential_get_for_git(tx, w.user.id, "github.com", &c));
    assert_int_equal(c.kind, SB_CRED_GIT);
    assert_int_equal(c.fabric_id, 0);
    IS(SB_STORE_NOT_FOUND, sb_store_credential_get_for_git(tx, w.user.id, "gitlab.com", &c));
    IS(SB_STORE_NOT_FOUND, sb_store_credential_get_for_fabric(tx, w.admin.id, w.fabric.id, &c));
    list = (sb_vec){0};
    OK(sb_store_credential_list(tx, w.user.id, &list));
    assert_int_equal(list.len, 2);
    list = (sb_vec){0};
    OK(sb_store_credential_list_stale(tx, "k2", &list));
    assert_int_equal(list.len, 2);
    commit(e, tx);

    /* One credential per user and fabric; another user brings their own. */
    static const unsigned char other[] = {9, 9};
    tx = begin_w(e, w.tenant, 0);
    sb_store_credential dup = {.user_id = w.user.id,
                               .kind = SB_CRED_FABRIC,
                               .fabric_id = w.fabric.id,
                               .key_id = "k1",
                               .ciphertext = other,
                               .ciphertext_len = 2};
    IS(SB_STORE_EXISTS, sb_store_credential_create(tx, &dup));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    dup.user_id = w.admin.id;
    OK(sb_store_credential_create(tx, &dup));
    /* Rotation: re-seal under k2. */
    OK(sb_store_credential_get(tx, w.cred_fabric.id, &c));
    c.key_id = "k2";
    c.ciphertext = other;
    c.ciphertext_len = 2;
    OK(sb_store_credential_update(tx, &c));
    assert_int_equal(c.version, 2);
    list = (sb_vec){0};
    OK(sb_store_credential_list_stale(tx, "k2", &list));
    assert_int_equal(list.len, 2);
    IS(SB_STORE_INVALID,
       sb_store_credential_create(tx, &(sb_store_credential){.user_id = w.user.id,
                                                             .kind = SB_CRED_GIT,
                                                             .key_id = "k1",
                                                             .ciphertext = other,
                                                             .ciphertext_len = 2}));
    sb_store_rollback(tx);

    /* Updating a fabric; deleting it takes its credentials. */
    tx = begin_w(e, w.tenant, 0);
    f.definition = "{\n  \"kind\": \"livy\"\n}\n";
    OK(sb_store_fabric_update(tx, &f));
    assert_int_equal(f.version, 2);
    IS(SB_STORE_CONFLICT, sb_store_fabric_delete(tx, f.id, 1));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    OK(sb_store_fabric_delete(tx, f.id, 1));
    IS(SB_STORE_NOT_FOUND, sb_store_credential_get(tx, w.cred_fabric.id, &c));
    OK(sb_store_credential_get(tx, w.cred_git.id, &c));
    OK(sb_store_credential_delete(tx, c.id, c.version));
    IS(SB_STORE_NOT_FOUND, sb_store_credential_get(tx, w.cred_git.id, &c));
    /* The run keeps the fabric's name after the fabric is gone. */
    sb_store_run r;
    OK(sb_store_run_get(tx, w.run.id, &r));
    assert_string_equal(r.fabric_name, "local");
    commit(e, tx);
}

static void test_runs_samples(void **state)
{
    env *e = *state;
    world w;
    build_world(e, &w, "acme", "a");
    sb_store_tx *tx = begin_r(e, w.tenant);
    sb_store_run r;
    OK(sb_store_run_get(tx, w.run.id, &r));
    assert_int_equal(r.pipeline_version, 2);
    assert_string_equal(r.pipeline_name, "orders");
    assert_string_equal(r.fabric_name, "local");
    assert_string_equal(r.status, "running");
    assert_int_equal(r.user_id, w.user.id);
    assert_int_equal(r.started_at, 1000);
    sb_vec samples = {0};
    OK(sb_store_sample_list(tx, w.run.id, &samples));
    assert_int_equal(samples.len, 1);
    assert_string_equal(((sb_store_sample *)samples.items[0])->rows, "[{\"a\":1}]");
    commit(e, tx);

    tx = begin_w(e, w.tenant, w.user.id);
    /* Finish with metrics. */
    r.status = "succeeded";
    r.metrics = "{\"clean\":{\"rows\":10,\"ms\":5}}";
    r.finished_at = 2000;
    OK(sb_store_run_update(tx, &r));
    assert_int_equal(r.version, 2);
    /* More runs: an older version of the pipeline, no fabric. */
    for (int i = 0; i < 5; i++) {
        sb_store_run more = {.project_id = w.project.id,
                             .pipeline_id = w.pipeline.id,
                             .pipeline_version = 1,
                             .status = i % 2 ? "failed" : "queued",
                             .owner = "srv2"};
        OK(sb_store_run_create(tx, &more));
        assert_int_equal(more.pipeline_version, 1);
        assert_null(more.fabric_name);
    }
    commit(e, tx);

    tx = begin_r(e, w.tenant);
    sb_vec list = {0};
    OK(sb_store_run_list(tx, NULL, NULL, &list));
    assert_int_equal(list.len, 6);
    list = (sb_vec){0};
    OK(sb_store_run_list(tx, &(sb_store_run_filter){.status = "failed"}, NULL, &list));
    assert_int_equal(list.len, 2);
    list = (sb_vec){0};
    OK(sb_store_run_list(tx, &(sb_store_run_filter){.user_id = w.user.id}, NULL, &list));
    assert_int_equal(list.len, 1);
    /* Paging, both ways. */
    list = (sb_vec){0};
    OK(sb_store_run_list(tx, NULL, &(sb_store_page){.limit = 4}, &list));
    assert_int_equal(list.len, 4);
    int64_t last = ((sb_store_run *)list.items[3])->id;
    list = (sb_vec){0};
    OK(sb_store_run_list(tx, NULL, &(sb_store_page){.after_id = last, .limit = 4}, &list));
    assert_int_equal(list.len, 2);
    list = (sb_vec){0};
    OK(sb_store_run_list(tx, NULL, &(sb_store_page){.limit = 2, .newest_first = true}, &list));
    assert_int_equal(list.len, 2);
    assert_true(((sb_store_run *)list.items[0])->id > ((sb_store_run *)list.items[1])->id);
    int64_t before = ((sb_store_run *)list.items[1])->id;
    list = (sb_vec){0};
    OK(sb_store_run_list(
        tx, NULL, &(sb_store_page){.after_id = before, .limit = 100, .newest_first = true}, &list));
    assert_int_equal(list.len, 4);
    commit(e, tx);

    /* Shutdown: the live runs of one owner become interrupted. */
    tx = begin_w(e, w.tenant, 0);
    int64_t n = 0;
    OK(sb_store_run_interrupt_owned(tx, "srv2", "the server stopped", &n));
    assert_int_equal(n, 3); /* the queued ones; failed runs are finished */
    list = (sb_vec){0};
    OK(sb_store_run_list(tx, &(sb_store_run_filter){.status = "interrupted"}, NULL, &list));
    assert_int_equal(list.len, 3);
    assert_string_equal(((sb_store_run *)list.items[0])->message, "the server stopped");
    OK(sb_store_run_interrupt_owned(tx, "srv2", NULL, &n));
    assert_int_equal(n, 0);
    commit(e, tx);

    /* Runs shared by server processes (rolled back: the checks below
     * count the runs above). */
    tx = begin_w(e, w.tenant, 0);
    int64_t live_tenant = -1, live_user = -1;
    OK(sb_store_run_count_live(tx, w.user.id, &live_tenant, &live_user));
    assert_int_equal(live_tenant, 0); /* every run so far ended */
    sb_store_run live = {.project_id = w.project.id,
                         .pipeline_id = w.pipeline.id,
                         .user_id = w.user.id,
                         .status = "running",
                         .owner = "srv3"};
    OK(sb_store_run_create(tx, &live));
    OK(sb_store_run_create(tx, &(sb_store_run){.project_id = w.project.id,
                                              .pipeline_id = w.pipeline.id,
                                              .owner = "srv4"}));
    OK(sb_store_run_count_live(tx, w.user.id, &live_tenant, &live_user));
    assert_int_equal(live_tenant, 2);
    assert_int_equal(live_user, 1);
    sb_store_run fresh;
    OK(sb_store_run_get(tx, live.id, &fresh));
    assert_false(fresh.cancel_requested);
    assert_true(fresh.heartbeat_at > 0);
    OK(sb_store_run_request_cancel(tx, live.id));
    OK(sb_store_run_request_cancel(tx, live.id)); /* asked twice: one request */
    OK(sb_store_run_get(tx, live.id, &fresh));
    assert_true(fresh.cancel_requested);
    assert_int_equal(fresh.version, 1); /* the owner's next write is not stale */
    sb_vec ids = {0};
    OK(sb_store_run_cancels_owned(tx, live.owner, &ids));
    assert_int_equal(ids.len, 1);
    assert_int_equal(*(int64_t *)ids.items[0], live.id);
    ids = (sb_vec){0};
    OK(sb_store_run_cancels_owned(tx, "someone-else", &ids));
    assert_int_equal(ids.len, 0);
    sb_vec owners = {0};
    OK(sb_store_run_live_owners(tx, &owners));
    assert_int_equal(owners.len, 2);
    assert_string_equal(owners.items[0], "srv3");
    assert_string_equal(owners.items[1], "srv4");
    /* Events in transit: in order, from a seq on; a repeated seq is ignored. */
    OK(sb_store_run_event_add(tx, &EVENT(1, "one"), live.id));
    OK(sb_store_run_event_add(tx, &EVENT(2, "two"), live.id));
    OK(sb_store_run_event_add(tx, &EVENT(1, "again"), live.id));
    sb_vec ev = {0};
    OK(sb_store_run_event_list(tx, live.id, 1, 10, &ev));
    assert_int_equal(ev.len, 2);
    const sb_store_run_event *first = ev.items[0];
    assert_string_equal(first->key_id, "k1");
    assert_int_equal(first->sealed_len, 3);
    assert_memory_equal(first->sealed, "one", 3);
    assert_int_equal(((sb_store_run_event *)ev.items[1])->seq, 2);
    ev = (sb_vec){0};
    OK(sb_store_run_event_list(tx, live.id, 0, 2, &ev));
    assert_int_equal(ev.len, 2);
    /* A beating owner is not stale; one that stopped beating is. */
    int64_t created = fresh.heartbeat_at;
    OK(sb_store_run_heartbeat(tx, live.owner, created + 10000));
    OK(sb_store_run_interrupt_stale(tx, created, "gone", &n));
    assert_int_equal(n, 0);
    OK(sb_store_run_interrupt_stale(tx, created + 5000, "gone", &n));
    assert_int_equal(n, 1); /* srv4's, which never beat after its start */
    int64_t purged = -1;
    OK(sb_store_run_event_purge(tx, INT64_MAX, &purged));
    assert_int_equal(purged, 1); /* the world's run ended long ago; srv3's is live */
    OK(sb_store_run_interrupt_stale(tx, created + 20000, "the server running it stopped", &n));
    assert_int_equal(n, 1);
    OK(sb_store_run_get(tx, live.id, &fresh));
    assert_string_equal(fresh.status, "interrupted");
    assert_string_equal(fresh.message, "the server running it stopped");
    OK(sb_store_run_event_purge(tx, fresh.finished_at, &purged));
    assert_int_equal(purged, 0); /* ended, but not before that */
    OK(sb_store_run_event_purge(tx, fresh.finished_at + 1, &purged));
    assert_int_equal(purged, 2);
    owners = (sb_vec){0};
    OK(sb_store_run_live_owners(tx, &owners));
    assert_int_equal(owners.len, 0);
    IS(SB_STORE_CONFLICT, sb_store_run_request_cancel(tx, live.id));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_NOT_FOUND, sb_store_run_request_cancel(tx, 987654));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_NOT_FOUND, sb_store_run_event_add(tx, &EVENT(0, "x"), 987654));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_INVALID, sb_store_run_event_add(tx, &EVENT(0, ""), live.id));
    sb_store_rollback(tx);

    /* Checks on create. */
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_INVALID, sb_store_run_create(tx, &(sb_store_run){.project_id = w.project.id,
                                                                 .pipeline_id = w.pipeline.id,
                                                                 .pipeline_version = 3}));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_NOT_FOUND, sb_store_run_create(tx, &(sb_store_run){.project_id = w.project.id,
                                                                   .pipeline_id = w.dataset.id}));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_INVALID, sb_store_run_create(tx, &(sb_store_run){.project_id = w.project.id,
                                                                 .pipeline_id = w.pipeline.id,
                                                                 .status = "bogus"}));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    sb_store_team t2 = {.name = "t2"};
    OK(sb_store_team_create(tx, &t2));
    sb_store_fabric f2 = {.team_id = t2.id, .name = "theirs", .definition = "{}\n"};
    OK(sb_store_fabric_create(tx, &f2));
    IS(SB_STORE_NOT_FOUND, sb_store_run_create(tx, &(sb_store_run){.project_id = w.project.id,
                                                                   .pipeline_id = w.pipeline.id,
                                                                   .fabric_id = f2.id}));
    sb_store_rollback(tx);

    /* Samples follow the team's switch. */
    tx = begin_w(e, w.tenant, 0);
    sb_store_team team;
    OK(sb_store_team_get(tx, w.team.id, &team));
    team.samples_enabled = false;
    OK(sb_store_team_update(tx, &team));
    samples = (sb_vec){0};
    OK(sb_store_sample_list(tx, w.run.id, &samples));
    assert_int_equal(samples.len, 0); /* turning samples off drops the kept ones */
    commit(e, tx);
    tx = begin_w(e, w.tenant, 0);
    sb_store_sample smp = {.run_id = w.run.id, .gem = "g", .port = "out", .rows = "[]"};
    IS(SB_STORE_DISABLED, sb_store_sample_add(tx, &smp));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    smp.run_id = 987654;
    IS(SB_STORE_NOT_FOUND, sb_store_sample_add(tx, &smp));
    sb_store_rollback(tx);

    tx = begin_w(e, w.tenant, 0);
    OK(sb_store_run_delete(tx, w.run.id, 2));
    IS(SB_STORE_NOT_FOUND, sb_store_run_get(tx, w.run.id, &r));
    commit(e, tx);
}

static void test_tokens_sessions(void **state)
{
    env *e = *state;
    world w;
    build_world(e, &w, "acme", "a");
    sb_store_tx *tx = begin_r(e, w.tenant);
    sb_store_token t;
    OK(sb_store_token_lookup(tx, "a-token-hash", &t));
    assert_int_equal(t.id, w.token.id);
    assert_string_equal(t.scopes, "read write");
    assert_int_equal(t.revoked_at, 0);
    sb_store_session ss;
    OK(sb_store_session_lookup(tx, "a-session-hash", &ss));
    assert_int_equal(ss.user_id, w.user.id);
    assert_string_equal(ss.csrf, "csrf");
    commit(e, tx);

    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_EXISTS, sb_store_token_create(tx, &(sb_store_token){.user_id = w.admin.id,
                                                                    .name = "x",
                                                                    .hash = "a-token-hash",
                                                                    .scopes = ""}));
    sb_store_rollback(tx);

    tx = begin_w(e, w.tenant, 0);
    OK(sb_store_token_touch(tx, t.id, 777));
    OK(sb_store_token_revoke(tx, t.id));
    OK(sb_store_token_revoke(tx, t.id)); /* idempotent */
    OK(sb_store_token_get(tx, t.id, &t));
    assert_true(t.revoked_at > 0);
    assert_int_equal(t.last_used_at, 777);
    assert_int_equal(t.version, 2);
    sb_vec list = {0};
    OK(sb_store_token_list(tx, w.user.id, &list));
    assert_int_equal(list.len, 1);
    commit(e, tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_CONFLICT, sb_store_token_delete(tx, t.id, 1));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    OK(sb_store_token_delete(tx, t.id, 2));
    IS(SB_STORE_NOT_FOUND, sb_store_token_get(tx, t.id, &t));
    IS(SB_STORE_NOT_FOUND, sb_store_token_revoke(tx, t.id));
    sb_store_rollback(tx);

    tx = begin_w(e, w.tenant, 0);
    OK(sb_store_session_touch(tx, ss.id, 5, INT64_C(5000000000000)));
    sb_store_session old = {.user_id = w.user.id, .hash = "old", .csrf = "c", .expires_at = 10};
    OK(sb_store_session_create(tx, &old));
    sb_store_session other = {
        .user_id = w.admin.id, .hash = "adm", .csrf = "c", .expires_at = INT64_C(5000000000000)};
    OK(sb_store_session_create(tx, &other));
    int64_t n = 0;
    OK(sb_store_session_purge(tx, 1000, &n));
    assert_int_equal(n, 1);
    IS(SB_STORE_NOT_FOUND, sb_store_session_lookup(tx, "old", &ss));
    list = (sb_vec){0};
    OK(sb_store_session_list(tx, w.user.id, &list));
    assert_int_equal(list.len, 1);
    assert_int_equal(((sb_store_session *)list.items[0])->expires_at, INT64_C(5000000000000));
    OK(sb_store_session_delete_user(tx, w.user.id, &n));
    assert_int_equal(n, 1);
    OK(sb_store_session_lookup(tx, "adm", &ss));
    OK(sb_store_session_delete(tx, ss.id));
    IS(SB_STORE_NOT_FOUND, sb_store_session_lookup(tx, "adm", &ss));
    commit(e, tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_NOT_FOUND, sb_store_session_delete(tx, ss.id));
    sb_store_rollback(tx);
}

/* ---- roles ----------------------------------------------------------------- */

static void test_roles(void **state)
{
    env *e = *state;
    world w;
    build_world(e, &w, "acme", "a");
    sb_store_tx *tx = begin_w(e, w.tenant, w.admin.id);
    sb_store_team t2 = {.name = "t2"};
    OK(sb_store_team_create(tx, &t2));
    sb_store_user viewer = {.login = "vic"}, lead = {.login = "lea"}, nobody = {.login = "nob"};
    OK(sb_store_user_create(tx, &viewer));
    OK(sb_store_user_create(tx, &lead));
    OK(sb_store_user_create(tx, &nobody));
    sb_store_membership mv = {.user_id = viewer.id, .team_id = w.team.id, .role = SB_ROLE_VIEWER};
    OK(sb_store_membership_create(tx, &mv));
    sb_store_membership ml = {.user_id = lead.id, .team_id = w.team.id, .role = SB_ROLE_TEAM_ADMIN};
    OK(sb_store_membership_create(tx, &ml));
    sb_store_membership ml2 = {.user_id = lead.id, .team_id = t2.id, .role = SB_ROLE_VIEWER};
    OK(sb_store_membership_create(tx, &ml2));
    commit(e, tx);

    struct {
        int64_t user, team;
        sb_store_role want;
    } cases[] = {
        {w.admin.id, w.team.id, SB_ROLE_TENANT_ADMIN},
        {w.admin.id, t2.id, SB_ROLE_TENANT_ADMIN},
        {w.admin.id, 0, SB_ROLE_TENANT_ADMIN},
        {w.user.id, w.team.id, SB_ROLE_MEMBER},
        {w.user.id, t2.id, SB_ROLE_NONE},
        {w.user.id, 0, SB_ROLE_NONE},
        {viewer.id, w.team.id, SB_ROLE_VIEWER},
        {lead.id, w.team.id, SB_ROLE_TEAM_ADMIN},
        {lead.id, t2.id, SB_ROLE_VIEWER},
        {nobody.id, w.team.id, SB_ROLE_NONE},
        {424242, w.team.id, SB_ROLE_NONE},
    };
    tx = begin_r(e, w.tenant);
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        sb_store_role r;
        OK(sb_store_role_for(tx, cases[i].user, cases[i].team, &r));
        if (r != cases[i].want)
            fail_msg("case %zu: got %s, want %s", i, sb_store_role_name(r),
                     sb_store_role_name(cases[i].want));
    }
    sb_vec list = {0};
    OK(sb_store_membership_list(tx, 0, w.team.id, &list));
    assert_int_equal(list.len, 3);
    list = (sb_vec){0};
    OK(sb_store_membership_list(tx, lead.id, 0, &list));
    assert_int_equal(list.len, 2);
    sb_store_membership m;
    OK(sb_store_membership_get(tx, w.admin.id, 0, &m));
    assert_int_equal(m.role, SB_ROLE_TENANT_ADMIN);
    assert_int_equal(m.team_id, 0);
    OK(sb_store_membership_get(tx, lead.id, t2.id, &m));
    assert_int_equal(m.role, SB_ROLE_VIEWER);
    IS(SB_STORE_NOT_FOUND, sb_store_membership_get(tx, nobody.id, t2.id, &m));
    commit(e, tx);

    /* Scope rules. */
    sb_store_membership bad[] = {
        {.user_id = nobody.id, .team_id = 0, .role = SB_ROLE_MEMBER},
        {.user_id = nobody.id, .team_id = t2.id, .role = SB_ROLE_TENANT_ADMIN},
        {.user_id = nobody.id, .team_id = t2.id, .role = SB_ROLE_NONE},
    };
    for (size_t i = 0; i < SB_COUNTOF(bad); i++) {
        tx = begin_w(e, w.tenant, 0);
        IS(SB_STORE_INVALID, sb_store_membership_create(tx, &bad[i]));
        sb_store_rollback(tx);
    }
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_EXISTS, sb_store_membership_create(
                            tx, &(sb_store_membership){
                                    .user_id = lead.id, .team_id = t2.id, .role = SB_ROLE_MEMBER}));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_EXISTS,
       sb_store_membership_create(
           tx, &(sb_store_membership){.user_id = w.admin.id, .role = SB_ROLE_TENANT_ADMIN}));
    sb_store_rollback(tx);
    tx = begin_w(e, w.tenant, 0);
    ml2.role = SB_ROLE_TENANT_ADMIN; /* a team row cannot become tenant-wide */
    IS(SB_STORE_INVALID, sb_store_membership_update(tx, &ml2));
    sb_store_rollback(tx);

    /* Promote, demote, remove; disabled users lose every role. */
    tx = begin_w(e, w.tenant, 0);
    ml2.role = SB_ROLE_MEMBER;
    OK(sb_store_membership_update(tx, &ml2));
    assert_int_equal(ml2.version, 2);
    sb_store_role r;
    OK(sb_store_role_for(tx, lead.id, t2.id, &r));
    assert_int_equal(r, SB_ROLE_MEMBER);
    OK(sb_store_membership_delete(tx, mv.id, 1));
    OK(sb_store_role_for(tx, viewer.id, w.team.id, &r));
    assert_int_equal(r, SB_ROLE_NONE);
    OK(sb_store_user_get(tx, lead.id, &lead));
    lead.disabled = true;
    OK(sb_store_user_update(tx, &lead));
    OK(sb_store_role_for(tx, lead.id, w.team.id, &r));
    assert_int_equal(r, SB_ROLE_NONE);
    /* Deleting a team removes its memberships. */
    OK(sb_store_team_delete(tx, t2.id, 1));
    list = (sb_vec){0};
    OK(sb_store_membership_list(tx, lead.id, 0, &list));
    assert_int_equal(list.len, 1);
    commit(e, tx);

    sb_store_role parsed;
    OK(sb_store_role_parse("team_admin", &parsed));
    assert_int_equal(parsed, SB_ROLE_TEAM_ADMIN);
    IS(SB_STORE_INVALID, sb_store_role_parse("root", &parsed));
    assert_true(SB_ROLE_TENANT_ADMIN > SB_ROLE_TEAM_ADMIN && SB_ROLE_TEAM_ADMIN > SB_ROLE_MEMBER &&
                SB_ROLE_MEMBER > SB_ROLE_VIEWER && SB_ROLE_VIEWER > SB_ROLE_NONE);
}

/* ---- versions and conflicts ------------------------------------------------- */

static void test_version_conflicts(void **state)
{
    env *e = *state;
    world w;
    build_world(e, &w, "acme", "a");
    /* Every update and delete with a stale version: SB_STORE_CONFLICT, and
     * the object is unchanged. */
    sb_store_tx *tx;
#define STALE(expr)                                                                                \
    do {                                                                                           \
        tx = begin_w(e, w.tenant, 0);                                                              \
        IS(SB_STORE_CONFLICT, (expr));                                                             \
        sb_store_rollback(tx);                                                                     \
    } while (0)
    sb_store_team team = w.team;
    team.version = 0;
    team.name = "changed";
    STALE(sb_store_team_update(tx, &team));
    STALE(sb_store_team_delete(tx, w.team.id, 7));
    sb_store_user user = w.user;
    user.version = 5;
    STALE(sb_store_user_update(tx, &user));
    int64_t v = 9;
    STALE(sb_store_user_set_password(tx, w.user.id, &v, "x"));
    STALE(sb_store_user_delete(tx, w.user.id, 2));
    sb_store_membership m = w.m_user;
    m.version = 2;
    m.role = SB_ROLE_VIEWER;
    STALE(sb_store_membership_update(tx, &m));
    STALE(sb_store_membership_delete(tx, w.m_user.id, 3));
    sb_store_project p = w.project;
    p.version = 3;
    STALE(sb_store_project_update(tx, &p));
    STALE(sb_store_project_delete(tx, w.project.id, 2));
    sb_store_file f = w.pipeline;
    f.version = 1; /* it is at 2 */
    f.content = "{}\n";
    STALE(sb_store_file_update(tx, &f));
    STALE(sb_store_file_delete(tx, w.pipeline.id, 1));
    sb_store_fabric fb = w.fabric;
    fb.version = 2;
    STALE(sb_store_fabric_update(tx, &fb));
    STALE(sb_store_fabric_delete(tx, w.fabric.id, 2));
    sb_store_credential c = w.cred_fabric;
    c.version = 2;
    STALE(sb_store_credential_update(tx, &c));
    STALE(sb_store_credential_delete(tx, c.id, 2));
    sb_store_run r = w.run;
    r.version = 4;
    STALE(sb_store_run_update(tx, &r));
    STALE(sb_store_run_delete(tx, r.id, 4));
    STALE(sb_store_token_delete(tx, w.token.id, 2));
    sb_store_tenant tn = {.name = "x", .version = 2};
    STALE(sb_store_tenant_update(tx, &tn));
    STALE(sb_store_tenant_delete(tx, 2));

    /* Nothing changed. */
    tx = begin_r(e, w.tenant);
    sb_store_file now;
    OK(sb_store_file_get(tx, w.pipeline.id, &now));
    assert_string_equal(now.content, PIPELINE_V2);
    assert_int_equal(now.version, 2);
    sb_store_team tnow;
    OK(sb_store_team_get(tx, w.team.id, &tnow));
    assert_string_equal(tnow.name, w.team.name);
    assert_int_equal(tnow.version, 1);
    commit(e, tx);

    /* Missing objects are not conflicts. */
    tx = begin_w(e, w.tenant, 0);
    IS(SB_STORE_NOT_FOUND, sb_store_team_delete(tx, 777777, 1));
    sb_store_rollback(tx);

    /* Two writers from the same version: the second loses and learns it. */
    sb_store *s2 = open_store(e);
    sb_store_tx *t1 = begin_w(e, w.tenant, 0);
    sb_store_file f1;
    OK(sb_store_file_get(t1, w.pipeline.id, &f1));
    commit(e, t1);
    sb_store_file f2 = f1;
    t1 = begin_w(e, w.tenant, 0);
    f1.content = "{\n  \"by\": \"one\"\n}\n";
    OK(sb_store_file_update(t1, &f1));
    commit(e, t1);
    sb_store_tx *t2 = NULL;
    OK(sb_store_begin(s2, e->a, w.tenant, 0, SB_STORE_WRITE, &t2));
    f2.content = "{\n  \"by\": \"two\"\n}\n";
    IS(SB_STORE_CONFLICT, sb_store_file_update(t2, &f2));
    assert_non_null(strstr(sb_store_errmsg(s2), "version 3"));
    IS(SB_STORE_CONFLICT, sb_store_commit(t2));
    sb_store_close(s2);
    tx = begin_r(e, w.tenant);
    OK(sb_store_file_get(tx, w.pipeline.id, &now));
    assert_string_equal(now.content, f1.content);
    commit(e, tx);
}

/* ---- audit ------------------------------------------------------------------ */

static int64_t audit_count(env *e, sb_store_tx *tx)
{
    sb_vec v = {0};
    MUST(e, sb_store_audit_list(tx, NULL, NULL, &v));
    return (int64_t)v.len;
}

static sb_store_audit *audit_last(env *e, sb_store_tx *tx)
{
    sb_vec v = {0};
    MUST(e, sb_store_audit_list(tx, NULL, &(sb_store_page){.limit = 1, .newest_first = true}, &v));
    assert_int_equal(v.len, 1);
    return v.items[0];
}

static void test_audit(void **state)
{
    env *e = *state;
    world w;
    build_world(e, &w, "acme", "a");
    sb_store_tx *tx = begin_w(e, w.tenant, w.admin.id);
    int64_t n = audit_count(e, tx);
    /* build_world: tenant, 2 users, team, 2 memberships, project, file + update, file,
     * fabric, 2 credentials, run, sample, token, session. */
    assert_int_equal(n, 17);
    /* Each write adds exactly one entry naming actor, action, object and versions. */
#define AUDITED(expr, act, knd, oid, vb, va)                                                       \
    do {                                                                                           \
        MUST(e, (expr));                                                                           \
        n++;                                                                                       \
        assert_int_equal(audit_count(e, tx), n);                                                   \
        sb_store_audit *l = audit_last(e, tx);                                                     \
        assert_string_equal(l->action, act);                                                       \
        assert_string_equal(l->kind, knd);                                                         \
        if ((oid) >= 0) assert_int_equal(l->object_id, (oid));                                     \
        assert_int_equal(l->version_before, (vb));                                                 \
        assert_int_equal(l->version_after, (va));                                                  \
        assert_int_equal(l->actor_id, w.admin.id);                                                 \
        assert_true(l->at > 0);                                                                    \
    } while (0)
#define UNAUDITED(expr)                                                                            \
    do {                                                                                           \
        MUST(e, (expr));                                                                           \
        assert_int_equal(audit_count(e, tx), n);                                                   \
    } while (0)
    sb_store_tenant tn;
    OK(sb_store_tenant_get(tx, &tn));
    tn.name = "Acme 2";
    AUDITED(sb_store_tenant_update(tx, &tn), "update", "tenant", w.tenant, 1, 2);
    sb_store_team team = {.name = "t2"};
    AUDITED(sb_store_team_create(tx, &team), "create", "team", team.id, 0, 1);
    team.samples_enabled = true;
    AUDITED(sb_store_team_update(tx, &team), "update", "team", team.id, 1, 2);
    sb_store_user u = {.login = "bob"};
    AUDITED(sb_store_user_create(tx, &u), "create", "user", u.id, 0, 1);
    u.email = "b@x";
    AUDITED(sb_store_user_update(tx, &u), "update", "user", u.id, 1, 2);
    int64_t v = 2;
    AUDITED(sb_store_user_set_password(tx, u.id, &v, "h"), "set_password", "user", u.id, 2, 3);
    AUDITED(sb_store_user_record_login(tx, u.id, false, 1, 0), "login_failed", "user", u.id, 3, 3);
    AUDITED(sb_store_user_record_login(tx, u.id, true, 0, 0), "login", "user", u.id, 3, 3);
    sb_store_membership m = {.user_id = u.id, .team_id = team.id, .role = SB_ROLE_VIEWER};
    AUDITED(sb_store_membership_create(tx, &m), "create", "membership", m.id, 0, 1);
    assert_non_null(strstr(audit_last(e, tx)->detail, "viewer"));
    m.role = SB_ROLE_MEMBER;
    AUDITED(sb_store_membership_update(tx, &m), "update", "membership", m.id, 1, 2);
    AUDITED(sb_store_membership_delete(tx, m.id, 2), "delete", "membership", m.id, 2, 0);
    sb_store_project p = {.team_id = team.id, .name = "p2"};
    AUDITED(sb_store_project_create(tx, &p), "create", "project", p.id, 0, 1);
    p.description = "d";
    AUDITED(sb_store_project_update(tx, &p), "update", "project", p.id, 1, 2);
    sb_store_file f = {
        .project_id = p.id, .kind = SB_FILE_SUBGRAPH, .name = "sg", .content = "{}\n"};
    AUDITED(sb_store_file_create(tx, &f), "create", "file", f.id, 0, 1);
    f.content = "{\n}\n";
    AUDITED(sb_store_file_update(tx, &f), "update", "file", f.id, 1, 2);
    sb_store_fabric fb = {.team_id = team.id, .name = "fb", .definition = "{}\n"};
    AUDITED(sb_store_fabric_create(tx, &fb), "create", "fabric", fb.id, 0, 1);
    AUDITED(sb_store_fabric_update(tx, &fb), "update", "fabric", fb.id, 1, 2);
    static const unsigned char sealed[] = {1};
    sb_store_credential c = {.user_id = u.id,
                             .kind = SB_CRED_FABRIC,
                             .fabric_id = fb.id,
                             .key_id = "k1",
                             .ciphertext = sealed,
                             .ciphertext_len = 1};
    AUDITED(sb_store_credential_create(tx, &c), "create", "credential", c.id, 0, 1);
    /* The log never holds secret bytes. */
    assert_null(audit_last(e, tx)->detail);
    c.key_id = "k2";
    AUDITED(sb_store_credential_update(tx, &c), "update", "credential", c.id, 1, 2);
    AUDITED(sb_store_credential_delete(tx, c.id, 2), "delete", "credential", c.id, 2, 0);
    sb_store_file pl = {
        .project_id = p.id, .kind = SB_FILE_PIPELINE, .name = "pl", .content = "{}\n"};
    AUDITED(sb_store_file_create(tx, &pl), "create", "file", pl.id, 0, 1);
    sb_store_run r = {.project_id = p.id, .pipeline_id = pl.id, .owner = "me"};
    AUDITED(sb_store_run_create(tx, &r), "create", "run", r.id, 0, 1);
    r.status = "running";
    AUDITED(sb_store_run_update(tx, &r), "update", "run", r.id, 1, 2);
    sb_store_sample smp = {.run_id = r.id, .gem = "g", .port = "out", .rows = "[]"};
    AUDITED(sb_store_sample_add(tx, &smp), "create", "sample", smp.id, 0, 1);
    int64_t cnt = 0;
    UNAUDITED(sb_store_run_heartbeat(tx, "me", 7));
    UNAUDITED(sb_store_run_event_add(tx, &EVENT(0, "sealed x"), r.id));
    AUDITED(sb_store_run_request_cancel(tx, r.id), "cancel", "run", r.id, 2, 2);
        AUDITED(sb_store_run_interrupt_owned(tx, "me", "stop", &cnt), "interrupt", "run", r.id, 2, 3);
    AUDITED(sb_store_run_delete(tx, r.id, 3), "delete", "run", r.id, 3, 0);
    sb_store_token tok = {.user_id = u.id, .name = "t", .hash = "h2", .scopes = "read"};
    AUDITED(sb_store_token_create(tx, &tok), "create", "token", tok.id, 0, 1);
    UNAUDITED(sb_store_token_touch(tx, tok.id, 5));
    AUDITED(sb_store_token_revoke(tx, tok.id), "revoke", "token", tok.id, 1, 2);
    UNAUDITED(sb_store_token_revoke(tx, tok.id));
    AUDITED(sb_store_token_delete(tx, tok.id, 2), "delete", "token", tok.id, 2, 0);
    sb_store_session ss = {.user_id = u.id, .hash = "s2", .csrf = "c", .expires_at = 5};
    AUDITED(sb_store_session_create(tx, &ss), "create", "session", ss.id, 0, 1);
    UNAUDITED(sb_store_session_touch(tx, ss.id, 6, 7));
    AUDITED(sb_store_session_purge(tx, 100, &cnt), "purge", "session", 0, 0, 0);
    ss = (sb_store_session){.user_id = u.id, .hash = "s3", .csrf = "c", .expires_at = 50000};
    AUDITED(sb_store_session_create(tx, &ss), "create", "session", ss.id, 0, 1);
    AUDITED(sb_store_session_delete(tx, ss.id), "delete", "session", ss.id, 1, 0);
    ss = (sb_store_session){.user_id = u.id, .hash = "s4", .csrf = "c", .expires_at = 50000};
    AUDITED(sb_store_session_create(tx, &ss), "create", "session", ss.id, 0, 1);
    AUDITED(sb_store_session_delete_user(tx, u.id, &cnt), "delete_all", "session", u.id, 0, 0);
    AUDITED(sb_store_file_delete(tx, f.id, 2), "delete", "file", f.id, 2, 0);
    AUDITED(sb_store_fabric_delete(tx, fb.id, 2), "delete", "fabric", fb.id, 2, 0);
    AUDITED(sb_store_project_delete(tx, p.id, 2), "delete", "project", p.id, 2, 0);
    AUDITED(sb_store_user_delete(tx, u.id, 3), "delete", "user", u.id, 3, 0);
    AUDITED(sb_store_team_delete(tx, team.id, 2), "delete", "team", team.id, 2, 0);
    commit(e, tx);

    /* Filters, and a rolled-back change leaves no entry. */
    tx = begin_w(e, w.tenant, w.admin.id);
    sb_vec list = {0};
    OK(sb_store_audit_list(tx, &(sb_store_audit_filter){.kind = "file", .object_id = f.id}, NULL,
                           &list));
    assert_int_equal(list.len, 3);
    list = (sb_vec){0};
    OK(sb_store_audit_list(tx, &(sb_store_audit_filter){.actor_id = w.admin.id}, NULL, &list));
    assert_int_equal(list.len, n - 17);
    OK(sb_store_team_create(tx, &(sb_store_team){.name = "ghost"}));
    sb_store_rollback(tx);
    tx = begin_r(e, w.tenant);
    assert_int_equal(audit_count(e, tx), n);
    commit(e, tx);
#undef AUDITED
#undef UNAUDITED
}

/* ---- transactions ---------------------------------------------------------- */

static void test_transactions(void **state)
{
    env *e = *state;
    int64_t t = new_tenant(e, "acme");
    /* A failed write poisons: commit rolls everything back. */
    sb_store_tx *tx = begin_w(e, t, 0);
    sb_store_team a = {.name = "a"};
    OK(sb_store_team_create(tx, &a));
    OK(sb_store_project_create(tx, &(sb_store_project){.team_id = a.id, .name = "p"}));
    IS(SB_STORE_EXISTS, sb_store_team_create(tx, &(sb_store_team){.name = "a"}));
    IS(SB_STORE_EXISTS, sb_store_team_list(tx, &(sb_vec){0}));
    IS(SB_STORE_EXISTS, sb_store_commit(tx));
    tx = begin_r(e, t);
    IS(SB_STORE_NOT_FOUND, sb_store_team_get_by_name(tx, "a", &a));
    sb_vec v = {0};
    OK(sb_store_project_list(tx, 0, &v));
    assert_int_equal(v.len, 0);
    assert_int_equal(audit_count(e, tx), 1); /* the tenant's creation only */
    /* Reads that find nothing do not poison. */
    IS(SB_STORE_NOT_FOUND, sb_store_team_get(tx, 5, &a));
    OK(sb_store_team_list(tx, &v));
    /* A read transaction refuses writes. */
    IS(SB_STORE_INVALID, sb_store_team_create(tx, &(sb_store_team){.name = "b"}));
    IS(SB_STORE_INVALID, sb_store_commit(tx));

    /* Explicit rollback. */
    tx = begin_w(e, t, 0);
    OK(sb_store_team_create(tx, &(sb_store_team){.name = "b"}));
    sb_store_rollback(tx);
    tx = begin_r(e, t);
    IS(SB_STORE_NOT_FOUND, sb_store_team_get_by_name(tx, "b", &a));
    commit(e, tx);

    /* Misuse: no tenant, two transactions at once, a finished handle. */
    sb_store_tx *bad = NULL;
    IS(SB_STORE_INVALID, sb_store_begin(e->s, e->a, 0, 0, SB_STORE_READ, &bad));
    assert_null(bad);
    IS(SB_STORE_INVALID, sb_store_begin(e->s, e->a, -3, 0, SB_STORE_READ, &bad));
    tx = begin_r(e, t);
    IS(SB_STORE_INVALID, sb_store_begin(e->s, e->a, t, 0, SB_STORE_READ, &bad));
    commit(e, tx);
    IS(SB_STORE_INVALID, sb_store_team_list(tx, &v));
    IS(SB_STORE_INVALID, sb_store_commit(tx));
    /* Tenant-wide functions refuse to run inside a transaction. */
    tx = begin_r(e, t);
    IS(SB_STORE_INVALID,
       sb_store_tenant_create(e->s, e->a, &(sb_store_tenant){.slug = "x", .name = "x"}));
    commit(e, tx);
    /* An actor from nowhere cannot write. */
    IS(SB_STORE_NOT_FOUND, sb_store_begin(e->s, e->a, t, 999, SB_STORE_WRITE, &bad));
}

/* ---- tenant isolation ------------------------------------------------------- */

/* Functions of store.h that take a transaction; the walk must call each. */
static char *walked[256];
static size_t nwalked;

static void mark(const char *name)
{
    for (size_t i = 0; i < nwalked; i++)
        if (strcmp(walked[i], name) == 0) return;
    walked[nwalked++] = strdup(name);
}

/* A canonical dump of everything tenant w holds, to prove it unchanged. */
static void dump_world(env *e, world *w, sb_buf *out)
{
    sb_store_tx *tx = begin_r(e, w->tenant);
    sb_vec v = {0};
    MUST(e, sb_store_team_list(tx, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_team *t = v.items[i];
        sb_buf_printf(out, "team %lld %s %d v%lld\n", (long long)t->id, t->name, t->samples_enabled,
                      (long long)t->version);
    }
    v = (sb_vec){0};
    MUST(e, sb_store_user_list(tx, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_user *u = v.items[i];
        sb_buf_printf(out, "user %lld %s %s %lld %lld v%lld\n", (long long)u->id, u->login,
                      u->password_hash ? u->password_hash : "-", (long long)u->failed_logins,
                      (long long)u->last_login_at, (long long)u->version);
    }
    v = (sb_vec){0};
    MUST(e, sb_store_membership_list(tx, 0, 0, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_membership *m = v.items[i];
        sb_buf_printf(out, "member %lld %lld %lld %d v%lld\n", (long long)m->id,
                      (long long)m->user_id, (long long)m->team_id, m->role, (long long)m->version);
    }
    v = (sb_vec){0};
    MUST(e, sb_store_project_list(tx, 0, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_project *p = v.items[i];
        sb_buf_printf(out, "project %lld %lld %s v%lld\n", (long long)p->id, (long long)p->team_id,
                      p->name, (long long)p->version);
        sb_vec files = {0};
        MUST(e, sb_store_file_list(tx, p->id, -1, true, &files));
        for (size_t j = 0; j < files.len; j++) {
            sb_store_file *f = files.items[j];
            sb_buf_printf(out, "file %lld %d %s v%lld %s", (long long)f->id, f->kind, f->name,
                          (long long)f->version, f->content);
        }
    }
    v = (sb_vec){0};
    MUST(e, sb_store_fabric_list(tx, 0, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_fabric *f = v.items[i];
        sb_buf_printf(out, "fabric %lld %s v%lld %s", (long long)f->id, f->name,
                      (long long)f->version, f->definition);
    }
    v = (sb_vec){0};
    MUST(e, sb_store_credential_list(tx, 0, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_credential *c = v.items[i];
        sb_buf_printf(out, "cred %lld %lld %s %zu v%lld\n", (long long)c->id, (long long)c->user_id,
                      c->key_id, c->ciphertext_len, (long long)c->version);
    }
    v = (sb_vec){0};
    MUST(e, sb_store_run_list(tx, NULL, NULL, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_run *r = v.items[i];
        sb_buf_printf(out, "run %lld %s v%lld cancel %d beat %lld\n", (long long)r->id, r->status,
                      (long long)r->version, r->cancel_requested, (long long)r->heartbeat_at);
        sb_vec ev = {0};
        MUST(e, sb_store_run_event_list(tx, r->id, 0, 0, &ev));
        sb_buf_printf(out, "events %zu\n", ev.len);
        sb_vec smp = {0};
        MUST(e, sb_store_sample_list(tx, r->id, &smp));
        sb_buf_printf(out, "samples %zu\n", smp.len);
    }
    v = (sb_vec){0};
    MUST(e, sb_store_token_list(tx, 0, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_token *t = v.items[i];
        sb_buf_printf(out, "token %lld %s %lld %lld v%lld\n", (long long)t->id, t->hash,
                      (long long)t->revoked_at, (long long)t->last_used_at, (long long)t->version);
    }
    v = (sb_vec){0};
    MUST(e, sb_store_session_list(tx, 0, &v));
    for (size_t i = 0; i < v.len; i++) {
        sb_store_session *s = v.items[i];
        sb_buf_printf(out, "session %lld %s %lld\n", (long long)s->id, s->hash,
                      (long long)s->expires_at);
    }
    sb_store_tenant tn;
    MUST(e, sb_store_tenant_get(tx, &tn));
    sb_buf_printf(out, "tenant %s v%lld\n", tn.name, (long long)tn.version);
    sb_buf_printf(out, "audit %lld\n", (long long)audit_count(e, tx));
    commit(e, tx);
}

static void test_isolation(void **state)
{
    env *e = *state;
    world A, B;
    build_world(e, &A, "tenant-a", "a");
    build_world(e, &B, "tenant-b", "b");
    sb_buf before = SB_BUF_INIT, after = SB_BUF_INIT;
    dump_world(e, &A, &before);
    nwalked = 0;

    /* Each call runs as tenant B's admin in its own write transaction,
     * which commits when the call succeeds. */
    sb_store_tx *tx;
#define WALK(fn, want, ...)                                                                        \
    do {                                                                                           \
        mark(#fn);                                                                                 \
        tx = begin_w(e, B.tenant, B.admin.id);                                                     \
        int rc_ = fn(tx, __VA_ARGS__);                                                             \
        if (rc_ != (want))                                                                         \
            fail_msg("%s: got %s, want %s (%s)", #fn, sb_store_status_name(rc_),                   \
                     sb_store_status_name(want), sb_store_errmsg(e->s));                           \
        if (rc_ == SB_STORE_OK)                                                                    \
            commit(e, tx);                                                                         \
        else                                                                                       \
            sb_store_rollback(tx);                                                                 \
    } while (0)
    /* A list as B: none of A's ids may appear. */
#define NONE_OF(type, field, a_id)                                                                 \
    for (size_t i_ = 0; i_ < out.len; i_++)                                                        \
        if (((type *)out.items[i_])->field == (a_id)) fail_msg("tenant A's object leaked");
    enum { NF = SB_STORE_NOT_FOUND, OKS = SB_STORE_OK };
    sb_vec out = {0};
    int64_t count = 0;
    sb_store_role role = SB_ROLE_NONE;

    /* tenant: only ever B's own */
    sb_store_tenant tn = {0};
    WALK(sb_store_tenant_get, OKS, &tn);
    assert_int_equal(tn.id, B.tenant);
    tn.name = "B renamed";
    WALK(sb_store_tenant_update, OKS, &tn);

    /* teams */
    sb_store_team team = {0};
    WALK(sb_store_team_get, NF, A.team.id, &team);
    WALK(sb_store_team_get_by_name, NF, A.team.name, &team);
    out = (sb_vec){0};
    WALK(sb_store_team_list, OKS, &out);
    NONE_OF(sb_store_team, id, A.team.id);
    team = A.team;
    team.name = "hijacked";
    WALK(sb_store_team_update, NF, &team);
    WALK(sb_store_team_delete, NF, A.team.id, A.team.version);
    team = (sb_store_team){.name = A.team.name}; /* names are per tenant */
    WALK(sb_store_team_create, OKS, &team);

    /* users */
    sb_store_user user = {0};
    WALK(sb_store_user_get, NF, A.user.id, &user);
    WALK(sb_store_user_get_by_login, NF, A.user.login, &user);
    out = (sb_vec){0};
    WALK(sb_store_user_list, OKS, &out);
    NONE_OF(sb_store_user, id, A.user.id);
    NONE_OF(sb_store_user, id, A.admin.id);
    user = A.user;
    user.disabled = true;
    WALK(sb_store_user_update, NF, &user);
    int64_t v = A.user.version;
    WALK(sb_store_user_set_password, NF, A.user.id, &v, "pwned");
    WALK(sb_store_user_record_login, NF, A.user.id, false, 99, 99);
    bool locked;
    WALK(sb_store_user_login_failed, NF, A.user.id, 1, 99, &locked);
    WALK(sb_store_user_delete, NF, A.user.id, A.user.version);
    user = (sb_store_user){.login = A.user.login};
    WALK(sb_store_user_create, OKS, &user);

    /* memberships and roles */
    sb_store_membership m = {
        .user_id = A.user.id, .team_id = A.team.id, .role = SB_ROLE_TEAM_ADMIN};
    WALK(sb_store_membership_create, NF, &m);
    m = (sb_store_membership){.user_id = B.user.id, .team_id = A.team.id, .role = SB_ROLE_MEMBER};
    WALK(sb_store_membership_create, NF, &m);
    m = (sb_store_membership){.user_id = A.user.id, .role = SB_ROLE_TENANT_ADMIN};
    WALK(sb_store_membership_create, NF, &m);
    WALK(sb_store_membership_get, NF, A.user.id, A.team.id, &m);
    WALK(sb_store_membership_get, NF, A.admin.id, 0, &m);
    out = (sb_vec){0};
    WALK(sb_store_membership_list, OKS, A.user.id, 0, &out);
    assert_int_equal(out.len, 0);
    out = (sb_vec){0};
    WALK(sb_store_membership_list, OKS, 0, 0, &out);
    NONE_OF(sb_store_membership, id, A.m_user.id);
    m = A.m_user;
    m.role = SB_ROLE_TEAM_ADMIN;
    WALK(sb_store_membership_update, NF, &m);
    WALK(sb_store_membership_delete, NF, A.m_user.id, A.m_user.version);
    WALK(sb_store_role_for, OKS, A.admin.id, A.team.id, &role);
    assert_int_equal(role, SB_ROLE_NONE);
    WALK(sb_store_role_for, OKS, B.admin.id, A.team.id, &role);
    assert_int_equal(role, SB_ROLE_TENANT_ADMIN); /* B's admin, but of B: A's team is not B's */

    /* projects */
    sb_store_project p = {.team_id = A.team.id, .name = "intruder"};
    WALK(sb_store_project_create, NF, &p);
    WALK(sb_store_project_get, NF, A.project.id, &p);
    WALK(sb_store_project_get_by_name, NF, A.team.id, A.project.name, &p);
    out = (sb_vec){0};
    WALK(sb_store_project_list, OKS, A.team.id, &out);
    assert_int_equal(out.len, 0);
    out = (sb_vec){0};
    WALK(sb_store_project_list, OKS, 0, &out);
    NONE_OF(sb_store_project, id, A.project.id);
    p = A.project;
    p.description = "hijacked";
    WALK(sb_store_project_update, NF, &p);
    p = B.project; /* moving B's project into A's team */
    p.team_id = A.team.id;
    WALK(sb_store_project_update, NF, &p);
    WALK(sb_store_project_delete, NF, A.project.id, A.project.version);

    /* files */
    sb_store_file f = {
        .project_id = A.project.id, .kind = SB_FILE_PIPELINE, .name = "x", .content = "{}\n"};
    WALK(sb_store_file_create, NF, &f);
    WALK(sb_store_file_get, NF, A.pipeline.id, &f);
    WALK(sb_store_file_get_by_name, NF, A.project.id, SB_FILE_PIPELINE, "orders", &f);
    WALK(sb_store_file_get_version, NF, A.pipeline.id, 1, &f);
    out = (sb_vec){0};
    WALK(sb_store_file_list, OKS, A.project.id, -1, true, &out);
    assert_int_equal(out.len, 0);
    f = A.pipeline;
    f.content = "{\"pwned\": true}\n";
    WALK(sb_store_file_update, NF, &f);
    WALK(sb_store_file_delete, NF, A.pipeline.id, A.pipeline.version);

    /* fabrics */
    sb_store_fabric fb = {.team_id = A.team.id, .name = "x", .definition = "{}\n"};
    WALK(sb_store_fabric_create, NF, &fb);
    WALK(sb_store_fabric_get, NF, A.fabric.id, &fb);
    WALK(sb_store_fabric_get_by_name, NF, A.team.id, "local", &fb);
    out = (sb_vec){0};
    WALK(sb_store_fabric_list, OKS, 0, &out);
    NONE_OF(sb_store_fabric, id, A.fabric.id);
    fb = A.fabric;
    fb.definition = "{\"evil\": 1}\n";
    WALK(sb_store_fabric_update, NF, &fb);
    fb = B.fabric;
    fb.team_id = A.team.id;
    WALK(sb_store_fabric_update, NF, &fb);
    WALK(sb_store_fabric_delete, NF, A.fabric.id, A.fabric.version);

    /* credentials */
    static const unsigned char sealed[] = {1, 2};
    sb_store_credential c = {.user_id = B.user.id,
                             .kind = SB_CRED_FABRIC,
                             .fabric_id = A.fabric.id,
                             .key_id = "k1",
                             .ciphertext = sealed,
                             .ciphertext_len = 2};
    WALK(sb_store_credential_create, NF, &c);
    c = (sb_store_credential){.user_id = A.user.id,
                              .kind = SB_CRED_GIT,
                              .target = "x",
                              .key_id = "k1",
                              .ciphertext = sealed,
                              .ciphertext_len = 2};
    WALK(sb_store_credential_create, NF, &c);
    WALK(sb_store_credential_get, NF, A.cred_fabric.id, &c);
    WALK(sb_store_credential_get_for_fabric, NF, A.user.id, A.fabric.id, &c);
    WALK(sb_store_credential_get_for_git, NF, A.user.id, "github.com", &c);
    out = (sb_vec){0};
    WALK(sb_store_credential_list, OKS, A.user.id, &out);
    assert_int_equal(out.len, 0);
    out = (sb_vec){0};
    WALK(sb_store_credential_list_stale, OKS, "other-key", &out);
    NONE_OF(sb_store_credential, id, A.cred_fabric.id);
    NONE_OF(sb_store_credential, id, A.cred_git.id);
    c = A.cred_fabric;
    c.key_id = "k9";
    WALK(sb_store_credential_update, NF, &c);
    WALK(sb_store_credential_delete, NF, A.cred_git.id, 1);

    /* runs and samples */
    sb_store_run r = {.project_id = A.project.id, .pipeline_id = A.pipeline.id};
    WALK(sb_store_run_create, NF, &r);
    r = (sb_store_run){.project_id = B.project.id, .pipeline_id = A.pipeline.id};
    WALK(sb_store_run_create, NF, &r);
    r = (sb_store_run){
        .project_id = B.project.id, .pipeline_id = B.pipeline.id, .fabric_id = A.fabric.id};
    WALK(sb_store_run_create, NF, &r);
    WALK(sb_store_run_get, NF, A.run.id, &r);
    out = (sb_vec){0};
    WALK(sb_store_run_list, OKS, &(sb_store_run_filter){.project_id = A.project.id}, NULL, &out);
    assert_int_equal(out.len, 0);
    out = (sb_vec){0};
    WALK(sb_store_run_list, OKS, NULL, NULL, &out);
    NONE_OF(sb_store_run, id, A.run.id);
    r = A.run;
    r.status = "cancelled";
    WALK(sb_store_run_update, NF, &r);
    WALK(sb_store_run_delete, NF, A.run.id, A.run.version);
    WALK(sb_store_run_interrupt_owned, OKS, A.run.owner, "x", &count);
    assert_int_equal(count, 0);
    WALK(sb_store_run_request_cancel, NF, A.run.id);
    out = (sb_vec){0};
    WALK(sb_store_run_cancels_owned, OKS, A.run.owner, &out);
    assert_int_equal(out.len, 0);
    WALK(sb_store_run_heartbeat, OKS, A.run.owner, 1);
    out = (sb_vec){0};
    WALK(sb_store_run_live_owners, OKS, &out);
    for (size_t i = 0; i < out.len; i++)
        if (strcmp(out.items[i], A.run.owner) == 0) fail_msg("tenant A's run owner leaked");
    int64_t live_tenant = -1, live_user = -1;
    WALK(sb_store_run_count_live, OKS, A.user.id, &live_tenant, &live_user);
    assert_int_equal(live_user, 0);
    WALK(sb_store_run_event_add, NF, &EVENT(1, "sealed x"), A.run.id);
    out = (sb_vec){0};
    WALK(sb_store_run_event_list, OKS, A.run.id, 0, 0, &out);
    assert_int_equal(out.len, 0);
    /* B's own live runs go; A's stays. */
    WALK(sb_store_run_interrupt_stale, OKS, INT64_MAX, "x", &count);
    WALK(sb_store_run_event_purge, OKS, INT64_MAX, &count);
    sb_store_sample smp = {.run_id = A.run.id, .gem = "g", .port = "p", .rows = "[]"};
    WALK(sb_store_sample_add, NF, &smp);
    out = (sb_vec){0};
    WALK(sb_store_sample_list, OKS, A.run.id, &out);
    assert_int_equal(out.len, 0);

    /* tokens */
    sb_store_token tok = {.user_id = A.user.id, .name = "x", .hash = "x", .scopes = ""};
    WALK(sb_store_token_create, NF, &tok);
    WALK(sb_store_token_get, NF, A.token.id, &tok);
    WALK(sb_store_token_lookup, NF, A.token.hash, &tok);
    out = (sb_vec){0};
    WALK(sb_store_token_list, OKS, A.user.id, &out);
    assert_int_equal(out.len, 0);
    out = (sb_vec){0};
    WALK(sb_store_token_list, OKS, 0, &out);
    NONE_OF(sb_store_token, id, A.token.id);
    WALK(sb_store_token_revoke, NF, A.token.id);
    WALK(sb_store_token_touch, NF, A.token.id, 1);
    WALK(sb_store_token_delete, NF, A.token.id, A.token.version);
    /* The same hash may exist in B without meeting A's. */
    tok = (sb_store_token){.user_id = B.user.id, .name = "x", .hash = A.token.hash, .scopes = ""};
    WALK(sb_store_token_create, OKS, &tok);

    /* sessions */
    sb_store_session ss = {.user_id = A.user.id, .hash = "x", .csrf = "c", .expires_at = 1};
    WALK(sb_store_session_create, NF, &ss);
    WALK(sb_store_session_lookup, NF, A.session.hash, &ss);
    out = (sb_vec){0};
    WALK(sb_store_session_list, OKS, A.user.id, &out);
    assert_int_equal(out.len, 0);
    WALK(sb_store_session_touch, NF, A.session.id, 1, 2);
    WALK(sb_store_session_delete, NF, A.session.id);
    WALK(sb_store_session_delete_user, OKS, A.user.id, &count);
    assert_int_equal(count, 0);
    WALK(sb_store_session_purge, OKS, INT64_MAX, &count);
    assert_int_equal(count, 1); /* B's own session */

    /* audit */
    out = (sb_vec){0};
    WALK(sb_store_audit_list, OKS, NULL, NULL, &out);
    for (size_t i = 0; i < out.len; i++) {
        sb_store_audit *a = out.items[i];
        if (strcmp(a->kind, "tenant") == 0) assert_int_equal(a->object_id, B.tenant);
    }
    out = (sb_vec){0};
    WALK(sb_store_audit_list, OKS,
         &(sb_store_audit_filter){.kind = "file", .object_id = A.pipeline.id}, NULL, &out);
    assert_int_equal(out.len, 0);

    /* Transaction plumbing: a write transaction for B on behalf of A's user
     * is refused; the handle reports B. */
    mark("sb_store_begin");
    sb_store_tx *bad = NULL;
    IS(SB_STORE_NOT_FOUND, sb_store_begin(e->s, e->a, B.tenant, A.admin.id, SB_STORE_WRITE, &bad));
    tx = begin_r(e, B.tenant);
    mark("sb_store_tx_tenant");
    assert_int_equal(sb_store_tx_tenant(tx), B.tenant);
    mark("sb_store_tx_actor");
    assert_int_equal(sb_store_tx_actor(tx), 0);
    mark("sb_store_tx_store");
    assert_ptr_equal(sb_store_tx_store(tx), e->s);
    mark("sb_store_commit");
    commit(e, tx);
    mark("sb_store_rollback");

    /* Last: B deletes itself. A is untouched by all of it. */
    tx = begin_r(e, B.tenant);
    MUST(e, sb_store_tenant_get(tx, &tn));
    commit(e, tx);
    WALK(sb_store_tenant_delete, OKS, tn.version);

    dump_world(e, &A, &after);
    assert_string_equal(sb_buf_str(&before), sb_buf_str(&after));
    sb_buf_free(&before);
    sb_buf_free(&after);

    /* Every function of store.h that takes a transaction was walked. */
    char *header = NULL;
    size_t len = 0;
    assert_int_equal(sb_read_file(SIBYL_SOURCE_DIR "/src/store/store.h", &header, &len), 0);
    int declared = 0;
    for (char *q = header; (q = strstr(q, "(sb_store_tx *")) != NULL; q++) {
        char *end = q;
        char *start = q;
        while (start > header && (start[-1] == '_' || (start[-1] >= 'a' && start[-1] <= 'z') ||
                                  (start[-1] >= '0' && start[-1] <= '9')))
            start--;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(end - start), start);
        declared++;
        bool seen = false;
        for (size_t i = 0; i < nwalked; i++) seen = seen || strcmp(walked[i], name) == 0;
        if (!seen) fail_msg("the isolation walk does not call %s", name);
    }
    free(header);
    assert_true(declared > 70);
    for (size_t i = 0; i < nwalked; i++) free(walked[i]);
    nwalked = 0;
#undef WALK
#undef NONE_OF
}

/* ---- two connections, two processes ---------------------------------------- */

static void test_two_connections(void **state)
{
    env *e = *state;
    int64_t t = new_tenant(e, "acme");
    sb_store *s2 = open_store(e);
    /* A write committed on one connection is seen by the other. */
    sb_store_tx *tx = begin_w(e, t, 0);
    sb_store_team team = {.name = "shared"};
    OK(sb_store_team_create(tx, &team));
    /* Not before it commits. */
    sb_store_tx *t2 = NULL;
    OK(sb_store_begin(s2, e->a, t, 0, SB_STORE_READ, &t2));
    sb_store_team got;
    IS(SB_STORE_NOT_FOUND, sb_store_team_get(t2, team.id, &got));
    OK(sb_store_commit(t2));
    commit(e, tx);
    OK(sb_store_begin(s2, e->a, t, 0, SB_STORE_READ, &t2));
    OK(sb_store_team_get(t2, team.id, &got));
    assert_string_equal(got.name, "shared");
    OK(sb_store_commit(t2));
    int64_t found = 0;
    OK(sb_store_tenant_find(s2, "acme", &found));
    assert_int_equal(found, t);
    sb_store_close(s2);

    /* A write from another process is seen here. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sb_store *s = NULL;
        int rc = sb_store_open(e->url, &e->opt, &s);
        sb_arena *a = sb_arena_new();
        sb_store_tx *ctx = NULL;
        if (rc == SB_STORE_OK) rc = sb_store_begin(s, a, t, 0, SB_STORE_WRITE, &ctx);
        if (rc == SB_STORE_OK)
            rc = sb_store_team_create(ctx, &(sb_store_team){.name = "from child"});
        if (rc == SB_STORE_OK) rc = sb_store_commit(ctx);
        if (rc != SB_STORE_OK) fprintf(stderr, "child: %s\n", sb_store_errmsg(s));
        sb_store_close(s);
        sb_arena_free(a);
        _exit(rc == SB_STORE_OK ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tx = begin_r(e, t);
    OK(sb_store_team_get_by_name(tx, "from child", &got));
    commit(e, tx);
}

/* Several processes update one object, each reading it and writing it back
 * with the version it read, retrying on conflict: no update is lost. */
static void test_concurrent_writers(void **state)
{
    env *e = *state;
    int64_t t = new_tenant(e, "acme");
    sb_store_tx *tx = begin_w(e, t, 0);
    sb_store_team team = {.name = "counter"};
    OK(sb_store_team_create(tx, &team));
    sb_store_project p = {.team_id = team.id, .name = "p", .description = "0"};
    OK(sb_store_project_create(tx, &p));
    commit(e, tx);
    enum { PROCS = 3, EACH = 40 };
    pid_t kids[PROCS];
    for (int k = 0; k < PROCS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] != 0) continue;
        sb_store *s = NULL;
        int rc = sb_store_open(e->url, &e->opt, &s);
        int done = 0, conflicts = 0;
        while (rc == SB_STORE_OK && done < EACH) {
            sb_arena *a = sb_arena_new();
            sb_store_tx *ctx = NULL;
            rc = sb_store_begin(s, a, t, 0, SB_STORE_WRITE, &ctx);
            sb_store_project cur;
            if (rc == SB_STORE_OK) rc = sb_store_project_get(ctx, p.id, &cur);
            sb_store_rollback(ctx); /* read in one transaction... */
            if (rc == SB_STORE_OK) rc = sb_store_begin(s, a, t, 0, SB_STORE_WRITE, &ctx);
            if (rc == SB_STORE_OK) {
                /* ...write in another, as a client across two requests would */
                cur.description = sb_arena_printf(a, "%d", atoi(cur.description) + 1);
                rc = sb_store_project_update(ctx, &cur);
                if (rc == SB_STORE_OK)
                    rc = sb_store_commit(ctx);
                else
                    sb_store_rollback(ctx);
            }
            if (rc == SB_STORE_OK) done++;
            if (rc == SB_STORE_CONFLICT || rc == SB_STORE_BUSY) {
                conflicts++;
                rc = SB_STORE_OK;
            }
            sb_arena_free(a);
        }
        if (rc != SB_STORE_OK) fprintf(stderr, "writer: %s\n", sb_store_errmsg(s));
        sb_store_close(s);
        _exit(rc == SB_STORE_OK ? 0 : 1);
    }
    for (int k = 0; k < PROCS; k++) {
        int status = 0;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    tx = begin_r(e, t);
    OK(sb_store_project_get(tx, p.id, &p));
    assert_int_equal(atoi(p.description), PROCS * EACH);
    assert_int_equal(p.version, 1 + PROCS * EACH);
    commit(e, tx);
}

/* ---- crash safety ------------------------------------------------------------ */

/* The child: write transactions as fast as it can, telling the parent the
 * number of each one that committed. Never returns. */
static void crash_writer(env *e, int64_t t, int round, int fd)
{
    sb_store *s = NULL;
    if (sb_store_open(e->url, &e->opt, &s) != SB_STORE_OK) _exit(2);
    char *content = malloc(8192);
    for (int i = 0;; i++) {
        sb_arena *a = sb_arena_new();
        sb_store_tx *tx = NULL;
        int rc = sb_store_begin(s, a, t, 0, SB_STORE_WRITE, &tx);
        sb_store_team team = {.name = sb_arena_printf(a, "crash %d %d", round, i)};
        if (rc == SB_STORE_OK) rc = sb_store_team_create(tx, &team);
        sb_store_project p = {.team_id = team.id, .name = "p"};
        if (rc == SB_STORE_OK) rc = sb_store_project_create(tx, &p);
        memset(content, 'a' + i % 26, 8190);
        memcpy(content, "{\"x\":\"", 6);
        memcpy(content + 8188, "\"}", 3);
        sb_store_file f = {
            .project_id = p.id, .kind = SB_FILE_PIPELINE, .name = "big", .content = content};
        if (rc == SB_STORE_OK) rc = sb_store_file_create(tx, &f);
        if (rc == SB_STORE_OK)
            rc = sb_store_commit(tx);
        else
            sb_store_rollback(tx);
        sb_arena_free(a);
        if (rc != SB_STORE_OK) _exit(3);
        int32_t ack = i;
        if (write(fd, &ack, sizeof ack) != sizeof ack) _exit(4);
    }
}

static void test_crash_safety(void **state)
{
    env *e = *state;
    int64_t t = new_tenant(e, "acme");
    sb_store_close(e->s);
    e->s = NULL;
    srand((unsigned)time(NULL));
    const int kills[] = {15, 60, 150};
    for (int round = 0; round < (int)SB_COUNTOF(kills); round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_writer(e, t, round, fds[1]);
        }
        close(fds[1]);
        int acked = -1, got = 0;
        int32_t ack;
        while (got < kills[round] && read(fds[0], &ack, sizeof ack) == sizeof ack) {
            acked = ack;
            got++;
        }
        /* Kill it somewhere inside its next transaction. */
        usleep((useconds_t)(rand() % 3000));
        kill(pid, SIGKILL);
        while (read(fds[0], &ack, sizeof ack) == sizeof ack) acked = ack;
        close(fds[0]);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_true(acked >= kills[round] - 1);

        /* Reopen: every acknowledged write is there, each complete. */
        e->s = open_store(e);
        sb_buf report = SB_BUF_INIT;
        int rc = sb_store_check(e->s, &report);
        if (rc != SB_STORE_OK) fail_msg("check after crash: %s", sb_buf_str(&report));
        sb_buf_free(&report);
        sb_store_tx *tx = begin_r(e, t);
        for (int i = 0; i <= acked; i++) {
            sb_store_team team;
            char name[64];
            snprintf(name, sizeof name, "crash %d %d", round, i);
            if (sb_store_team_get_by_name(tx, name, &team) != SB_STORE_OK)
                fail_msg("acknowledged write %s is missing", name);
            sb_store_project p;
            OK(sb_store_project_get_by_name(tx, team.id, "p", &p));
            sb_store_file f;
            OK(sb_store_file_get_by_name(tx, p.id, SB_FILE_PIPELINE, "big", &f));
            assert_int_equal(f.content_len, 8190);
        }
        /* Whatever else is there is whole: every team of the round has its
         * project and file (no half-applied transaction). */
        sb_vec teams = {0}, projects = {0};
        OK(sb_store_team_list(tx, &teams));
        OK(sb_store_project_list(tx, 0, &projects));
        assert_int_equal(teams.len, projects.len);
        assert_true(teams.len >= (size_t)(acked + 1));
        commit(e, tx);
        sb_store_close(e->s);
        e->s = NULL;
    }
    e->s = open_store(e);
}

/* ---- backup ---------------------------------------------------------------- */

static void test_backup(void **state)
{
    env *e = *state;
    world w;
    build_world(e, &w, "acme", "a");
    char path[400];
    snprintf(path, sizeof path, "%s/backup.db", e->pg ? "/tmp" : e->dir);
    if (e->pg) {
        IS(SB_STORE_INVALID, sb_store_backup(e->s, path));
        assert_non_null(strstr(sb_store_errmsg(e->s), "pg_dump"));
        return;
    }
    OK(sb_store_backup(e->s, path));
    sb_store *copy = NULL;
    int rc = sb_store_open(path, NULL, &copy);
    if (rc != SB_STORE_OK) fail_msg("%s", sb_store_errmsg(copy));
    sb_store_tx *tx = NULL;
    OK(sb_store_begin(copy, e->a, w.tenant, 0, SB_STORE_READ, &tx));
    sb_store_file f;
    OK(sb_store_file_get(tx, w.pipeline.id, &f));
    assert_string_equal(f.content, PIPELINE_V2);
    OK(sb_store_commit(tx));
    sb_buf report = SB_BUF_INIT;
    OK(sb_store_check(copy, &report));
    sb_buf_free(&report);
    sb_store_close(copy);
}

/* The data directory and its database are private to their owner. */
static void test_open_dir(void **state)
{
    env *e = *state;
    if (e->pg) skip();
    char dir[400];
    snprintf(dir, sizeof dir, "%s/data/nested", e->dir);
    sb_store *s = NULL;
    int rc = sb_store_open_dir(dir, NULL, &s);
    if (rc != SB_STORE_OK) fail_msg("%s", sb_store_errmsg(s));
    assert_int_equal(sb_store_backend_of(s), SB_STORE_SQLITE);
    sb_store_close(s);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char file[500];
    snprintf(file, sizeof file, "%s/sibyl.db", dir);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
    /* The sqlite: prefix wins over a '=' in the path. */
    char odd[500];
    snprintf(odd, sizeof odd, "sqlite:%s/a=b.db", e->dir);
    rc = sb_store_open(odd, NULL, &s);
    if (rc != SB_STORE_OK) fail_msg("%s", sb_store_errmsg(s));
    assert_int_equal(sb_store_backend_of(s), SB_STORE_SQLITE);
    sb_store_close(s);
    /* A database that cannot be opened says why. */
    IS(SB_STORE_ERROR, sb_store_open("/proc/nonexistent/x.db", NULL, &s));
    assert_true(strlen(sb_store_errmsg(s)) > 0);
    sb_store_close(s);
    IS(SB_STORE_ERROR,
       sb_store_open("host=/nonexistent-socket-dir dbname=x connect_timeout=2", NULL, &s));
    assert_non_null(strstr(sb_store_errmsg(s), "PostgreSQL"));
    sb_store_close(s);
}

/* PostgreSQL: a connection the server dropped is made again by the next
 * transaction, with its prepared statements. */
static void test_reconnect(void **state)
{
    env *e = *state;
    if (!e->pg) skip();
    int64_t t = new_tenant(e, "acme");
    sb_store_tx *tx = begin_w(e, t, 0);
    OK(sb_store_team_create(tx, &(sb_store_team){.name = "before"}));
    commit(e, tx);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    raw_pg(sql);
    tx = begin_r(e, t);
    sb_store_team team;
    OK(sb_store_team_get_by_name(tx, "before", &team));
    commit(e, tx);
}

/* ---- main ---------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    T(test_migrations),
    T(test_migrations_concurrent),
    T(test_statements_are_scoped),
    T(test_tenants),
    T(test_teams_users),
    T(test_projects_files),
    T(test_fabrics_credentials),
    T(test_runs_samples),
    T(test_tokens_sessions),
    T(test_roles),
    T(test_version_conflicts),
    T(test_audit),
    T(test_transactions),
    T(test_isolation),
    T(test_two_connections),
    T(test_concurrent_writers),
    T(test_crash_safety),
    T(test_backup),
    T(test_open_dir),
    T(test_reconnect),
};

int main(void)
{
    /* run_pg.sh sets SIBYL_TEST_PG_ONLY: store/test_store covers SQLite. */
    const char *pg = getenv("SIBYL_TEST_PG");
    const char *only = getenv("SIBYL_TEST_PG_ONLY");
    int failed = 0;
    if (!(pg && *pg && only && *only))
        failed += cmocka_run_group_tests_name("store/sqlite", tests, NULL, NULL);
    if (pg && *pg) {
        g_pg = pg;
        failed += cmocka_run_group_tests_name("store/postgresql", tests, NULL, NULL);
    } else {
        printf("store/postgresql: skipped (set SIBYL_TEST_PG, or run tests/store/run_pg.sh)\n");
    }
    return failed ? 1 : 0;
}
