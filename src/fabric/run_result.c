/*
 * run_result.c — the structured result of an interactive run, built from
 * the lines the code printed on the Spark side.
 *
 * Every driver, however the lines travel (a pipe from the local driver, the
 * text/plain output of a Livy statement), feeds them here one at a time, so
 * the meaning of SIBYL-EDGE / SIBYL-ERROR / SIBYL-DONE lives in one place.
 */
#include "fabric/fabric_internal.h"

#include <stdlib.h>
#include <string.h>

void sb_run_result_init(sb_run_result *r)
{
    memset(r, 0, sizeof(*r));
    r->arena = sb_arena_new();
    r->state = SB_RUN_SUCCEEDED;
    r->spark_ms = -1;
}

void sb_run_result_free(sb_run_result *r)
{
    if (r->arena) sb_arena_free(r->arena);
    memset(r, 0, sizeof(*r));
}

const char *sb_run_state_name(sb_run_state s)
{
    switch (s) {
    case SB_RUN_SUCCEEDED: return "succeeded";
    case SB_RUN_FAILED: return "failed";
    case SB_RUN_CANCELLED: return "cancelled";
    case SB_RUN_TIMED_OUT: return "timed_out";
    case SB_RUN_LOST: return "lost";
    }
    return "unknown";
}

const sb_fabric_edge *sb_run_result_edge(const sb_run_result *r, const char *gem,
                                         const char *port)
{
    if (!port) port = "out";
    /* The last report wins: a gem re-run within one run reports again. */
    for (size_t i = r->edges.len; i-- > 0;) {
        const sb_fabric_edge *e = r->edges.items[i];
        if (strcmp(e->gem, gem) == 0 && strcmp(e->port, port) == 0) return e;
    }
    return NULL;
}

void sb_run_result_fail(sb_run_result *r, sb_run_state state, const char *hint, const char *fmt,
                        ...)
{
    if (r->state != SB_RUN_SUCCEEDED) return;
    va_list ap;
    va_start(ap, fmt);
    r->state = state;
    r->error = sb_arena_vprintf(r->arena, fmt, ap);
    va_end(ap);
    r->hint = hint ? sb_arena_strdup(r->arena, hint) : NULL;
}

const char *sb_fabric_short_error(sb_arena *a, const char *evalue)
{
    if (!evalue) return "";
    /* py4j wraps JVM failures as "An error occurred while calling o42.count.\n:
     * org.apache.spark.SparkException: ...": the second line is the news. */
    const char *s = evalue;
    if (strncmp(s, "An error occurred while calling", 31) == 0) {
        const char *nl = strchr(s, '\n');
        if (nl) {
            s = nl + 1;
            while (*s == ':' || *s == ' ') s++;
        }
    }
    while (*s == ' ' || *s == '\n') s++;
    size_t n = strcspn(s, "\n");
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r')) n--;
    if (n > 400) n = 400;
    return sb_arena_strndup(a, s, n);
}

static void take_error(sb_run_result *r, const char *json, size_t len)
{
    sb_diags d;
    sb_diags_init(&d, r->arena);
    sb_json *v = sb_json_parse(r->arena, json, len, &d);
    const sb_json *ename = sb_json_get(v, "ename");
    const sb_json *evalue = sb_json_get(v, "evalue");
    const sb_json *tb = sb_json_get(v, "traceback");
    const char *cls = ename && ename->kind == SB_JSON_STRING ? ename->u.string.s : "Error";
    const char *msg = evalue && evalue->kind == SB_JSON_STRING ? evalue->u.string.s : "";
    if (tb && tb->kind == SB_JSON_ARRAY) {
        sb_buf b = SB_BUF_INIT;
        for (size_t i = 0; i < tb->u.array.len; i++)
            if (tb->u.array.items[i]->kind == SB_JSON_STRING)
                sb_buf_puts(&b, tb->u.array.items[i]->u.string.s);
        r->detail = sb_arena_strdup(r->arena, sb_buf_str(&b));
        sb_buf_free(&b);
    }
    r->error_class = sb_arena_strdup(r->arena, cls);
    if (strcmp(cls, "KeyboardInterrupt") == 0) {
        sb_run_result_fail(r, SB_RUN_CANCELLED, NULL, "the run was cancelled");
        return;
    }
    sb_run_result_fail(r, SB_RUN_FAILED, NULL, "%s: %s", cls,
                       sb_fabric_short_error(r->arena, msg));
}

