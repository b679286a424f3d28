/*
 * reader.c — typed field access with diagnostics for the project loader.
 */
#include "spec/reader.h"

#include <string.h>

static void set_ctx(sb_reader *r, const sb_json *at, const char *field)
{
    sb_diag_context ctx = {.file = r->file, .gem = r->gem, .field = field};
    if (at) {
        ctx.line = at->line;
        ctx.col = at->col;
    }
    sb_diags_set_context(r->d, &ctx);
}

static sb_diag *reader_vadd(sb_reader *r, sb_severity sev, const sb_json *at, const char *field,
                            const char *code, const char *fmt, va_list ap)
{
    set_ctx(r, at, field);
    char *msg = sb_arena_vprintf(r->a, fmt, ap);
    sb_diag *g = sb_diags_add(r->d, sev, code, "%s", msg);
    sb_diags_clear_context(r->d);
    return g;
}

sb_diag *sb_reader_error(sb_reader *r, const sb_json *at, const char *field, const char *code,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_diag *g = reader_vadd(r, SB_SEV_ERROR, at, field, code, fmt, ap);
    va_end(ap);
    return g;
}

sb_diag *sb_reader_warning(sb_reader *r, const sb_json *at, const char *field, const char *code,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_diag *g = reader_vadd(r, SB_SEV_WARNING, at, field, code, fmt, ap);
    va_end(ap);
    return g;
}

/* Field paths are built for every field read, so they avoid printf. */
const char *sb_reader_path(sb_reader *r, const char *path, const char *key)
{
    if (!path || !*path) return key;
    size_t pl = strlen(path), kl = strlen(key);
    char *s = sb_arena_alloc(r->a, pl + kl + 2);
    memcpy(s, path, pl);
    s[pl] = '.';
    memcpy(s + pl + 1, key, kl + 1);
    return s;
}

const char *sb_reader_index(sb_reader *r, const char *path, size_t index)
{
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + index % 10);
        index /= 10;
    } while (index);
    size_t pl = path ? strlen(path) : 0;
    char *s = sb_arena_alloc(r->a, pl + nd + 3);
    if (pl) memcpy(s, path, pl);
    s[pl] = '[';
    for (size_t i = 0; i < nd; i++) s[pl + 1 + i] = digits[nd - 1 - i];
    s[pl + 1 + nd] = ']';
    s[pl + 2 + nd] = '\0';
    return s;
}

static const char *a_or_an(sb_json_kind k)
{
    return (k == SB_JSON_ARRAY || k == SB_JSON_OBJECT) ? "an" : "a";
}

const sb_json *sb_reader_get(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                             sb_json_kind kind, bool required)
{
    const sb_json *v = sb_json_get(obj, key);
    const char *field = sb_reader_path(r, path, key);
    if (!v || (v->kind == SB_JSON_NULL && kind != SB_JSON_NULL)) {
        if (required)
            sb_reader_error(r, v ? v : obj, field, "missing-field", "required field `%s` is missing",
                            key);
        return NULL;
    }
    if (v->kind != kind) {
        sb_reader_error(r, v, field, "wrong-json-type", "expected %s %s, found %s %s",
                        a_or_an(kind), sb_json_kind_name(kind), a_or_an(v->kind),
                        sb_json_kind_name(v->kind));
        return NULL;
    }
    return v;
}

sb_spec_text sb_reader_text_value(sb_reader *r, const sb_json *v, const char *field)
{
    sb_spec_text t = {.field = field};
    if (!v) return t;
    t.line = v->line;
    t.col = v->col;
    if (v->kind != SB_JSON_STRING) {
        sb_reader_error(r, v, field, "wrong-json-type", "expected a string, found %s %s",
                        a_or_an(v->kind), sb_json_kind_name(v->kind));
        return t;
    }
    t.text = v->u.string.s;
    t.len = v->u.string.len;
    return t;
}

sb_spec_text sb_reader_text(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                            bool required)
{
    const char *field = sb_reader_path(r, path, key);
    const sb_json *v = sb_reader_get(r, obj, path, key, SB_JSON_STRING, required);
    sb_spec_text t = {.field = field};
    if (!v) {
        const sb_json *raw = sb_json_get(obj, key);
        if (raw) {
            t.line = raw->line;
            t.col = raw->col;
        }
        return t;
    }
    return sb_reader_text_value(r, v, field);
}

sb_spec_text sb_reader_name(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                            bool required)
{
    sb_spec_text t = sb_reader_text(r, obj, path, key, required);
    if (t.text && (strlen(t.text) != t.len || !sb_spec_is_name(t.text))) {
        sb_reader_error(r, sb_json_get(obj, key), t.field, "invalid-name",
                        "`%s` is not a valid name: use a letter or `_` followed by letters, "
                        "digits or `_`",
                        t.text);
        t.text = NULL;
    }
    return t;
}

