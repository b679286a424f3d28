/*
 * pipeline.c — reading pipeline and subgraph files: the gems, their inputs
 * and the canvas.
 */
#include "spec/gems.h"

#include <stdlib.h>
#include <string.h>

/* "gem" or "gem.port". */
static void read_input(sb_reader *r, sb_gem_input *in, const sb_json *v, const char *field)
{
    in->ref = sb_reader_text_value(r, v, field);
    in->subgraph_input = -1;
    if (!in->ref.text) return;
    const char *s = in->ref.text;
    const char *dot = memchr(s, '.', in->ref.len);
    const char *gem = dot ? sb_arena_strndup(r->a, s, (size_t)(dot - s)) : s;
    const char *port = dot ? dot + 1 : "out";
    if (strlen(s) != in->ref.len || !sb_spec_is_name(gem) || !sb_spec_is_name(port)) {
        sb_reader_error(r, v, field, "invalid-input",
                        "`%s` does not name an output: write `gem` or `gem.port`", s);
        in->ref.text = NULL;
        return;
    }
    in->gem = gem;
    in->port = port;
}

static sb_gem *read_gem(sb_reader *r, const sb_json_member *m)
{
    sb_gem *gem = sb_arena_alloc(r->a, sizeof(*gem));
    gem->name = m->key;
    gem->line = m->line;
    gem->col = m->col;
    r->gem = m->key;
    const sb_json *g = m->value;
    if (g->kind != SB_JSON_OBJECT) {
        sb_reader_error(r, g, NULL, "wrong-json-type", "a gem must be an object, found %s",
                        sb_json_kind_name(g->kind));
        gem->kind = SB_GEM_KIND_COUNT;
        return gem;
    }
    sb_spec_text kind = sb_reader_text(r, g, "", "kind", true);
    gem->kind = SB_GEM_KIND_COUNT;
    if (kind.text && !sb_gem_kind_parse(kind.text, &gem->kind)) {
        sb_diag *d = sb_reader_error(r, sb_json_get(g, "kind"), "kind", "unknown-gem",
                                     "unknown gem kind `%s`", kind.text);
        size_t best = (size_t)-1;
        const char *best_name = NULL;
        for (int k = 0; k < SB_GEM_KIND_COUNT; k++) {
            size_t dist = sb_edit_distance(kind.text, sb_gem_kind_name((sb_gem_kind)k));
            if (dist < best) best = dist, best_name = sb_gem_kind_name((sb_gem_kind)k);
        }
        if (best <= 3)
            sb_diag_set_hint(r->d, d, "did you mean `%s`?", best_name);
        else
            sb_diag_set_hint(r->d, d,
                             "the gem kinds are Source, Seed, Target, Reformat, SchemaTransform, "
                             "Filter, OrderBy, Limit, Deduplicate, Aggregate, Join, SetOperation, "
                             "WindowFunction, RowDistributor, SQLStatement, Script, Subgraph");
    }
    const sb_json *desc = sb_reader_get(r, g, "", "description", SB_JSON_STRING, false);
    if (desc) gem->description = desc->u.string.s;
    const sb_json *inputs = sb_reader_get(r, g, "", "inputs", SB_JSON_ARRAY, false);
    if (inputs) {
        size_t n = inputs->u.array.len;
        gem->inputs = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(sb_gem_input));
        for (size_t i = 0; i < n; i++)
            read_input(r, &gem->inputs[i], inputs->u.array.items[i],
                       sb_reader_index(r, "inputs", i));
        gem->ninputs = n;
    }
    if (gem->kind != SB_GEM_KIND_COUNT) sb_spec_read_gem_fields(r, gem, g);
    return gem;
}

static int gem_cmp(const void *x, const void *y)
{
    const sb_gem *a = *(sb_gem *const *)x, *b = *(sb_gem *const *)y;
    return strcmp(a->name, b->name);
}

