/*
 * store.c — opening a store, transactions, and the helpers every object
 * file uses to run statements, read columns and write the audit log.
 *
 * The transaction handle is the only way to reach tenant data: st_query
 * binds the handle's tenant as ?1 of every statement, so an object
 * function cannot run a query without the tenant it was opened for.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *sb_store_status_name(int status)
{
    switch (status) {
    case SB_STORE_OK:
        return "ok";
    case SB_STORE_NOT_FOUND:
        return "not found";
    case SB_STORE_CONFLICT:
        return "conflict";
    case SB_STORE_EXISTS:
        return "exists";
    case SB_STORE_INVALID:
        return "invalid";
    case SB_STORE_DISABLED:
        return "disabled";
    case SB_STORE_BUSY:
        return "busy";
    case SB_STORE_ERROR:
        return "error";
    }
    return "unknown";
}

int st_fail(sb_store *s, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return status;
}

int64_t st_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- opening --------------------------------------------------------------- */

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int sb_store_open(const char *url, const sb_store_options *opt, sb_store **out)
{
    sb_store *s = sb_xcalloc(1, sizeof *s);
    *out = s;
    if (opt) s->opt = *opt;
    if (s->opt.busy_timeout_ms <= 0) s->opt.busy_timeout_ms = 5000;
    if (s->opt.pg_schema) {
        s->pg_schema = sb_xstrdup(s->opt.pg_schema);
        s->opt.pg_schema = s->pg_schema;
    }
    s->stmts = sb_xcalloc(Q__COUNT, sizeof *s->stmts);
    s->prepared = sb_xcalloc(Q__COUNT, sizeof *s->prepared);
    s->tx.s = s;
    if (!url || !*url) {
        s->be = &sb_store_sqlite_backend;
        return st_fail(s, SB_STORE_INVALID, "no database given");
    }
    if (starts_with(url, "sqlite:")) {
        s->be = &sb_store_sqlite_backend;
        url += strlen("sqlite:");
    } else if (starts_with(url, "postgresql://") || starts_with(url, "postgres://") ||
               strchr(url, '=') != NULL) {
        s->be = &sb_store_pg_backend;
    } else {
        s->be = &sb_store_sqlite_backend;
    }
    int rc = s->be->connect(s, url);
    if (rc != SB_STORE_OK) return rc;
    if (s->opt.no_migrate) {
        int v = 0;
        rc = st_schema_version(s, &v);
        if (rc != SB_STORE_OK) return rc;
        if (v != sb_store_latest_version())
            return st_fail(s, SB_STORE_ERROR,
                           "the database schema is at version %d but this sibyl needs %d; "
                           "start a process that migrates it",
                           v, sb_store_latest_version());
        return SB_STORE_OK;
    }
    return st_migrate(s);
}

int sb_store_open_dir(const char *dir, const sb_store_options *opt, sb_store **out)
{
    /* Create the directory, and each missing parent, private to the owner:
     * the database holds password hashes and sealed credentials. */
    char *path = sb_xstrdup(dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) break;
        *p = '/';
    }
    int mk = mkdir(path, 0700);
    int mkerr = errno;
    free(path);
    if (mk != 0 && mkerr != EEXIST) {
        sb_store *s = sb_xcalloc(1, sizeof *s);
        s->be = &sb_store_sqlite_backend;
        s->tx.s = s;
        *out = s;
        return st_fail(s, SB_STORE_ERROR, "cannot create the data directory %s: %s", dir,
                       strerror(mkerr));
    }
    sb_buf file = SB_BUF_INIT;
    sb_buf_printf(&file, "%s/sibyl.db", dir);
    int rc = sb_store_open(sb_buf_str(&file), opt, out);
    sb_buf_free(&file);
    return rc;
}

void sb_store_close(sb_store *s)
{
    if (!s) return;
    if (s->tx.active) sb_store_rollback(&s->tx);
    if (s->db) s->be->disconnect(s);
    free(s->stmts);
    free(s->prepared);
    free(s->pg_schema);
    free(s);
}

const char *sb_store_errmsg(const sb_store *s)
{
    return s ? s->err : "out of memory";
}

sb_store_backend sb_store_backend_of(const sb_store *s)
{
    return s->be->kind;
}

int sb_store_schema_version(sb_store *s, int *version)
{
    return st_schema_version(s, version);
}

