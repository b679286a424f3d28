/*
 * json.c — a strict JSON parser that remembers where every value came from,
 * and the canonical writer (see json.h for the canonical form).
 *
 * Strictness is deliberate: project files are edited by hand and merged by
 * Git, and a silently accepted trailing comma or duplicate key would hide a
 * mistake. Every error says what was expected at which line and column.
 */
#include "base/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

typedef struct parser {
    sb_arena *a;
    sb_diags *d;
    const char *s;
    size_t n, i;
    uint32_t line;
    size_t line_start; /* offset of the current line's first byte */
    bool failed;
} parser;

static void fail_at(parser *p, size_t at, const char *fmt, ...) SB_PRINTF(3, 4);

static void fail_at(parser *p, size_t at, const char *fmt, ...)
{
    if (p->failed) return;
    p->failed = true;
    /* Recompute line and column for `at` (it may precede the cursor). */
    uint32_t line = 1;
    size_t ls = 0;
    for (size_t k = 0; k < at && k < p->n; k++) {
        if (p->s[k] == '\n') {
            line++;
            ls = k + 1;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = sb_arena_vprintf(p->a, fmt, ap);
    va_end(ap);
    sb_diag_context saved = p->d->ctx;
    sb_diag_context ctx = saved;
    ctx.line = line;
    ctx.col = (uint32_t)(at - ls + 1);
    p->d->ctx = ctx;
    sb_diags_add(p->d, SB_SEV_ERROR, "json-syntax", "%s", msg);
    p->d->ctx = saved;
}

static void skip_ws(parser *p)
{
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == '\n') {
            p->line++;
            p->line_start = p->i + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            break;
        }
        p->i++;
    }
}

static sb_json *new_value(parser *p, sb_json_kind kind)
{
    sb_json *v = sb_arena_alloc(p->a, sizeof(*v));
    v->kind = kind;
    v->line = p->line;
    v->col = (uint32_t)(p->i - p->line_start + 1);
    v->offset = (uint32_t)p->i;
    return v;
}