bool sb_run_result_line(sb_run_result *r, const sb_run_request *req, const char *line,
                        size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    size_t pe = strlen(SB_EDGE_PREFIX), pr = strlen(SB_ERROR_PREFIX),
           pd = strlen(SB_DONE_PREFIX);
    if (len >= pe && memcmp(line, SB_EDGE_PREFIX, pe) == 0) {
        sb_fabric_edge *e = sb_arena_alloc(r->arena, sizeof(*e));
        const char *err = NULL;
        if (sb_fabric_edge_parse(r->arena, line + pe, len - pe, e, &err) != 0) {
            /* A malformed report loses that one preview, not the run. */
            sb_vec_push(r->arena, &r->notices,
                        sb_arena_printf(r->arena, "a preview line could not be read: %s", err));
            return false;
        }
        sb_vec_push(r->arena, &r->edges, e);
        if (req && req->on_edge) req->on_edge(req->ud, e);
        return false;
    }
    if (len >= pr && memcmp(line, SB_ERROR_PREFIX, pr) == 0) {
        take_error(r, line + pr, len - pr);
        return false;
    }
    if (len >= pd && memcmp(line, SB_DONE_PREFIX, pd) == 0) {
        sb_diags d;
        sb_diags_init(&d, r->arena);
        sb_json *v = sb_json_parse(r->arena, line + pd, len - pd, &d);
        const sb_json *ms = sb_json_get(v, "ms");
        if (ms && ms->kind == SB_JSON_NUMBER) r->spark_ms = ms->u.number.value;
        return true;
    }
    sb_vec_push(r->arena, &r->output, sb_arena_strndup(r->arena, line, len));
    return false;
}

void sb_run_result_text(sb_run_result *r, const sb_run_request *req, const char *text,
                        size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        /* A statement's text/plain may end with the value of the last
         * expression; an empty trailing line is not output. */
        if (n > 0 || nl) sb_run_result_line(r, req, text + i, n);
        i += n + 1;
    }
}

static void write_member_string(sb_buf *out, const char *key, const char *val, bool *first)
{
    if (!val) return;
    if (!*first) sb_buf_putc(out, ',');
    *first = false;
    sb_json_write_string(out, key, strlen(key));
    sb_buf_putc(out, ':');
    sb_json_write_string(out, val, strlen(val));
}

static void write_strings(sb_buf *out, const char *key, const sb_vec *v)
{
    sb_buf_printf(out, ",\"%s\":[", key);
    for (size_t i = 0; i < v->len; i++) {
        if (i) sb_buf_putc(out, ',');
        const char *s = v->items[i];
        sb_json_write_string(out, s, strlen(s));
    }
    sb_buf_putc(out, ']');
}

void sb_run_result_write_json(sb_buf *out, const sb_run_result *r)
{
    bool first = true;
    sb_buf_putc(out, '{');
    write_member_string(out, "state", sb_run_state_name(r->state), &first);
    write_member_string(out, "error", r->error, &first);
    write_member_string(out, "hint", r->hint, &first);
    write_member_string(out, "error_class", r->error_class, &first);
    write_member_string(out, "detail", r->detail, &first);
    write_member_string(out, "session", r->session, &first);
    sb_buf_printf(out, ",\"wall_ms\":%.1f", r->wall_ms);
    if (r->spark_ms >= 0) sb_buf_printf(out, ",\"spark_ms\":%.1f", r->spark_ms);
    write_strings(out, "notices", &r->notices);
    write_strings(out, "output", &r->output);
    sb_buf_puts(out, ",\"edges\":[");
    for (size_t i = 0; i < r->edges.len; i++) {
        const sb_fabric_edge *e = r->edges.items[i];
        if (i) sb_buf_putc(out, ',');
        bool f2 = true;
        sb_buf_putc(out, '{');
        write_member_string(out, "gem", e->gem, &f2);
        write_member_string(out, "port", e->port, &f2);
        if (e->count >= 0) sb_buf_printf(out, ",\"count\":%lld", (long long)e->count);
        if (e->ms >= 0) sb_buf_printf(out, ",\"ms\":%.1f", e->ms);
        sb_buf_puts(out, ",\"schema\":[");
        for (size_t j = 0; j < e->schema->nfields; j++) {
            const sb_field *fl = &e->schema->fields[j];
            if (j) sb_buf_putc(out, ',');
            sb_buf_puts(out, "{\"name\":");
            sb_json_write_string(out, fl->name, strlen(fl->name));
            sb_buf_puts(out, ",\"type\":\"");
            sb_type_print(out, fl->type);
            sb_buf_printf(out, "\",\"nullable\":%s}", fl->nullable ? "true" : "false");
        }
        sb_buf_puts(out, "],\"rows\":[");
        for (size_t k = 0; k < e->nrows; k++) {
            if (k) sb_buf_putc(out, ',');
            sb_buf_putc(out, '[');
            for (size_t j = 0; j < e->schema->nfields; j++) {
                if (j) sb_buf_putc(out, ',');
                sb_json_write_compact(out, e->rows[k][j]);
            }
            sb_buf_putc(out, ']');
        }
        sb_buf_puts(out, "]}");
    }
    sb_buf_puts(out, "]}");
}
