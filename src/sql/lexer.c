/*
 * lexer.c — Spark SQL tokens, following Spark 3.5's SqlBaseLexer.g4.
 *
 * What it reads:
 *   words        [A-Za-z0-9_]+ that are not numbers (Spark allows `1a` as an identifier)
 *   `quoted`     back-quoted identifiers, `` for a back-quote
 *   strings      '...' and "..." with Spark's backslash escapes (unescapeSQLString),
 *                r'...' raw strings without escapes
 *   numbers      1, 1L, 1S, 1Y, 1.5, .5, 5., 1e3, 1.5E-2, 1.5D, 1.5F, 1.5BD
 *   ${name}      configuration variables
 *   operators    = == <=> <> != < <= > >= !> !< + - * / % ~ & | || ^ ! -> =>
 *   comments     -- to end of line, and nested block comments (optimizer hints
 *                are block comments too: sibyl does not keep them)
 *
 * The input must be valid UTF-8; unquoted identifiers are ASCII (as in
 * Spark 3.5), anything else must be back-quoted.
 */
#include "sql/lexer.h"

#include <pthread.h>
#include <string.h>

typedef struct lexer {
    sb_arena *a;
    sb_diags *d;
    const char *s;
    size_t n, i;
    size_t full; /* input length; n stops before the first invalid UTF-8 byte */
    sb_token *toks;
    size_t len, cap;
} lexer;

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_word(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}
static bool is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int hex_val(int c)
{
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}
static int upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - 32 : c;
}

/* ---- keywords ---------------------------------------------------------- */

static const char *const KEYWORD_TEXT[SB_KW_COUNT] = {
    NULL,
#define SB_KW_TEXT_(k) #k,
    SB_SQL_KEYWORDS(SB_KW_TEXT_)
#undef SB_KW_TEXT_
};

/* The longest keyword (SYSTEM_VERSION) is 14 characters. */
#define KEYWORD_MAX 16

/* Keywords by a hash of their upper-case text, open addressing: most words
 * (column names) land on an empty slot and cost one hash. Built once. */
#define KW_SLOTS 512
static uint16_t kw_table[KW_SLOTS];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static uint32_t kw_hash(const char *up, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a, as sb_sql_keyword computes it */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)up[i]) * 16777619u;
    return h;
}

static void kw_build(void)
{
    for (int k = 1; k < SB_KW_COUNT; k++) {
        const char *t = KEYWORD_TEXT[k];
        uint32_t h = kw_hash(t, strlen(t)) % KW_SLOTS;
        while (kw_table[h]) h = (h + 1) % KW_SLOTS;
        kw_table[h] = (uint16_t)k;
    }
}

sb_kw sb_sql_keyword(const char *word, size_t len)
{
    if (len == 0 || len > KEYWORD_MAX) return SB_KW_NONE;
    /* upper-case and hash in one pass; keywords are letters and '_' only */
    char up[KEYWORD_MAX + 1];
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        char c = word[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        else if (!((c >= 'A' && c <= 'Z') || c == '_'))
            return SB_KW_NONE;
        up[i] = c;
        h = (h ^ (unsigned char)c) * 16777619u;
    }
    up[len] = 0;
    pthread_once(&kw_once, kw_build);
    for (h %= KW_SLOTS; kw_table[h]; h = (h + 1) % KW_SLOTS)
        if (strcmp(KEYWORD_TEXT[kw_table[h]], up) == 0) return (sb_kw)kw_table[h];
    return SB_KW_NONE;
}

const char *sb_sql_keyword_text(sb_kw kw)
{
    return kw > SB_KW_NONE && kw < SB_KW_COUNT ? KEYWORD_TEXT[kw] : "";
}

/* ---- tokens ------------------------------------------------------------- */

