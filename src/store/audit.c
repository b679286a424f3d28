/*
 * audit.c — reading the audit log. Entries are written by every change
 * (st_audit, in the change's own transaction) and never altered.
 */
#include "store/store_internal.h"

int sb_store_audit_list(sb_store_tx *tx, const sb_store_audit_filter *f, const sb_store_page *page,
                        sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    sb_store_audit_filter none = {0};
    sb_store_page all = {0};
    if (!f) f = &none;
    if (!page) page = &all;
    int64_t limit = page->limit > 0 ? page->limit : INT64_MAX;
    st_cur c;
    rc = st_query(tx, page->newest_first ? Q_AUDIT_LIST_DESC : Q_AUDIT_LIST, &c, "siiii", f->kind,
                  f->object_id, f->actor_id, page->after_id, limit);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_audit *e = sb_arena_alloc(tx->a, sizeof *e);
        e->id = st_col_int(&c, 0);
        e->at = st_col_int(&c, 1);
        e->actor_id = st_col_int(&c, 2);
        e->action = st_col_str(tx, &c, 3);
        e->kind = st_col_str(tx, &c, 4);
        e->object_id = st_col_int(&c, 5);
        e->name = st_col_str(tx, &c, 6);
        e->version_before = st_col_int(&c, 7);
        e->version_after = st_col_int(&c, 8);
        e->detail = st_col_str(tx, &c, 9);
        sb_vec_push(tx->a, out, e);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}
