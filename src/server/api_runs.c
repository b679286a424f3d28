/*
 * api_runs.c — pipeline work over HTTP: the generated code of a pipeline,
 * and interactive runs on a fabric of the project's team (start, read,
 * list, cancel, and their events as Server-Sent Events).
 *
 * A run is checked here, on the request thread (the caller's role, the
 * pipeline plans and generates, the fabric is usable, the caller has a
 * credential for it, the limits allow another run), its row is written as
 * `queued` together with a snapshot of the project's files, and runs.c
 * executes it on a worker. Whoever may read a project may read its runs;
 * members start runs; the user who started a run, or a team admin, may
 * cancel it. Anyone else, and any caller from another tenant, gets 404.
 */
#include "codegen/codegen.h"
#include "server/server_internal.h"
#include "spec/spec.h"

#include <stdlib.h>
#include <string.h>

enum { DEFAULT_SAMPLE_ROWS = 20, MAX_CONF = 100, PAGE_DEFAULT = 50, PAGE_MAX = 200 };

static void diags_answer(sb_req *r, int status, sb_diags *d, const char *code, const char *message)
{
    sb_diags_sort(d);
    r->status = status;
    r->content_type = "application/json";
    sb_buf_reset(&r->out);
    sb_buf_puts(&r->out, "{\"error\":{\"code\":");
    sb_json_write_string(&r->out, code, strlen(code));
    sb_buf_puts(&r->out, ",\"message\":");
    sb_json_write_string(&r->out, message, strlen(message));
    sb_buf_printf(&r->out, "},\"errors\":%zu,\"warnings\":%zu,\"diagnostics\":", d->errors,
                  d->warnings);
    sb_diags_format_json(&r->out, d);
    while (r->out.len && r->out.data[r->out.len - 1] == '\n') r->out.data[--r->out.len] = 0;
    sb_buf_puts(&r->out, "}\n");
}

static sb_pipeline *find_pipeline(sb_project *p, const char *name)
{
    for (size_t i = 0; p && i < p->npipelines; i++)
        if (strcmp(p->pipelines[i]->name, name) == 0) return p->pipelines[i];
    return NULL;
}

/* Plan pipeline `name` of a project built from `files` and generate it.
 * false after answering 422 with the diagnostics. */
static bool generate(sb_req *r, const sb_store_project *sp, const sb_vec *files, const char *name,
                     const char *config, const sb_codegen_options *co, sb_pipeline **pl_out,
                     sb_gen_files *out)
{
    sb_diags all;
    sb_diags_init(&all, r->a);
    sb_project *p =
        sb_api_project_from_files(r->a, sp->name, sp->manifest, files, NULL, NULL, 0, &all);
    if (!p) {
        sb_req_error(r, 500, "internal", "the project cannot be built");
        return false;
    }
    sb_pipeline *pl = find_pipeline(p, name);
    sb_plan_options opt = {.no_infer = true, .config = config};
    if (pl) sb_plan_pipeline(r->a, p, pl, &opt, &all);
    /* What concerns this pipeline: its own file and the files it uses,
     * not the problems of sibling pipelines. */
    const char *own = sb_arena_printf(r->a, "pipelines/%s.json", name);
    sb_diags d;
    sb_diags_init(&d, r->a);
    for (size_t i = 0; i < sb_diags_count(&all); i++) {
        sb_diag *g = sb_diags_at(&all, i);
        if (g->file && strncmp(g->file, "pipelines/", 10) == 0 && strcmp(g->file, own) != 0)
            continue;
        sb_vec_push(r->a, &d.items, g);
        if (g->severity == SB_SEV_ERROR) d.errors++;
        if (g->severity == SB_SEV_WARNING) d.warnings++;
    }
    if (!pl || d.errors) {
        diags_answer(r, 422, &d, "invalid_pipeline",
                     pl ? "the pipeline has errors; fix them first" : "the pipeline does not load");
        return false;
    }
    if (sb_codegen_pipeline(r->a, p, pl, co, out, &d) != 0) {
        diags_answer(r, 422, &d, "not_generated", "the pipeline cannot be generated");
        return false;
    }
    if (pl_out) *pl_out = pl;
    return true;
}

