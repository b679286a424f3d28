/*
 * run.c — run history: who ran which version of which pipeline on which
 * fabric, how it went and what each gem did (rows, time); and the data
 * samples of a run, kept only for teams that turned samples on.
 *
 * A run names its pipeline and fabric by id and by name: the history stays
 * readable after either is deleted, so neither is a foreign key. Both are
 * checked when the run is created (same project, same team, same tenant).
 */
#include "store/store_internal.h"

#include <string.h>

static const char *const statuses[] = {"queued", "running",   "succeeded",
                                       "failed", "cancelled", "interrupted"};

static int check_status(sb_store *s, const char *status)
{
    for (size_t i = 0; status && i < SB_COUNTOF(statuses); i++)
        if (strcmp(status, statuses[i]) == 0) return SB_STORE_OK;
    return st_fail(s, SB_STORE_INVALID, "no run status `%s`", status ? status : "(none)");
}

static void read_run(sb_store_tx *tx, st_cur *c, sb_store_run *r)
{
    r->id = st_col_int(c, 0);
    r->project_id = st_col_int(c, 1);
    r->pipeline_id = st_col_int(c, 2);
    r->pipeline_version = st_col_int(c, 3);
    r->pipeline_name = st_col_str(tx, c, 4);
    r->fabric_id = st_col_int(c, 5);
    r->fabric_name = st_col_str(tx, c, 6);
    r->user_id = st_col_int(c, 7);
    r->config = st_col_str(tx, c, 8);
    r->status = st_col_str(tx, c, 9);
    r->message = st_col_str(tx, c, 10);
    r->metrics = st_col_str(tx, c, 11);
    r->owner = st_col_str(tx, c, 12);
    r->started_at = st_col_int(c, 13);
    r->finished_at = st_col_int(c, 14);
    r->version = st_col_int(c, 15);
    r->created_at = st_col_int(c, 16);
    r->updated_at = st_col_int(c, 17);
    r->cancel_requested = st_col_int(c, 18) != 0;
    r->heartbeat_at = st_col_int(c, 19);
}

static int check_texts(sb_store *s, const sb_store_run *r)
{
    int rc = check_status(s, r->status);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the message", r->message, false);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the metrics", r->metrics, false);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the owner", r->owner, false);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the configuration", r->config, false);
    return rc;
}

int sb_store_run_create(sb_store_tx *tx, sb_store_run *r)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!r->status) r->status = "queued";
    rc = check_texts(tx->s, r);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    /* The pipeline: a pipeline file of this project, at a version it had. */
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_RUN_PIPELINE, &c, "ii", r->pipeline_id, r->project_id), &c,
                  "pipeline in this project");
    const char *pipeline_name = NULL;
    int64_t current = 0;
    if (rc == SB_STORE_OK) {
        pipeline_name = st_col_str(tx, &c, 0);
        current = st_col_int(&c, 1);
    }
    st_done(&c);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t version = r->pipeline_version ? r->pipeline_version : current;
    if (version < 1 || version > current)
        return st_wdone(tx, st_fail(tx->s, SB_STORE_INVALID, "the pipeline has no version %lld",
                                    (long long)version));
    /* The fabric: one of the project's team. */
    const char *fabric_name = NULL;
    if (r->fabric_id) {
        rc = st_first(tx, st_query(tx, Q_RUN_FABRIC, &c, "ii", r->fabric_id, r->project_id), &c,
                      "fabric of this project's team");
        if (rc == SB_STORE_OK) fabric_name = st_col_str(tx, &c, 0);
        st_done(&c);
        if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    }
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_RUN_CREATE, &id, "iiisisisssssiii", r->project_id, r->pipeline_id, version,
                   pipeline_name, r->fabric_id, fabric_name, r->user_id, r->config, r->status,
                   r->message, r->metrics, r->owner, r->started_at, r->finished_at, now);
    if (rc != SB_STORE_OK) return rc;
    rc = st_audit(tx, "create", "run", id, pipeline_name, 0, 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    r->id = id;
    r->version = 1;
    r->pipeline_version = version;
    r->pipeline_name = pipeline_name;
    r->fabric_name = fabric_name;
    r->created_at = r->updated_at = r->heartbeat_at = now;
    r->cancel_requested = false;
    return SB_STORE_OK;
}