int sb_store_check(sb_store *s, sb_buf *report)
{
    if (s->tx.active) return st_fail(s, SB_STORE_INVALID, "a transaction is open");
    int rc = s->be->check(s, report);
    if (rc != SB_STORE_OK && rc != SB_STORE_ERROR) return rc;
    int problems = rc == SB_STORE_OK ? 0 : 1;
    /* What the schema cannot say by itself: versions start at 1, and the
     * history holds each file's current text. */
    static const st_qid checks[] = {Q_CHECK_VERSIONS, Q_CHECK_FILE_HISTORY, Q_CHECK_TENANTS};
    for (size_t i = 0; i < SB_COUNTOF(checks); i++) {
        st_cur c;
        int qrc = st_query_sys(s, checks[i], &c, "");
        if (qrc != SB_STORE_OK) return qrc;
        while ((qrc = st_next(&c)) == 1) {
            int64_t n = st_col_int(&c, 1);
            if (n == 0) continue;
            size_t len = 0;
            const void *what = s->be->col_bytes(&c, 0, &len);
            sb_buf_printf(report, "%.*s: %lld bad row(s)\n", (int)len, (const char *)what,
                          (long long)n);
            problems++;
        }
        st_done(&c);
        if (qrc < 0) return qrc;
    }
    if (problems)
        return st_fail(s, SB_STORE_ERROR, "the store has problems: %s", sb_buf_str(report));
    return SB_STORE_OK;
}

int sb_store_backup(sb_store *s, const char *path)
{
    if (s->tx.active) return st_fail(s, SB_STORE_INVALID, "a transaction is open");
    return s->be->backup(s, path);
}

/* ---- transactions ---------------------------------------------------------- */

int sb_store_begin(sb_store *s, sb_arena *a, int64_t tenant_id, int64_t actor_id,
                   sb_store_mode mode, sb_store_tx **out)
{
    *out = NULL;
    if (!s->db) return st_fail(s, SB_STORE_ERROR, "the store is not open");
    if (s->tx.active)
        return st_fail(s, SB_STORE_INVALID, "a transaction is already open on this connection");
    if (tenant_id <= 0) return st_fail(s, SB_STORE_INVALID, "a transaction needs a tenant");
    if (actor_id < 0 || !a) return st_fail(s, SB_STORE_INVALID, "bad transaction arguments");
    s->err[0] = '\0';
    int rc = s->be->begin(s, mode);
    if (rc != SB_STORE_OK) return rc;
    sb_store_tx *tx = &s->tx;
    tx->a = a;
    tx->tenant = tenant_id;
    tx->actor = actor_id;
    tx->mode = mode;
    tx->active = true;
    tx->failed = SB_STORE_OK;
    if (mode == SB_STORE_WRITE && actor_id != 0) {
        /* The audit log must never name a user of another tenant. */
        st_cur c;
        rc = st_query(tx, Q_ACTOR_CHECK, &c, "i", actor_id);
        if (rc == SB_STORE_OK) {
            rc = st_next(&c);
            rc = rc == 1   ? SB_STORE_OK
                 : rc == 0 ? st_fail(s, SB_STORE_NOT_FOUND,
                                     "the acting user does not belong to this tenant")
                           : rc;
            st_done(&c);
        }
        if (rc != SB_STORE_OK) {
            sb_store_rollback(tx);
            return rc;
        }
    }
    *out = tx;
    return SB_STORE_OK;
}

int sb_store_commit(sb_store_tx *tx)
{
    if (!tx || !tx->active) return SB_STORE_INVALID;
    sb_store *s = tx->s;
    if (tx->failed != SB_STORE_OK) {
        int rc = tx->failed;
        sb_store_rollback(tx);
        return rc;
    }
    int rc = s->be->commit(s);
    tx->active = false;
    if (rc != SB_STORE_OK) s->be->rollback(s);
    return rc;
}

void sb_store_rollback(sb_store_tx *tx)
{
    if (!tx || !tx->active) return;
    tx->s->be->rollback(tx->s);
    tx->active = false;
}

int64_t sb_store_tx_tenant(const sb_store_tx *tx)
{
    return tx->tenant;
}

int64_t sb_store_tx_actor(const sb_store_tx *tx)
{
    return tx->actor;
}

sb_store *sb_store_tx_store(const sb_store_tx *tx)
{
    return tx->s;
}

int st_tx_read(sb_store_tx *tx)
{
    if (!tx || !tx->active) return SB_STORE_INVALID;
    if (tx->failed != SB_STORE_OK)
        return st_fail(tx->s, tx->failed, "the transaction failed earlier; roll it back");
    return SB_STORE_OK;
}