/* The project's files with pipeline `name` replaced by `text`. */
static const sb_vec *files_with(sb_arena *a, const sb_vec *files, const char *name,
                                const char *text)
{
    sb_vec *v = sb_arena_alloc(a, sizeof *v);
    for (size_t i = 0; i < files->len; i++) {
        const sb_store_file *f = files->items[i];
        if (f->kind == SB_FILE_PIPELINE && strcmp(f->name, name) == 0) {
            sb_store_file *g = sb_arena_alloc(a, sizeof *g);
            *g = *f;
            g->content = text;
            g->content_len = strlen(text);
            f = g;
        }
        sb_vec_push(a, v, (void *)f);
    }
    return v;
}

/* ---- GET /projects/{id}/pipelines/{name}/code ------------------------------ */

void sb_api_pipeline_code(sb_req *r)
{
    int64_t pid;
    if (!sb_req_param_id(r, 0, &pid)) return;
    const char *name = r->params[1];
    const char *target = sb_req_query(r, "target");
    const char *instr = sb_req_query(r, "instrumented");
    sb_codegen_options co = {.target = SB_CODEGEN_PYSPARK};
    if (target && strcmp(target, "sql") == 0)
        co.target = SB_CODEGEN_SQL;
    else if (target && strcmp(target, "pyspark") != 0)
        return sb_req_error(r, 400, "invalid",
                            "query parameter `target` is pyspark or sql, not `%s`", target);
    if (instr) {
        if (strcmp(instr, "true") != 0 && strcmp(instr, "false") != 0)
            return sb_req_error(r, 400, "invalid",
                                "query parameter `instrumented` is true or false");
        co.instrumented = strcmp(instr, "true") == 0;
        if (co.instrumented && co.target == SB_CODEGEN_SQL)
            return sb_req_error(r, 400, "invalid",
                                "the instrumented variant exists for the pyspark target only");
    }
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_project sp;
    if (!sb_api_project_access(r, tx, pid, SB_ROLE_VIEWER, &sp)) return sb_store_rollback(tx);
    sb_store_file f;
    int rc = sb_store_file_get_by_name(tx, pid, SB_FILE_PIPELINE, name, &f);
    sb_vec files = {0};
    if (rc == SB_STORE_OK) rc = sb_store_file_list(tx, pid, -1, true, &files);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, "pipeline");
    sb_gen_files out = {0};
    if (!generate(r, &sp, &files, name, sb_req_query(r, "config"), &co, NULL, &out)) return;
    sb_buf *b = &r->out;
    r->status = 200;
    r->content_type = "application/json";
    sb_buf_reset(b);
    sb_buf_puts(b, "{\"pipeline\":");
    sb_json_write_string(b, name, strlen(name));
    sb_buf_printf(b, ",\"pipeline_version\":%lld,\"target\":\"%s\",\"instrumented\":%s,\"files\":{",
                  (long long)f.version, co.target == SB_CODEGEN_SQL ? "sql" : "pyspark",
                  co.instrumented ? "true" : "false");
    for (size_t i = 0; i < out.len; i++) {
        if (i) sb_buf_putc(b, ',');
        sb_json_write_string(b, out.items[i].path, strlen(out.items[i].path));
        sb_buf_putc(b, ':');
        sb_json_write_string(b, out.items[i].text, out.items[i].len);
    }
    sb_buf_puts(b, "}}\n");
}

/* ---- runs as JSON ---------------------------------------------------------------- */

