/*
 * project.c — loading a project directory: the manifest, then every file
 * under pipelines/, datasets/, configs/ and subgraphs/ in name order, then
 * linking the references between them.
 */
#include "spec/reader.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct name_list {
    char **names;
    size_t len, cap;
} name_list;

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The *.json files of dir, sorted, as names without the extension. */
static void list_json(const char *dir, name_list *out)
{
    DIR *dh = opendir(dir);
    if (!dh) return;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0 || e->d_name[0] == '.') continue;
        if (out->len == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 16;
            out->names = sb_xrealloc(out->names, out->cap * sizeof(char *));
        }
        out->names[out->len] = sb_xmalloc(n - 4);
        memcpy(out->names[out->len], e->d_name, n - 5);
        out->names[out->len][n - 5] = '\0';
        out->len++;
    }
    closedir(dh);
    if (out->len) qsort(out->names, out->len, sizeof(char *), cmp_str);
}

static void free_list(name_list *l)
{
    for (size_t i = 0; i < l->len; i++) free(l->names[i]);
    free(l->names);
}

typedef enum { KIND_PIPELINE, KIND_DATASET, KIND_CONFIG, KIND_SUBGRAPH } file_kind;

static void load_dir(sb_arena *a, sb_project *p, const char *sub, file_kind kind, sb_diags *d)
{
    char *dir = sb_arena_printf(a, "%s/%s", p->root, sub);
    name_list names = {0};
    list_json(dir, &names);
    void **slots = sb_arena_alloc(a, (names.len ? names.len : 1) * sizeof(void *));
    size_t count = 0;
    sb_reader r = {.a = a, .d = d};
    for (size_t i = 0; i < names.len; i++) {
        const char *name = names.names[i];
        char *file = sb_arena_printf(a, "%s/%s.json", sub, name);
        char *path = sb_arena_printf(a, "%s/%s", p->root, file);
        r.file = file;
        if (!sb_spec_is_name(name)) {
            sb_reader_error(&r, NULL, NULL, "invalid-name",
                            "`%s` is not a valid name: file names under %s/ are names (a letter "
                            "or `_`, then letters, digits or `_`)",
                            name, sub);
            continue;
        }
        char *text;
        size_t len;
        int rc = sb_read_file(path, &text, &len);
        if (rc != 0) {
            sb_reader_error(&r, NULL, NULL, "unreadable", "cannot read the file: %s",
                            strerror(-rc));
            continue;
        }
        /* Parsed values point into the arena, never into the file text. */
        void *item = NULL;
        switch (kind) {
        case KIND_PIPELINE:
            item = sb_spec_parse_pipeline(a, name, file, text, len, false, d);
            break;
        case KIND_SUBGRAPH: item = sb_spec_parse_pipeline(a, name, file, text, len, true, d); break;
        case KIND_DATASET: item = sb_spec_parse_dataset(a, name, file, text, len, d); break;
        case KIND_CONFIG: item = sb_spec_parse_config(a, p, name, file, text, len, d); break;
        }
        free(text);
        if (item) slots[count++] = item;
    }
    free_list(&names);
    switch (kind) {
    case KIND_PIPELINE:
        p->pipelines = (sb_pipeline **)slots;
        p->npipelines = count;
        break;
    case KIND_SUBGRAPH:
        p->subgraphs = (sb_pipeline **)slots;
        p->nsubgraphs = count;
        break;
    case KIND_DATASET:
        p->datasets = (sb_dataset **)slots;
        p->ndatasets = count;
        break;
    case KIND_CONFIG:
        p->configs = (sb_config_instance **)slots;
        p->nconfigs = count;
        break;
    }
}