int sb_store_run_get(sb_store_tx *tx, int64_t id, sb_store_run *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_RUN_GET, &c, "i", id), &c, "run");
    if (rc == SB_STORE_OK) read_run(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_run_list(sb_store_tx *tx, const sb_store_run_filter *f, const sb_store_page *page,
                      sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    sb_store_run_filter none = {0};
    sb_store_page all = {0};
    if (!f) f = &none;
    if (!page) page = &all;
    int64_t limit = page->limit > 0 ? page->limit : INT64_MAX;
    st_cur c;
    rc = st_query(tx, page->newest_first ? Q_RUN_LIST_DESC : Q_RUN_LIST, &c, "iiisii",
                  f->project_id, f->pipeline_id, f->user_id, f->status, page->after_id, limit);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_run *r = sb_arena_alloc(tx->a, sizeof *r);
        read_run(tx, &c, r);
        sb_vec_push(tx->a, out, r);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_run_update(sb_store_tx *tx, sb_store_run *r)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_texts(tx->s, r);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_RUN_UPDATE, Q_RUN_VERSION, r->id, &c, "ssssiiiii", r->status, r->message,
                    r->metrics, r->owner, r->started_at, r->finished_at, now, r->id, r->version);
    if (rc != SB_STORE_OK) return rc;
    const char *name = st_col_str(tx, &c, 0);
    st_done(&c);
    const char *detail = sb_arena_printf(tx->a, "{\"status\":\"%s\"}", r->status);
    rc = st_audit(tx, "update", "run", r->id, name, r->version, r->version + 1, detail);
    if (rc != SB_STORE_OK) return rc;
    r->version++;
    r->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_run_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_RUN_DELETE, Q_RUN_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    const char *name = st_col_str(tx, &c, 0);
    st_done(&c);
    return st_audit(tx, "delete", "run", id, name, version, 0, NULL);
}

/* Audit the runs an interrupting statement returned (id, version,
 * pipeline name) and count them. */
static int audit_interrupted(sb_store_tx *tx, st_cur *c, int64_t *count)
{
    /* Collect first: the audit entries are written after the cursor ends. */
    sb_vec hit = {0};
    int rc;
    while ((rc = st_next(c)) == 1) {
        int64_t *row = sb_arena_alloc(tx->a, 2 * sizeof *row);
        row[0] = st_col_int(c, 0);
        row[1] = st_col_int(c, 1);
        sb_vec_push(tx->a, &hit, row);
        sb_vec_push(tx->a, &hit, (void *)st_col_str(tx, c, 2));
    }
    st_done(c);
    if (rc < 0) return rc;
    for (size_t i = 0; i + 1 < hit.len; i += 2) {
        int64_t *row = hit.items[i];
        rc = st_audit(tx, "interrupt", "run", row[0], hit.items[i + 1], row[1] - 1, row[1],
                      "{\"status\":\"interrupted\"}");
        if (rc != SB_STORE_OK) return rc;
    }
    *count = (int64_t)(hit.len / 2);
    return SB_STORE_OK;
}

int sb_store_run_interrupt_owned(sb_store_tx *tx, const char *owner, const char *message,
                                 int64_t *count)
{
    *count = 0;
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!owner) return st_wdone(tx, st_fail(tx->s, SB_STORE_INVALID, "no owner"));
    rc = st_check_text(tx->s, "the message", message, false);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    st_cur c;
    rc = st_query(tx, Q_RUN_INTERRUPT, &c, "ssi", owner, message, st_now_ms());
    return rc == SB_STORE_OK ? audit_interrupted(tx, &c, count) : rc;
}

int sb_store_run_interrupt_stale(sb_store_tx *tx, int64_t before, const char *message,
                                 int64_t *count)
{
    *count = 0;
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_text(tx->s, "the message", message, false);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    st_cur c;
    rc = st_query(tx, Q_RUN_INTERRUPT_STALE, &c, "isi", before, message, st_now_ms());
    return rc == SB_STORE_OK ? audit_interrupted(tx, &c, count) : rc;
}

int sb_store_run_live_owners(sb_store_tx *tx, sb_vec *owners)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_RUN_LIVE_OWNERS, &c, "");
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) sb_vec_push(tx->a, owners, (void *)st_col_str(tx, &c, 0));
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_run_heartbeat(sb_store_tx *tx, const char *owner, int64_t now)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!owner) return st_wdone(tx, st_fail(tx->s, SB_STORE_INVALID, "no owner"));
    return st_exec(tx, Q_RUN_HEARTBEAT, NULL, "si", owner, now);
}

int sb_store_run_count_live(sb_store_tx *tx, int64_t user_id, int64_t *tenant_runs,
                            int64_t *user_runs)
{
    *tenant_runs = *user_runs = 0;
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_exec(tx, Q_RUN_ADMIT_LOCK, NULL, "");
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_RUN_COUNT_LIVE, &c, "i", user_id), &c, "run count");
    if (rc == SB_STORE_OK) {
        *tenant_runs = st_col_int(&c, 0);
        *user_runs = st_col_int(&c, 1);
    }
    st_done(&c);
    return rc;
}