int st_tx_write(sb_store_tx *tx)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (tx->mode != SB_STORE_WRITE) {
        tx->failed = SB_STORE_INVALID;
        return st_fail(tx->s, SB_STORE_INVALID, "a write in a read-only transaction");
    }
    return SB_STORE_OK;
}

int st_wdone(sb_store_tx *tx, int rc)
{
    if (rc != SB_STORE_OK && tx->failed == SB_STORE_OK) tx->failed = rc;
    return rc;
}

/* ---- statements ------------------------------------------------------------ */

static int collect(st_val *v, int n, const char *types, va_list ap)
{
    for (const char *t = types; *t; t++) {
        if (n >= ST_MAX_PARAMS) return -1;
        st_val *x = &v[n++];
        memset(x, 0, sizeof *x);
        switch (*t) {
        case 'i':
            x->type = ST_INT;
            x->i = va_arg(ap, int64_t);
            break;
        case 'z':
            x->i = va_arg(ap, int64_t);
            x->type = x->i ? ST_INT : ST_NULL;
            break;
        case 'b':
            x->type = ST_INT;
            x->i = va_arg(ap, int) ? 1 : 0;
            break;
        case 's':
            x->p = va_arg(ap, const char *);
            x->type = x->p ? ST_TEXT : ST_NULL;
            if (x->p) x->n = strlen(x->p);
            break;
        case 'x':
            x->type = ST_BLOB;
            x->p = va_arg(ap, const void *);
            x->n = va_arg(ap, size_t);
            break;
        default:
            return -1;
        }
    }
    return n;
}

static int run(sb_store *s, st_qid q, const st_val *v, int n, st_cur *c)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    if (n < 0)
        return st_fail(s, SB_STORE_INVALID, "bad parameters for %s", sb_store_queries[q].name);
    return s->be->query(s, q, v, n, c);
}

int st_vquery(sb_store_tx *tx, st_qid q, st_cur *c, const char *types, va_list ap)
{
    st_val v[ST_MAX_PARAMS];
    v[0] = (st_val){.type = ST_INT, .i = tx->tenant};
    int n = collect(v, 1, types, ap);
    int rc = run(tx->s, q, v, n, c);
    if (rc != SB_STORE_OK) {
        st_done(c);
        st_wdone(tx, rc);
    }
    return rc;
}

int st_query(sb_store_tx *tx, st_qid q, st_cur *c, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = st_vquery(tx, q, c, types, ap);
    va_end(ap);
    return rc;
}

int st_first(sb_store_tx *tx, int rc, st_cur *c, const char *what)
{
    if (rc != SB_STORE_OK) return rc;
    rc = st_next(c);
    if (rc == 1) return SB_STORE_OK;
    if (rc == 0) return st_fail(tx->s, SB_STORE_NOT_FOUND, "no such %s", what);
    return rc;
}

int st_insert(sb_store_tx *tx, st_qid q, int64_t *id, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    st_cur c;
    int rc = st_vquery(tx, q, &c, types, ap);
    va_end(ap);
    if (rc == SB_STORE_OK) {
        rc = st_next(&c);
        if (rc == 1) {
            *id = st_col_int(&c, 0);
            rc = SB_STORE_OK;
        } else if (rc == 0) {
            rc = st_fail(tx->s, SB_STORE_NOT_FOUND, "nothing was written (%s)",
                         sb_store_queries[q].name);
        }
    }
    st_done(&c);
    return st_wdone(tx, rc);
}

int st_guarded(sb_store_tx *tx, st_qid q, st_qid version_q, int64_t id, st_cur *c,
               const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = st_vquery(tx, q, c, types, ap);
    va_end(ap);
    if (rc == SB_STORE_OK) {
        rc = st_next(c);
        if (rc == 1) return SB_STORE_OK;
        st_done(c);
        if (rc == 0) rc = st_missing_or_stale(tx, version_q, id);
    }
    return st_wdone(tx, rc);
}

int st_query_sys(sb_store *s, st_qid q, st_cur *c, const char *types, ...)
{
    st_val v[ST_MAX_PARAMS];
    va_list ap;
    va_start(ap, types);
    int n = collect(v, 0, types, ap);
    va_end(ap);
    int rc = run(s, q, v, n, c);
    if (rc != SB_STORE_OK) st_done(c);
    return rc;
}

int st_next(st_cur *c)
{
    int rc = c->s->be->next(c);
    if (rc < 0 && c->s->tx.active) st_wdone(&c->s->tx, rc);
    return rc;
}