static sb_json *run_json(sb_req *r, const sb_store_run *run, bool with_metrics)
{
    sb_arena *a = r->a;
    const char *status = run->status, *metrics = run->metrics;
    /* The row is written before the run leaves memory: a final status in
     * the store wins over the live one. */
    bool live = !sb_runs_status_final(run->status) &&
                sb_runs_live_state(r->srv, r->who.tenant_id, run->id, a, &status, &metrics);
    sb_json *o = sb_json_new_object(a);
    sb_js_set_int(a, o, "id", run->id);
    sb_js_set_int(a, o, "version", run->version);
    sb_js_set_int(a, o, "project_id", run->project_id);
    sb_js_set_str(a, o, "pipeline", run->pipeline_name);
    sb_js_set_int(a, o, "pipeline_id", run->pipeline_id);
    sb_js_set_int(a, o, "pipeline_version", run->pipeline_version);
    sb_js_set_str(a, o, "fabric", run->fabric_name);
    sb_js_set_int(a, o, "fabric_id", run->fabric_id);
    sb_js_set_int(a, o, "user_id", run->user_id);
    sb_js_set_str(a, o, "config", run->config);
    sb_js_set_str(a, o, "status", status);
    sb_js_set_str(a, o, "message", run->message);
    sb_js_set_bool(a, o, "live", live);
    sb_js_set_bool(a, o, "cancel_requested", run->cancel_requested);
    if (with_metrics) {
        sb_json *m = NULL;
        if (metrics) {
            sb_diags d;
            sb_diags_init(&d, a);
            m = sb_json_parse(a, metrics, strlen(metrics), &d);
        }
        sb_json_object_set(a, o, "metrics", m ? m : sb_json_new_null(a));
    }
    sb_js_set_time(a, o, "created_at", run->created_at);
    sb_js_set_time(a, o, "started_at", run->started_at);
    sb_js_set_time(a, o, "finished_at", run->finished_at);
    sb_js_set_str(a, o, "events",
                  sb_arena_printf(a, "/api/v1/runs/%lld/events", (long long)run->id));
    return o;
}

/* The run and the caller's role on its project's team. false after
 * answering 404 (no such run, or no role at all). */
static bool run_access(sb_req *r, sb_store_tx *tx, int64_t id, sb_store_run *run,
                       sb_store_project *p, sb_store_role *role)
{
    int rc = sb_store_run_get(tx, id, run);
    if (rc == SB_STORE_OK) rc = sb_store_project_get(tx, run->project_id, p);
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "run");
        return false;
    }
    *role = SB_ROLE_NONE;
    sb_store_role_for(tx, r->who.user_id, p->team_id, role);
    if (*role == SB_ROLE_NONE) {
        sb_req_error(r, 404, "not_found", "no such run");
        return false;
    }
    return true;
}

/* The run named by the path, read with run_access in its own read
 * transaction. false after answering. */
static bool load_run(sb_req *r, int64_t *id, sb_store_run *run, sb_store_project *p,
                     sb_store_role *role)
{
    if (!sb_req_param_id(r, 0, id)) return false;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return false;
    bool ok = run_access(r, tx, *id, run, p, role);
    sb_store_rollback(tx);
    return ok;
}

/* ---- POST /projects/{id}/pipelines/{name}/runs ------------------------------------ */

/* Plaintext secrets live in the request's arena: wipe them when done. */
static void wipe(const char *secret)
{
    if (secret) explicit_bzero((char *)secret, strlen(secret));
}

/* The caller's secret for a fabric that needs one; false after answering. */
static bool fabric_secret(sb_req *r, sb_store_tx *tx, const sb_store_fabric *fab,
                          const char **secret)
{
    int rc = sb_server_fabric_secret(r->srv, tx, r->a, r->who.user_id, fab->id, secret);
    if (rc == SB_STORE_OK) return true;
    if (rc == SB_STORE_NOT_FOUND)
        sb_req_error(r, 409, "no_credential",
                     "fabric `%s` signs in with your own credential, and you have none for it; "
                     "set yours with PUT /api/v1/fabrics/%lld/credential",
                     fab->name, (long long)fab->id);
    else if (rc == SB_SECRET_UNREADABLE)
        sb_req_error(r, 409, "credential_unreadable",
                     "your credential for fabric `%s` cannot be opened with the server's keys; "
                     "set it again with PUT /api/v1/fabrics/%lld/credential",
                     fab->name, (long long)fab->id);
    else
        sb_req_store_error(r, rc, "credential");
    return false;
}

