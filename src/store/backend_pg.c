/*
 * backend_pg.c — the store on PostgreSQL through libpq.
 *
 * Statements from the table are prepared on the connection the first time
 * they run (named sbN) and reused after that; the ?N placeholders become
 * $N. Values travel as text except blobs (binary); results come back in
 * binary so that bytea needs no decoding, and integer columns are decoded
 * by their type.
 *
 * Read transactions are REPEATABLE READ, READ ONLY: one snapshot, like
 * SQLite's. Write transactions are READ COMMITTED: each update is guarded
 * by `version = ?`, which PostgreSQL re-checks against the newest row
 * when two writers race, so a stale writer changes nothing.
 *
 * A connection that breaks (the server restarted) is re-established at the
 * next transaction; its prepared statements are then prepared again.
 */
#include "store/store_internal.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type oids from pg_type.h (stable across releases). */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23 };

static PGconn *CONN(sb_store *s)
{
    return (PGconn *)s->db;
}

static void one_line(char *msg)
{
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = '\0';
    for (char *p = msg; *p; p++)
        if (*p == '\n') *p = ' ';
}

/* Map a failed result to a store status and message. */
static int pg_status(sb_store *s, PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    char msg[400];
    snprintf(msg, sizeof msg, "%s",
             res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
                                                 : PQerrorMessage(CONN(s)));
    one_line(msg);
    if (state) {
        if (strcmp(state, "23505") == 0)
            return st_fail(s, SB_STORE_EXISTS, "the name is already taken (%s)", what);
        if (strcmp(state, "23503") == 0)
            return st_fail(s, SB_STORE_NOT_FOUND,
                           "a referenced object does not exist in this tenant (%s)", what);
        if (strncmp(state, "23", 2) == 0)
            return st_fail(s, SB_STORE_INVALID, "a value was refused (%s): %s", what, msg);
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
            strcmp(state, "55P03") == 0)
            return st_fail(s, SB_STORE_BUSY, "the database is busy (%s): %s", what, msg);
    }
    return st_fail(s, SB_STORE_ERROR, "PostgreSQL: %s (%s)", msg, what);
}

static int pg_exec(sb_store *s, const char *sql)
{
    PGresult *res = PQexec(CONN(s), sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = SB_STORE_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) rc = pg_status(s, res, "statement");
    PQclear(res);
    return rc;
}

/* Settings every (re)established connection needs. */
static int pg_session_setup(sb_store *s)
{
    PGconn *conn = CONN(s);
    /* Quiet the server's NOTICEs (e.g. "schema already exists"). */
    int rc = pg_exec(s, "SET client_min_messages TO warning");
    if (rc != SB_STORE_OK || !s->pg_schema) return rc;
    char *id = PQescapeIdentifier(conn, s->pg_schema, strlen(s->pg_schema));
    if (!id) return st_fail(s, SB_STORE_INVALID, "bad schema name %s", s->pg_schema);
    /* Create the schema only when it is missing: CREATE SCHEMA needs a
     * privilege on the database that the owner of an existing schema may
     * rightly lack. */
    const char *params[1] = {s->pg_schema};
    PGresult *res = PQexecParams(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, NULL,
                                 params, NULL, NULL, 0);
    bool exists = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    PQclear(res);
    sb_buf sql = SB_BUF_INIT;
    if (!exists) {
        sb_buf_printf(&sql, "CREATE SCHEMA IF NOT EXISTS %s", id);
        rc = pg_exec(s, sb_buf_str(&sql));
    }
    /* Two processes creating the schema at once: one of them loses the race
     * on the catalog's unique index; the schema is there all the same. */
    if (rc == SB_STORE_EXISTS) rc = SB_STORE_OK;
    sb_buf_reset(&sql);
    sb_buf_printf(&sql, "SET search_path TO %s", id);
    if (rc == SB_STORE_OK) rc = pg_exec(s, sb_buf_str(&sql));
    sb_buf_free(&sql);
    PQfreemem(id);
    return rc;
}