static sb_token *push(lexer *L, sb_tok_kind kind, size_t start, size_t end, bool space)
{
    if (L->len == L->cap) {
        size_t ncap = L->cap ? L->cap * 2 : 64;
        L->toks = sb_arena_realloc(L->a, L->toks, L->cap * sizeof *L->toks, ncap * sizeof *L->toks);
        L->cap = ncap;
    }
    sb_token *t = &L->toks[L->len++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->span.start = (uint32_t)start;
    t->span.end = (uint32_t)end;
    t->space_before = space;
    return t;
}

static void set_text(lexer *L, sb_token *t, const char *p, size_t n)
{
    t->text = sb_arena_strndup(L->a, p, n);
    t->len = n;
}

static void error_tok(lexer *L, size_t start, size_t end, bool space, const char *msg)
{
    sb_token *t = push(L, SB_TK_ERROR, start, end, space);
    t->text = msg;
    t->len = strlen(msg);
}

/* A token ran into the end of the valid text: either the input ended, or
 * an invalid UTF-8 byte cut it short. */
static void eof_error(lexer *L, size_t start, bool space, const char *msg)
{
    if (L->n < L->full)
        error_tok(L, L->n, L->n + 1, space,
                  sb_arena_printf(L->a, "invalid UTF-8 byte 0x%02X in the text",
                                  (unsigned char)L->s[L->n]));
    else
        error_tok(L, start, L->n, space, msg);
    L->i = L->n;
}

/* Append code point cp as UTF-8; lone surrogates become '?' as Java does
 * when it encodes such a string. */
static void put_utf8(sb_buf *b, uint32_t cp)
{
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        sb_buf_putc(b, '?');
    else
        sb_buf_put_utf8(b, cp);
}

static bool hex_run(const char *p, size_t avail, size_t n, uint32_t *out)
{
    if (avail < n) return false;
    uint32_t v = 0;
    for (size_t k = 0; k < n; k++) {
        if (!is_hex((unsigned char)p[k])) return false;
        v = v * 16 + (uint32_t)hex_val((unsigned char)p[k]);
    }
    *out = v;
    return true;
}

/* Length of the UTF-8 sequence starting with byte c (input is valid UTF-8). */
static size_t utf8_len(unsigned char c)
{
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) return 2;
    if ((c & 0xF0) == 0xE0) return 3;
    return 4;
}

/* A quoted string starting at L->i (the quote). Spark's unescapeSQLString:
 * \uXXXX, \UXXXXXXXX, octal \[01][0-7][0-7], \0 \b \n \r \t \Z, and \% \_
 * keep their backslash (for LIKE patterns); any other escaped character
 * stands for itself. */
