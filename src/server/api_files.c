/*
 * api_files.c — a project's files (pipelines, datasets, configurations,
 * subgraphs) over HTTP, and the validator and schema view on them.
 *
 * A file's body is the same canonical JSON the CLI reads from
 * <kind>s/<name>.json: the server reformats what it receives with
 * sb_spec_format and stores those bytes, so Git sees exactly them. A file
 * that is valid JSON but wrong as a pipeline is still saved (work in
 * progress); the answer carries the loader's diagnostics.
 */
#include "plan/plan.h"
#include "server/server_internal.h"

#include <string.h>


static bool kind_of(sb_req *r, const char *dir, sb_store_file_kind *out)
{
    for (int k = SB_FILE_PIPELINE; k <= SB_FILE_SUBGRAPH; k++) {
        if (strcmp(sb_store_file_kind_dir((sb_store_file_kind)k), dir) == 0) {
            *out = (sb_store_file_kind)k;
            return true;
        }
    }
    sb_req_error(r, 404, "not_found", "no such kind of file: %s (pipelines, datasets, configs or subgraphs)", dir);
    return false;
}

static const char *file_path(sb_arena *a, sb_store_file_kind k, const char *name)
{
    return sb_arena_printf(a, "%s/%s.json", sb_store_file_kind_dir(k), name);
}

static void set_etag(sb_req *r, int64_t v)
{
    sb_req_add_header(r, "ETag", sb_arena_printf(r->a, "\"%lld\"", (long long)v));
}

/* Diagnostics as a JSON answer: {"errors", "warnings", "diagnostics": [...]}. */
static void diags_answer(sb_req *r, int status, sb_diags *d, const char *extra)
{
    sb_diags_sort(d);
    r->status = status;
    r->content_type = "application/json";
    sb_buf_reset(&r->out);
    sb_buf_printf(&r->out, "{%s\"errors\":%zu,\"warnings\":%zu,\"diagnostics\":", extra ? extra : "",
                  d->errors, d->warnings);
    sb_diags_format_json(&r->out, d);
    while (r->out.len && (r->out.data[r->out.len - 1] == '\n')) r->out.data[--r->out.len] = 0;
    sb_buf_puts(&r->out, "}\n");
}

/* Parse a file the way the project loader would (for its diagnostics). */
static void parse_one(sb_arena *a, sb_project *p, sb_store_file_kind k, const char *name,
                      const char *text, size_t len, sb_diags *d, void **item)
{
    const char *file = file_path(a, k, name);
    void *it = NULL;
    switch (k) {
    case SB_FILE_PIPELINE: it = sb_spec_parse_pipeline(a, name, file, text, len, false, d); break;
    case SB_FILE_SUBGRAPH: it = sb_spec_parse_pipeline(a, name, file, text, len, true, d); break;
    case SB_FILE_DATASET: it = sb_spec_parse_dataset(a, name, file, text, len, d); break;
    case SB_FILE_CONFIG: it = sb_spec_parse_config(a, p, name, file, text, len, d); break;
    }
    if (item) *item = it;
}

sb_project *sb_api_project_from_files(sb_arena *a, const char *name, const char *manifest,
                                      const sb_vec *files, const char *draft_name,
                                      const char *draft, size_t draft_len, sb_diags *d)
{
    sb_project *p = sb_project_new(a, name);
    const char *m = manifest ? manifest : "{}";
    if (sb_project_parse_manifest(a, p, "sibyl.json", m, strlen(m), d) != 0) return p;
    bool draft_used = false;
    sb_vec by_kind[4] = {{0}};
    /* The loader's order: datasets, configs, subgraphs, then pipelines. */
    static const sb_store_file_kind order[] = {SB_FILE_DATASET, SB_FILE_CONFIG, SB_FILE_SUBGRAPH,
                                               SB_FILE_PIPELINE};
    for (size_t o = 0; o < SB_COUNTOF(order); o++) {
        for (size_t i = 0; i < files->len; i++) {
            const sb_store_file *f = files->items[i];
            if (f->kind != order[o]) continue;
            const char *text = f->content;
            size_t len = f->content_len;
            if (draft && f->kind == SB_FILE_PIPELINE && strcmp(f->name, draft_name) == 0) {
                text = draft, len = draft_len, draft_used = true;
            }
            void *item = NULL;
            parse_one(a, p, f->kind, f->name, text, len, d, &item);
            if (item) sb_vec_push(a, &by_kind[f->kind], item);
        }
        if (order[o] == SB_FILE_PIPELINE && draft && !draft_used) {
            void *item = NULL;
            parse_one(a, p, SB_FILE_PIPELINE, draft_name, draft, draft_len, d, &item);
            if (item) sb_vec_push(a, &by_kind[SB_FILE_PIPELINE], item);
        }
    }
    p->pipelines = (sb_pipeline **)by_kind[SB_FILE_PIPELINE].items;
    p->npipelines = by_kind[SB_FILE_PIPELINE].len;
    p->datasets = (sb_dataset **)by_kind[SB_FILE_DATASET].items;
    p->ndatasets = by_kind[SB_FILE_DATASET].len;
    p->configs = (sb_config_instance **)by_kind[SB_FILE_CONFIG].items;
    p->nconfigs = by_kind[SB_FILE_CONFIG].len;
    p->subgraphs = (sb_pipeline **)by_kind[SB_FILE_SUBGRAPH].items;
    p->nsubgraphs = by_kind[SB_FILE_SUBGRAPH].len;
    sb_project_resolve(a, p, d);
    return p;
}