static int pg_connect(sb_store *s, const char *url)
{
    PGconn *conn = PQconnectdb(url);
    s->db = conn;
    if (!conn) return st_fail(s, SB_STORE_ERROR, "PostgreSQL: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
        one_line(msg);
        return st_fail(s, SB_STORE_ERROR, "cannot connect to PostgreSQL: %s", msg);
    }
    return pg_session_setup(s);
}

static void pg_disconnect(sb_store *s)
{
    PQfinish(CONN(s));
    s->db = NULL;
}

/* ?N -> $N, outside quoted text. */
static char *pg_sql(const char *sql)
{
    sb_buf b = SB_BUF_INIT;
    bool quoted = false;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'') quoted = !quoted;
        if (!quoted && *p == '?' && p[1] >= '0' && p[1] <= '9')
            sb_buf_putc(&b, '$');
        else
            sb_buf_putc(&b, *p);
    }
    return sb_buf_detach(&b);
}

static int pg_prepare(sb_store *s, st_qid q)
{
    if (s->prepared[q]) return SB_STORE_OK;
    char name[32];
    snprintf(name, sizeof name, "sb%d", (int)q);
    char *sql = pg_sql(sb_store_queries[q].sql);
    PGresult *res = PQprepare(CONN(s), name, sql, 0, NULL);
    free(sql);
    int rc = SB_STORE_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_status(s, res, sb_store_queries[q].name);
    else
        s->prepared[q] = true;
    PQclear(res);
    return rc;
}

static int pg_query(sb_store *s, st_qid q, const st_val *v, int n, st_cur *c)
{
    int rc = pg_prepare(s, q);
    if (rc != SB_STORE_OK) return rc;
    const char *values[ST_MAX_PARAMS];
    int lengths[ST_MAX_PARAMS], formats[ST_MAX_PARAMS];
    char ints[ST_MAX_PARAMS][24];
    for (int i = 0; i < n; i++) {
        lengths[i] = 0;
        formats[i] = 0;
        switch (v[i].type) {
        case ST_INT:
            snprintf(ints[i], sizeof ints[i], "%lld", (long long)v[i].i);
            values[i] = ints[i];
            break;
        case ST_TEXT:
            values[i] = v[i].p;
            break;
        case ST_BLOB:
            values[i] = v[i].n ? v[i].p : "";
            lengths[i] = (int)v[i].n;
            formats[i] = 1;
            break;
        default:
            values[i] = NULL;
            break;
        }
    }
    char name[32];
    snprintf(name, sizeof name, "sb%d", (int)q);
    PGresult *res = PQexecPrepared(CONN(s), name, n, values, lengths, formats, 1);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = pg_status(s, res, sb_store_queries[q].name);
        /* A statement prepared before the schema changed (or on a
         * connection that has since been reset) must be prepared again. */
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        if (state && strcmp(state, "26000") == 0) s->prepared[q] = false;
        PQclear(res);
        return rc;
    }
    c->h = res;
    c->row = -1;
    c->nrows = PQntuples(res);
    const char *tuples = PQcmdTuples(res);
    c->changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
    return SB_STORE_OK;
}

static int pg_next(st_cur *c)
{
    if (!c->h) return 0;
    if (c->row + 1 >= c->nrows) {
        c->row = c->nrows;
        return 0;
    }
    c->row++;
    return 1;
}

static bool pg_is_null(st_cur *c, int col)
{
    return PQgetisnull(c->h, c->row, col);
}

static int64_t pg_col_int(st_cur *c, int col)
{
    if (PQgetisnull(c->h, c->row, col)) return 0;
    const unsigned char *p = (const unsigned char *)PQgetvalue(c->h, c->row, col);
    int len = PQgetlength(c->h, c->row, col);
    uint64_t u = 0;
    for (int i = 0; i < len && i < 8; i++) u = (u << 8) | p[i];
    switch (PQftype(c->h, col)) {
    case OID_INT2:
        return (int16_t)u;
    case OID_INT4:
        return (int32_t)u;
    case OID_BOOL:
        return u ? 1 : 0;
    default:
        return (int64_t)u;
    }
}