static const char *describe_char(parser *p, size_t at)
{
    if (at >= p->n) return "end of file";
    unsigned char c = (unsigned char)p->s[at];
    if (c >= 0x20 && c < 0x7f) return sb_arena_printf(p->a, "'%c'", c);
    return sb_arena_printf(p->a, "byte 0x%02x", c);
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Parses a string starting at the opening quote; returns the decoded bytes. */
static char *parse_string(parser *p, size_t *len_out)
{
    size_t start = p->i;
    p->i++; /* opening quote */
    sb_buf b = SB_BUF_INIT;
    for (;;) {
        if (p->i >= p->n) {
            fail_at(p, start, "unterminated string");
            goto fail;
        }
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"') {
            p->i++;
            break;
        }
        if (c < 0x20) {
            fail_at(p, p->i, "control character %s in string (escape it as \\u%04x)",
                    describe_char(p, p->i), c);
            goto fail;
        }
        if (c == '\\') {
            if (p->i + 1 >= p->n) {
                fail_at(p, start, "unterminated string");
                goto fail;
            }
            char e = p->s[p->i + 1];
            const char *simple = NULL;
            switch (e) {
            case '"': simple = "\""; break;
            case '\\': simple = "\\"; break;
            case '/': simple = "/"; break;
            case 'b': simple = "\b"; break;
            case 'f': simple = "\f"; break;
            case 'n': simple = "\n"; break;
            case 'r': simple = "\r"; break;
            case 't': simple = "\t"; break;
            case 'u': break;
            default:
                fail_at(p, p->i, "invalid escape \\%c in string", e);
                goto fail;
            }
            if (simple) {
                sb_buf_add(&b, simple, 1);
                p->i += 2;
                continue;
            }
            uint32_t cp;
            if (p->i + 6 > p->n || hex4(p->s + p->i + 2, &cp) != 0) {
                fail_at(p, p->i, "invalid \\u escape: expected four hex digits");
                goto fail;
            }
            size_t esc_at = p->i;
            p->i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (p->i + 6 <= p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u' &&
                    hex4(p->s + p->i + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p->i += 6;
                } else {
                    fail_at(p, esc_at, "unpaired UTF-16 surrogate in \\u escape");
                    goto fail;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail_at(p, esc_at, "unpaired UTF-16 surrogate in \\u escape");
                goto fail;
            }
            sb_buf_put_utf8(&b, cp);
            continue;
        }
        /* A run of ordinary bytes; validate UTF-8 as we copy. */
        size_t run = p->i;
        while (run < p->n && p->s[run] != '"' && p->s[run] != '\\' &&
               (unsigned char)p->s[run] >= 0x20)
            run++;
        size_t ok = sb_utf8_valid_prefix(p->s + p->i, run - p->i);
        if (ok != run - p->i) {
            fail_at(p, p->i + ok, "invalid UTF-8 in string");
            goto fail;
        }
        sb_buf_add(&b, p->s + p->i, run - p->i);
        p->i = run;
    }
    char *out = sb_arena_strndup(p->a, sb_buf_str(&b), b.len);
    *len_out = b.len;
    sb_buf_free(&b);
    return out;
fail:
    sb_buf_free(&b);
    return NULL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static sb_json *parse_number(parser *p)
{
    sb_json *v = new_value(p, SB_JSON_NUMBER);
    size_t start = p->i;
    bool integer = true;
    if (p->s[p->i] == '-') p->i++;
    if (p->i >= p->n || !is_digit(p->s[p->i])) {
        fail_at(p, start, "invalid number: expected a digit after '-'");
        return NULL;
    }
    if (p->s[p->i] == '0' && p->i + 1 < p->n && is_digit(p->s[p->i + 1])) {
        fail_at(p, start, "invalid number: leading zeros are not allowed");
        return NULL;
    }
    while (p->i < p->n && is_digit(p->s[p->i])) p->i++;
    if (p->i < p->n && p->s[p->i] == '.') {
        integer = false;
        p->i++;
        if (p->i >= p->n || !is_digit(p->s[p->i])) {
            fail_at(p, start, "invalid number: expected digits after '.'");
            return NULL;
        }
        while (p->i < p->n && is_digit(p->s[p->i])) p->i++;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        integer = false;
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-')) p->i++;
        if (p->i >= p->n || !is_digit(p->s[p->i])) {
            fail_at(p, start, "invalid number: expected digits in the exponent");
            return NULL;
        }
        while (p->i < p->n && is_digit(p->s[p->i])) p->i++;
    }
    size_t len = p->i - start;
    char *text = sb_arena_strndup(p->a, p->s + start, len);
    v->u.number.text = text;
    v->u.number.len = len;
    v->u.number.is_integer = integer;
    v->u.number.value = strtod(text, NULL);
    return v;
}

static bool match_word(parser *p, const char *w)
{
    size_t k = strlen(w);
    if (p->n - p->i < k || memcmp(p->s + p->i, w, k) != 0) return false;
    p->i += k;
    return true;
}

static sb_json *parse_value(parser *p, int depth);

static sb_json *parse_array(parser *p, int depth)
{
    sb_json *v = new_value(p, SB_JSON_ARRAY);
    size_t open = p->i;
    p->i++;
    sb_vec items = {0};
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return v;
    }
    for (;;) {
        sb_json *item = parse_value(p, depth + 1);
        if (!item) return NULL;
        sb_vec_push(p->a, &items, item);
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            skip_ws(p);
            if (p->i < p->n && p->s[p->i] == ']') {
                fail_at(p, p->i, "trailing comma before ']'");
                return NULL;
            }
            continue;
        }
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
            break;
        }
        if (p->i >= p->n)
            fail_at(p, open, "unterminated array: expected ']'");
        else
            fail_at(p, p->i, "expected ',' or ']' in array, found %s", describe_char(p, p->i));
        return NULL;
    }
    v->u.array.items = (sb_json **)items.items;
    v->u.array.len = items.len;
    return v;
}