/* Build the project from the store as sb_project_load builds it from a
 * directory. `draft`, when set, replaces the stored text of pipeline
 * `draft_name` (validation of unsaved edits). */
static sb_project *load_project(sb_req *r, sb_store_tx *tx, const sb_store_project *sp,
                                const char *draft_name, const char *draft, size_t draft_len,
                                sb_diags *d)
{
    sb_vec files = {0};
    if (sb_store_file_list(tx, sp->id, -1, true, &files) != SB_STORE_OK) return NULL;
    return sb_api_project_from_files(r->a, sp->name, sp->manifest, &files, draft_name, draft,
                                     draft_len, d);
}

void sb_api_file_list(sb_req *r)
{
    int64_t pid;
    sb_store_file_kind k;
    if (!sb_req_param_id(r, 0, &pid) || !kind_of(r, r->params[1], &k)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_project p;
    sb_vec v = {0};
    if (!sb_api_project_access(r, tx, pid, SB_ROLE_VIEWER, &p)) return sb_store_rollback(tx);
    int rc = sb_store_file_list(tx, pid, (int)k, false, &v);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, "file");
    sb_json *arr = sb_json_new_array(r->a);
    for (size_t i = 0; i < v.len; i++) {
        const sb_store_file *f = v.items[i];
        sb_json *o = sb_json_new_object(r->a);
        sb_js_set_int(r->a, o, "id", f->id);
        sb_js_set_str(r->a, o, "name", f->name);
        sb_js_set_int(r->a, o, "version", f->version);
        sb_js_set_str(r->a, o, "path", file_path(r->a, k, f->name));
        sb_js_set_time(r->a, o, "updated_at", f->updated_at);
        sb_json_array_push(r->a, arr, o);
    }
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "files", arr);
    sb_req_json(r, 200, o);
}

void sb_api_file_get(sb_req *r)
{
    int64_t pid;
    sb_store_file_kind k;
    if (!sb_req_param_id(r, 0, &pid) || !kind_of(r, r->params[1], &k)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_project p;
    sb_store_file f;
    if (!sb_api_project_access(r, tx, pid, SB_ROLE_VIEWER, &p)) return sb_store_rollback(tx);
    int rc = sb_store_file_get_by_name(tx, pid, k, r->params[2], &f);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, sb_store_file_kind_name(k));
    set_etag(r, f.version);
    r->content_type = "application/json";
    sb_buf_add(&r->out, f.content, f.content_len);
}

