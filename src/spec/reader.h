/*
 * reader.h — typed access to JSON fields with diagnostics (internal to spec/).
 *
 * A reader knows which file and gem it is reading; every accessor takes the
 * field path to report ("expressions[2].target") and reports a missing field,
 * a value of the wrong JSON type, or an unknown key at the value's position.
 */
#ifndef SB_SPEC_READER_H
#define SB_SPEC_READER_H

#include "spec/spec.h"

typedef struct sb_reader {
    sb_arena *a;
    sb_diags *d;
    const char *file;
    const char *gem; /* NULL outside gems */
} sb_reader;

/* Report an error at a JSON value (or at the enclosing object for a missing field). */
sb_diag *sb_reader_error(sb_reader *r, const sb_json *at, const char *field, const char *code,
                         const char *fmt, ...) SB_PRINTF(5, 6);
sb_diag *sb_reader_warning(sb_reader *r, const sb_json *at, const char *field, const char *code,
                           const char *fmt, ...) SB_PRINTF(5, 6);

/* The member `key` of obj if it has JSON type `kind`; NULL (after an error
 * when required, or when present with a wrong type) otherwise. */
const sb_json *sb_reader_get(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                             sb_json_kind kind, bool required);
/* A string member as sb_spec_text (text NULL when missing or wrong). */
sb_spec_text sb_reader_text(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                            bool required);
/* A string member that must be a name (identifier). */
sb_spec_text sb_reader_name(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                            bool required);
/* A string member holding a Spark SQL expression, parsed. */
sb_spec_expr sb_reader_expr(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                            bool required);
/* A JSON string value (an array element) as an expression. */
sb_spec_expr sb_reader_expr_value(sb_reader *r, const sb_json *v, const char *field);
sb_spec_text sb_reader_text_value(sb_reader *r, const sb_json *v, const char *field);
bool sb_reader_bool(sb_reader *r, const sb_json *obj, const char *path, const char *key, bool dflt);
/* An integer member within [min, max]; *ok false when invalid. */
int64_t sb_reader_int(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                      int64_t dflt, int64_t min, int64_t max, bool required, bool *ok);
/* One of the allowed strings; returns its index, or dflt when absent (-1 on error). */
int sb_reader_choice(sb_reader *r, const sb_json *obj, const char *path, const char *key,
                     const char *const *choices, size_t nchoices, int dflt);
/* Report members of obj not in `known` (NULL-terminated), with a did-you-mean. */
void sb_reader_unknown_keys(sb_reader *r, const sb_json *obj, const char *path,
                            const char *const *known, const char *what);
/* "path.key" or "key" when path is empty/NULL; "path[i]" for index >= 0. */
const char *sb_reader_path(sb_reader *r, const char *path, const char *key);
const char *sb_reader_index(sb_reader *r, const char *path, size_t index);

/* Parse a project file that must hold a JSON object; `what` names it in the
 * error ("a dataset file"). Initializes *r for the file. NULL after a
 * diagnostic when the text is not JSON or not an object. */
const sb_json *sb_reader_parse_file(sb_reader *r, sb_arena *a, const char *file, const char *text,
                                    size_t len, const char *what, sb_diags *d);

/* Does a JSON value have the shape that a value of Spark type t is written
 * in (numbers for numeric types, strings for text, dates, timestamps and
 * decimals, arrays for arrays, objects for maps and structs)? */
bool sb_reader_value_fits(const sb_json *v, const sb_type *t);

/* A schema: array of {name, type, nullable}. Returns a struct type or NULL. */
const sb_type *sb_reader_schema(sb_reader *r, const sb_json *obj, const char *path,
                                const char *key, bool required);

#endif
