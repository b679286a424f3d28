/*
 * diag.c — collecting, ordering and printing diagnostics.
 */
#include "base/diag.h"
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

void sb_diags_init(sb_diags *d, sb_arena *arena)
{
    memset(d, 0, sizeof(*d));
    d->arena = arena;
}

void sb_diags_set_context(sb_diags *d, const sb_diag_context *ctx)
{
    d->ctx.file = sb_arena_strdup(d->arena, ctx->file);
    d->ctx.gem = sb_arena_strdup(d->arena, ctx->gem);
    d->ctx.field = sb_arena_strdup(d->arena, ctx->field);
    d->ctx.line = ctx->line;
    d->ctx.col = ctx->col;
}

void sb_diags_clear_context(sb_diags *d)
{
    memset(&d->ctx, 0, sizeof(d->ctx));
}

static sb_diag *diags_vadd(sb_diags *d, sb_severity sev, const sb_span *span, const char *code,
                           const char *fmt, va_list ap)
{
    sb_diag *g = sb_arena_alloc(d->arena, sizeof(*g));
    g->severity = sev;
    g->code = code;
    g->file = d->ctx.file;
    g->gem = d->ctx.gem;
    g->field = d->ctx.field;
    g->line = d->ctx.line;
    g->col = d->ctx.col;
    if (span) {
        g->has_span = true;
        g->span = *span;
    }
    g->message = sb_arena_vprintf(d->arena, fmt, ap);
    sb_vec_push(d->arena, &d->items, g);
    if (sev == SB_SEV_ERROR) d->errors++;
    if (sev == SB_SEV_WARNING) d->warnings++;
    return g;
}

sb_diag *sb_diags_add(sb_diags *d, sb_severity sev, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_diag *g = diags_vadd(d, sev, NULL, code, fmt, ap);
    va_end(ap);
    return g;
}

sb_diag *sb_diags_add_span(sb_diags *d, sb_severity sev, sb_span span, const char *code,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_diag *g = diags_vadd(d, sev, &span, code, fmt, ap);
    va_end(ap);
    return g;
}

sb_diag *sb_diags_error(sb_diags *d, sb_span span, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_diag *g = diags_vadd(d, SB_SEV_ERROR, &span, code, fmt, ap);
    va_end(ap);
    return g;
}

void sb_diag_set_hint(sb_diags *d, sb_diag *diag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag->hint = sb_arena_vprintf(d->arena, fmt, ap);
    va_end(ap);
}

static int strcmp_null(const char *a, const char *b)
{
    if (!a || !b) return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int diag_cmp(const sb_diag *a, const sb_diag *b)
{
    int c = strcmp_null(a->file, b->file);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    if (a->span.start != b->span.start) return a->span.start < b->span.start ? -1 : 1;
    return 0;
}

void sb_diags_sort(sb_diags *d)
{
    /* Insertion sort: stable, and diagnostic lists are short. */
    sb_diag **v = (sb_diag **)d->items.items;
    for (size_t i = 1; i < d->items.len; i++) {
        sb_diag *x = v[i];
        size_t j = i;
        while (j > 0 && diag_cmp(v[j - 1], x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static const char *severity_name(sb_severity s)
{
    switch (s) {
    case SB_SEV_ERROR: return "error";
    case SB_SEV_WARNING: return "warning";
    case SB_SEV_NOTE: return "note";
    }
    return "error";
}

void sb_diag_format(sb_buf *out, const sb_diag *g)
{
    if (g->file) {
        sb_buf_puts(out, g->file);
        if (g->line) sb_buf_printf(out, ":%u:%u", g->line, g->col);
        sb_buf_puts(out, ": ");
    }
    if (g->gem) sb_buf_printf(out, "gem \"%s\" ", g->gem);
    if (g->field) sb_buf_printf(out, "field %s", g->field);
    if (g->gem || g->field) {
        if (out->len && out->data[out->len - 1] == ' ') out->len--;
        sb_buf_puts(out, ": ");
    }
    /* Spans print 1-based and inclusive, like compiler columns. */
    if (g->has_span) {
        uint32_t last = g->span.end > g->span.start ? g->span.end : g->span.start + 1;
        sb_buf_printf(out, "%u-%u: ", g->span.start + 1, last);
    }
    sb_buf_printf(out, "%s: %s\n", severity_name(g->severity), g->message);
    if (g->hint) sb_buf_printf(out, "    hint: %s\n", g->hint);
}

static void put_field(sb_buf *out, const char *key, const char *value, bool *first)
{
    if (!value) return;
    if (!*first) sb_buf_putc(out, ',');
    *first = false;
    sb_json_write_string(out, key, strlen(key));
    sb_buf_putc(out, ':');
    sb_json_write_string(out, value, strlen(value));
}

void sb_diags_format_json(sb_buf *out, const sb_diags *d)
{
    sb_buf_putc(out, '[');
    for (size_t i = 0; i < d->items.len; i++) {
        const sb_diag *g = d->items.items[i];
        bool first = true;
        if (i) sb_buf_putc(out, ',');
        sb_buf_putc(out, '{');
        put_field(out, "severity", severity_name(g->severity), &first);
        put_field(out, "code", g->code, &first);
        put_field(out, "file", g->file, &first);
        put_field(out, "gem", g->gem, &first);
        put_field(out, "field", g->field, &first);
        if (g->line) sb_buf_printf(out, ",\"line\":%u,\"column\":%u", g->line, g->col);
        if (g->has_span)
            sb_buf_printf(out, ",\"span\":{\"start\":%u,\"end\":%u}", g->span.start, g->span.end);
        put_field(out, "message", g->message, &first);
        put_field(out, "hint", g->hint, &first);
        sb_buf_putc(out, '}');
    }
    sb_buf_puts(out, "]\n");
}