/* The `conf` member: configuration overrides as NAME=VALUE texts. */
static bool conf_overrides(sb_req *r, const sb_json *b, sb_vec *out)
{
    const sb_json *c = sb_json_get(b, "conf");
    if (!c || c->kind == SB_JSON_NULL) return true;
    if (c->kind != SB_JSON_OBJECT) {
        sb_req_error(r, 400, "wrong_type", "field `conf` must be an object, not %s",
                     sb_json_kind_name(c->kind));
        return false;
    }
    if (c->u.object.len > MAX_CONF) {
        sb_req_error(r, 400, "invalid", "field `conf` has more than %d members", MAX_CONF);
        return false;
    }
    for (size_t i = 0; i < c->u.object.len; i++) {
        const sb_json_member *m = &c->u.object.members[i];
        if (!sb_spec_is_name(m->key)) {
            sb_req_error(r, 400, "invalid", "conf: `%s` is not a configuration variable name",
                         m->key);
            return false;
        }
        const sb_json *v = m->value;
        const char *text;
        if (v->kind == SB_JSON_STRING && strlen(v->u.string.s) == v->u.string.len)
            text = v->u.string.s;
        else if (v->kind == SB_JSON_NUMBER)
            text = sb_arena_strndup(r->a, v->u.number.text, v->u.number.len);
        else if (v->kind == SB_JSON_BOOL)
            text = v->u.boolean ? "true" : "false";
        else {
            sb_req_error(r, 400, "wrong_type",
                         "field `conf.%s` must be a string, a number or a boolean", m->key);
            return false;
        }
        sb_vec_push(r->a, out, sb_arena_printf(r->a, "%s=%s", m->key, text));
    }
    return true;
}