static sb_json *parse_object(parser *p, int depth)
{
    sb_json *v = new_value(p, SB_JSON_OBJECT);
    size_t open = p->i;
    p->i++;
    size_t len = 0, cap = 0;
    sb_json_member *members = NULL;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        return v;
    }
    for (;;) {
        skip_ws(p);
        if (p->i >= p->n) {
            fail_at(p, open, "unterminated object: expected '}'");
            return NULL;
        }
        if (p->s[p->i] != '"') {
            fail_at(p, p->i, "expected a string key in object, found %s",
                    describe_char(p, p->i));
            return NULL;
        }
        uint32_t kline = p->line, kcol = (uint32_t)(p->i - p->line_start + 1);
        size_t key_at = p->i;
        size_t klen;
        char *key = parse_string(p, &klen);
        if (!key) return NULL;
        if (memchr(key, '\0', klen)) {
            fail_at(p, key_at, "object key contains a NUL character");
            return NULL;
        }
        for (size_t k = 0; k < len; k++) {
            if (members[k].key_len == klen && memcmp(members[k].key, key, klen) == 0) {
                fail_at(p, key_at, "duplicate key \"%s\" (first at line %u)", key,
                        members[k].line);
                return NULL;
            }
        }
        skip_ws(p);
        if (p->i >= p->n || p->s[p->i] != ':') {
            fail_at(p, p->i, "expected ':' after key \"%s\", found %s", key,
                    describe_char(p, p->i));
            return NULL;
        }
        p->i++;
        skip_ws(p);
        sb_json *value = parse_value(p, depth + 1);
        if (!value) return NULL;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            members = sb_arena_realloc(p->a, members, len * sizeof(*members),
                                       ncap * sizeof(*members));
            cap = ncap;
        }
        members[len].key = key;
        members[len].key_len = klen;
        members[len].line = kline;
        members[len].col = kcol;
        members[len].value = value;
        len++;
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            skip_ws(p);
            if (p->i < p->n && p->s[p->i] == '}') {
                fail_at(p, p->i, "trailing comma before '}'");
                return NULL;
            }
            continue;
        }
        if (p->i < p->n && p->s[p->i] == '}') {
            p->i++;
            break;
        }
        if (p->i >= p->n)
            fail_at(p, open, "unterminated object: expected '}'");
        else
            fail_at(p, p->i, "expected ',' or '}' after the value of \"%s\", found %s", key,
                    describe_char(p, p->i));
        return NULL;
    }
    v->u.object.members = members;
    v->u.object.len = len;
    return v;
}

static sb_json *parse_value(parser *p, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        fail_at(p, p->i, "nesting deeper than %d levels", JSON_MAX_DEPTH);
        return NULL;
    }
    skip_ws(p);
    if (p->i >= p->n) {
        fail_at(p, p->i, "unexpected end of file, expected a value");
        return NULL;
    }
    char c = p->s[p->i];
    switch (c) {
    case '{': return parse_object(p, depth);
    case '[': return parse_array(p, depth);
    case '"': {
        sb_json *v = new_value(p, SB_JSON_STRING);
        size_t len;
        char *s = parse_string(p, &len);
        if (!s) return NULL;
        v->u.string.s = s;
        v->u.string.len = len;
        return v;
    }
    case 't':
    case 'f':
    case 'n': {
        sb_json *v = new_value(p, SB_JSON_NULL);
        if (match_word(p, "true")) {
            v->kind = SB_JSON_BOOL;
            v->u.boolean = true;
        } else if (match_word(p, "false")) {
            v->kind = SB_JSON_BOOL;
        } else if (!match_word(p, "null")) {
            fail_at(p, p->i, "unexpected %s, expected a value (strings need double quotes)",
                    describe_char(p, p->i));
            return NULL;
        }
        return v;
    }
    default:
        if (c == '-' || is_digit(c)) return parse_number(p);
        if (c == '\'')
            fail_at(p, p->i, "strings need double quotes, found a single quote");
        else
            fail_at(p, p->i, "unexpected %s, expected a value", describe_char(p, p->i));
        return NULL;
    }
}

