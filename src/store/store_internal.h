/*
 * store_internal.h — what the store's files share: the connection, the
 * backend interface, the statement table and the query helpers.
 *
 * A backend (backend_sqlite.c, backend_pg.c) knows how to connect, run a
 * statement from the table with bound values and walk its rows. Everything
 * above it — migrations, objects, audit — is written once against
 * st_query / st_next / st_col_*.
 *
 * Statements are written with numbered placeholders (?1, ?2, ...) which
 * SQLite reads as they are and the PostgreSQL backend rewrites to $1, $2.
 * In every statement run through a transaction ?1 is the transaction's
 * tenant: st_query binds it itself, so no object function can forget it
 * (tests/store checks that every such statement says `tenant_id = ?1`).
 */
#ifndef SB_STORE_INTERNAL_H
#define SB_STORE_INTERNAL_H

#include "store/store.h"

#include <stdarg.h>

/* ---- statements ---------------------------------------------------------- */

typedef enum st_qid {
#define Q(id, flags, sql) id,
#include "store/queries.def"
#undef Q
    Q__COUNT
} st_qid;

/* Statement flags. */
enum {
    ST_SYS = 1, /* installation-wide (tenants table): no tenant bound by the caller */
};

typedef struct st_sql {
    const char *name;
    int flags;
    const char *sql;
} st_sql;

extern const st_sql sb_store_queries[Q__COUNT];

/* ---- values and cursors ------------------------------------------------- */

typedef enum st_type {
    ST_NULL,
    ST_INT,
    ST_TEXT,
    ST_BLOB,
} st_type;

typedef struct st_val {
    st_type type;
    int64_t i;
    const void *p;
    size_t n;
} st_val;

#define ST_MAX_PARAMS 24

typedef struct st_cur {
    sb_store *s;
    void *h;        /* sqlite3_stmt* or PGresult* */
    int row, nrows; /* PostgreSQL: the row st_next moved to, and how many */
    int pending;    /* SQLite: 1 when the first step already produced a row */
    int64_t changes;
} st_cur;

typedef struct st_backend {
    sb_store_backend kind;
    int (*connect)(sb_store *s, const char *url);
    void (*disconnect)(sb_store *s);
    /* Run SQL without parameters or results (DDL, BEGIN, PRAGMA). */
    int (*exec)(sb_store *s, const char *sql);
    /* Run a table statement with values bound; the cursor is placed before
     * the first row and c->changes holds the rows written. */
    int (*query)(sb_store *s, st_qid q, const st_val *v, int n, st_cur *c);
    /* 1: a row, 0: no more rows, < 0: a status. */
    int (*next)(st_cur *c);
    bool (*is_null)(st_cur *c, int col);
    int64_t (*col_int)(st_cur *c, int col);
    /* Bytes of a text or blob column, valid until the next st_next/finish. */
    const void *(*col_bytes)(st_cur *c, int col, size_t *len);
    void (*finish)(st_cur *c);
    /* Transaction control. */
    int (*begin)(sb_store *s, sb_store_mode mode);
    int (*commit)(sb_store *s);
    void (*rollback)(sb_store *s);
    int (*check)(sb_store *s, sb_buf *report);
    int (*backup)(sb_store *s, const char *path);
} st_backend;

extern const st_backend sb_store_sqlite_backend;
extern const st_backend sb_store_pg_backend;

/* ---- the connection ------------------------------------------------------ */

struct sb_store_tx {
    sb_store *s;
    sb_arena *a;
    int64_t tenant, actor;
    sb_store_mode mode;
    bool active;
    int failed; /* first error of a write (or of the database): poisons commit */
};

struct sb_store {
    const st_backend *be;
    sb_store_options opt;
    char *pg_schema;
    void *db;       /* sqlite3* or PGconn* */
    void **stmts;   /* prepared statements by st_qid (SQLite: sqlite3_stmt*) */
    bool *prepared; /* PostgreSQL: which named statements exist on the connection */
    char err[512];
    sb_store_tx tx; /* the one transaction a connection can have open */
};

/* ---- helpers (store.c) ---------------------------------------------------- */

/* Set the connection's message and return `status`. */
int st_fail(sb_store *s, int status, const char *fmt, ...) SB_PRINTF(3, 4);
int64_t st_now_ms(void);

/* Guard at the top of every transaction function: the handle is live, not
 * poisoned, and (for writes) in write mode. */
int st_tx_read(sb_store_tx *tx);
int st_tx_write(sb_store_tx *tx);
/* Record the outcome of a write: any failure poisons the transaction. */
int st_wdone(sb_store_tx *tx, int rc);

/* Run statement q for the transaction's tenant: ?1 is the tenant, then
 * the values described by `types`, one character each:
 *   i  int64_t        b  bool (as 0/1)
 *   s  const char * (NULL binds SQL NULL)
 *   z  int64_t, 0 binds SQL NULL
 *   x  const void *, size_t (a blob)
 * The cursor must be finished with st_done. Database errors poison. */
int st_query(sb_store_tx *tx, st_qid q, st_cur *c, const char *types, ...);
int st_vquery(sb_store_tx *tx, st_qid q, st_cur *c, const char *types, va_list ap);
/* After st_query: move to the first row; SB_STORE_NOT_FOUND ("no such
 * <what>") when there is none. The cursor still needs st_done. */
int st_first(sb_store_tx *tx, int rc, st_cur *c, const char *what);
/* Run an INSERT ... RETURNING id. Failures poison. */
int st_insert(sb_store_tx *tx, st_qid q, int64_t *id, const char *types, ...);
/* Run an UPDATE/DELETE guarded by `version = ?` with a RETURNING clause:
 * SB_STORE_OK with the cursor on the returned row (finish it), or the
 * status telling a missing object from a stale version (cursor finished).
 * Failures poison. */
int st_guarded(sb_store_tx *tx, st_qid q, st_qid version_q, int64_t id, st_cur *c,
               const char *types, ...);
/* The same for installation-wide statements (no tenant bound). */
int st_query_sys(sb_store *s, st_qid q, st_cur *c, const char *types, ...);
int st_next(st_cur *c);
void st_done(st_cur *c);
/* Run and finish; *changes (may be NULL) gets the rows written. */
int st_exec(sb_store_tx *tx, st_qid q, int64_t *changes, const char *types, ...);

int64_t st_col_int(st_cur *c, int col);
bool st_col_null(st_cur *c, int col);
/* Copy of a text column into the transaction's arena; NULL for SQL NULL. */
const char *st_col_str(sb_store_tx *tx, st_cur *c, int col);
const char *st_col_strn(sb_arena *a, st_cur *c, int col, size_t *len);
const unsigned char *st_col_blob(sb_store_tx *tx, st_cur *c, int col, size_t *len);

/* Append an audit entry for the transaction's actor. */
int st_audit(sb_store_tx *tx, const char *action, const char *kind, int64_t object_id,
             const char *name, int64_t version_before, int64_t version_after, const char *detail);

/* After an UPDATE/DELETE guarded by `version = ?` changed no row: tell a
 * missing object from a stale version, using a statement that selects the
 * row's version by (tenant, id). */
int st_missing_or_stale(sb_store_tx *tx, st_qid version_query, int64_t id);

/* Argument checks (SB_STORE_INVALID with a message). */
int st_check_name(sb_store *s, const char *what, const char *name);
int st_check_ident(sb_store *s, const char *what, const char *name);
int st_check_text(sb_store *s, const char *what, const char *text, bool required);

/* Migrations (migrate.c). */
int st_migrate(sb_store *s);
int st_schema_version(sb_store *s, int *version);

#endif
