/*
 * fabric.c — a team's fabrics (where its pipelines run), kept as the
 * canonical definition JSON that `sibyl fabric add` writes. Secrets are
 * never part of a definition: each user's own secret for a fabric is a
 * credential (credential.c).
 */
#include "store/store_internal.h"

static void read_fabric(sb_store_tx *tx, st_cur *c, sb_store_fabric *f)
{
    f->id = st_col_int(c, 0);
    f->team_id = st_col_int(c, 1);
    f->name = st_col_str(tx, c, 2);
    f->definition = st_col_str(tx, c, 3);
    f->version = st_col_int(c, 4);
    f->created_at = st_col_int(c, 5);
    f->updated_at = st_col_int(c, 6);
}

static int check_fabric(sb_store *s, const sb_store_fabric *f)
{
    int rc = st_check_ident(s, "a fabric name", f->name);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the fabric definition", f->definition, true);
    return rc;
}

int sb_store_fabric_create(sb_store_tx *tx, sb_store_fabric *f)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_fabric(tx->s, f);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_FABRIC_CREATE, &id, "issi", f->team_id, f->name, f->definition, now);
    if (rc == SB_STORE_EXISTS) st_fail(tx->s, rc, "the team already has a fabric `%s`", f->name);
    if (rc == SB_STORE_NOT_FOUND) st_fail(tx->s, rc, "no such team");
    if (rc != SB_STORE_OK) return rc;
    rc = st_audit(tx, "create", "fabric", id, f->name, 0, 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    f->id = id;
    f->version = 1;
    f->created_at = f->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_fabric_get(sb_store_tx *tx, int64_t id, sb_store_fabric *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_FABRIC_GET, &c, "i", id), &c, "fabric");
    if (rc == SB_STORE_OK) read_fabric(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_fabric_get_by_name(sb_store_tx *tx, int64_t team_id, const char *name,
                                sb_store_fabric *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!name) return st_fail(tx->s, SB_STORE_INVALID, "no fabric name");
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_FABRIC_GET_BY_NAME, &c, "is", team_id, name), &c, "fabric");
    if (rc == SB_STORE_OK) read_fabric(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_fabric_list(sb_store_tx *tx, int64_t team_id, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_FABRIC_LIST, &c, "i", team_id);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_fabric *f = sb_arena_alloc(tx->a, sizeof *f);
        read_fabric(tx, &c, f);
        sb_vec_push(tx->a, out, f);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_fabric_update(sb_store_tx *tx, sb_store_fabric *f)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_fabric(tx->s, f);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_FABRIC_UPDATE, Q_FABRIC_VERSION, f->id, &c, "issiii", f->team_id, f->name,
                    f->definition, now, f->id, f->version);
    if (rc != SB_STORE_OK) return rc;
    st_done(&c);
    rc = st_audit(tx, "update", "fabric", f->id, f->name, f->version, f->version + 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    f->version++;
    f->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_fabric_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_FABRIC_DELETE, Q_FABRIC_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    const char *name = st_col_str(tx, &c, 0);
    st_done(&c);
    return st_audit(tx, "delete", "fabric", id, name, version, 0, NULL);
}