void sb_api_run_start(sb_req *r)
{
    int64_t pid;
    if (!sb_req_param_id(r, 0, &pid)) return;
    const char *name = r->params[1];
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    const char *fabric = NULL, *until = NULL, *config = NULL;
    int64_t rows = DEFAULT_SAMPLE_ROWS;
    if (!sb_req_field_str(r, b, "fabric", true, &fabric) ||
        !sb_req_field_str(r, b, "until", false, &until) ||
        !sb_req_field_str(r, b, "config", false, &config) ||
        !sb_req_field_int(r, b, "rows", false, &rows))
        return;
    unsigned max_rows = r->srv->cfg.run_sample_rows;
    if (rows < 0 || rows > (int64_t)max_rows)
        return sb_req_error(r, 400, "invalid", "field `rows` must be between 0 and %u", max_rows);
    if (config && !sb_spec_is_name(config))
        return sb_req_error(r, 400, "invalid", "field `config` must be a configuration name");
    sb_vec conf = {0};
    if (!conf_overrides(r, b, &conf)) return;
    for (size_t i = 0; i < b->u.object.len; i++) {
        const char *k = b->u.object.members[i].key;
        if (strcmp(k, "fabric") && strcmp(k, "until") && strcmp(k, "config") && strcmp(k, "rows") &&
            strcmp(k, "conf"))
            return sb_req_error(r, 400, "invalid",
                                "unknown field `%s` (fabric, until, rows, config, conf)", k);
    }

    /* Read what the run needs, check it without holding the store, then
     * write the run. */
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_project sp;
    if (!sb_api_project_access(r, tx, pid, SB_ROLE_MEMBER, &sp)) return sb_store_rollback(tx);
    sb_store_file pf;
    int rc = sb_store_file_get_by_name(tx, pid, SB_FILE_PIPELINE, name, &pf);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        if (rc == SB_STORE_NOT_FOUND)
            return sb_req_error(r, 404, "not_found", "no pipeline `%s` in this project", name);
        return sb_req_store_error(r, rc, "pipeline");
    }
    sb_store_fabric fab;
    rc = sb_store_fabric_get_by_name(tx, sp.team_id, fabric, &fab);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        if (rc == SB_STORE_NOT_FOUND)
            return sb_req_error(r, 404, "not_found", "no fabric `%s` in the project's team",
                                fabric);
        return sb_req_store_error(r, rc, "fabric");
    }
    bool needs_secret = false;
    const char *why = sb_runs_fabric_check(r->a, fab.name, fab.definition, &needs_secret);
    if (why) {
        sb_store_rollback(tx);
        return sb_req_error(r, 400, "fabric_unusable", "%s", why);
    }
    sb_vec files = {0};
    rc = sb_store_file_list(tx, pid, -1, true, &files);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "file");
    }
    const char *secret = NULL;
    if (needs_secret && !fabric_secret(r, tx, &fab, &secret)) return sb_store_rollback(tx);
    sb_store_rollback(tx);

    /* A run up to a gem runs the pipeline cut down to that gem and its
     * upstream: problems further down do not stop it. */
    const sb_vec *run_files = &files;
    if (until) {
        const char *cut = sb_runs_pipeline_until(r->a, pf.content, pf.content_len, until, &why);
        if (!cut) {
            wipe(secret);
            return sb_req_error(r, 400, "invalid", "field `until`: %s", why);
        }
        run_files = files_with(r->a, &files, name, cut);
    }
    /* Refuse now what would fail on the worker. */
    sb_codegen_options co = {.target = SB_CODEGEN_PYSPARK, .instrumented = true};
    sb_gen_files out = {0};
    if (!generate(r, &sp, run_files, name, config, &co, NULL, &out)) {
        wipe(secret);
        return;
    }
    int status = 0;
    sb_live_run *lr =
        sb_runs_reserve(r->srv, r->who.tenant_id, r->who.user_id, r->a, &status, &why);
    if (!lr) {
        wipe(secret);
        sb_req_add_header(r, "Retry-After", status == 503 ? "5" : "10");
        return sb_req_error(r, status, status == 503 ? "unavailable" : "too_many_runs", "%s", why);
    }
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) {
        wipe(secret);
        return sb_runs_unreserve(r->srv, lr);
    }
    /* The limits count every server process's runs: the store takes the
     * tenant's admission lock for the rest of this transaction. */
    int64_t tenant_runs = 0, user_runs = 0;
    rc = sb_store_run_count_live(tx, r->who.user_id, &tenant_runs, &user_runs);
    const sb_server_config *cfg = &r->srv->cfg;
    if (rc == SB_STORE_OK &&
        (user_runs >= (int64_t)cfg->runs_per_user ||
         tenant_runs >= (int64_t)cfg->runs_per_tenant)) {
        wipe(secret);
        sb_store_rollback(tx);
        sb_runs_unreserve(r->srv, lr);
        sb_runs_refused(r->srv);
        sb_req_add_header(r, "Retry-After", "10");
        if (user_runs >= (int64_t)cfg->runs_per_user)
            return sb_req_error(r, 429, "too_many_runs",
                                "you already have %lld run%s queued or running, the most allowed "
                                "per user; wait for one to finish or cancel one",
                                (long long)user_runs, user_runs == 1 ? "" : "s");
        return sb_req_error(r, 429, "too_many_runs",
                            "your organisation already has %lld runs queued or running, the most "
                            "allowed; wait for one to finish or cancel one",
                            (long long)tenant_runs);
    }
    sb_store_run run = {.project_id = pid,
                        .pipeline_id = pf.id,
                        .pipeline_version = pf.version,
                        .fabric_id = fab.id,
                        .user_id = r->who.user_id,
                        .config = config,
                        .status = "queued",
                        .owner = r->srv->owner};
    if (rc == SB_STORE_OK) rc = sb_store_run_create(tx, &run);
    if (rc != SB_STORE_OK) {
        wipe(secret);
        sb_store_rollback(tx);
        sb_runs_unreserve(r->srv, lr);
        /* The pipeline or the fabric went away meanwhile. */
        return sb_req_store_error(r, rc, "pipeline or fabric");
    }
    if (!sb_req_commit(r, tx)) {
        wipe(secret);
        return sb_runs_unreserve(r->srv, lr);
    }
    sb_run_spec spec = {.tenant_id = r->who.tenant_id,
                        .user_id = r->who.user_id,
                        .team_id = sp.team_id,
                        .project_id = pid,
                        .run_id = run.id,
                        .run_version = run.version,
                        .project_name = sp.name,
                        .manifest = sp.manifest,
                        .files = run_files,
                        .pipeline = name,
                        .config = config,
                        .until = until,
                        .sample_rows = (int)rows,
                        .conf = (const char *const *)conf.items,
                        .nconf = conf.len,
                        .fabric_name = fab.name,
                        .fabric_def = fab.definition,
                        .secret = secret};
    sb_runs_submit(r->srv, lr, &spec);
    wipe(secret);
    sb_req_add_header(r, "Location", sb_arena_printf(r->a, "/api/v1/runs/%lld", (long long)run.id));
    sb_req_json(r, 202, run_json(r, &run, true));
}