static void lex_string(lexer *L, bool space, size_t start, bool raw)
{
    char q = L->s[L->i];
    size_t i = L->i + 1;
    sb_buf b = SB_BUF_INIT;
    sb_buf_add(&b, "", 0);
    uint32_t pending_high = 0; /* a \uD8xx waiting for its low surrogate */
    for (;;) {
        if (i >= L->n) {
            sb_buf_free(&b);
            eof_error(L, start, space, "unterminated string literal");
            return;
        }
        unsigned char c = (unsigned char)L->s[i];
        if (c == (unsigned char)q) break;
        if (c != '\\' || raw) {
            if (pending_high) {
                put_utf8(&b, 0xD800);
                pending_high = 0;
            }
            size_t n = utf8_len(c);
            if (i + n > L->n) n = L->n - i;
            sb_buf_add(&b, L->s + i, n);
            i += n;
            continue;
        }
        /* backslash */
        if (i + 1 >= L->n) {
            sb_buf_free(&b);
            eof_error(L, start, space, "unterminated string literal");
            return;
        }
        const char *p = L->s + i + 1;
        size_t avail = L->n - (i + 1);
        uint32_t cp;
        if (p[0] == 'u' && hex_run(p + 1, avail - 1, 4, &cp)) {
            i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (pending_high) put_utf8(&b, 0xD800);
                pending_high = cp;
                continue;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF && pending_high) {
                cp = 0x10000 + ((pending_high - 0xD800) << 10) + (cp - 0xDC00);
                pending_high = 0;
            }
        } else if (p[0] == 'U' && hex_run(p + 1, avail - 1, 8, &cp)) {
            i += 10;
        } else if (avail >= 3 && (p[0] == '0' || p[0] == '1') && p[1] >= '0' && p[1] <= '7' &&
                   p[2] >= '0' && p[2] <= '7') {
            cp = (uint32_t)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
            i += 4;
        } else {
            unsigned char e = (unsigned char)p[0];
            size_t n = utf8_len(e);
            if (n > avail) n = avail;
            i += 1 + n;
            if (pending_high) {
                put_utf8(&b, 0xD800);
                pending_high = 0;
            }
            switch (e) {
            case '0': sb_buf_putc(&b, '\0'); break;
            case 'b': sb_buf_putc(&b, '\b'); break;
            case 'n': sb_buf_putc(&b, '\n'); break;
            case 'r': sb_buf_putc(&b, '\r'); break;
            case 't': sb_buf_putc(&b, '\t'); break;
            case 'Z': sb_buf_putc(&b, 0x1A); break;
            case '%': sb_buf_add(&b, "\\%", 2); break;
            case '_': sb_buf_add(&b, "\\_", 2); break;
            case '\\': case '\'': case '"': sb_buf_putc(&b, (char)e); break;
            default: {
                sb_span sp = {(uint32_t)(p - L->s - 1), (uint32_t)(p - L->s + n)};
                sb_diag *dg = sb_diags_add_span(
                    L->d, SB_SEV_WARNING, sp, "unknown-escape",
                    "unknown escape \\%.*s in string literal: Spark reads it as '%.*s'", (int)n,
                    (const char *)p, (int)n, (const char *)p);
                sb_diag_set_hint(L->d, dg, "write \\\\ for a backslash");
                sb_buf_add(&b, p, n);
                break;
            }
            }
            continue;
        }
        if (pending_high && !(cp >= 0x10000)) {
            put_utf8(&b, 0xD800);
            pending_high = 0;
        }
        if (cp == 0)
            sb_buf_putc(&b, '\0');
        else
            put_utf8(&b, cp);
    }
    if (pending_high) put_utf8(&b, 0xD800);
    sb_token *t = push(L, SB_TK_STRING, start, i + 1, space);
    t->raw = raw;
    set_text(L, t, b.data ? b.data : "", b.len);
    sb_buf_free(&b);
    L->i = i + 1;
}

/* Numbers and words starting with a digit or '.' (Spark's numeric tokens,
 * falling back to IDENTIFIER for things like `1a`). */
static void lex_number(lexer *L, bool space)
{
    const char *s = L->s;
    size_t n = L->n, start = L->i, i = L->i;
    bool dot = false, exp = false;
    while (i < n && is_digit((unsigned char)s[i])) i++;
    if (i < n && s[i] == '.') {
        dot = true;
        i++;
        while (i < n && is_digit((unsigned char)s[i])) i++;
    }
    size_t core_end = i;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j < n && is_digit((unsigned char)s[j])) {
            while (j < n && is_digit((unsigned char)s[j])) j++;
            exp = true;
            i = j;
            core_end = i;
        }
    }
    /* the run of word characters (and dots) that follows */
    size_t tail = i;
    while (tail < n && (is_word((unsigned char)s[tail]) || s[tail] == '.')) tail++;
    size_t sl = 0;
    while (i + sl < n && is_word((unsigned char)s[i + sl])) sl++;
    char suffix = 0;
    bool ok = true;
    if (sl == 0) {
        suffix = 0;
    } else if (sl == 1) {
        int c = upper((unsigned char)s[i]);
        if (c == 'D' || c == 'F')
            suffix = (char)c;
        else if ((c == 'L' || c == 'S' || c == 'Y') && !dot && !exp)
            suffix = (char)c;
        else
            ok = false;
    } else if (sl == 2 && upper((unsigned char)s[i]) == 'B' &&
               upper((unsigned char)s[i + 1]) == 'D') {
        suffix = 'B';
    } else {
        ok = false;
    }
    if (ok && tail > i + sl) ok = false; /* 1.2.3, 1L.5 */
    if (!ok) {
        /* Spark: digits followed by letters form an identifier (`1a`, `2nd`). */
        bool all_word = true;
        for (size_t k = start; k < tail; k++)
            if (!is_word((unsigned char)s[k])) all_word = false;
        if (all_word && !dot) {
            sb_token *t = push(L, SB_TK_WORD, start, tail, space);
            set_text(L, t, s + start, tail - start);
            L->i = tail;
            return;
        }
        error_tok(L, start, tail, space,
                  sb_arena_printf(L->a, "invalid number %.*s", (int)(tail - start), s + start));
        L->i = n;
        return;
    }
    sb_token *t = push(L, SB_TK_NUMBER, start, i + sl, space);
    set_text(L, t, s + start, core_end - start);
    t->has_dot = dot;
    t->has_exp = exp;
    t->suffix = suffix;
    L->i = i + sl;
}