sb_project *sb_project_load(sb_arena *a, const char *root, sb_diags *d)
{
    sb_reader r = {.a = a, .d = d, .file = sb_arena_strdup(a, root)};
    struct stat st;
    if (stat(root, &st) != 0) {
        sb_reader_error(&r, NULL, NULL, "unreadable", "cannot open the project: %s",
                        strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        sb_reader_error(&r, NULL, NULL, "not-a-project",
                        "a project is a directory holding sibyl.json");
        return NULL;
    }
    sb_project *p = sb_project_new(a, root);
    char *manifest = sb_arena_printf(a, "%s/sibyl.json", root);
    char *text;
    size_t len;
    int rc = sb_read_file(manifest, &text, &len);
    if (rc != 0) {
        r.file = "sibyl.json";
        sb_diag *g = sb_reader_error(&r, NULL, NULL, "unreadable",
                                     "cannot read the project manifest in %s: %s", root,
                                     strerror(-rc));
        if (rc == -ENOENT)
            sb_diag_set_hint(d, g, "a sibyl project is a directory with a sibyl.json manifest");
        return NULL;
    }
    int mrc = sb_project_parse_manifest(a, p, "sibyl.json", text, len, d);
    free(text);
    if (mrc != 0) return p;
    load_dir(a, p, "datasets", KIND_DATASET, d);
    load_dir(a, p, "configs", KIND_CONFIG, d);
    load_dir(a, p, "subgraphs", KIND_SUBGRAPH, d);
    load_dir(a, p, "pipelines", KIND_PIPELINE, d);
    sb_project_resolve(a, p, d);
    return p;
}

static const char *nearest(const char *name, const char *const *names, size_t n)
{
    size_t best = (size_t)-1;
    const char *best_name = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t dist = sb_edit_distance(name, names[i]);
        if (dist < best) best = dist, best_name = names[i];
    }
    return best <= 3 ? best_name : NULL;
}

static void resolve_gems(sb_arena *a, sb_project *p, sb_pipeline *pl, sb_diags *d)
{
    sb_reader r = {.a = a, .d = d, .file = pl->file};
    const char **ds_names = sb_arena_alloc(a, (p->ndatasets + 1) * sizeof(char *));
    for (size_t i = 0; i < p->ndatasets; i++) ds_names[i] = p->datasets[i]->name;
    for (size_t i = 0; i < pl->ngems; i++) {
        sb_gem *g = pl->gems[i];
        r.gem = g->name;
        const sb_spec_text *ref = NULL;
        const sb_dataset **slot = NULL;
        if (g->kind == SB_GEM_SOURCE) {
            ref = &g->u.source.dataset;
            slot = &g->u.source.ds;
        } else if (g->kind == SB_GEM_TARGET) {
            ref = &g->u.target.dataset;
            slot = &g->u.target.ds;
        } else if (g->kind == SB_GEM_SUBGRAPH && g->u.subgraph.name.text) {
            const sb_spec_text *sref = &g->u.subgraph.name;
            g->u.subgraph.subgraph = sb_project_subgraph(p, sref->text);
            if (!g->u.subgraph.subgraph) {
                sb_json at = {.line = sref->line, .col = sref->col};
                sb_reader_error(&r, &at, sref->field, "unknown-subgraph",
                                "subgraph `%s` does not exist (no subgraphs/%s.json)",
                                sref->text, sref->text);
            }
        }
        if (!ref || !ref->text) continue;
        *slot = sb_project_dataset(p, ref->text);
        if (!*slot) {
            sb_json at = {.line = ref->line, .col = ref->col};
            sb_diag *e = sb_reader_error(&r, &at, ref->field, "unknown-dataset",
                                         "dataset `%s` does not exist (no datasets/%s.json)",
                                         ref->text, ref->text);
            const char *near = nearest(ref->text, ds_names, p->ndatasets);
            if (near) sb_diag_set_hint(d, e, "did you mean `%s`?", near);
        }
    }
}

void sb_project_resolve(sb_arena *a, sb_project *p, sb_diags *d)
{
    for (size_t i = 0; i < p->npipelines; i++) resolve_gems(a, p, p->pipelines[i], d);
    for (size_t i = 0; i < p->nsubgraphs; i++) resolve_gems(a, p, p->subgraphs[i], d);
}

const sb_pipeline *sb_project_pipeline(const sb_project *p, const char *name)
{
    for (size_t i = 0; i < p->npipelines; i++)
        if (strcmp(p->pipelines[i]->name, name) == 0) return p->pipelines[i];
    return NULL;
}

const sb_pipeline *sb_project_subgraph(const sb_project *p, const char *name)
{
    for (size_t i = 0; i < p->nsubgraphs; i++)
        if (strcmp(p->subgraphs[i]->name, name) == 0) return p->subgraphs[i];
    return NULL;
}

const sb_dataset *sb_project_dataset(const sb_project *p, const char *name)
{
    for (size_t i = 0; i < p->ndatasets; i++)
        if (strcmp(p->datasets[i]->name, name) == 0) return p->datasets[i];
    return NULL;
}

int sb_spec_format(const char *text, size_t len, sb_buf *out, sb_diags *d)
{
    sb_arena *a = sb_arena_new();
    sb_json *root = sb_json_parse(a, text, len, d);
    if (!root) {
        sb_arena_free(a);
        return -1;
    }
    sb_json_write_canonical(out, root);
    sb_arena_free(a);
    return 0;
}