sb_json *sb_json_parse(sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    parser p = {.a = a, .d = d, .s = text, .n = len, .line = 1};
    /* A UTF-8 byte order mark is tolerated at the very start. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) p.i = p.line_start = 3;
    sb_json *v = parse_value(&p, 0);
    if (!v) return NULL;
    skip_ws(&p);
    if (p.i < p.n) {
        fail_at(&p, p.i, "unexpected %s after the end of the document", describe_char(&p, p.i));
        return NULL;
    }
    return v;
}

const sb_json_member *sb_json_member_get(const sb_json *obj, const char *key)
{
    if (!obj || obj->kind != SB_JSON_OBJECT) return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < obj->u.object.len; i++) {
        const sb_json_member *m = &obj->u.object.members[i];
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0) return m;
    }
    return NULL;
}

sb_json *sb_json_get(const sb_json *obj, const char *key)
{
    const sb_json_member *m = sb_json_member_get(obj, key);
    return m ? m->value : NULL;
}

const char *sb_json_kind_name(sb_json_kind k)
{
    switch (k) {
    case SB_JSON_NULL: return "null";
    case SB_JSON_BOOL: return "boolean";
    case SB_JSON_NUMBER: return "number";
    case SB_JSON_STRING: return "string";
    case SB_JSON_ARRAY: return "array";
    case SB_JSON_OBJECT: return "object";
    }
    return "value";
}

/* ---- construction --------------------------------------------------- */

static sb_json *json_new(sb_arena *a, sb_json_kind k)
{
    sb_json *v = sb_arena_alloc(a, sizeof(*v));
    v->kind = k;
    return v;
}

sb_json *sb_json_new_null(sb_arena *a)
{
    return json_new(a, SB_JSON_NULL);
}

sb_json *sb_json_new_bool(sb_arena *a, bool b)
{
    sb_json *v = json_new(a, SB_JSON_BOOL);
    v->u.boolean = b;
    return v;
}

sb_json *sb_json_new_number_text(sb_arena *a, const char *lexeme)
{
    sb_json *v = json_new(a, SB_JSON_NUMBER);
    v->u.number.text = sb_arena_strdup(a, lexeme);
    v->u.number.len = strlen(lexeme);
    v->u.number.value = strtod(lexeme, NULL);
    v->u.number.is_integer = strpbrk(lexeme, ".eE") == NULL;
    return v;
}

sb_json *sb_json_new_int(sb_arena *a, int64_t n)
{
    return sb_json_new_number_text(a, sb_arena_printf(a, "%lld", (long long)n));
}

sb_json *sb_json_new_string(sb_arena *a, const char *s, size_t len)
{
    sb_json *v = json_new(a, SB_JSON_STRING);
    v->u.string.s = sb_arena_strndup(a, s, len);
    v->u.string.len = len;
    return v;
}

sb_json *sb_json_new_array(sb_arena *a)
{
    return json_new(a, SB_JSON_ARRAY);
}

sb_json *sb_json_new_object(sb_arena *a)
{
    return json_new(a, SB_JSON_OBJECT);
}

void sb_json_array_push(sb_arena *a, sb_json *arr, sb_json *item)
{
    size_t n = arr->u.array.len;
    arr->u.array.items = sb_arena_realloc(a, arr->u.array.items, n * sizeof(sb_json *),
                                          (n + 1) * sizeof(sb_json *));
    arr->u.array.items[n] = item;
    arr->u.array.len = n + 1;
}

void sb_json_object_set(sb_arena *a, sb_json *obj, const char *key, sb_json *value)
{
    size_t n = obj->u.object.len;
    size_t klen = strlen(key);
    for (size_t i = 0; i < n; i++) {
        sb_json_member *m = &obj->u.object.members[i];
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0) {
            m->value = value;
            return;
        }
    }
    obj->u.object.members = sb_arena_realloc(a, obj->u.object.members, n * sizeof(sb_json_member),
                                             (n + 1) * sizeof(sb_json_member));
    sb_json_member *m = &obj->u.object.members[n];
    memset(m, 0, sizeof(*m));
    m->key = sb_arena_strndup(a, key, klen);
    m->key_len = klen;
    m->value = value;
    obj->u.object.len = n + 1;
}

/* ---- writing -------------------------------------------------------- */

