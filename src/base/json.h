/*
 * json.h — JSON documents with positions, and sibyl's canonical JSON form.
 *
 * Project files are JSON. The parser keeps the line and column of every
 * value and key so that a diagnostic can point at the field that is wrong,
 * keeps object members in source order, rejects duplicate keys and invalid
 * UTF-8, and keeps number lexemes as written so that reformatting never
 * changes a value.
 *
 * Canonical form (what `sibyl fmt` writes and what the server stores):
 * two-space indentation, object keys sorted by byte value, one member or
 * element per line, except that an array or object holding only numbers,
 * booleans and nulls is written on one line; strings escaped minimally
 * (", \, and control characters) with UTF-8 kept as is; a final newline.
 * Re-formatting canonical text yields the same bytes.
 */
#ifndef SB_JSON_H
#define SB_JSON_H

#include "base/diag.h"

typedef enum sb_json_kind {
    SB_JSON_NULL,
    SB_JSON_BOOL,
    SB_JSON_NUMBER,
    SB_JSON_STRING,
    SB_JSON_ARRAY,
    SB_JSON_OBJECT,
} sb_json_kind;

typedef struct sb_json sb_json;

typedef struct sb_json_member {
    const char *key; /* decoded, NUL-terminated (keys with NUL are rejected) */
    size_t key_len;
    uint32_t line, col; /* position of the key */
    sb_json *value;
} sb_json_member;

struct sb_json {
    sb_json_kind kind;
    uint32_t line, col; /* 1-based position of the value's first byte */
    uint32_t offset;    /* byte offset of the same */
    union {
        bool boolean;
        struct {
            const char *text; /* the lexeme as written */
            size_t len;
            double value;
            bool is_integer; /* no fraction or exponent */
        } number;
        struct {
            const char *s; /* decoded UTF-8, NUL-terminated, may contain NUL */
            size_t len;
        } string;
        struct {
            sb_json **items;
            size_t len;
        } array;
        struct {
            sb_json_member *members; /* source order */
            size_t len;
        } object;
    } u;
};

/* Parse text (need not be NUL-terminated). On a syntax error, adds one
 * diagnostic at the current context's file with line and column, and returns
 * NULL. Nesting deeper than 256 levels is an error. */
sb_json *sb_json_parse(sb_arena *a, const char *text, size_t len, sb_diags *d);

/* Member lookup; NULL when absent or when obj is not an object. */
sb_json *sb_json_get(const sb_json *obj, const char *key);
const sb_json_member *sb_json_member_get(const sb_json *obj, const char *key);

const char *sb_json_kind_name(sb_json_kind k); /* "string", "object", ... */

/* Constructors (arena-allocated) for building documents to write. */
sb_json *sb_json_new_null(sb_arena *a);
sb_json *sb_json_new_bool(sb_arena *a, bool b);
sb_json *sb_json_new_int(sb_arena *a, int64_t v);
sb_json *sb_json_new_number_text(sb_arena *a, const char *lexeme);
sb_json *sb_json_new_string(sb_arena *a, const char *s, size_t len);
sb_json *sb_json_new_array(sb_arena *a);
sb_json *sb_json_new_object(sb_arena *a);
void sb_json_array_push(sb_arena *a, sb_json *arr, sb_json *item);
/* Adds or replaces a member. */
void sb_json_object_set(sb_arena *a, sb_json *obj, const char *key, sb_json *value);

/* Canonical text, with a trailing newline. */
void sb_json_write_canonical(sb_buf *out, const sb_json *v);
/* Compact text on one line (for the API and machine-readable output). */
void sb_json_write_compact(sb_buf *out, const sb_json *v);
/* A JSON string literal with minimal escaping. */
void sb_json_write_string(sb_buf *out, const char *s, size_t len);

#endif
