/*
 * backend_sqlite.c — the embedded store: one SQLite file in WAL mode.
 *
 * WAL lets readers run while one writer commits; write transactions start
 * with BEGIN IMMEDIATE so that two writers queue on the lock (up to the
 * busy timeout) instead of failing later when a read would turn into a
 * write. Statements are prepared on first use and kept for the life of
 * the connection, so the read path of a request is bind, step, reset.
 *
 * The database file is created 0600 before SQLite opens it: it holds
 * password hashes and sealed credentials (SQLite gives the -wal and -shm
 * files the same permissions).
 */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sqlite3 *DB(sb_store *s)
{
    return (sqlite3 *)s->db;
}

/* Map an SQLite result code to a store status, with the message. */
static int lite_status(sb_store *s, int rc, const char *what)
{
    const char *msg = DB(s) ? sqlite3_errmsg(DB(s)) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return st_fail(s, SB_STORE_BUSY, "the database is busy (%s): %s", what, msg);
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return st_fail(s, SB_STORE_EXISTS, "the name is already taken (%s)", what);
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            return st_fail(s, SB_STORE_NOT_FOUND,
                           "a referenced object does not exist in this tenant (%s)", what);
        return st_fail(s, SB_STORE_INVALID, "a value was refused (%s): %s", what, msg);
    }
    return st_fail(s, SB_STORE_ERROR, "SQLite: %s (%s)", msg, what);
}

static int lite_exec(sb_store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(DB(s), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int st = lite_status(s, sqlite3_extended_errcode(DB(s)), "statement");
        if (msg) st_fail(s, st, "SQLite: %s", msg);
        sqlite3_free(msg);
        return st;
    }
    return SB_STORE_OK;
}

/* Before the first connection: no memory statistics. SQLite keeps them
 * under one global mutex taken around every allocation, which the request
 * threads would contend for; sibyl never reads them. (When something else
 * initialised SQLite first, sqlite3_config refuses, and nothing changes.) */
static void lite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int lite_connect(sb_store *s, const char *path)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, lite_configure);
    /* Create the file private to its owner before SQLite does. Only when it
     * does not exist: closing a descriptor of a database file drops every
     * POSIX lock this process holds on it, those of the other connections
     * included, and another process would then take itself for the last
     * connection and delete the write-ahead log under our feet. */
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
    else if (errno != EEXIST)
        return st_fail(s, SB_STORE_ERROR, "cannot open %s: %s", path, strerror(errno));
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        st_fail(s, SB_STORE_ERROR, "cannot open %s: %s", path,
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return SB_STORE_ERROR;
    }
    s->db = db;
    sqlite3_busy_timeout(db, s->opt.busy_timeout_ms);
    sqlite3_extended_result_codes(db, 1);
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;",
             s->opt.sqlite_sync_normal ? "NORMAL" : "FULL");
    rc = lite_exec(s, sql);
    if (rc != SB_STORE_OK) return rc;
    /* journal_mode=WAL can silently stay in another mode (e.g. a file system
     * without shared memory); say so rather than run without it. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        if (!mode || strcmp(mode, "wal") != 0) {
            st_fail(s, SB_STORE_ERROR, "%s: cannot use write-ahead logging (journal mode %s)", path,
                    mode ? mode : "?");
            sqlite3_finalize(st);
            return SB_STORE_ERROR;
        }
    }
    sqlite3_finalize(st);
    return SB_STORE_OK;
}

static void lite_disconnect(sb_store *s)
{
    for (int i = 0; i < Q__COUNT; i++) {
        if (s->stmts[i]) sqlite3_finalize(s->stmts[i]);
        s->stmts[i] = NULL;
    }
    sqlite3_close(DB(s));
    s->db = NULL;
}

static int lite_query(sb_store *s, st_qid q, const st_val *v, int n, st_cur *c)
{
    sqlite3_stmt *st = s->stmts[q];
    if (!st) {
        int rc = sqlite3_prepare_v3(DB(s), sb_store_queries[q].sql, -1, SQLITE_PREPARE_PERSISTENT,
                                    &st, NULL);
        if (rc != SQLITE_OK) return lite_status(s, rc, sb_store_queries[q].name);
        s->stmts[q] = st;
    }
    c->h = st;
    for (int i = 0; i < n; i++) {
        int rc;
        switch (v[i].type) {
        case ST_INT:
            rc = sqlite3_bind_int64(st, i + 1, v[i].i);
            break;
        case ST_TEXT:
            rc = sqlite3_bind_text(st, i + 1, v[i].p, (int)v[i].n, SQLITE_STATIC);
            break;
        case ST_BLOB:
            rc = sqlite3_bind_blob(st, i + 1, v[i].n ? v[i].p : "", (int)v[i].n, SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(st, i + 1);
            break;
        }
        if (rc != SQLITE_OK) return lite_status(s, rc, sb_store_queries[q].name);
    }
    /* Step once so that a write's error (a taken name, a missing parent)
     * is reported by the call that ran it. */
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        c->pending = 1;
    } else if (rc == SQLITE_DONE) {
        c->pending = 0;
    } else {
        rc = lite_status(s, sqlite3_extended_errcode(DB(s)), sb_store_queries[q].name);
        sqlite3_reset(st);
        c->h = NULL;
        return rc;
    }
    c->changes = sqlite3_changes64(DB(s));
    c->row = -1;
    return SB_STORE_OK;
}