int sb_store_run_request_cancel(sb_store_tx *tx, int64_t id)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_RUN_CANCEL_REQUEST, &c, "i", id);
    if (rc != SB_STORE_OK) return rc;
    rc = st_next(&c);
    int64_t version = rc == 1 ? st_col_int(&c, 0) : 0;
    const char *name = rc == 1 ? st_col_str(tx, &c, 1) : NULL;
    st_done(&c);
    if (rc < 0) return rc;
    if (rc == 0) {
        /* No live run: none at all, or one that already ended. */
        rc = st_first(tx, st_query(tx, Q_RUN_VERSION, &c, "i", id), &c, "run");
        st_done(&c);
        if (rc == SB_STORE_OK) rc = st_fail(tx->s, SB_STORE_CONFLICT, "the run already ended");
        return st_wdone(tx, rc);
    }
    return st_audit(tx, "cancel", "run", id, name, version, version, NULL);
}

int sb_store_run_cancels_owned(sb_store_tx *tx, const char *owner, sb_vec *ids)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_RUN_CANCELS_OWNED, &c, "s", owner);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        int64_t *id = sb_arena_alloc(tx->a, sizeof *id);
        *id = st_col_int(&c, 0);
        sb_vec_push(tx->a, ids, id);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_run_event_add(sb_store_tx *tx, sb_store_run_event *e, int64_t run_id)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_text(tx->s, "the key id", e->key_id, true);
    if (rc == SB_STORE_OK && (!e->sealed || !e->sealed_len))
        rc = st_fail(tx->s, SB_STORE_INVALID, "the event is empty");
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    /* The run, in this tenant (the foreign key would only say "no"). */
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_RUN_VERSION, &c, "i", run_id), &c, "run");
    st_done(&c);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    return st_exec(tx, Q_EVENT_ADD, NULL, "iisx", run_id, e->seq, e->key_id,
                   (const void *)e->sealed, e->sealed_len);
}

int sb_store_run_event_list(sb_store_tx *tx, int64_t run_id, int64_t from_seq, int64_t limit,
                            sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_EVENT_LIST, &c, "iii", run_id, from_seq, limit > 0 ? limit : INT64_MAX);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_run_event *e = sb_arena_alloc(tx->a, sizeof *e);
        e->seq = st_col_int(&c, 0);
        e->key_id = st_col_str(tx, &c, 1);
        e->sealed = st_col_blob(tx, &c, 2, &e->sealed_len);
        sb_vec_push(tx->a, out, e);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_run_event_purge(sb_store_tx *tx, int64_t finished_before, int64_t *count)
{
    *count = 0;
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    return st_exec(tx, Q_EVENT_PURGE, count, "i", finished_before);
}

int sb_store_sample_add(sb_store_tx *tx, sb_store_sample *smp)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_text(tx->s, "the gem", smp->gem, true);
    if (rc == SB_STORE_OK) rc = st_check_text(tx->s, "the port", smp->port, true);
    if (rc == SB_STORE_OK) rc = st_check_text(tx->s, "the rows", smp->rows, true);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_query(tx, Q_SAMPLE_ADD, &c, "isssi", smp->run_id, smp->gem, smp->port, smp->rows, now);
    if (rc != SB_STORE_OK) return rc;
    rc = st_next(&c);
    int64_t id = rc == 1 ? st_col_int(&c, 0) : 0;
    st_done(&c);
    if (rc < 0) return rc;
    if (rc == 0) {
        /* Nothing written: either no such run here, or its team keeps no
         * samples. */
        rc = st_first(tx, st_query(tx, Q_RUN_VERSION, &c, "i", smp->run_id), &c, "run");
        st_done(&c);
        if (rc == SB_STORE_OK)
            rc = st_fail(tx->s, SB_STORE_DISABLED, "the run's team does not keep samples");
        return st_wdone(tx, rc);
    }
    const char *name = sb_arena_printf(tx->a, "%s.%s", smp->gem, smp->port);
    rc = st_audit(tx, "create", "sample", id, name, 0, 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    smp->id = id;
    smp->created_at = now;
    return SB_STORE_OK;
}

int sb_store_sample_list(sb_store_tx *tx, int64_t run_id, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_SAMPLE_LIST, &c, "i", run_id);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_sample *smp = sb_arena_alloc(tx->a, sizeof *smp);
        smp->id = st_col_int(&c, 0);
        smp->run_id = st_col_int(&c, 1);
        smp->gem = st_col_str(tx, &c, 2);
        smp->port = st_col_str(tx, &c, 3);
        smp->rows = st_col_str(tx, &c, 4);
        smp->created_at = st_col_int(&c, 5);
        sb_vec_push(tx->a, out, smp);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}