/* ---- GET /runs/{id}, GET /runs ------------------------------------------------------ */

void sb_api_run_get(sb_req *r)
{
    int64_t id;
    sb_store_run run;
    sb_store_project p;
    sb_store_role role;
    if (!load_run(r, &id, &run, &p, &role)) return;
    sb_req_add_header(r, "ETag", sb_arena_printf(r->a, "\"%lld\"", (long long)run.version));
    sb_req_json(r, 200, run_json(r, &run, true));
}

static bool query_id(sb_req *r, const char *key, int64_t *out)
{
    const char *q = sb_req_query(r, key);
    if (!q) return true;
    char *end;
    long long v = strtoll(q, &end, 10);
    if (*q < '0' || *q > '9' || *end || v <= 0) {
        sb_req_error(r, 400, "invalid", "query parameter `%s` must be a positive integer", key);
        return false;
    }
    *out = v;
    return true;
}

void sb_api_run_list(sb_req *r)
{
    int64_t project = 0, before = 0, limit = PAGE_DEFAULT;
    if (!query_id(r, "project", &project) || !query_id(r, "before", &before) ||
        !query_id(r, "limit", &limit))
        return;
    if (limit > PAGE_MAX) limit = PAGE_MAX;
    const char *pipeline = sb_req_query(r, "pipeline");
    const char *status = sb_req_query(r, "status");
    if (pipeline && !project)
        return sb_req_error(r, 400, "invalid", "query parameter `pipeline` needs `project`");
    static const char *const statuses[] = {"queued", "running",   "succeeded",
                                           "failed", "cancelled", "interrupted"};
    bool known = !status;
    for (size_t i = 0; status && i < SB_COUNTOF(statuses); i++)
        known = known || strcmp(status, statuses[i]) == 0;
    if (!known)
        return sb_req_error(r, 400, "invalid",
                            "query parameter `status` is one of queued, running, succeeded, "
                            "failed, cancelled, interrupted");
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_run_filter f = {.project_id = project, .status = status};
    if (project) {
        sb_store_project p;
        if (!sb_api_project_access(r, tx, project, SB_ROLE_VIEWER, &p))
            return sb_store_rollback(tx);
        if (pipeline) {
            sb_store_file pf;
            int rc = sb_store_file_get_by_name(tx, project, SB_FILE_PIPELINE, pipeline, &pf);
            if (rc != SB_STORE_OK) {
                sb_store_rollback(tx);
                if (rc == SB_STORE_NOT_FOUND)
                    return sb_req_error(r, 404, "not_found", "no pipeline `%s` in this project",
                                        pipeline);
                return sb_req_store_error(r, rc, "pipeline");
            }
            f.pipeline_id = pf.id;
        }
    }
    /* Without a project, the runs of every project the caller may read:
     * scan newest first, skipping the others, for at most a few pages. */
    sb_json *arr = sb_json_new_array(r->a);
    int64_t cursor = before, next = 0, scanned = 0, shown = 0;
    int64_t seen_project[64], seen_team_role[64];
    size_t nseen = 0;
    int rc = SB_STORE_OK;
    while (shown < limit && scanned < 20 * limit) {
        sb_store_page page = {.after_id = cursor, .limit = limit, .newest_first = true};
        sb_vec v = {0};
        rc = sb_store_run_list(tx, &f, &page, &v);
        if (rc != SB_STORE_OK || v.len == 0) break;
        for (size_t i = 0; i < v.len && shown < limit; i++) {
            const sb_store_run *run = v.items[i];
            scanned++;
            cursor = run->id;
            bool visible = project != 0;
            if (!visible) {
                size_t k = 0;
                while (k < nseen && seen_project[k] != run->project_id) k++;
                if (k == nseen) {
                    sb_store_project p;
                    sb_store_role role = SB_ROLE_NONE;
                    if (sb_store_project_get(tx, run->project_id, &p) == SB_STORE_OK)
                        sb_store_role_for(tx, r->who.user_id, p.team_id, &role);
                    if (nseen < SB_COUNTOF(seen_project)) {
                        seen_project[nseen] = run->project_id;
                        seen_team_role[nseen] = role;
                        nseen++;
                    }
                    visible = role != SB_ROLE_NONE;
                } else {
                    visible = seen_team_role[k] != SB_ROLE_NONE;
                }
            }
            if (!visible) continue;
            sb_json_array_push(r->a, arr, run_json(r, run, false));
            shown++;
        }
        if ((int64_t)v.len < limit) {
            cursor = 0;
            break;
        }
    }
    next = shown >= limit || scanned >= 20 * limit ? cursor : 0;
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, "run");
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "runs", arr);
    if (next)
        sb_js_set_int(r->a, o, "next_before", next);
    else
        sb_json_object_set(r->a, o, "next_before", sb_json_new_null(r->a));
    sb_req_json(r, 200, o);
}