void sb_api_file_put(sb_req *r)
{
    int64_t pid;
    sb_store_file_kind k;
    if (!sb_req_param_id(r, 0, &pid) || !kind_of(r, r->params[1], &k)) return;
    const char *name = r->params[2];
    if (!sb_spec_is_name(name))
        return sb_req_error(r, 400, "invalid",
                            "`%s` is not a valid name: a letter or `_`, then letters, digits or `_`",
                            name);
    bool update = sb_req_header(r, "If-Match") != NULL;
    int64_t version = 0;
    if (update && !sb_req_version(r, NULL, &version)) return;

    sb_diags d;
    sb_diags_init(&d, r->a);
    sb_diags_set_context(&d, &(sb_diag_context){.file = file_path(r->a, k, name)});
    sb_buf canon = SB_BUF_INIT;
    if (sb_spec_format(r->body, r->body_len, &canon, &d) != 0) {
        sb_buf_free(&canon);
        return diags_answer(r, 400, &d, "\"error\":{\"code\":\"bad_json\",\"message\":\"the file is not valid JSON\"},");
    }
    sb_json *root = sb_json_parse(r->a, canon.data, canon.len, &d);
    if (!root || root->kind != SB_JSON_OBJECT) {
        sb_buf_free(&canon);
        return sb_req_error(r, 400, "bad_json", "a %s file is a JSON object",
                            sb_store_file_kind_name(k));
    }
    const char *content = sb_arena_strndup(r->a, canon.data, canon.len);
    size_t content_len = canon.len;
    sb_buf_free(&canon);

    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_project p;
    if (!sb_api_project_access(r, tx, pid, SB_ROLE_MEMBER, &p)) return sb_store_rollback(tx);
    sb_store_file f = {.project_id = pid, .kind = k, .name = name, .content = content};
    int rc;
    if (update) {
        sb_store_file cur;
        rc = sb_store_file_get_by_name(tx, pid, k, name, &cur);
        if (rc == SB_STORE_OK) {
            f.id = cur.id;
            f.version = version;
            f.name = NULL;
            rc = sb_store_file_update(tx, &f);
        }
    } else {
        rc = sb_store_file_create(tx, &f);
    }
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        if (rc == SB_STORE_EXISTS)
            return sb_req_error(r, 409, "exists",
                                "%s `%s` already exists; to replace it send If-Match with its "
                                "version",
                                sb_store_file_kind_name(k), name);
        return sb_req_store_error(r, rc, sb_store_file_kind_name(k));
    }
    if (!sb_req_commit(r, tx)) return;

    /* The loader's view of the saved file (the manifest for configs). */
    sb_project *proj = sb_project_new(r->a, p.name);
    if (k == SB_FILE_CONFIG && p.manifest) {
        sb_diags md;
        sb_diags_init(&md, r->a);
        sb_project_parse_manifest(r->a, proj, "sibyl.json", p.manifest, strlen(p.manifest), &md);
    }
    parse_one(r->a, proj, k, name, content, content_len, &d, NULL);
    set_etag(r, f.version);
    char *extra = sb_arena_printf(r->a, "\"name\":\"%s\",\"kind\":\"%s\",\"version\":%lld,", name,
                                  sb_store_file_kind_name(k), (long long)f.version);
    diags_answer(r, update ? 200 : 201, &d, extra);
}

void sb_api_file_delete(sb_req *r)
{
    int64_t pid, version;
    sb_store_file_kind k;
    if (!sb_req_param_id(r, 0, &pid) || !kind_of(r, r->params[1], &k)) return;
    if (!sb_req_version(r, NULL, &version)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_project p;
    sb_store_file f;
    if (!sb_api_project_access(r, tx, pid, SB_ROLE_MEMBER, &p)) return sb_store_rollback(tx);
    int rc = sb_store_file_get_by_name(tx, pid, k, r->params[2], &f);
    if (rc == SB_STORE_OK) rc = sb_store_file_delete(tx, f.id, version);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, sb_store_file_kind_name(k));
    }
    if (!sb_req_commit(r, tx)) return;
    r->status = 204;
}

/* ---- validation and schemas ------------------------------------------------ */

