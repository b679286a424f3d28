/*
 * team.c — teams: the unit that owns projects and fabrics, and that
 * decides whether data samples of its runs are kept.
 */
#include "store/store_internal.h"

static void read_team(sb_store_tx *tx, st_cur *c, sb_store_team *t)
{
    t->id = st_col_int(c, 0);
    t->name = st_col_str(tx, c, 1);
    t->samples_enabled = st_col_int(c, 2) != 0;
    t->version = st_col_int(c, 3);
    t->created_at = st_col_int(c, 4);
    t->updated_at = st_col_int(c, 5);
}

int sb_store_team_create(sb_store_tx *tx, sb_store_team *t)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_name(tx->s, "a team name", t->name);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_TEAM_CREATE, &id, "sbi", t->name, (int)t->samples_enabled, now);
    if (rc != SB_STORE_OK) return rc;
    rc = st_audit(tx, "create", "team", id, t->name, 0, 1,
                  t->samples_enabled ? "{\"samples_enabled\":true}" : NULL);
    if (rc != SB_STORE_OK) return rc;
    t->id = id;
    t->version = 1;
    t->created_at = t->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_team_get(sb_store_tx *tx, int64_t id, sb_store_team *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_TEAM_GET, &c, "i", id), &c, "team");
    if (rc == SB_STORE_OK) read_team(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_team_get_by_name(sb_store_tx *tx, const char *name, sb_store_team *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!name) return st_fail(tx->s, SB_STORE_INVALID, "no team name");
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_TEAM_GET_BY_NAME, &c, "s", name), &c, "team");
    if (rc == SB_STORE_OK) read_team(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_team_list(sb_store_tx *tx, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_TEAM_LIST, &c, "");
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_team *t = sb_arena_alloc(tx->a, sizeof *t);
        read_team(tx, &c, t);
        sb_vec_push(tx->a, out, t);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_team_update(sb_store_tx *tx, sb_store_team *t)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_name(tx->s, "a team name", t->name);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_TEAM_UPDATE, Q_TEAM_VERSION, t->id, &c, "sbiii", t->name,
                    (int)t->samples_enabled, now, t->id, t->version);
    if (rc != SB_STORE_OK) return rc;
    st_done(&c);
    /* Samples exist only while the team wants them. */
    if (!t->samples_enabled) {
        rc = st_exec(tx, Q_TEAM_PURGE_SAMPLES, NULL, "i", t->id);
        if (rc != SB_STORE_OK) return rc;
    }
    rc =
        st_audit(tx, "update", "team", t->id, t->name, t->version, t->version + 1,
                 t->samples_enabled ? "{\"samples_enabled\":true}" : "{\"samples_enabled\":false}");
    if (rc != SB_STORE_OK) return rc;
    t->version++;
    t->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_team_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_TEAM_DELETE, Q_TEAM_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    const char *name = st_col_str(tx, &c, 0);
    st_done(&c);
    return st_audit(tx, "delete", "team", id, name, version, 0, NULL);
}
