/*
 * manifest.c — the project manifest (sibyl.json) with its configuration
 * variables, and configuration instances (configs/<name>.json).
 */
#include "spec/reader.h"

#include <stdio.h>
#include <string.h>

/* Does a JSON value fit a configuration variable of type t? Dates and
 * timestamps are strings in their ISO form. */
static bool config_value_fits(const sb_json *v, const sb_type *t, const char **why)
{
    *why = NULL;
    if (!sb_type_is_atomic(t) || !sb_reader_value_fits(v, t)) return false;
    if (t->kind == SB_T_DATE) {
        int y, m, dd;
        char tail;
        if (sscanf(v->u.string.s, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || m < 1 || m > 12 ||
            dd < 1 || dd > 31) {
            *why = "a date is written \"YYYY-MM-DD\"";
            return false;
        }
    }
    return true;
}

static void check_value(sb_reader *r, const sb_json *v, const char *field, const sb_config_var *var)
{
    const char *why;
    if (v->kind == SB_JSON_NULL) return;
    if (!config_value_fits(v, var->type, &why)) {
        sb_diag *g = sb_reader_error(r, v, field, "config-type",
                                     "variable `%s` has type %s; this %s does not fit it",
                                     var->name, sb_type_str(r->a, var->type),
                                     sb_json_kind_name(v->kind));
        if (why) sb_diag_set_hint(r->d, g, "%s", why);
    }
}

sb_project *sb_project_new(sb_arena *a, const char *root)
{
    sb_project *p = sb_arena_alloc(a, sizeof(*p));
    p->root = sb_arena_strdup(a, root);
    p->spark = "3.5";
    return p;
}

int sb_project_parse_manifest(sb_arena *a, sb_project *p, const char *file, const char *text,
                              size_t len, sb_diags *d)
{
    sb_reader r;
    const sb_json *root = sb_reader_parse_file(&r, a, file, text, len, "the manifest", d);
    if (!root) return -1;
    static const char *const keys[] = {"name", "version", "spark", "description", "config", NULL};
    sb_reader_unknown_keys(&r, root, "", keys, "the manifest");
    sb_spec_text name = sb_reader_name(&r, root, "", "name", true);
    p->name = name.text ? name.text : "project";
    sb_spec_text version = sb_reader_text(&r, root, "", "version", true);
    p->version = version.text ? version.text : "0.0.0";
    static const char *const sparks[] = {"3.5", "4.0"};
    int s = sb_reader_choice(&r, root, "", "spark", sparks, 2, 0);
    p->spark = sparks[s < 0 ? 0 : s];
    const sb_json *desc = sb_reader_get(&r, root, "", "description", SB_JSON_STRING, false);
    if (desc) p->description = desc->u.string.s;
    const sb_json *config = sb_reader_get(&r, root, "", "config", SB_JSON_OBJECT, false);
    if (!config) return 0;
    size_t n = config->u.object.len;
    p->vars = sb_arena_alloc(a, (n ? n : 1) * sizeof(sb_config_var));
    static const char *const var_keys[] = {"type", "default", "description", NULL};
    for (size_t i = 0; i < n; i++) {
        const sb_json_member *m = &config->u.object.members[i];
        const char *path = sb_reader_path(&r, "config", m->key);
        if (!sb_spec_is_name(m->key)) {
            sb_json at = {.line = m->line, .col = m->col};
            sb_reader_error(&r, &at, path, "invalid-name",
                            "`%s` is not a valid variable name", m->key);
            continue;
        }
        if (m->value->kind != SB_JSON_OBJECT) {
            sb_reader_error(&r, m->value, path, "wrong-json-type",
                            "a variable is an object {\"type\", \"default\"}, found %s",
                            sb_json_kind_name(m->value->kind));
            continue;
        }
        sb_reader_unknown_keys(&r, m->value, path, var_keys, "a configuration variable");
        sb_config_var *var = &p->vars[p->nvars];
        var->name = m->key;
        var->line = m->line;
        var->col = m->col;
        sb_spec_text type = sb_reader_text(&r, m->value, path, "type", true);
        if (!type.text) continue;
        const sb_json *tv = sb_json_get(m->value, "type");
        sb_diag_context tctx = {.file = r.file, .field = type.field, .line = tv->line,
                                .col = tv->col};
        sb_diags_set_context(d, &tctx);
        var->type = sb_type_parse(a, type.text, type.len, d);
        sb_diags_clear_context(d);
        if (!var->type) continue;
        if (!sb_type_is_atomic(var->type) || var->type->kind == SB_T_BINARY ||
            var->type->kind == SB_T_NULL) {
            sb_reader_error(&r, tv, type.field, "config-type",
                            "a configuration variable has a simple type (string, int, bigint, "
                            "double, decimal, boolean, date, timestamp), not %s",
                            type.text);
            continue;
        }
        const sb_json *desc2 = sb_reader_get(&r, m->value, path, "description", SB_JSON_STRING,
                                             false);
        if (desc2) var->description = desc2->u.string.s;
        var->default_value = sb_json_get(m->value, "default");
        if (var->default_value)
            check_value(&r, var->default_value, sb_reader_path(&r, path, "default"), var);
        p->nvars++;
    }
    return 0;
}

sb_config_instance *sb_spec_parse_config(sb_arena *a, const sb_project *p, const char *name,
                                         const char *file, const char *text, size_t len,
                                         sb_diags *d)
{
    sb_reader r;
    const sb_json *root = sb_reader_parse_file(&r, a, file, text, len, "a configuration file", d);
    if (!root) return NULL;
    static const char *const keys[] = {"values", "description", NULL};
    sb_reader_unknown_keys(&r, root, "", keys, "a configuration");
    sb_config_instance *c = sb_arena_alloc(a, sizeof(*c));
    c->name = sb_arena_strdup(a, name);
    c->file = r.file;
    c->values = sb_reader_get(&r, root, "", "values", SB_JSON_OBJECT, true);
    if (!c->values) return c;
    for (size_t i = 0; i < c->values->u.object.len; i++) {
        const sb_json_member *m = &c->values->u.object.members[i];
        const char *path = sb_reader_path(&r, "values", m->key);
        const sb_config_var *var = sb_project_var(p, m->key);
        if (!var) {
            sb_json at = {.line = m->line, .col = m->col};
            sb_diag *g = sb_reader_error(&r, &at, path, "unknown-variable",
                                         "`%s` is not a configuration variable of the project",
                                         m->key);
            size_t best = (size_t)-1;
            const char *best_name = NULL;
            for (size_t k = 0; k < p->nvars; k++) {
                size_t dist = sb_edit_distance(m->key, p->vars[k].name);
                if (dist < best) best = dist, best_name = p->vars[k].name;
            }
            if (best_name && best <= 3)
                sb_diag_set_hint(d, g, "did you mean `%s`?", best_name);
            else
                sb_diag_set_hint(d, g, "declare it under \"config\" in sibyl.json");
            continue;
        }
        check_value(&r, m->value, path, var);
    }
    return c;
}

const sb_config_var *sb_project_var(const sb_project *p, const char *name)
{
    for (size_t i = 0; i < p->nvars; i++)
        if (strcmp(p->vars[i].name, name) == 0) return &p->vars[i];
    return NULL;
}