void sb_json_write_string(sb_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    sb_buf_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (i + n <= len && sb_utf8_valid_prefix(s + i, n) == n) {
                i += n - 1;
                continue;
            }
            /* JSON is UTF-8: bytes that are not (a URL path or a header
             * echoed in a message) become U+FFFD. */
            sb_buf_add(out, s + run, i - run);
            sb_buf_puts(out, "\xef\xbf\xbd");
            run = i + 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sb_buf_add(out, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': sb_buf_puts(out, "\\\""); break;
        case '\\': sb_buf_puts(out, "\\\\"); break;
        case '\n': sb_buf_puts(out, "\\n"); break;
        case '\r': sb_buf_puts(out, "\\r"); break;
        case '\t': sb_buf_puts(out, "\\t"); break;
        case '\b': sb_buf_puts(out, "\\b"); break;
        case '\f': sb_buf_puts(out, "\\f"); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sb_buf_add(out, e, 6);
        }
        }
    }
    sb_buf_add(out, s + run, len - run);
    sb_buf_putc(out, '"');
}

static void write_scalar(sb_buf *out, const sb_json *v)
{
    switch (v->kind) {
    case SB_JSON_NULL: sb_buf_puts(out, "null"); break;
    case SB_JSON_BOOL: sb_buf_puts(out, v->u.boolean ? "true" : "false"); break;
    case SB_JSON_NUMBER: sb_buf_add(out, v->u.number.text, v->u.number.len); break;
    case SB_JSON_STRING: sb_json_write_string(out, v->u.string.s, v->u.string.len); break;
    default: break;
    }
}

static int member_cmp(const void *x, const void *y)
{
    const sb_json_member *a = *(const sb_json_member *const *)x;
    const sb_json_member *b = *(const sb_json_member *const *)y;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(a->key, b->key, n);
    if (c) return c;
    return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

/* Containers of numbers, booleans and nulls only (like canvas positions)
 * stay on one line. */
static bool is_plain_container(const sb_json *v)
{
    size_t n = v->kind == SB_JSON_ARRAY ? v->u.array.len : v->u.object.len;
    if (n == 0) return true;
    for (size_t i = 0; i < n; i++) {
        const sb_json *item =
            v->kind == SB_JSON_ARRAY ? v->u.array.items[i] : v->u.object.members[i].value;
        if (item->kind == SB_JSON_STRING || item->kind == SB_JSON_ARRAY ||
            item->kind == SB_JSON_OBJECT)
            return false;
    }
    return true;
}

static void write_value(sb_buf *out, const sb_json *v, size_t indent, bool pretty);

static void write_container(sb_buf *out, const sb_json *v, size_t indent, bool pretty)
{
    bool array = v->kind == SB_JSON_ARRAY;
    size_t n = array ? v->u.array.len : v->u.object.len;
    bool one_line = !pretty || is_plain_container(v);
    const sb_json_member **sorted = NULL;
    if (!array && n) {
        sorted = sb_xmalloc(n * sizeof(*sorted));
        for (size_t i = 0; i < n; i++) sorted[i] = &v->u.object.members[i];
        if (pretty) qsort(sorted, n, sizeof(*sorted), member_cmp);
    }
    sb_buf_putc(out, array ? '[' : '{');
    for (size_t i = 0; i < n; i++) {
        if (i) sb_buf_puts(out, one_line && pretty ? ", " : ",");
        if (!one_line) {
            sb_buf_putc(out, '\n');
            sb_buf_fill(out, ' ', indent + 2);
        }
        if (array) {
            write_value(out, v->u.array.items[i], indent + 2, pretty);
        } else {
            sb_json_write_string(out, sorted[i]->key, sorted[i]->key_len);
            sb_buf_puts(out, pretty ? ": " : ":");
            write_value(out, sorted[i]->value, indent + 2, pretty);
        }
    }
    if (!one_line && n) {
        sb_buf_putc(out, '\n');
        sb_buf_fill(out, ' ', indent);
    }
    sb_buf_putc(out, array ? ']' : '}');
    free(sorted);
}

static void write_value(sb_buf *out, const sb_json *v, size_t indent, bool pretty)
{
    if (v->kind == SB_JSON_ARRAY || v->kind == SB_JSON_OBJECT)
        write_container(out, v, indent, pretty);
    else
        write_scalar(out, v);
}

void sb_json_write_canonical(sb_buf *out, const sb_json *v)
{
    write_value(out, v, 0, true);
    sb_buf_putc(out, '\n');
}

void sb_json_write_compact(sb_buf *out, const sb_json *v)
{
    write_value(out, v, 0, false);
}