static const void *pg_col_bytes(st_cur *c, int col, size_t *len)
{
    *len = (size_t)PQgetlength(c->h, c->row, col);
    return PQgetvalue(c->h, c->row, col);
}

static void pg_finish(st_cur *c)
{
    if (c->h) PQclear(c->h);
    c->h = NULL;
}

static int pg_reconnect(sb_store *s)
{
    PQreset(CONN(s));
    memset(s->prepared, 0, Q__COUNT * sizeof *s->prepared);
    if (PQstatus(CONN(s)) != CONNECTION_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(CONN(s)));
        one_line(msg);
        return st_fail(s, SB_STORE_ERROR, "lost the PostgreSQL connection: %s", msg);
    }
    return pg_session_setup(s);
}

static int pg_begin(sb_store *s, sb_store_mode mode)
{
    const char *sql =
        mode == SB_STORE_WRITE ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    if (PQstatus(CONN(s)) != CONNECTION_OK) {
        int rc = pg_reconnect(s);
        if (rc != SB_STORE_OK) return rc;
    }
    int rc = pg_exec(s, sql);
    /* The server went away since the last transaction (a restart, a
     * failover, an idle timeout): libpq learns it only now. Nothing of a
     * transaction has run yet, so connecting again and retrying is safe. */
    if (rc != SB_STORE_OK && PQstatus(CONN(s)) != CONNECTION_OK) {
        rc = pg_reconnect(s);
        if (rc == SB_STORE_OK) rc = pg_exec(s, sql);
    }
    return rc;
}

static int pg_commit(sb_store *s)
{
    PGresult *res = PQexec(CONN(s), "COMMIT");
    int rc = SB_STORE_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_status(s, res, "commit");
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) /* the server rolled back */
        rc = st_fail(s, SB_STORE_ERROR, "PostgreSQL rolled the transaction back");
    PQclear(res);
    return rc;
}

static void pg_rollback(sb_store *s)
{
    PGTransactionStatusType ts = PQtransactionStatus(CONN(s));
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        PGresult *res = PQexec(CONN(s), "ROLLBACK");
        PQclear(res);
    }
}

/* amcheck's B-tree check over every index of sibyl's schema, when the
 * extension is installed (it needs a superuser to install). */
static int pg_check(sb_store *s, sb_buf *report)
{
    PGresult *res = PQexec(CONN(s), "SELECT n.nspname FROM pg_extension e "
                                    "JOIN pg_namespace n ON n.oid = e.extnamespace "
                                    "WHERE e.extname = 'amcheck'");
    char *ns = NULL;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        ns = PQescapeIdentifier(CONN(s), PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)));
    PQclear(res);
    if (!ns) return SB_STORE_OK;
    /* The extension's functions live in its own schema, which need not be
     * on the search path. */
    sb_buf sql = SB_BUF_INIT;
    sb_buf_printf(&sql,
                  "SELECT c.relname, %s.bt_index_check(c.oid, true) FROM pg_index i "
                  "JOIN pg_class c ON c.oid = i.indexrelid "
                  "JOIN pg_am am ON am.oid = c.relam "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE am.amname = 'btree' AND n.nspname = current_schema()",
                  ns);
    PQfreemem(ns);
    res = PQexec(CONN(s), sb_buf_str(&sql));
    sb_buf_free(&sql);
    int rc = SB_STORE_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_status(s, res, "amcheck");
        sb_buf_printf(report, "amcheck: %s\n", s->err);
    }
    PQclear(res);
    return rc;
}

static int pg_backup(sb_store *s, const char *path)
{
    return st_fail(s, SB_STORE_INVALID,
                   "back up a PostgreSQL store with pg_dump (see docs/store.md)");
}

const st_backend sb_store_pg_backend = {
    .kind = SB_STORE_POSTGRES,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .query = pg_query,
    .next = pg_next,
    .is_null = pg_is_null,
    .col_int = pg_col_int,
    .col_bytes = pg_col_bytes,
    .finish = pg_finish,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .check = pg_check,
    .backup = pg_backup,
};
