/*
 * diag.h — diagnostics: what went wrong, where, and what to do about it.
 *
 * Every stage of sibyl (file loading, SQL parsing, type checking, schema
 * propagation) reports problems into one sb_diags list instead of printing
 * or failing on the first one. A diagnostic names the place as precisely as
 * it is known: file, gem, field path, the line and column of the field's
 * value in the file, and a byte span inside the field's text (an expression).
 *
 * The SQL layer does not know which file or gem it is checking; the caller
 * sets a context (sb_diags_set_context) and every diagnostic added while it
 * is set carries it.
 */
#ifndef SB_DIAG_H
#define SB_DIAG_H

#include "base/base.h"

typedef enum sb_severity {
    SB_SEV_ERROR,
    SB_SEV_WARNING,
    SB_SEV_NOTE,
} sb_severity;

/* A byte range [start, end) inside a field's text. */
typedef struct sb_span {
    uint32_t start, end;
} sb_span;

typedef struct sb_diag {
    sb_severity severity;
    const char *code;  /* stable short identifier, e.g. "type-mismatch" */
    const char *file;  /* project-relative path, or NULL */
    const char *gem;   /* gem name, or NULL */
    const char *field; /* field path, e.g. "expressions[2].expression", or NULL */
    uint32_t line;     /* 1-based line of the field's value in the file; 0 = unknown */
    uint32_t col;      /* 1-based column (bytes) of the same */
    bool has_span;
    sb_span span;      /* inside the field's text */
    const char *message;
    const char *hint; /* "did you mean `concat_ws`?", or NULL */
} sb_diag;

typedef struct sb_diag_context {
    const char *file;
    const char *gem;
    const char *field;
    uint32_t line, col;
} sb_diag_context;

typedef struct sb_diags {
    sb_arena *arena; /* diagnostics and their strings live here */
    sb_vec items;    /* sb_diag* */
    size_t errors, warnings;
    sb_diag_context ctx;
} sb_diags;

/* Diagnostics allocated in `arena` (which the caller owns). */
void sb_diags_init(sb_diags *d, sb_arena *arena);
/* Set the place that subsequent diagnostics are attributed to; strings are copied. */
void sb_diags_set_context(sb_diags *d, const sb_diag_context *ctx);
void sb_diags_clear_context(sb_diags *d);

/* Add a diagnostic at the current context; returns it so callers can add a hint. */
sb_diag *sb_diags_add(sb_diags *d, sb_severity sev, const char *code, const char *fmt, ...)
    SB_PRINTF(4, 5);
/* The same with a span inside the current field's text. */
sb_diag *sb_diags_add_span(sb_diags *d, sb_severity sev, sb_span span, const char *code,
                           const char *fmt, ...) SB_PRINTF(5, 6);
/* Shorthand for errors with a span. */
sb_diag *sb_diags_error(sb_diags *d, sb_span span, const char *code, const char *fmt, ...)
    SB_PRINTF(4, 5);
void sb_diag_set_hint(sb_diags *d, sb_diag *diag, const char *fmt, ...) SB_PRINTF(3, 4);

static inline size_t sb_diags_count(const sb_diags *d)
{
    return d->items.len;
}
static inline sb_diag *sb_diags_at(const sb_diags *d, size_t i)
{
    return (sb_diag *)d->items.items[i];
}

/* Order diagnostics by file, line, column, span (stable for equal keys). */
void sb_diags_sort(sb_diags *d);

/* Compiler-style text, one diagnostic per line plus an indented hint:
 *   pipelines/orders.json:12:9: gem "clean_orders" field expressions[2].expression: 14-22: error: ...
 */
void sb_diag_format(sb_buf *out, const sb_diag *diag);
/* JSON array of diagnostic objects. */
void sb_diags_format_json(sb_buf *out, const sb_diags *d);

#endif