/* Length of a non-ASCII space at s[i] (U+00A0, U+1680, U+2000..U+200A,
 * U+2028, U+202F, U+205F, U+3000: Spark's WS rule), or 0. */
static size_t utf8_space_len(const char *s, size_t i, size_t n)
{
    unsigned char c = (unsigned char)s[i];
    unsigned char c1 = i + 1 < n ? (unsigned char)s[i + 1] : 0;
    unsigned char c2 = i + 2 < n ? (unsigned char)s[i + 2] : 0;
    if (c == 0xC2 && c1 == 0xA0) return 2;
    if (c == 0xE1 && c1 == 0x9A && c2 == 0x80) return 3;
    if (c == 0xE2 && c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xAF)) return 3;
    if (c == 0xE2 && c1 == 0x81 && c2 == 0x9F) return 3;
    if (c == 0xE3 && c1 == 0x80 && c2 == 0x80) return 3;
    return 0;
}

/* Skip whitespace and comments; returns false (after an error token) for an
 * unterminated block comment. */
static bool skip_space(lexer *L, bool *space)
{
    const char *s = L->s;
    size_t n = L->n;
    for (;;) {
        size_t i = L->i;
        if (i >= n) return true;
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            L->i++;
            *space = true;
            continue;
        }
        size_t ws = utf8_space_len(s, i, n);
        if (ws) {
            L->i += ws;
            *space = true;
            continue;
        }
        if (c == '-' && i + 1 < n && s[i + 1] == '-') {
            while (L->i < n && s[L->i] != '\n') L->i++;
            *space = true;
            continue;
        }
        if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            size_t depth = 1, j = i + 2;
            while (j < n && depth > 0) {
                if (s[j] == '/' && j + 1 < n && s[j + 1] == '*') {
                    depth++;
                    j += 2;
                } else if (s[j] == '*' && j + 1 < n && s[j + 1] == '/') {
                    depth--;
                    j += 2;
                } else {
                    j++;
                }
            }
            if (depth > 0) {
                eof_error(L, i, *space, "unterminated comment: '/*' without '*/'");
                return false;
            }
            L->i = j;
            *space = true;
            continue;
        }
        return true;
    }
}