static void read_canvas(sb_reader *r, const sb_json *canvas, const sb_pipeline *pl)
{
    for (size_t i = 0; i < canvas->u.object.len; i++) {
        const sb_json_member *m = &canvas->u.object.members[i];
        const char *path = sb_reader_path(r, "canvas", m->key);
        const sb_json *v = m->value;
        bool ok = v->kind == SB_JSON_ARRAY && v->u.array.len == 2 &&
                  v->u.array.items[0]->kind == SB_JSON_NUMBER &&
                  v->u.array.items[1]->kind == SB_JSON_NUMBER;
        if (!ok)
            sb_reader_error(r, v, path, "invalid-canvas",
                            "a canvas position is an array [x, y] of two numbers");
        if (!sb_pipeline_gem(pl, m->key)) {
            sb_json at = {.line = m->line, .col = m->col};
            sb_reader_warning(r, &at, path, "canvas-unknown-gem",
                              "the canvas places gem `%s`, which does not exist", m->key);
        }
    }
}

sb_pipeline *sb_spec_parse_pipeline(sb_arena *a, const char *name, const char *file,
                                    const char *text, size_t len, bool is_subgraph, sb_diags *d)
{
    sb_reader r;
    const sb_json *root = sb_reader_parse_file(&r, a, file, text, len,
                                               is_subgraph ? "a subgraph file" : "a pipeline file", d);
    if (!root) return NULL;
    sb_pipeline *pl = sb_arena_alloc(a, sizeof(*pl));
    pl->name = sb_arena_strdup(a, name);
    pl->file = r.file;
    pl->is_subgraph = is_subgraph;
    static const char *const pipeline_keys[] = {"canvas", "description", "gems", NULL};
    static const char *const subgraph_keys[] = {"canvas", "description", "gems", "inputs",
                                                "output", NULL};
    sb_reader_unknown_keys(&r, root, "", is_subgraph ? subgraph_keys : pipeline_keys,
                           is_subgraph ? "a subgraph" : "a pipeline");
    const sb_json *desc = sb_reader_get(&r, root, "", "description", SB_JSON_STRING, false);
    if (desc) pl->description = desc->u.string.s;
    const sb_json *gems = sb_reader_get(&r, root, "", "gems", SB_JSON_OBJECT, true);
    if (gems) {
        size_t n = gems->u.object.len;
        pl->gems = sb_arena_alloc(a, (n ? n : 1) * sizeof(sb_gem *));
        for (size_t i = 0; i < n; i++) {
            const sb_json_member *m = &gems->u.object.members[i];
            if (!sb_spec_is_name(m->key) || strlen(m->key) != m->key_len) {
                sb_json at = {.line = m->line, .col = m->col};
                sb_reader_error(&r, &at, NULL, "invalid-name",
                                "`%s` is not a valid gem name: use a letter or `_` followed by "
                                "letters, digits or `_` (not a Python keyword)",
                                m->key);
                continue;
            }
            if (is_subgraph && m->key[0] == 'i' && m->key[1] == 'n' &&
                strspn(m->key + 2, "0123456789") == strlen(m->key + 2) && m->key[2]) {
                sb_json at = {.line = m->line, .col = m->col};
                sb_reader_error(&r, &at, NULL, "invalid-name",
                                "`%s` names a subgraph input; choose another gem name", m->key);
                continue;
            }
            pl->gems[pl->ngems++] = read_gem(&r, m);
            r.gem = NULL;
        }
        qsort(pl->gems, pl->ngems, sizeof(sb_gem *), gem_cmp);
    }
    if (is_subgraph) {
        bool ok;
        pl->ninputs = (size_t)sb_reader_int(&r, root, "", "inputs", 0, 0, 64, true, &ok);
        pl->output = sb_reader_name(&r, root, "", "output", true);
        if (pl->output.text && !sb_pipeline_gem(pl, pl->output.text))
            sb_reader_error(&r, sb_json_get(root, "output"), "output", "unknown-gem",
                            "the output names gem `%s`, which does not exist", pl->output.text);
    }
    const sb_json *canvas = sb_reader_get(&r, root, "", "canvas", SB_JSON_OBJECT, false);
    if (canvas) read_canvas(&r, canvas, pl);
    return pl;
}

sb_gem *sb_pipeline_gem(const sb_pipeline *pl, const char *name)
{
    size_t lo = 0, hi = pl->ngems;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(pl->gems[mid]->name, name);
        if (c == 0) return pl->gems[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
