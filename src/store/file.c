/*
 * file.c — a project's files: pipelines, datasets, configuration
 * instances and subgraphs, kept as the canonical JSON text the CLI reads
 * and Git holds (<dir>/<name>.json), with every version's text.
 *
 * The store does not parse the text: the server validates it with the
 * spec layer before it gets here. It does insist on valid UTF-8 (the text
 * is NUL-terminated: JSON has no raw NUL), and on file names that are
 * identifiers (they become paths and Python names).
 */
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *dir;
} kinds[] = {
    [SB_FILE_PIPELINE] = {"pipeline", "pipelines"},
    [SB_FILE_DATASET] = {"dataset", "datasets"},
    [SB_FILE_CONFIG] = {"config", "configs"},
    [SB_FILE_SUBGRAPH] = {"subgraph", "subgraphs"},
};

const char *sb_store_file_kind_name(sb_store_file_kind k)
{
    return (unsigned)k < SB_COUNTOF(kinds) ? kinds[k].name : NULL;
}

const char *sb_store_file_kind_dir(sb_store_file_kind k)
{
    return (unsigned)k < SB_COUNTOF(kinds) ? kinds[k].dir : NULL;
}

int sb_store_file_kind_parse(const char *s, sb_store_file_kind *out)
{
    for (size_t i = 0; s && i < SB_COUNTOF(kinds); i++) {
        if (strcmp(s, kinds[i].name) == 0 || strcmp(s, kinds[i].dir) == 0) {
            *out = (sb_store_file_kind)i;
            return SB_STORE_OK;
        }
    }
    return SB_STORE_INVALID;
}

static void read_file(sb_store_tx *tx, st_cur *c, sb_store_file *f)
{
    f->id = st_col_int(c, 0);
    f->project_id = st_col_int(c, 1);
    size_t n;
    const char *kind = st_col_strn(tx->a, c, 2, &n);
    f->kind = SB_FILE_PIPELINE;
    sb_store_file_kind_parse(kind, &f->kind);
    f->name = st_col_str(tx, c, 3);
    f->content = st_col_strn(tx->a, c, 4, &f->content_len);
    f->updated_by = st_col_int(c, 5);
    f->version = st_col_int(c, 6);
    f->created_at = st_col_int(c, 7);
    f->updated_at = st_col_int(c, 8);
}

static int check_content(sb_store *s, const sb_store_file *f)
{
    if (!f->content) return SB_STORE_OK;
    size_t n = strlen(f->content);
    if (sb_utf8_valid_prefix(f->content, n) != n)
        return st_fail(s, SB_STORE_INVALID, "the file's text is not valid UTF-8");
    return SB_STORE_OK;
}

int sb_store_file_create(sb_store_tx *tx, sb_store_file *f)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    const char *kind = sb_store_file_kind_name(f->kind);
    if (!kind) rc = st_fail(tx->s, SB_STORE_INVALID, "no such kind of file");
    if (rc == SB_STORE_OK) rc = st_check_ident(tx->s, "a file name", f->name);
    if (rc == SB_STORE_OK && !f->content)
        rc = st_fail(tx->s, SB_STORE_INVALID, "a file needs its text");
    if (rc == SB_STORE_OK) rc = check_content(tx->s, f);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_FILE_CREATE, &id, "isssii", f->project_id, kind, f->name, f->content,
                   tx->actor, now);
    if (rc == SB_STORE_EXISTS)
        st_fail(tx->s, rc, "the project already has a %s `%s`", kind, f->name);
    if (rc == SB_STORE_NOT_FOUND) st_fail(tx->s, rc, "no such project");
    if (rc != SB_STORE_OK) return rc;
    rc = st_exec(tx, Q_FILE_HISTORY_ADD, NULL, "i", id);
    if (rc == SB_STORE_OK) {
        char detail[48];
        snprintf(detail, sizeof detail, "{\"kind\":\"%s\"}", kind);
        rc = st_audit(tx, "create", "file", id, f->name, 0, 1, detail);
    }
    if (rc != SB_STORE_OK) return rc;
    f->id = id;
    f->version = 1;
    f->updated_by = tx->actor;
    f->content_len = strlen(f->content);
    f->created_at = f->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_file_get(sb_store_tx *tx, int64_t id, sb_store_file *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_FILE_GET, &c, "i", id), &c, "file");
    if (rc == SB_STORE_OK) read_file(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_file_get_by_name(sb_store_tx *tx, int64_t project_id, sb_store_file_kind kind,
                              const char *name, sb_store_file *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    const char *k = sb_store_file_kind_name(kind);
    if (!k || !name) return st_fail(tx->s, SB_STORE_INVALID, "no such kind of file, or no name");
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_FILE_GET_BY_NAME, &c, "iss", project_id, k, name), &c, "file");
    if (rc == SB_STORE_OK) read_file(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_file_get_version(sb_store_tx *tx, int64_t id, int64_t version, sb_store_file *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_FILE_GET_VERSION, &c, "ii", id, version), &c, "file version");
    if (rc == SB_STORE_OK) read_file(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_file_list(sb_store_tx *tx, int64_t project_id, int kind, bool with_content,
                       sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    const char *k = NULL;
    if (kind >= 0) {
        k = sb_store_file_kind_name((sb_store_file_kind)kind);
        if (!k) return st_fail(tx->s, SB_STORE_INVALID, "no such kind of file");
    }
    st_cur c;
    rc = st_query(tx, with_content ? Q_FILE_LIST_CONTENT : Q_FILE_LIST, &c, "is", project_id, k);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_file *f = sb_arena_alloc(tx->a, sizeof *f);
        read_file(tx, &c, f);
        sb_vec_push(tx->a, out, f);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_file_update(sb_store_tx *tx, sb_store_file *f)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    if (f->name) rc = st_check_ident(tx->s, "a file name", f->name);
    if (rc == SB_STORE_OK) rc = check_content(tx->s, f);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_FILE_UPDATE, Q_FILE_VERSION, f->id, &c, "ssiiii", f->name, f->content,
                    tx->actor, now, f->id, f->version);
    if (rc == SB_STORE_EXISTS) st_fail(tx->s, rc, "the project already has a file `%s`", f->name);
    if (rc != SB_STORE_OK) return rc;
    const char *name = st_col_str(tx, &c, 0);
    st_done(&c);
    rc = st_exec(tx, Q_FILE_HISTORY_ADD, NULL, "i", f->id);
    if (rc == SB_STORE_OK)
        rc = st_audit(tx, "update", "file", f->id, name, f->version, f->version + 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    f->name = name;
    f->version++;
    f->updated_by = tx->actor;
    f->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_file_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_FILE_DELETE, Q_FILE_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    const char *name = st_col_str(tx, &c, 0);
    st_done(&c);
    return st_audit(tx, "delete", "file", id, name, version, 0, NULL);
}