sb_spec_expr sb_reader_expr_value(sb_reader *r, const sb_json *v, const char *field)
{
    sb_spec_expr e = {.src = sb_reader_text_value(r, v, field)};
    if (!e.src.text) return e;
    if (e.src.len == 0 || strspn(e.src.text, " \t\r\n") == e.src.len) {
        sb_reader_error(r, v, field, "empty-expression", "the expression is empty");
        return e;
    }
    set_ctx(r, v, field);
    e.ast = sb_sql_parse_expr(r->a, e.src.text, e.src.len, r->d);
    sb_diags_clear_context(r->d);
    return e;
}

sb_spec_expr sb_reader_expr(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                            bool required)
{
    const sb_json *v = sb_reader_get(r, obj, path, key, SB_JSON_STRING, required);
    if (!v) {
        sb_spec_expr e = {.src = {.field = sb_reader_path(r, path, key)}};
        return e;
    }
    return sb_reader_expr_value(r, v, sb_reader_path(r, path, key));
}

bool sb_reader_bool(sb_reader *r, const sb_json *obj, const char *path, const char *key, bool dflt)
{
    const sb_json *v = sb_reader_get(r, obj, path, key, SB_JSON_BOOL, false);
    return v ? v->u.boolean : dflt;
}

int64_t sb_reader_int(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                      int64_t dflt, int64_t min, int64_t max, bool required, bool *ok)
{
    if (ok) *ok = true;
    const sb_json *v = sb_reader_get(r, obj, path, key, SB_JSON_NUMBER, required);
    if (!v) {
        if (ok && (required || sb_json_get(obj, key))) *ok = false;
        return dflt;
    }
    double x = v->u.number.value;
    if (!v->u.number.is_integer || x < (double)min || x > (double)max) {
        sb_reader_error(r, v, sb_reader_path(r, path, key), "invalid-number",
                        "expected an integer between %lld and %lld, found %.*s", (long long)min,
                        (long long)max, (int)v->u.number.len, v->u.number.text);
        if (ok) *ok = false;
        return dflt;
    }
    return (int64_t)x;
}

int sb_reader_choice(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                     const char *const *choices, size_t nchoices, int dflt)
{
    const sb_json *v = sb_reader_get(r, obj, path, key, SB_JSON_STRING, dflt < 0);
    if (!v) return sb_json_get(obj, key) ? -1 : dflt;
    for (size_t i = 0; i < nchoices; i++)
        if (strcmp(v->u.string.s, choices[i]) == 0) return (int)i;
    sb_buf list = SB_BUF_INIT;
    for (size_t i = 0; i < nchoices; i++) {
        if (i) sb_buf_puts(&list, i + 1 == nchoices ? " or " : ", ");
        sb_buf_printf(&list, "`%s`", choices[i]);
    }
    sb_diag *g = sb_reader_error(r, v, sb_reader_path(r, path, key), "invalid-choice",
                                 "`%s` is not one of %s", v->u.string.s, sb_buf_str(&list));
    size_t best = (size_t)-1, besti = 0;
    for (size_t i = 0; i < nchoices; i++) {
        size_t dist = sb_edit_distance(v->u.string.s, choices[i]);
        if (dist < best) best = dist, besti = i;
    }
    /* A close spelling, or the start of a longer choice ("union" for "unionAll"). */
    for (size_t i = 0; best > 2 && i < nchoices; i++)
        if (strncmp(choices[i], v->u.string.s, v->u.string.len) == 0 && v->u.string.len >= 3)
            best = 0, besti = i;
    if (best <= 2) sb_diag_set_hint(r->d, g, "did you mean `%s`?", choices[besti]);
    sb_buf_free(&list);
    return -1;
}

void sb_reader_unknown_keys(sb_reader *r, const sb_json *obj, const char *path,
                            const char *const *known, const char *what)
{
    if (!obj || obj->kind != SB_JSON_OBJECT) return;
    for (size_t i = 0; i < obj->u.object.len; i++) {
        const sb_json_member *m = &obj->u.object.members[i];
        bool found = false;
        for (size_t k = 0; known[k] && !found; k++) found = strcmp(m->key, known[k]) == 0;
        if (found) continue;
        size_t best = (size_t)-1;
        const char *best_name = NULL;
        for (size_t k = 0; known[k]; k++) {
            size_t dist = sb_edit_distance(m->key, known[k]);
            if (dist < best) best = dist, best_name = known[k];
        }
        sb_json at = {.line = m->line, .col = m->col};
        sb_diag *g = sb_reader_error(r, &at, sb_reader_path(r, path, m->key), "unknown-field",
                                     "unknown field `%s` in %s", m->key, what);
        if (best_name && best <= 3)
            sb_diag_set_hint(r->d, g, "did you mean `%s`?", best_name);
    }
}