/* ---- POST /runs/{id}/cancel ----------------------------------------------------------- */

void sb_api_run_cancel(sb_req *r)
{
    int64_t id;
    sb_store_run run;
    sb_store_project p;
    sb_store_role role;
    if (!load_run(r, &id, &run, &p, &role)) return;
    if (run.user_id != r->who.user_id && role < SB_ROLE_TEAM_ADMIN)
        return sb_req_error(r, 403, "forbidden",
                            "only the user who started the run or a team admin may cancel it");
    bool ask = false;
    switch (sb_runs_cancel(r->srv, r->store, r->who.tenant_id, id)) {
    case SB_RUNS_CANCELLING: {
        sb_json *o = run_json(r, &run, false);
        sb_js_set_bool(r->a, o, "cancel_requested", true);
        return sb_req_json(r, 202, o);
    }
    case SB_RUNS_CANCELLED:
        break;
    case SB_RUNS_NOT_HERE:
        if (sb_runs_status_final(run.status))
            return sb_req_error(r, 409, "ended", "the run already ended (%s)", run.status);
        ask = true;
        break;
    }
    /* Not in this process: ask whichever process runs it, through the
     * store; the run's row records the request. */
    sb_store_tx *tx;
    int rc = SB_STORE_OK;
    if (ask) {
        if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
        rc = sb_store_run_request_cancel(tx, id);
        if (rc == SB_STORE_OK) {
            if (!sb_req_commit(r, tx)) return;
        } else {
            sb_store_rollback(tx);
        }
    }
    /* Read the row again: cancelled here, asked of its owner, or ended
     * meanwhile. */
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    int got = sb_store_run_get(tx, id, &run);
    sb_store_rollback(tx);
    if (got != SB_STORE_OK) return sb_req_store_error(r, got, "run");
    if (strcmp(run.status, "cancelled") == 0) return sb_req_json(r, 200, run_json(r, &run, false));
    if (rc == SB_STORE_CONFLICT || sb_runs_status_final(run.status))
        return sb_req_error(r, 409, "ended", "the run already ended (%s)", run.status);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, "run");
    return sb_req_json(r, 202, run_json(r, &run, false));
}

/* ---- GET /runs/{id}/events ------------------------------------------------------------ */

void sb_api_run_events(sb_req *r)
{
    int64_t id;
    sb_store_run run;
    sb_store_project p;
    sb_store_role role;
    if (!load_run(r, &id, &run, &p, &role)) return;
    if (strcmp(r->method, "HEAD") == 0) {
        r->content_type = "text/event-stream";
        return;
    }
    if (sb_runs_stream_live(r, r->who.tenant_id, id)) return;
    /* Not in memory: running in another process, whose events come
     * through the store, or ended: replayed from what the store keeps (a
     * fresh read sees the final row, which is written before the run
     * leaves memory). */
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    int rc = sb_store_run_get(tx, id, &run);
    sb_vec samples = {0};
    if (rc == SB_STORE_OK && sb_runs_status_final(run.status))
        rc = sb_store_sample_list(tx, id, &samples);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, "run");
    if (!sb_runs_status_final(run.status)) return sb_runs_stream_relay(r, r->who.tenant_id, id);
    sb_buf text = SB_BUF_INIT;
    sb_runs_replay(&text, &run, &samples, true);
    sb_runs_stream_text(r, text.data, text.len);
    sb_buf_free(&text);
}
