/*
 * dataset.c — reading dataset files: format, path, reader/writer options and
 * an optional declared schema.
 */
#include "spec/reader.h"

#include <string.h>

/* Spark reader/writer options sibyl knows per format; other options are
 * passed through to Spark with a warning, since a typo silently does nothing. */
static const char *const csv_options[] = {
    "header", "sep", "delimiter", "quote", "escape", "nullValue", "emptyValue", "nanValue",
    "dateFormat", "timestampFormat", "timestampNTZFormat", "inferSchema", "multiLine",
    "encoding", "charset", "comment", "mode", "ignoreLeadingWhiteSpace",
    "ignoreTrailingWhiteSpace", "lineSep", "quoteAll", "escapeQuotes", "compression",
    "samplingRatio", "enforceSchema", "columnNameOfCorruptRecord", "maxColumns",
    "unescapedQuoteHandling", "preferDate", "locale", "charToEscapeQuoteEscaping", NULL};
static const char *const json_options[] = {
    "multiLine", "dateFormat", "timestampFormat", "timestampNTZFormat", "primitivesAsString",
    "prefersDecimal", "allowComments", "allowUnquotedFieldNames", "allowSingleQuotes",
    "allowNumericLeadingZeros", "allowBackslashEscapingAnyCharacter", "mode",
    "columnNameOfCorruptRecord", "encoding", "lineSep", "samplingRatio",
    "dropFieldIfAllNull", "compression", "ignoreNullFields", "locale", NULL};
static const char *const parquet_options[] = {"mergeSchema", "compression",
                                              "datetimeRebaseMode", "int96RebaseMode", NULL};

sb_dataset *sb_spec_parse_dataset(sb_arena *a, const char *name, const char *file,
                                  const char *text, size_t len, sb_diags *d)
{
    sb_reader r;
    const sb_json *root = sb_reader_parse_file(&r, a, file, text, len, "a dataset file", d);
    if (!root) return NULL;
    sb_dataset *ds = sb_arena_alloc(a, sizeof(*ds));
    ds->name = sb_arena_strdup(a, name);
    ds->file = r.file;
    ds->line = root->line;
    ds->col = root->col;
    static const char *const keys[] = {"format", "path", "options", "schema", "description",
                                       NULL};
    sb_reader_unknown_keys(&r, root, "", keys, "a dataset");
    static const char *const formats[] = {"csv", "json", "parquet"};
    int f = sb_reader_choice(&r, root, "", "format", formats, 3, -1);
    ds->format = f < 0 ? SB_FORMAT_CSV : (sb_data_format)f;
    ds->path = sb_reader_text(&r, root, "", "path", true);
    if (ds->path.text && ds->path.len == 0) {
        sb_reader_error(&r, sb_json_get(root, "path"), "path", "empty-path", "the path is empty");
        ds->path.text = NULL;
    }
    ds->options = sb_reader_get(&r, root, "", "options", SB_JSON_OBJECT, false);
    if (ds->options) {
        const char *const *known = ds->format == SB_FORMAT_CSV    ? csv_options
                                   : ds->format == SB_FORMAT_JSON ? json_options
                                                                  : parquet_options;
        for (size_t i = 0; i < ds->options->u.object.len; i++) {
            const sb_json_member *m = &ds->options->u.object.members[i];
            const char *path = sb_reader_path(&r, "options", m->key);
            if (m->value->kind == SB_JSON_ARRAY || m->value->kind == SB_JSON_OBJECT ||
                m->value->kind == SB_JSON_NULL) {
                sb_reader_error(&r, m->value, path, "wrong-json-type",
                                "an option value is a string, number or boolean");
                continue;
            }
            bool found = false;
            size_t best = (size_t)-1;
            const char *best_name = NULL;
            for (size_t k = 0; known[k]; k++) {
                if (strcmp(known[k], m->key) == 0) {
                    found = true;
                    break;
                }
                size_t dist = sb_edit_distance(m->key, known[k]);
                if (dist < best) best = dist, best_name = known[k];
            }
            if (!found) {
                sb_json at = {.line = m->line, .col = m->col};
                sb_diag *g = sb_reader_warning(&r, &at, path, "unknown-option",
                                               "`%s` is not a %s option Spark knows; it is "
                                               "passed through unchanged",
                                               m->key, formats[ds->format]);
                if (best_name && best <= 2) sb_diag_set_hint(d, g, "did you mean `%s`?", best_name);
            }
        }
    }
    ds->schema = sb_reader_schema(&r, root, "", "schema", false);
    return ds;
}
