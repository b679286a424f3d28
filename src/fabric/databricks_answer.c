/*
 * databricks_answer.c — reading what a Databricks workspace answers.
 *
 * Databricks speaks several dialects of error: the REST APIs' JSON
 * {"error_code", "message"}, the older Command API's {"error": "..."}, the
 * gateway's HTML pages (an expired token gets one), and command results
 * whose `cause` is a terminal traceback with ANSI colours and whose
 * `summary` is HTML. A user should read none of that markup: everything is
 * reduced here to plain text before it becomes the one sentence sibyl shows.
 * Also here: when to try a request again, and what the states of clusters
 * and job runs mean.
 */
#include "fabric/databricks.h"

#include <stdlib.h>
#include <string.h>

/* ---- markup to plain text ------------------------------------------------------- */

static const struct {
    const char *name;
    const char *text;
} entities[] = {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
                {"nbsp", " "}, {"#39", "'"}, {"#x27", "'"}, {"#34", "\""}};

/* Length of a numeric character reference's UTF-8 form, written to out. */
static size_t put_codepoint(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        if (cp >= 0xD800 && cp < 0xE000) return 0;
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp < 0x110000) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

char *sb_dbx_plain_text(sb_arena *a, const char *s, size_t len, size_t max, unsigned flags)
{
    bool html = flags & SB_DBX_HTML, lines = flags & SB_DBX_KEEP_LINES;
    sb_buf b = SB_BUF_INIT;
    bool space = false; /* a blank is pending (one-line mode) */
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1B) {
            /* ESC [ params final (CSI), ESC ] ... BEL or ESC \ (OSC), or ESC
             * and one more byte. */
            i++;
            if (i < len && s[i] == '[') {
                i++;
                while (i < len && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7E)) i++;
                i++;
            } else if (i < len && s[i] == ']') {
                while (i < len && s[i] != 0x07 && !(s[i] == 0x1B && i + 1 < len && s[i + 1] == '\\'))
                    i++;
                i += i < len && s[i] == 0x1B ? 2 : 1;
            } else {
                i++;
            }
            continue;
        }
        if (html && c == '<') {
            /* A tag: <name ...>, </name>, <!-- -->. Text like "a < b" is not
             * one: the next byte must start a name, '/' or '!'. */
            size_t j = i + 1;
            const char *end = memchr(s + i, '>', len - i);
            if (end && j < len &&
                (((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z') || s[j] == '/' || s[j] == '!')) {
                const char *t = s[j] == '/' ? s + j + 1 : s + j;
                /* Block-level tags break the text. */
                bool block = sb_str_ieqn(t, 2, "br") || sb_str_ieqn(t, 2, "p>") ||
                             sb_str_ieqn(t, 2, "p ") || sb_str_ieqn(t, 3, "div") ||
                             sb_str_ieqn(t, 3, "pre") || (t[0] == 'h' && t[1] >= '1' && t[1] <= '6');
                i = (size_t)(end - s) + 1;
                if (block) {
                    if (lines) {
                        if (b.len && b.data[b.len - 1] != '\n') sb_buf_putc(&b, '\n');
                    } else {
                        space = b.len > 0;
                    }
                }
                continue;
            }
        }
        if (html && c == '&') {
            const char *semi = memchr(s + i, ';', len - i < 12 ? len - i : 12);
            if (semi) {
                size_t nl = (size_t)(semi - (s + i)) - 1;
                const char *name = s + i + 1;
                char tmp[4];
                size_t tn = 0;
                bool known = false;
                if (nl > 1 && name[0] == '#' && name[1] != 'x' && name[1] != 'X') {
                    char *e;
                    unsigned long cp = strtoul(name + 1, &e, 10);
                    if (e == semi) tn = put_codepoint(tmp, cp), known = tn > 0;
                } else if (nl > 2 && name[0] == '#') {
                    char *e;
                    unsigned long cp = strtoul(name + 2, &e, 16);
                    if (e == semi) tn = put_codepoint(tmp, cp), known = tn > 0;
                }
                for (size_t k = 0; !known && k < SB_COUNTOF(entities); k++)
                    if (strlen(entities[k].name) == nl && memcmp(entities[k].name, name, nl) == 0) {
                        tn = strlen(entities[k].text);
                        memcpy(tmp, entities[k].text, tn);
                        known = true;
                    }
                if (known) {
                    i = (size_t)(semi - s) + 1;
                    if (tn == 1 && tmp[0] == ' ') {
                        if (lines) sb_buf_putc(&b, ' ');
                        else space = b.len > 0;
                        continue;
                    }
                    if (space) sb_buf_putc(&b, ' ');
                    space = false;
                    sb_buf_add(&b, tmp, tn);
                    continue;
                }
            }
        }
        if (lines) {
            /* Tracebacks: whitespace kept as written (code is aligned), but
             * no blanks at line ends. */
            if (c == '\n') {
                while (b.len && b.data[b.len - 1] == ' ') b.data[--b.len] = 0;
                sb_buf_putc(&b, '\n');
            } else if (c == '\t') {
                sb_buf_puts(&b, "    ");
            } else if (c >= 0x20 && c != 0x7F) {
                sb_buf_putc(&b, (char)c);
            }
            i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = b.len > 0;
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            i++; /* other control characters: dropped */
            continue;
        }
        if (space) sb_buf_putc(&b, ' ');
        space = false;
        sb_buf_putc(&b, (char)c);
        i++;
    }
    /* Invalid UTF-8 from a cut-off body would make the sentence unprintable. */
    size_t n = sb_utf8_valid_prefix(b.data ? b.data : "", b.len);
    while (n && (b.data[n - 1] == ' ' || b.data[n - 1] == '\n')) n--;
    char *out;
    if (max > 3 && n > max) {
        size_t cut = sb_utf8_valid_prefix(b.data, max - 3);
        while (cut > 0 && b.data[cut - 1] == ' ') cut--;
        out = sb_arena_printf(a, "%.*s...", (int)cut, b.data);
    } else {
        out = sb_arena_strndup(a, b.data ? b.data : "", n);
    }
    sb_buf_free(&b);
    return out;
}

/* ---- error bodies ------------------------------------------------------------------ */

/* The text between the first <tag ...> and </tag>, or NULL. */
static const char *html_element(const char *body, size_t len, const char *tag, size_t *n)
{
    size_t tl = strlen(tag);
    for (size_t i = 0; i + tl + 2 <= len; i++) {
        if (body[i] != '<' || !sb_str_ieqn(body + i + 1, tl, tag)) continue;
        char after = body[i + 1 + tl];
        if (after != '>' && after != ' ') continue;
        const char *open_end = memchr(body + i, '>', len - i);
        if (!open_end) return NULL;
        const char *start = open_end + 1;
        for (const char *p = start; p + tl + 3 <= body + len; p++)
            if (p[0] == '<' && p[1] == '/' && sb_str_ieqn(p + 2, tl, tag)) {
                *n = (size_t)(p - start);
                return start;
            }
        return NULL;
    }
    return NULL;
}

static bool all_code_chars(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

void sb_dbx_error_read(sb_arena *a, long status, const char *body, size_t len, sb_dbx_error *out)
{
    enum { MAX = 400 };
    memset(out, 0, sizeof(*out));
    out->status = status;
    sb_diags d;
    sb_diags_init(&d, a);
    size_t k = 0;
    while (k < len && (body[k] == ' ' || body[k] == '\n' || body[k] == '\r' || body[k] == '\t')) k++;
    if (k < len && body[k] == '{') {
        sb_json *v = sb_json_parse(a, body, len, &d);
        const sb_json *code = sb_json_get(v, "error_code");
        const sb_json *msg = sb_json_get(v, "message");
        const sb_json *old = sb_json_get(v, "error");
        if (code && code->kind == SB_JSON_STRING && code->u.string.len)
            out->code = sb_arena_strdup(a, code->u.string.s);
        /* API 1.2 puts its message in "error"; some answers have both. */
        const sb_json *m = msg && msg->kind == SB_JSON_STRING && msg->u.string.len ? msg : NULL;
        if (!m && old && old->kind == SB_JSON_STRING) m = old;
        if (m) out->message = sb_dbx_plain_text(a, m->u.string.s, m->u.string.len, MAX, 0);
    } else if (k < len && body[k] == '<') {
        /* A gateway's error page: <pre> holds the reason, <title> a summary. */
        size_t n = 0;
        const char *t = html_element(body, len, "pre", &n);
        if (!t) t = html_element(body, len, "title", &n);
        if (t) out->message = sb_dbx_plain_text(a, t, n, MAX, SB_DBX_HTML);
    } else if (len > k) {
        /* "ERROR_CODE: message" */
        const char *colon = memchr(body + k, ':', len - k);
        if (colon && all_code_chars(body + k, (size_t)(colon - body - k)) &&
            colon - body - (long)k > 2) {
            out->code = sb_arena_strndup(a, body + k, (size_t)(colon - body - k));
            out->message = sb_dbx_plain_text(a, colon + 1, len - (size_t)(colon + 1 - body), MAX, 0);
        } else {
            out->message = sb_dbx_plain_text(a, body + k, len - k, MAX, 0);
        }
    }
    if (!out->message || !*out->message)
        out->message = out->code ? sb_arena_strdup(a, out->code)
                                 : sb_arena_printf(a, "HTTP %ld", status);
}

/* ---- retries -------------------------------------------------------------------------- */

double sb_dbx_retry_delay(long status, double retry_after, int attempt, bool idempotent,
                          double jitter)
{
    if (attempt < 1) attempt = 1;
    if (status == 429 || status == 503) {
        double wait = retry_after >= 0 ? retry_after : 1.0;
        if (status == 503 && retry_after < 0) {
            /* Unavailable without advice: back off as for other transient failures. */
            wait = attempt >= 4 ? 8.0 : (double)(1 << (attempt - 1));
        }
        if (wait > 60) wait = 60;
        if (wait < 0.1) wait = 0.1;
        return wait;
    }
    if (status == 502 || status == 504 || (status == 0 && idempotent)) {
        double wait = attempt >= 4 ? 10.0 : (double)(1 << (attempt - 1));
        return wait + jitter;
    }
    return -1;
}

/* ---- states ------------------------------------------------------------------------------- */

sb_batch_state sb_dbx_run_state(const char *life, const char *result)
{
    if (!life) return SB_BATCH_STARTING;
    static const char *const starting[] = {"QUEUED", "PENDING", "BLOCKED", "WAITING_FOR_RETRY"};
    for (size_t i = 0; i < SB_COUNTOF(starting); i++)
        if (strcmp(life, starting[i]) == 0) return SB_BATCH_STARTING;
    bool final = strcmp(life, "TERMINATED") == 0 || strcmp(life, "SKIPPED") == 0 ||
                 strcmp(life, "INTERNAL_ERROR") == 0;
    if (!final) return SB_BATCH_RUNNING;
    if (result && (strcmp(result, "SUCCESS") == 0 || strcmp(result, "SUCCESS_WITH_FAILURES") == 0))
        return strcmp(life, "TERMINATED") == 0 ? SB_BATCH_SUCCEEDED : SB_BATCH_FAILED;
    if (result && strcmp(result, "CANCELED") == 0) return SB_BATCH_KILLED;
    return SB_BATCH_FAILED;
}

sb_dbx_cluster_step sb_dbx_cluster_step_of(const char *state)
{
    if (!state) return SB_DBX_CLUSTER_BROKEN;
    if (strcmp(state, "RUNNING") == 0 || strcmp(state, "RESIZING") == 0) return SB_DBX_CLUSTER_READY;
    if (strcmp(state, "PENDING") == 0 || strcmp(state, "RESTARTING") == 0) return SB_DBX_CLUSTER_WAIT;
    if (strcmp(state, "TERMINATED") == 0) return SB_DBX_CLUSTER_START;
    if (strcmp(state, "TERMINATING") == 0) return SB_DBX_CLUSTER_WAIT_STOP;
    return SB_DBX_CLUSTER_BROKEN;
}