const sb_json *sb_reader_parse_file(sb_reader *r, sb_arena *a, const char *file, const char *text,
                                    size_t len, const char *what, sb_diags *d)
{
    *r = (sb_reader){.a = a, .d = d, .file = sb_arena_strdup(a, file)};
    sb_diag_context ctx = {.file = file};
    sb_diags_set_context(d, &ctx);
    sb_json *root = sb_json_parse(a, text, len, d);
    sb_diags_clear_context(d);
    if (!root) return NULL;
    if (root->kind != SB_JSON_OBJECT) {
        sb_reader_error(r, root, NULL, "wrong-json-type", "%s holds a JSON object, found %s", what,
                        sb_json_kind_name(root->kind));
        return NULL;
    }
    return root;
}

bool sb_reader_value_fits(const sb_json *v, const sb_type *t)
{
    switch (t->kind) {
    case SB_T_BOOLEAN: return v->kind == SB_JSON_BOOL;
    case SB_T_BYTE:
    case SB_T_SHORT:
    case SB_T_INT:
    case SB_T_LONG: return v->kind == SB_JSON_NUMBER && v->u.number.is_integer;
    case SB_T_FLOAT:
    case SB_T_DOUBLE: return v->kind == SB_JSON_NUMBER;
    case SB_T_DECIMAL: return v->kind == SB_JSON_NUMBER || v->kind == SB_JSON_STRING;
    case SB_T_STRING:
    case SB_T_BINARY:
    case SB_T_DATE:
    case SB_T_TIMESTAMP:
    case SB_T_TIMESTAMP_NTZ: return v->kind == SB_JSON_STRING;
    case SB_T_ARRAY: return v->kind == SB_JSON_ARRAY;
    case SB_T_MAP:
    case SB_T_STRUCT: return v->kind == SB_JSON_OBJECT;
    default: return false;
    }
}

const sb_type *sb_reader_schema(sb_reader *r, const sb_json *obj, const char *path,
                                const char *key, bool required)
{
    const char *field = sb_reader_path(r, path, key);
    const sb_json *arr = sb_reader_get(r, obj, path, key, SB_JSON_ARRAY, required);
    if (!arr) return NULL;
    size_t n = arr->u.array.len;
    sb_field *fields = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(sb_field));
    bool ok = true;
    static const char *const known[] = {"name", "type", "nullable", "description", NULL};
    for (size_t i = 0; i < n; i++) {
        const sb_json *col = arr->u.array.items[i];
        const char *cpath = sb_reader_index(r, field, i);
        if (col->kind != SB_JSON_OBJECT) {
            sb_reader_error(r, col, cpath, "wrong-json-type",
                            "expected a column object {\"name\", \"type\"}, found %s %s",
                            a_or_an(col->kind), sb_json_kind_name(col->kind));
            ok = false;
            continue;
        }
        sb_reader_unknown_keys(r, col, cpath, known, "a schema column");
        sb_spec_text name = sb_reader_text(r, col, cpath, "name", true);
        sb_spec_text type = sb_reader_text(r, col, cpath, "type", true);
        if (!name.text || !type.text) {
            ok = false;
            continue;
        }
        if (name.len == 0 || strlen(name.text) != name.len) {
            sb_reader_error(r, sb_json_get(col, "name"), name.field, "invalid-name",
                            "a column name must be a non-empty string without NUL characters");
            ok = false;
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            if (fields[k].name && sb_str_ieq(fields[k].name, name.text)) {
                sb_reader_error(r, sb_json_get(col, "name"), name.field, "duplicate-column",
                                "column `%s` is declared twice (Spark compares names "
                                "case-insensitively)",
                                name.text);
                ok = false;
            }
        }
        const sb_json *tv = sb_json_get(col, "type");
        sb_diag_context ctx = {.file = r->file, .gem = r->gem, .field = type.field,
                               .line = tv->line, .col = tv->col};
        sb_diags_set_context(r->d, &ctx);
        const sb_type *t = sb_type_parse(r->a, type.text, type.len, r->d);
        sb_diags_clear_context(r->d);
        if (!t) {
            ok = false;
            continue;
        }
        fields[i].name = name.text;
        fields[i].type = t;
        fields[i].nullable = sb_reader_bool(r, col, cpath, "nullable", true);
    }
    if (!ok) return NULL;
    return sb_type_struct(r->a, fields, n);
}
