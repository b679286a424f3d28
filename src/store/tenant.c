/*
 * tenant.c — tenants: the installation-wide functions (create, find by
 * slug, enumerate) and the tenant's own record inside a transaction.
 *
 * The installation-wide functions are the only ones that run without a
 * tenant; they read and write the tenants table alone (and the new
 * tenant's first audit entry).
 */
#include "store/store_internal.h"

#include <string.h>

static void read_tenant(sb_store_tx *tx, st_cur *c, sb_store_tenant *t)
{
    t->id = st_col_int(c, 0);
    t->slug = st_col_str(tx, c, 1);
    t->name = st_col_str(tx, c, 2);
    t->version = st_col_int(c, 3);
    t->created_at = st_col_int(c, 4);
    t->updated_at = st_col_int(c, 5);
}

static int check_slug(sb_store *s, const char *slug)
{
    if (!slug || !*slug) return st_fail(s, SB_STORE_INVALID, "a tenant needs a slug");
    size_t n = strlen(slug);
    if (n > 63) return st_fail(s, SB_STORE_INVALID, "a tenant slug is at most 63 bytes");
    for (size_t i = 0; i < n; i++) {
        char ch = slug[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  (ch == '-' && i > 0 && i + 1 < n);
        if (!ok)
            return st_fail(s, SB_STORE_INVALID,
                           "tenant slug `%s`: use lower-case letters, digits and inner '-'", slug);
    }
    return SB_STORE_OK;
}

int sb_store_tenant_create(sb_store *s, sb_arena *a, sb_store_tenant *t)
{
    if (s->tx.active) return st_fail(s, SB_STORE_INVALID, "a transaction is open");
    int rc = check_slug(s, t->slug);
    if (rc == SB_STORE_OK) rc = st_check_name(s, "a tenant name", t->name);
    if (rc != SB_STORE_OK) return rc;
    rc = s->be->begin(s, SB_STORE_WRITE);
    if (rc != SB_STORE_OK) return rc;
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_query_sys(s, Q_TENANT_CREATE, &c, "ssi", t->slug, t->name, now);
    int64_t id = 0;
    if (rc == SB_STORE_OK) {
        rc = st_next(&c);
        id = rc == 1 ? st_col_int(&c, 0) : 0;
        rc = rc == 1 ? SB_STORE_OK : rc == 0 ? st_fail(s, SB_STORE_ERROR, "no tenant id") : rc;
    }
    st_done(&c);
    if (rc == SB_STORE_OK) {
        rc = st_query_sys(s, Q_TENANT_AUDIT, &c, "iis", id, now, t->slug);
        st_done(&c);
    }
    if (rc == SB_STORE_OK) rc = s->be->commit(s);
    if (rc != SB_STORE_OK) {
        s->be->rollback(s);
        if (rc == SB_STORE_EXISTS)
            st_fail(s, rc, "a tenant with the slug `%s` already exists", t->slug);
        return rc;
    }
    t->id = id;
    t->version = 1;
    t->created_at = t->updated_at = now;
    t->slug = sb_arena_strdup(a, t->slug);
    t->name = sb_arena_strdup(a, t->name);
    return SB_STORE_OK;
}

int sb_store_tenant_find(sb_store *s, const char *slug, int64_t *id)
{
    *id = 0;
    if (!slug) return st_fail(s, SB_STORE_INVALID, "no slug");
    st_cur c;
    int rc = st_query_sys(s, Q_TENANT_FIND, &c, "s", slug);
    if (rc == SB_STORE_OK) {
        rc = st_next(&c);
        if (rc == 1) *id = st_col_int(&c, 0);
        rc = rc == 1   ? SB_STORE_OK
             : rc == 0 ? st_fail(s, SB_STORE_NOT_FOUND, "no tenant `%s`", slug)
                       : rc;
    }
    st_done(&c);
    return rc;
}

int sb_store_tenant_ids(sb_store *s, sb_arena *a, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    st_cur c;
    int rc = st_query_sys(s, Q_TENANT_IDS, &c, "");
    if (rc != SB_STORE_OK) return rc;
    size_t cap = 0;
    int64_t *v = NULL;
    while ((rc = st_next(&c)) == 1) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            v = sb_arena_realloc(a, v, cap * sizeof *v, ncap * sizeof *v);
            cap = ncap;
        }
        v[(*n)++] = st_col_int(&c, 0);
    }
    st_done(&c);
    *ids = v;
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_tenant_get(sb_store_tx *tx, sb_store_tenant *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_TENANT_GET, &c, ""), &c, "tenant");
    if (rc == SB_STORE_OK) read_tenant(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_tenant_update(sb_store_tx *tx, sb_store_tenant *t)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_name(tx->s, "a tenant name", t->name);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_TENANT_UPDATE, Q_TENANT_VERSION, tx->tenant, &c, "sii", t->name, now,
                    t->version);
    if (rc != SB_STORE_OK) return rc;
    const char *slug = st_col_str(tx, &c, 0);
    st_done(&c);
    rc = st_audit(tx, "update", "tenant", tx->tenant, slug, t->version, t->version + 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    t->id = tx->tenant;
    t->slug = slug;
    t->version++;
    t->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_tenant_delete(sb_store_tx *tx, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_TENANT_DELETE, Q_TENANT_VERSION, tx->tenant, &c, "i", version);
    if (rc != SB_STORE_OK) return rc;
    const char *slug = st_col_str(tx, &c, 0);
    st_done(&c);
    return st_audit(tx, "delete", "tenant", tx->tenant, slug, version, 0, NULL);
}
