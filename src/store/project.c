/*
 * project.c — projects: a team's named set of pipelines, datasets,
 * configurations and subgraphs, with its manifest (sibyl.json) as text.
 */
#include "store/store_internal.h"

static void read_project(sb_store_tx *tx, st_cur *c, sb_store_project *p)
{
    p->id = st_col_int(c, 0);
    p->team_id = st_col_int(c, 1);
    p->name = st_col_str(tx, c, 2);
    p->description = st_col_str(tx, c, 3);
    p->manifest = st_col_str(tx, c, 4);
    p->version = st_col_int(c, 5);
    p->created_at = st_col_int(c, 6);
    p->updated_at = st_col_int(c, 7);
}

static int check_project(sb_store *s, const sb_store_project *p)
{
    int rc = st_check_ident(s, "a project name", p->name);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the description", p->description, false);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the manifest", p->manifest, false);
    return rc;
}

int sb_store_project_create(sb_store_tx *tx, sb_store_project *p)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_project(tx->s, p);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_PROJECT_CREATE, &id, "isssi", p->team_id, p->name, p->description,
                   p->manifest, now);
    if (rc == SB_STORE_EXISTS) st_fail(tx->s, rc, "the team already has a project `%s`", p->name);
    if (rc == SB_STORE_NOT_FOUND) st_fail(tx->s, rc, "no such team");
    if (rc != SB_STORE_OK) return rc;
    rc = st_audit(tx, "create", "project", id, p->name, 0, 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    p->id = id;
    p->version = 1;
    p->created_at = p->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_project_get(sb_store_tx *tx, int64_t id, sb_store_project *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_PROJECT_GET, &c, "i", id), &c, "project");
    if (rc == SB_STORE_OK) read_project(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_project_get_by_name(sb_store_tx *tx, int64_t team_id, const char *name,
                                 sb_store_project *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!name) return st_fail(tx->s, SB_STORE_INVALID, "no project name");
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_PROJECT_GET_BY_NAME, &c, "is", team_id, name), &c, "project");
    if (rc == SB_STORE_OK) read_project(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_project_list(sb_store_tx *tx, int64_t team_id, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_PROJECT_LIST, &c, "i", team_id);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_project *p = sb_arena_alloc(tx->a, sizeof *p);
        read_project(tx, &c, p);
        sb_vec_push(tx->a, out, p);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_project_update(sb_store_tx *tx, sb_store_project *p)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_project(tx->s, p);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_PROJECT_UPDATE, Q_PROJECT_VERSION, p->id, &c, "isssiii", p->team_id,
                    p->name, p->description, p->manifest, now, p->id, p->version);
    if (rc != SB_STORE_OK) return rc;
    st_done(&c);
    rc = st_audit(tx, "update", "project", p->id, p->name, p->version, p->version + 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    p->version++;
    p->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_project_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_PROJECT_DELETE, Q_PROJECT_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    const char *name = st_col_str(tx, &c, 0);
    st_done(&c);
    return st_audit(tx, "delete", "project", id, name, version, 0, NULL);
}