void sb_api_project_validate(sb_req *r)
{
    int64_t pid;
    if (!sb_req_param_id(r, 0, &pid)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_project sp;
    if (!sb_api_project_access(r, tx, pid, SB_ROLE_VIEWER, &sp)) return sb_store_rollback(tx);
    sb_diags d;
    sb_diags_init(&d, r->a);
    sb_project *p = load_project(r, tx, &sp, NULL, NULL, 0, &d);
    sb_store_rollback(tx);
    if (!p) return sb_req_error(r, 500, "internal", "the store failed");
    /* The server does not read the data files of datasets: they live where
     * the fabric runs, not here. */
    sb_plan_options opt = {.no_infer = true, .config = sb_req_query(r, "config")};
    if (!d.errors) sb_plan_project(r->a, p, &opt, &d);
    diags_answer(r, 200, &d, NULL);
}

static sb_pipeline *find_pipeline(sb_project *p, const char *name)
{
    for (size_t i = 0; i < p->npipelines; i++)
        if (strcmp(p->pipelines[i]->name, name) == 0) return p->pipelines[i];
    return NULL;
}

/* Load and plan one pipeline (stored, or the draft in the request body).
 * Returns false after answering an error; *out is NULL when the pipeline
 * did not load (the diagnostics say why). */
static bool plan_one(sb_req *r, bool draft, sb_diags *d, sb_pipeline **out)
{
    *out = NULL;
    int64_t pid;
    if (!sb_req_param_id(r, 0, &pid)) return false;
    const char *name = r->params[1];
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return false;
    sb_store_project sp;
    if (!sb_api_project_access(r, tx, pid, SB_ROLE_VIEWER, &sp)) {
        sb_store_rollback(tx);
        return false;
    }
    bool has_draft = draft && r->body_len > 0;
    if (!has_draft) {
        sb_store_file f;
        int rc = sb_store_file_get_by_name(tx, pid, SB_FILE_PIPELINE, name, &f);
        if (rc != SB_STORE_OK) {
            sb_store_rollback(tx);
            sb_req_store_error(r, rc, "pipeline");
            return false;
        }
    }
    sb_project *p = load_project(r, tx, &sp, has_draft ? name : NULL, has_draft ? r->body : NULL,
                                has_draft ? r->body_len : 0, d);
    sb_store_rollback(tx);
    if (!p) {
        sb_req_error(r, 500, "internal", "the store failed");
        return false;
    }
    sb_pipeline *pl = find_pipeline(p, name);
    if (!pl) return true;
    sb_plan_options opt = {.no_infer = true, .config = sb_req_query(r, "config")};
    sb_plan_pipeline(r->a, p, pl, &opt, d);
    *out = pl;
    return true;
}

void sb_api_pipeline_validate(sb_req *r)
{
    sb_diags all;
    sb_diags_init(&all, r->a);
    sb_pipeline *pl;
    if (!plan_one(r, true, &all, &pl)) return;
    /* Keep what concerns this pipeline: its own file and the files it
     * depends on, not the problems of sibling pipelines. */
    const char *own = file_path(r->a, SB_FILE_PIPELINE, r->params[1]);
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
    diags_answer(r, 200, &d, NULL);
}

static void schema_json(sb_buf *out, sb_arena *a, const sb_type *s)
{
    if (!s) {
        sb_buf_puts(out, "null");
        return;
    }
    sb_buf_putc(out, '[');
    for (size_t i = 0; i < s->nfields; i++) {
        const sb_field *f = &s->fields[i];
        const char *t = sb_type_str(a, f->type);
        if (i) sb_buf_putc(out, ',');
        sb_buf_puts(out, "{\"name\":");
        sb_json_write_string(out, f->name, strlen(f->name));
        sb_buf_puts(out, ",\"type\":");
        sb_json_write_string(out, t, strlen(t));
        sb_buf_printf(out, ",\"nullable\":%s}", f->nullable ? "true" : "false");
    }
    sb_buf_putc(out, ']');
}

void sb_api_pipeline_schema(sb_req *r)
{
    sb_diags d;
    sb_diags_init(&d, r->a);
    sb_pipeline *pl;
    if (!plan_one(r, false, &d, &pl)) return;
    sb_gem_schemas gs;
    const char *gem = r->params[2];
    if (!pl || sb_plan_gem_schemas(r->a, pl, gem, &gs, &d) != 0) {
        if (pl && !sb_pipeline_gem(pl, gem))
            return sb_req_error(r, 404, "not_found", "no gem `%s` in pipeline `%s`", gem,
                                r->params[1]);
        return diags_answer(r, 422, &d,
                            "\"error\":{\"code\":\"invalid_pipeline\",\"message\":\"the pipeline "
                            "does not load\"},");
    }
    r->content_type = "application/json";
    sb_buf *out = &r->out;
    sb_buf_puts(out, "{\"gem\":");
    sb_json_write_string(out, gs.gem->name, strlen(gs.gem->name));
    const char *kind = sb_gem_kind_name(gs.gem->kind);
    sb_buf_puts(out, ",\"kind\":");
    sb_json_write_string(out, kind, strlen(kind));
    sb_buf_puts(out, ",\"inputs\":[");
    for (size_t i = 0; i < gs.ninputs; i++) {
        if (i) sb_buf_putc(out, ',');
        sb_buf_printf(out, "{\"port\":\"in%zu\",\"from\":", i);
        sb_json_write_string(out, gs.input_refs[i], strlen(gs.input_refs[i]));
        sb_buf_puts(out, ",\"schema\":");
        schema_json(out, r->a, gs.inputs[i]);
        sb_buf_putc(out, '}');
    }
    sb_buf_puts(out, "],\"outputs\":[");
    for (size_t i = 0; i < gs.noutputs; i++) {
        if (i) sb_buf_putc(out, ',');
        sb_buf_puts(out, "{\"port\":");
        sb_json_write_string(out, gs.output_names[i], strlen(gs.output_names[i]));
        sb_buf_puts(out, ",\"schema\":");
        schema_json(out, r->a, gs.outputs[i]);
        sb_buf_putc(out, '}');
    }
    sb_buf_printf(out, "],\"errors\":%zu,\"diagnostics\":", d.errors);
    sb_diags_sort(&d);
    sb_diags_format_json(out, &d);
    while (out->len && out->data[out->len - 1] == '\n') out->data[--out->len] = 0;
    sb_buf_puts(out, "}\n");
}