void st_done(st_cur *c)
{
    if (c->s) c->s->be->finish(c);
}

int st_exec(sb_store_tx *tx, st_qid q, int64_t *changes, const char *types, ...)
{
    st_val v[ST_MAX_PARAMS];
    v[0] = (st_val){.type = ST_INT, .i = tx->tenant};
    va_list ap;
    va_start(ap, types);
    int n = collect(v, 1, types, ap);
    va_end(ap);
    st_cur c;
    int rc = run(tx->s, q, v, n, &c);
    if (changes) *changes = c.changes;
    st_done(&c);
    return st_wdone(tx, rc);
}

int64_t st_col_int(st_cur *c, int col)
{
    return c->s->be->col_int(c, col);
}

bool st_col_null(st_cur *c, int col)
{
    return c->s->be->is_null(c, col);
}

const char *st_col_strn(sb_arena *a, st_cur *c, int col, size_t *len)
{
    if (len) *len = 0;
    if (c->s->be->is_null(c, col)) return NULL;
    size_t n = 0;
    const void *p = c->s->be->col_bytes(c, col, &n);
    if (len) *len = n;
    return sb_arena_strndup(a, p ? p : "", n);
}

const char *st_col_str(sb_store_tx *tx, st_cur *c, int col)
{
    return st_col_strn(tx->a, c, col, NULL);
}

const unsigned char *st_col_blob(sb_store_tx *tx, st_cur *c, int col, size_t *len)
{
    *len = 0;
    if (c->s->be->is_null(c, col)) return NULL;
    size_t n = 0;
    const void *p = c->s->be->col_bytes(c, col, &n);
    unsigned char *out = sb_arena_alloc(tx->a, n ? n : 1);
    if (n) memcpy(out, p, n);
    *len = n;
    return out;
}

int st_audit(sb_store_tx *tx, const char *action, const char *kind, int64_t object_id,
             const char *name, int64_t version_before, int64_t version_after, const char *detail)
{
    return st_exec(tx, Q_AUDIT_ADD, NULL, "iissisiis", st_now_ms(), tx->actor, action, kind,
                   object_id, name, version_before, version_after, detail);
}

int st_missing_or_stale(sb_store_tx *tx, st_qid version_query, int64_t id)
{
    st_cur c;
    int rc = st_query(tx, version_query, &c, "i", id);
    if (rc != SB_STORE_OK) return rc;
    rc = st_next(&c);
    int64_t current = rc == 1 ? st_col_int(&c, 0) : 0;
    st_done(&c);
    if (rc < 0) return rc;
    if (rc == 0) return st_fail(tx->s, SB_STORE_NOT_FOUND, "no such object");
    return st_fail(tx->s, SB_STORE_CONFLICT,
                   "the object was changed by someone else (now at version %lld)",
                   (long long)current);
}

/* ---- argument checks ------------------------------------------------------- */

int st_check_text(sb_store *s, const char *what, const char *text, bool required)
{
    if (!text) {
        if (required) return st_fail(s, SB_STORE_INVALID, "%s is required", what);
        return SB_STORE_OK;
    }
    size_t n = strlen(text);
    if (sb_utf8_valid_prefix(text, n) != n)
        return st_fail(s, SB_STORE_INVALID, "%s is not valid UTF-8", what);
    return SB_STORE_OK;
}

int st_check_name(sb_store *s, const char *what, const char *name)
{
    if (!name || !*name) return st_fail(s, SB_STORE_INVALID, "%s is required", what);
    size_t n = strlen(name);
    if (sb_utf8_valid_prefix(name, n) != n)
        return st_fail(s, SB_STORE_INVALID, "%s is not valid UTF-8", what);
    if (sb_utf8_count(name) > 200)
        return st_fail(s, SB_STORE_INVALID, "%s is longer than 200 characters", what);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/')
            return st_fail(s, SB_STORE_INVALID, "%s contains a control character or '/'", what);
    return SB_STORE_OK;
}

int st_check_ident(sb_store *s, const char *what, const char *name)
{
    if (!name || !*name) return st_fail(s, SB_STORE_INVALID, "%s is required", what);
    size_t n = strlen(name);
    if (n > 128) return st_fail(s, SB_STORE_INVALID, "%s is longer than 128 bytes", what);
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                  (i > 0 && ch >= '0' && ch <= '9');
        if (!ok)
            return st_fail(s, SB_STORE_INVALID,
                           "%s `%s` is not an identifier (a letter or _, then letters, digits "
                           "or _)",
                           what, name);
    }
    return SB_STORE_OK;
}
