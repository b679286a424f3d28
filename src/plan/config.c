/*
 * config.c — configuration variables as the planner sees them: typed values
 * inside expressions (`${min_order_date}` is a date), text inside paths
 * (`data/${region}/orders.csv`).
 *
 * Expressions only need the variable's declared type, which is the same in
 * every configuration. Paths need a value: the chosen configuration
 * instance's, else the manifest default.
 */
#include "plan/plan_internal.h"

#include <string.h>

const sb_type *plan_config_type(void *ctx, const char *name)
{
    const plan_run *run = ctx;
    if (!run || !run->project || !name) return NULL;
    const sb_config_var *var = sb_project_var(run->project, name);
    return var ? var->type : NULL;
}

const sb_config_instance *sb_plan_find_config(const sb_project *p, const char *name)
{
    if (!p || !name) return NULL;
    for (size_t i = 0; i < p->nconfigs; i++)
        if (strcmp(p->configs[i]->name, name) == 0) return p->configs[i];
    return NULL;
}

const sb_json *sb_plan_config_value(const sb_project *p, const sb_config_instance *config,
                                    const char *name)
{
    if (!p || !name) return NULL;
    const sb_config_var *var = sb_project_var(p, name);
    if (!var) return NULL;
    if (config && config->values) {
        const sb_json *v = sb_json_get(config->values, name);
        if (v && v->kind != SB_JSON_NULL) return v;
    }
    if (var->default_value && var->default_value->kind != SB_JSON_NULL) return var->default_value;
    return NULL;
}

static const char *nearest_var(const sb_project *p, const char *name)
{
    size_t best = (size_t)-1;
    const char *best_name = NULL;
    for (size_t i = 0; p && i < p->nvars; i++) {
        size_t dist = sb_edit_distance(name, p->vars[i].name);
        if (dist < best) best = dist, best_name = p->vars[i].name;
    }
    return best_name && best <= 3 && best < strlen(name) ? best_name : NULL;
}

char *sb_plan_substitute(sb_arena *a, const sb_project *p, const sb_config_instance *config,
                         const char *text, sb_diags *d)
{
    if (!text) return NULL;
    if (!strstr(text, "${")) return sb_arena_strdup(a, text);
    sb_buf out = SB_BUF_INIT;
    bool ok = true;
    const char *s = text;
    while (*s) {
        const char *open = strstr(s, "${");
        if (!open) {
            sb_buf_puts(&out, s);
            break;
        }
        sb_buf_add(&out, s, (size_t)(open - s));
        uint32_t start = (uint32_t)(open - text);
        const char *close = strchr(open + 2, '}');
        if (!close) {
            sb_span span = {start, (uint32_t)strlen(text)};
            sb_diags_error(d, span, "config-syntax", "`${` is not closed by `}`");
            ok = false;
            break;
        }
        sb_span span = {start, (uint32_t)(close + 1 - text)};
        char *name = sb_arena_strndup(a, open + 2, (size_t)(close - open - 2));
        s = close + 1;
        const sb_config_var *var = p ? sb_project_var(p, name) : NULL;
        if (!var) {
            sb_diag *e =
                sb_diags_error(d, span, "unknown-variable",
                               "`%s` is not a configuration variable of the project", name);
            const char *near = nearest_var(p, name);
            if (near)
                sb_diag_set_hint(d, e, "did you mean `%s`?", near);
            else
                sb_diag_set_hint(d, e, "declare it under \"config\" in sibyl.json");
            ok = false;
            continue;
        }
        const sb_json *v = sb_plan_config_value(p, config, name);
        if (!v) {
            sb_diag *e = sb_diags_error(d, span, "config-no-value",
                                        "configuration variable `%s` has no value", name);
            if (config)
                sb_diag_set_hint(d, e, "set it in %s or give it a default in sibyl.json",
                                 config->file ? config->file : config->name);
            else
                sb_diag_set_hint(d, e,
                                 "give it a default in sibyl.json, or choose a "
                                 "configuration that sets it");
            ok = false;
            continue;
        }
        switch (v->kind) {
        case SB_JSON_STRING:
            sb_buf_add(&out, v->u.string.s, v->u.string.len);
            break;
        case SB_JSON_NUMBER:
            sb_buf_add(&out, v->u.number.text, v->u.number.len);
            break;
        case SB_JSON_BOOL:
            sb_buf_puts(&out, v->u.boolean ? "true" : "false");
            break;
        default:
            sb_diags_error(d, span, "config-type",
                           "configuration variable `%s` does not hold a simple value", name);
            ok = false;
            break;
        }
    }
    char *result = ok ? sb_arena_strdup(a, sb_buf_str(&out)) : NULL;
    sb_buf_free(&out);
    return result;
}