sb_token_list sb_sql_lex(sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    lexer L = {.a = a, .d = d, .s = text ? text : "", .n = text ? len : 0};
    L.full = L.n;
    /* Tokens average several bytes: most texts get their token array in one
     * allocation (it doubles when a text has more). */
    L.cap = L.n / 3 + 8;
    L.toks = sb_arena_alloc(a, L.cap * sizeof *L.toks);
    size_t valid = sb_utf8_valid_prefix(L.s, L.n);
    if (valid < L.n) {
        /* Report it where it is, but only after the tokens before it. */
        L.n = valid;
    }
    for (;;) {
        bool space = L.len == 0;
        if (!skip_space(&L, &space)) break;
        size_t i = L.i;
        if (i >= L.n) {
            if (valid < len) {
                size_t e = valid + 1;
                error_tok(&L, valid, e, space,
                          sb_arena_printf(a, "invalid UTF-8 byte 0x%02X in the text",
                                          (unsigned char)text[valid]));
            } else {
                push(&L, SB_TK_EOF, L.n, L.n, space);
            }
            break;
        }
        const char *s = L.s;
        unsigned char c = (unsigned char)s[i];
        unsigned char c1 = i + 1 < L.n ? (unsigned char)s[i + 1] : 0;
        unsigned char c2 = i + 2 < L.n ? (unsigned char)s[i + 2] : 0;
        size_t before = L.len;
        if (c == '\'' || c == '"') {
            lex_string(&L, space, i, false);
        } else if ((c == 'r' || c == 'R') && (c1 == '\'' || c1 == '"')) {
            L.i++;
            lex_string(&L, space, i, true);
        } else if (is_digit(c) || (c == '.' && is_digit(c1) && !(L.len > 0 && !space &&
                                   (L.toks[L.len - 1].kind == SB_TK_WORD ||
                                    L.toks[L.len - 1].kind == SB_TK_QIDENT ||
                                    L.toks[L.len - 1].kind == SB_TK_RPAREN ||
                                    L.toks[L.len - 1].kind == SB_TK_RBRACKET)))) {
            lex_number(&L, space);
        } else if (is_word(c)) {
            size_t j = i;
            while (j < L.n && is_word((unsigned char)s[j])) j++;
            if (j < L.n && (unsigned char)s[j] >= 0x80 && !utf8_space_len(s, j, L.n)) {
                size_t e = j;
                while (e < L.n && ((unsigned char)s[e] >= 0x80 || is_word((unsigned char)s[e])))
                    e++;
                error_tok(&L, i, e, space,
                          sb_arena_printf(a, "identifier %.*s has non-ASCII characters: "
                                             "write it in back-quotes, `%.*s`",
                                          (int)(e - i), s + i, (int)(e - i), s + i));
                break;
            }
            sb_token *t = push(&L, SB_TK_WORD, i, j, space);
            set_text(&L, t, s + i, j - i);
            t->kw = (uint16_t)sb_sql_keyword(s + i, j - i);
            L.i = j;
        } else if (c >= 0x80) {
            size_t e = i + utf8_len(c);
            while (e < L.n && ((unsigned char)s[e] >= 0x80 || is_word((unsigned char)s[e]))) e++;
            error_tok(&L, i, e, space,
                      sb_arena_printf(a, "unexpected character %.*s: identifiers with non-ASCII "
                                         "characters must be back-quoted, `%.*s`",
                                      (int)(utf8_len(c)), s + i, (int)(e - i), s + i));
            break;
        } else if (c == '`') {
            sb_buf b = SB_BUF_INIT;
            sb_buf_add(&b, "", 0);
            size_t j = i + 1;
            bool closed = false;
            while (j < L.n) {
                if (s[j] == '`') {
                    if (j + 1 < L.n && s[j + 1] == '`') {
                        sb_buf_putc(&b, '`');
                        j += 2;
                        continue;
                    }
                    closed = true;
                    break;
                }
                sb_buf_putc(&b, s[j]);
                j++;
            }
            if (!closed) {
                sb_buf_free(&b);
                eof_error(&L, i, space, "unterminated back-quoted identifier");
                break;
            }
            sb_token *t = push(&L, SB_TK_QIDENT, i, j + 1, space);
            set_text(&L, t, b.data, b.len);
            sb_buf_free(&b);
            L.i = j + 1;
        } else if (c == '$' && c1 == '{') {
            size_t j = i + 2;
            while (j < L.n && s[j] != '}' && (is_word((unsigned char)s[j]) || s[j] == '.' ||
                                                s[j] == ':' || s[j] == '-'))
                j++;
            if (j >= L.n) {
                eof_error(&L, i, space, "unterminated configuration variable: '${' without '}'");
                break;
            }
            if (s[j] != '}' || j == i + 2) {
                error_tok(&L, i, j + 1, space,
                          "invalid configuration variable name: use letters, digits, "
                          "'_', '.', ':' or '-' between '${' and '}'");
                break;
            }
            sb_token *t = push(&L, SB_TK_CONFIG, i, j + 1, space);
            set_text(&L, t, s + i + 2, j - (i + 2));
            L.i = j + 1;
        } else {
            sb_tok_kind k;
            size_t w = 1;
            switch (c) {
            case '(': k = SB_TK_LPAREN; break;
            case ')': k = SB_TK_RPAREN; break;
            case '[': k = SB_TK_LBRACKET; break;
            case ']': k = SB_TK_RBRACKET; break;
            case ',': k = SB_TK_COMMA; break;
            case '.': k = SB_TK_DOT; break;
            case ';': k = SB_TK_SEMI; break;
            case ':': k = SB_TK_COLON; break;
            case '+': k = SB_TK_PLUS; break;
            case '-':
                if (c1 == '>') {
                    k = SB_TK_ARROW;
                    w = 2;
                } else {
                    k = SB_TK_MINUS;
                }
                break;
            case '*': k = SB_TK_STAR; break;
            case '/': k = SB_TK_SLASH; break;
            case '%': k = SB_TK_PERCENT; break;
            case '~': k = SB_TK_TILDE; break;
            case '&': k = SB_TK_AMP; break;
            case '^': k = SB_TK_CARET; break;
            case '|':
                if (c1 == '|') {
                    k = SB_TK_CONCAT;
                    w = 2;
                } else {
                    k = SB_TK_PIPE;
                }
                break;
            case '=':
                if (c1 == '=') {
                    k = SB_TK_EQ;
                    w = 2;
                } else if (c1 == '>') {
                    k = SB_TK_FAT_ARROW;
                    w = 2;
                } else {
                    k = SB_TK_EQ;
                }
                break;
            case '<':
                if (c1 == '=' && c2 == '>') {
                    k = SB_TK_NSEQ;
                    w = 3;
                } else if (c1 == '=') {
                    k = SB_TK_LE;
                    w = 2;
                } else if (c1 == '>') {
                    k = SB_TK_NE;
                    w = 2;
                } else {
                    k = SB_TK_LT;
                }
                break;
            case '>':
                if (c1 == '=') {
                    k = SB_TK_GE;
                    w = 2;
                } else {
                    k = SB_TK_GT;
                }
                break;
            case '!':
                if (c1 == '=') {
                    k = SB_TK_NE;
                    w = 2;
                } else if (c1 == '>') {
                    k = SB_TK_LE;
                    w = 2;
                } else if (c1 == '<') {
                    k = SB_TK_GE;
                    w = 2;
                } else {
                    k = SB_TK_BANG;
                }
                break;
            default: {
                const char *msg;
                if (c == '?')
                    msg = "unexpected '?': parameter markers are not supported";
                else if (c >= 0x20 && c < 0x7F)
                    msg = sb_arena_printf(a, "unexpected character '%c'", c);
                else
                    msg = sb_arena_printf(a, "unexpected control character 0x%02X", c);
                error_tok(&L, i, i + 1, space, msg);
                goto done;
            }
            }
            sb_token *t = push(&L, k, i, i + w, space);
            set_text(&L, t, s + i, w);
            L.i = i + w;
        }
        if (L.len > before && L.toks[L.len - 1].kind == SB_TK_ERROR) break;
    }
done:;
    sb_token_list out = {L.toks, L.len};
    return out;
}

const char *sb_sql_token_desc(sb_arena *a, const sb_token *t)
{
    switch (t->kind) {
    case SB_TK_EOF: return "end of input";
    case SB_TK_ERROR: return "invalid token";
    case SB_TK_WORD: return sb_arena_printf(a, "'%s'", t->text);
    case SB_TK_QIDENT: return sb_arena_printf(a, "identifier `%s`", t->text);
    case SB_TK_STRING: return "string literal";
    case SB_TK_NUMBER: return "number";
    case SB_TK_CONFIG: return sb_arena_printf(a, "${%s}", t->text);
    default: return sb_arena_printf(a, "'%s'", t->text);
    }
}
