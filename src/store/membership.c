/*
 * membership.c — who may do what: a user's role on a team, or tenant-wide
 * (tenant_admin). The store keeps roles and answers "what governs this
 * user on this team" in one query; deciding what a role permits is the
 * auth layer's.
 */
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const role_names[] = {
    [SB_ROLE_NONE] = "none",
    [SB_ROLE_VIEWER] = "viewer",
    [SB_ROLE_MEMBER] = "member",
    [SB_ROLE_TEAM_ADMIN] = "team_admin",
    [SB_ROLE_TENANT_ADMIN] = "tenant_admin",
};

const char *sb_store_role_name(sb_store_role r)
{
    return (unsigned)r < SB_COUNTOF(role_names) ? role_names[r] : "none";
}

int sb_store_role_parse(const char *s, sb_store_role *out)
{
    for (size_t i = 1; s && i < SB_COUNTOF(role_names); i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (sb_store_role)i;
            return SB_STORE_OK;
        }
    }
    *out = SB_ROLE_NONE;
    return SB_STORE_INVALID;
}

static void read_member(sb_store_tx *tx, st_cur *c, sb_store_membership *m)
{
    m->id = st_col_int(c, 0);
    m->user_id = st_col_int(c, 1);
    m->team_id = st_col_null(c, 2) ? 0 : st_col_int(c, 2);
    const char *role = st_col_str(tx, c, 3);
    sb_store_role_parse(role, &m->role);
    m->version = st_col_int(c, 4);
    m->created_at = st_col_int(c, 5);
    m->updated_at = st_col_int(c, 6);
}

/* Tenant-wide rows hold tenant_admin and nothing else; team rows any of
 * the three team roles. */
static int check_scope(sb_store *s, int64_t team_id, sb_store_role role)
{
    if (team_id == 0 && role != SB_ROLE_TENANT_ADMIN)
        return st_fail(s, SB_STORE_INVALID, "a tenant-wide membership must be tenant_admin");
    if (team_id != 0 && (role < SB_ROLE_VIEWER || role > SB_ROLE_TEAM_ADMIN))
        return st_fail(s, SB_STORE_INVALID, "a team membership is viewer, member or team_admin");
    return SB_STORE_OK;
}

static void detail_of(char *buf, size_t n, int64_t team_id, sb_store_role role)
{
    snprintf(buf, n, "{\"role\":\"%s\",\"team_id\":%lld}", sb_store_role_name(role),
             (long long)team_id);
}

int sb_store_membership_create(sb_store_tx *tx, sb_store_membership *m)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_scope(tx->s, m->team_id, m->role);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_MEMBER_CREATE, &id, "izsi", m->user_id, m->team_id,
                   sb_store_role_name(m->role), now);
    if (rc == SB_STORE_EXISTS)
        st_fail(tx->s, rc, "the user already has a role %s", m->team_id ? "on this team" : "here");
    if (rc != SB_STORE_OK) return rc;
    char detail[96];
    detail_of(detail, sizeof detail, m->team_id, m->role);
    char name[48];
    snprintf(name, sizeof name, "user %lld", (long long)m->user_id);
    rc = st_audit(tx, "create", "membership", id, name, 0, 1, detail);
    if (rc != SB_STORE_OK) return rc;
    m->id = id;
    m->version = 1;
    m->created_at = m->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_membership_get(sb_store_tx *tx, int64_t user_id, int64_t team_id,
                            sb_store_membership *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    if (team_id)
        rc = st_query(tx, Q_MEMBER_GET_TEAM, &c, "ii", user_id, team_id);
    else
        rc = st_query(tx, Q_MEMBER_GET_TENANT, &c, "i", user_id);
    rc = st_first(tx, rc, &c, "membership");
    if (rc == SB_STORE_OK) read_member(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_membership_list(sb_store_tx *tx, int64_t user_id, int64_t team_id, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_MEMBER_LIST, &c, "ii", user_id, team_id);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_membership *m = sb_arena_alloc(tx->a, sizeof *m);
        read_member(tx, &c, m);
        sb_vec_push(tx->a, out, m);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_membership_update(sb_store_tx *tx, sb_store_membership *m)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    if (m->role < SB_ROLE_VIEWER || m->role > SB_ROLE_TENANT_ADMIN)
        return st_wdone(tx, st_fail(tx->s, SB_STORE_INVALID, "no such role"));
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_MEMBER_UPDATE, Q_MEMBER_VERSION, m->id, &c, "siii",
                    sb_store_role_name(m->role), now, m->id, m->version);
    if (rc != SB_STORE_OK) {
        if (rc == SB_STORE_INVALID) check_scope(tx->s, m->team_id, m->role);
        return rc;
    }
    int64_t user_id = st_col_int(&c, 0);
    int64_t team_id = st_col_null(&c, 1) ? 0 : st_col_int(&c, 1);
    st_done(&c);
    /* The database refuses a role outside its scope (a CHECK); say why. */
    rc = check_scope(tx->s, team_id, m->role);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    char detail[96], name[48];
    detail_of(detail, sizeof detail, team_id, m->role);
    snprintf(name, sizeof name, "user %lld", (long long)user_id);
    rc = st_audit(tx, "update", "membership", m->id, name, m->version, m->version + 1, detail);
    if (rc != SB_STORE_OK) return rc;
    m->user_id = user_id;
    m->team_id = team_id;
    m->version++;
    m->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_membership_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_MEMBER_DELETE, Q_MEMBER_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    int64_t user_id = st_col_int(&c, 0);
    int64_t team_id = st_col_null(&c, 1) ? 0 : st_col_int(&c, 1);
    sb_store_role role = SB_ROLE_NONE;
    sb_store_role_parse(st_col_str(tx, &c, 2), &role);
    st_done(&c);
    char detail[96], name[48];
    detail_of(detail, sizeof detail, team_id, role);
    snprintf(name, sizeof name, "user %lld", (long long)user_id);
    return st_audit(tx, "delete", "membership", id, name, version, 0, detail);
}

int sb_store_role_for(sb_store_tx *tx, int64_t user_id, int64_t team_id, sb_store_role *out)
{
    *out = SB_ROLE_NONE;
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_ROLE_FOR, &c, "ii", user_id, team_id);
    if (rc != SB_STORE_OK) return rc;
    sb_store_role best = SB_ROLE_NONE;
    bool disabled = false;
    while ((rc = st_next(&c)) == 1) {
        if (st_col_int(&c, 0)) disabled = true;
        if (st_col_null(&c, 1)) continue;
        /* Compared in place: this runs on every authenticated request. */
        size_t n = 0;
        const char *name = c.s->be->col_bytes(&c, 1, &n);
        for (size_t i = 1; i < SB_COUNTOF(role_names); i++)
            if (strlen(role_names[i]) == n && memcmp(name, role_names[i], n) == 0 &&
                (sb_store_role)i > best)
                best = (sb_store_role)i;
    }
    st_done(&c);
    if (rc < 0) return rc;
    *out = disabled ? SB_ROLE_NONE : best;
    return SB_STORE_OK;
}