static int lite_next(st_cur *c)
{
    if (!c->h) return 0;
    if (c->row == -1) {
        c->row = 0;
        return c->pending;
    }
    if (!c->pending) return 0;
    int rc = sqlite3_step(c->h);
    if (rc == SQLITE_ROW) return 1;
    c->pending = 0;
    if (rc == SQLITE_DONE) return 0;
    return lite_status(c->s, sqlite3_extended_errcode(DB(c->s)), "reading rows");
}

static bool lite_is_null(st_cur *c, int col)
{
    return sqlite3_column_type(c->h, col) == SQLITE_NULL;
}

static int64_t lite_col_int(st_cur *c, int col)
{
    return sqlite3_column_int64(c->h, col);
}

static const void *lite_col_bytes(st_cur *c, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(c->h, col);
    *len = (size_t)sqlite3_column_bytes(c->h, col);
    return p;
}

static void lite_finish(st_cur *c)
{
    if (c->h) {
        sqlite3_reset(c->h);
        sqlite3_clear_bindings(c->h);
    }
    c->h = NULL;
}

/* BEGIN and COMMIT go through cached statements too: they are two of the
 * three statements of every read request. */
static int lite_simple(sb_store *s, st_qid q)
{
    st_cur c;
    memset(&c, 0, sizeof c);
    c.s = s;
    int rc = lite_query(s, q, NULL, 0, &c);
    lite_finish(&c);
    return rc;
}

static int lite_begin(sb_store *s, sb_store_mode mode)
{
    return lite_simple(s, mode == SB_STORE_WRITE ? Q_BEGIN_WRITE : Q_BEGIN_READ);
}

static int lite_commit(sb_store *s)
{
    return lite_simple(s, Q_COMMIT);
}

static void lite_rollback(sb_store *s)
{
    if (!sqlite3_get_autocommit(DB(s))) lite_simple(s, Q_ROLLBACK);
}

static int lite_check(sb_store *s, sb_buf *report)
{
    int problems = 0;
    const char *checks[] = {"PRAGMA integrity_check", "PRAGMA foreign_key_check"};
    for (size_t k = 0; k < SB_COUNTOF(checks); k++) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(DB(s), checks[k], -1, &st, NULL);
        if (rc != SQLITE_OK) return lite_status(s, rc, checks[k]);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (k == 0) {
                const char *t = (const char *)sqlite3_column_text(st, 0);
                if (t && strcmp(t, "ok") == 0) continue;
                sb_buf_printf(report, "integrity: %s\n", t ? t : "?");
            } else {
                sb_buf_printf(report, "foreign key: table %s row %lld refers to a missing %s\n",
                              (const char *)sqlite3_column_text(st, 0),
                              (long long)sqlite3_column_int64(st, 1),
                              (const char *)sqlite3_column_text(st, 2));
            }
            problems++;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return lite_status(s, rc, checks[k]);
    }
    return problems ? st_fail(s, SB_STORE_ERROR, "the database has %d problem(s)", problems)
                    : SB_STORE_OK;
}

static int lite_backup(sb_store *s, const char *path)
{
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        st_fail(s, SB_STORE_ERROR, "cannot create the backup %s: %s", path,
                dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        sqlite3_close(dst);
        return SB_STORE_ERROR;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", DB(s), "main");
    if (!b) {
        st_fail(s, SB_STORE_ERROR, "backup to %s: %s", path, sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return SB_STORE_ERROR;
    }
    /* Copy in steps so that writers get the lock between them; a write in
     * between makes SQLite restart the copy, so the result is one snapshot. */
    do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(5);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    int err = sqlite3_errcode(dst);
    if (rc != SQLITE_DONE || err != SQLITE_OK) {
        st_fail(s, SB_STORE_ERROR, "backup to %s failed: %s", path, sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return SB_STORE_ERROR;
    }
    sqlite3_close(dst);
    return SB_STORE_OK;
}

const st_backend sb_store_sqlite_backend = {
    .kind = SB_STORE_SQLITE,
    .connect = lite_connect,
    .disconnect = lite_disconnect,
    .exec = lite_exec,
    .query = lite_query,
    .next = lite_next,
    .is_null = lite_is_null,
    .col_int = lite_col_int,
    .col_bytes = lite_col_bytes,
    .finish = lite_finish,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .check = lite_check,
    .backup = lite_backup,
};
