/*
 * colname.c — the column name Spark gives an unaliased select item.
 *
 * Spark names such a column with the "pretty SQL" of the analysed
 * expression (toPrettySQL / usePrettyExpression), which is neither the text
 * the user wrote nor sibyl's canonical print:
 *   - columns lose their qualifiers, struct fields keep their whole path
 *     (`nested.items[0].v`), literals lose their quotes;
 *   - every operator is parenthesized, BETWEEN and IS TRUE are expanded;
 *   - the analyser's rewrites show: `dt + 1` is `date_add(dt, 1)`, `b = 1`
 *     on a boolean is `b`, implicit casts vanish (so `int(s)` is `s`),
 *     intervals are normalized (`INTERVAL '01' HOUR`);
 *   - functions show their canonical name (`rand` for `random`), sometimes
 *     upper-case (`SQRT`), and the default arguments Spark fills in.
 * The rewrites that depend on types use the types the checker set, so the
 * names are exact for checked trees; for unchecked trees they fall back to
 * the written form. tests/sql/cases/types.tsv holds Spark's own names.
 */
#include "sql/check_internal.h"
#include "sql/print_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Java's Double.toString / Float.toString: the shortest digits that read
 * back to the same value, plain between 1e-3 and 1e7, else d.dddE<n>. */
static void java_float(sb_buf *out, double v, bool is_float)
{
    if (isnan(v)) {
        sb_buf_puts(out, "NaN");
        return;
    }
    if (isinf(v)) {
        sb_buf_puts(out, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (v == 0) {
        sb_buf_puts(out, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    char buf[64];
    int maxp = is_float ? 9 : 17;
    for (int prec = 1; prec <= maxp; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (is_float ? (strtof(buf, NULL) == (float)v) : (strtod(buf, NULL) == v)) break;
    }
    /* buf is [-]d[.ddd]e[+-]xx */
    bool neg = buf[0] == '-';
    char digits[40];
    size_t nd = 0;
    const char *c = buf + (neg ? 1 : 0);
    for (; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9' && nd < sizeof digits - 1) digits[nd++] = *c;
    digits[nd] = 0;
    while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = 0;
    int exp = atoi(c + 1);
    if (neg) sb_buf_putc(out, '-');
    double a = fabs(v);
    if (a >= 1e-3 && a < 1e7) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++) sb_buf_putc(out, (size_t)i < nd ? digits[i] : '0');
            sb_buf_putc(out, '.');
            if ((size_t)exp + 1 < nd)
                sb_buf_puts(out, digits + exp + 1);
            else
                sb_buf_putc(out, '0');
        } else {
            sb_buf_puts(out, "0.");
            for (int i = 0; i < -exp - 1; i++) sb_buf_putc(out, '0');
            sb_buf_puts(out, digits);
        }
    } else {
        sb_buf_putc(out, digits[0]);
        sb_buf_putc(out, '.');
        sb_buf_puts(out, nd > 1 ? digits + 1 : "0");
        sb_buf_printf(out, "E%d", exp);
    }
}

/* Java's BigDecimal.toString of the literal's digits. */
static void java_decimal(sb_buf *out, const char *t)
{
    bool neg = *t == '-';
    if (neg) t++;
    char digits[128];
    size_t nd = 0;
    int scale = 0;
    bool dot = false;
    const char *c = t;
    for (; *c && *c != 'e' && *c != 'E'; c++) {
        if (*c == '.') {
            dot = true;
            continue;
        }
        if (nd < sizeof digits - 1) digits[nd++] = *c;
        if (dot) scale++;
    }
    digits[nd] = 0;
    if (*c) {
        long x = strtol(c + 1, NULL, 10);
        scale -= x > 1000 ? 1000 : x < -1000 ? -1000 : (int)x;
    }
    char *d = digits;
    while (nd > 1 && *d == '0') {
        d++;
        nd--;
    }
    if (nd == 0) {
        d = "0";
        nd = 1;
    }
    long adjusted = -(long)scale + (long)(nd - 1);
    bool zero = nd == 1 && d[0] == '0';
    if (neg && !zero) sb_buf_putc(out, '-');
    if (scale >= 0 && adjusted >= -6) {
        if (scale == 0) {
            sb_buf_puts(out, d);
        } else if ((size_t)scale < nd) {
            sb_buf_add(out, d, nd - (size_t)scale);
            sb_buf_putc(out, '.');
            sb_buf_puts(out, d + nd - (size_t)scale);
        } else {
            sb_buf_puts(out, "0.");
            for (size_t i = nd; i < (size_t)scale; i++) sb_buf_putc(out, '0');
            sb_buf_puts(out, d);
        }
    } else {
        sb_buf_putc(out, d[0]);
        if (nd > 1) {
            sb_buf_putc(out, '.');
            sb_buf_puts(out, d + 1);
        }
        sb_buf_printf(out, "E%s%ld", adjusted >= 0 ? "+" : "", adjusted);
    }
}

static void java_integer(sb_buf *out, const char *t)
{
    bool neg = *t == '-';
    if (neg) t++;
    while (t[0] == '0' && t[1]) t++;
    if (neg && strcmp(t, "0") != 0) sb_buf_putc(out, '-');
    sb_buf_puts(out, t);
}

/* Digits at *p (between min and max of them) as a number, or -1. */
static long read_digits(const char **p, int min, int max)
{
    long v = 0;
    int n = 0;
    while (**p >= '0' && **p <= '9' && n < max) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n >= min ? v : -1;
}

/* yyyy[-m[-d]] at *p into y, m, d; false when it is not a date. */
static bool read_date(const char **p, long *y, long *m, long *d)
{
    *m = *d = 1;
    if ((*y = read_digits(p, 4, 7)) < 0) return false;
    if (**p == '-') {
        (*p)++;
        if ((*m = read_digits(p, 1, 2)) < 0) return false;
        if (**p == '-') {
            (*p)++;
            if ((*d = read_digits(p, 1, 2)) < 0) return false;
        }
    }
    return true;
}

/* TIMESTAMP '2024-1-2 3:04' -> '2024-01-02 03:04:00' as Spark formats it
 * (when the text has no zone; otherwise it is kept). */
static void pretty_timestamp(sb_buf *out, const char *t)
{
    long y, mo, d, h = 0, mi = 0, s = 0;
    char frac[8] = "";
    int fl = 0;
    while (*t == ' ') t++;
    const char *p = t;
    if (read_date(&p, &y, &mo, &d)) {
        bool ok = true;
        if (*p == ' ' || *p == 'T') {
            p++;
            h = read_digits(&p, 1, 2);
            if (h < 0 || *p != ':') ok = false;
            if (ok) {
                p++;
                mi = read_digits(&p, 1, 2);
                if (mi < 0) ok = false;
            }
            if (ok && *p == ':') {
                p++;
                s = read_digits(&p, 1, 2);
                if (s < 0) ok = false;
                if (ok && *p == '.') {
                    p++;
                    while (*p >= '0' && *p <= '9' && fl < 6) frac[fl++] = *p++;
                    while (*p >= '0' && *p <= '9') p++;
                    while (fl > 0 && frac[fl - 1] == '0') fl--;
                    frac[fl] = 0;
                }
            }
        }
        while (*p == ' ') p++;
        if (ok && *p == 0) {
            sb_buf_printf(out, "%04ld-%02ld-%02ld %02ld:%02ld:%02ld", y, mo, d, h, mi, s);
            if (fl) sb_buf_printf(out, ".%s", frac);
            return;
        }
    }
    sb_buf_puts(out, t);
}

static void pretty_date(sb_buf *out, const char *t)
{
    long y, mo, d;
    while (*t == ' ') t++;
    const char *p = t;
    if (read_date(&p, &y, &mo, &d)) {
        sb_buf_printf(out, "%04ld-%02ld-%02ld", y, mo, d);
        return;
    }
    sb_buf_puts(out, t);
}

/* ---- interval literals ------------------------------------------------ */

/* Spark turns every interval literal into an ANSI interval value and writes
 * it back in the canonical form of its type (IntervalUtils'
 * toDayTimeIntervalString / toYearMonthIntervalString): `INTERVAL 2 HOURS`
 * is `INTERVAL '02' HOUR`, `INTERVAL 1 DAY 25 HOURS` is
 * `INTERVAL '2 01' DAY TO HOUR`. */

#define US_PER_SECOND 1000000LL
#define US_PER_MINUTE (60 * US_PER_SECOND)
#define US_PER_HOUR (60 * US_PER_MINUTE)
#define US_PER_DAY (24 * US_PER_HOUR)
/* Values beyond this many microseconds or months (about 126,000 years of
 * microseconds; Spark's own limits are lower) are left as written. Sums of
 * two values below it cannot overflow. */
#define US_LIMIT 4000000000000000000LL

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* [+-]* at *p: true when the number of minus signs is odd. */
static bool read_signs(const char **p)
{
    bool neg = false;
    for (;;) {
        *p = skip_spaces(*p);
        if (**p == '-')
            neg = !neg;
        else if (**p != '+')
            return neg;
        (*p)++;
    }
}

/* Digits [. digits] at *p: the whole part and the fraction in millionths. */
static bool read_number(const char **p, long long *whole, long long *frac, bool allow_frac)
{
    const char *s = *p;
    long long w = 0;
    int n = 0;
    while (*s >= '0' && *s <= '9') {
        /* saturate: a value over the limit is reported as too large later */
        w = w < US_LIMIT / 10 ? w * 10 + (*s - '0') : US_LIMIT + 1;
        s++;
        n++;
    }
    long long f = 0;
    if (*s == '.' && allow_frac) {
        s++;
        int k = 0;
        while (*s >= '0' && *s <= '9') {
            if (k < 6) f = f * 10 + (*s - '0');
            k++;
            n++;
            s++;
        }
        for (; k < 6; k++) f *= 10;
    }
    if (n == 0) return false;
    *whole = w;
    *frac = f;
    *p = s;
    return true;
}

typedef struct ival_unit {
    const char *name;
    bool ym;
    long long mult; /* microseconds, or months for year-month units */
} ival_unit;

static const ival_unit IVAL_UNITS[] = {
    {"YEAR", true, 12},
    {"MONTH", true, 1},
    {"WEEK", false, 7 * US_PER_DAY},
    {"DAY", false, US_PER_DAY},
    {"HOUR", false, US_PER_HOUR},
    {"MINUTE", false, US_PER_MINUTE},
    {"SECOND", false, US_PER_SECOND},
    {"MILLISECOND", false, 1000},
    {"MICROSECOND", false, 1},
};

/* A unit name at *p (singular or plural, any case). */
static const ival_unit *read_unit(const char **p)
{
    const char *s = *p;
    size_t n = 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')) n++;
    for (size_t i = 0; i < SB_COUNTOF(IVAL_UNITS); i++) {
        size_t un = strlen(IVAL_UNITS[i].name);
        if ((n == un || (n == un + 1 && (s[un] == 's' || s[un] == 'S'))) &&
            sb_str_ieqn(s, un, IVAL_UNITS[i].name)) {
            *p = s + n;
            return &IVAL_UNITS[i];
        }
    }
    return NULL;
}

static const ival_unit *unit_named(const char *name)
{
    const char *p = name;
    const ival_unit *u = read_unit(&p);
    return u && *p == 0 ? u : NULL;
}

/* Reading an interval literal: valid, not an interval Spark accepts, or
 * valid but too large to normalize here. */
enum { IV_OK, IV_INVALID, IV_TOO_LARGE };

/* acc += value * unit, the fraction (millionths) scaled the same way; only
 * seconds take a fraction. */
static int add_scaled(long long *acc, bool neg, long long whole, long long frac, bool has_frac,
                      const ival_unit *u)
{
    if (has_frac && u->mult != US_PER_SECOND) return IV_INVALID;
    if (whole > US_LIMIT / u->mult) return IV_TOO_LARGE;
    long long v = whole * u->mult + (u->ym ? 0 : frac * u->mult / US_PER_SECOND);
    *acc += neg ? -v : v;
    return *acc < US_LIMIT && *acc > -US_LIMIT ? IV_OK : IV_TOO_LARGE;
}

static bool has_dot(const char *from, const char *to)
{
    return memchr(from, '.', (size_t)(to - from)) != NULL;
}

/* "[interval] [+-]n unit [+-]n unit ..." (INTERVAL 1 DAY 2 HOURS and the
 * unit-less string form INTERVAL '1 day 2 hours'). */
static int multi_unit_value(const char *s, bool ym, long long *value)
{
    const char *p = skip_spaces(s);
    if (sb_str_ieqn(p, 8, "interval") && (p[8] == ' ' || p[8] == 0)) p += 8;
    *value = 0;
    bool any = false;
    for (;;) {
        p = skip_spaces(p);
        if (!*p) return any ? IV_OK : IV_INVALID;
        bool neg = read_signs(&p);
        long long whole, frac;
        const char *num = p;
        if (!read_number(&p, &whole, &frac, true)) return IV_INVALID;
        bool dot = has_dot(num, p);
        p = skip_spaces(p);
        const ival_unit *u = read_unit(&p);
        if (!u || u->ym != ym) return IV_INVALID;
        int r = add_scaled(value, neg, whole, frac, dot, u);
        if (r != IV_OK) return r;
        any = true;
    }
}

/* The string of INTERVAL '...' <start> TO <end>: fields separated as in
 * Spark's ANSI forms `d h:m:s.f` and `y-m`, the ones after the first within
 * their range (hours below 24 ...). */
static int ranged_value(const char *s, bool ym, int start, int end, long long *value)
{
    static const long long DT_MULT[] = {US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND};
    static const long long DT_MAX[] = {0, 23, 59, 59};
    const char *p = s;
    bool neg = read_signs(&p);
    long long total = 0;
    for (int f = start; f <= end; f++) {
        if (f > start) {
            char sep = ym ? '-' : (f == 1 ? ' ' : ':');
            if (*p != sep) return IV_INVALID;
            p++;
        }
        long long whole, frac;
        bool secs = !ym && f == 3;
        if (!read_number(&p, &whole, &frac, secs)) return IV_INVALID;
        if (f > start && whole > (ym ? 11 : DT_MAX[f])) return IV_INVALID;
        long long mult = ym ? (f == 0 ? 12 : 1) : DT_MULT[f];
        if (whole > US_LIMIT / mult) return IV_TOO_LARGE;
        total += whole * mult + (secs ? frac : 0);
        if (total > US_LIMIT) return IV_TOO_LARGE;
    }
    if (*skip_spaces(p)) return IV_INVALID;
    *value = neg ? -total : total;
    return IV_OK;
}

/* The literal's value in microseconds (day-time) or months (year-month). */
static int interval_value(const sb_expr *e, long long *value)
{
    const sb_type *t = e->u.lit.type;
    if (!t || (t->kind != SB_T_INTERVAL_DT && t->kind != SB_T_INTERVAL_YM)) return IV_TOO_LARGE;
    bool ym = t->kind == SB_T_INTERVAL_YM;
    const char *text = e->u.lit.text ? e->u.lit.text : "";
    if (strlen(text) != e->u.lit.len) return IV_INVALID;
    const char *unit = e->u.lit.unit;
    if (!unit) return multi_unit_value(text, ym, value);
    if (strstr(unit, " TO ")) return ranged_value(text, ym, t->precision, t->scale, value);
    const ival_unit *u = unit_named(unit);
    if (!u || u->ym != ym) return IV_INVALID;
    const char *p = text;
    bool neg = read_signs(&p);
    long long whole, frac;
    const char *num = p;
    if (!read_number(&p, &whole, &frac, true) || *skip_spaces(p)) return IV_INVALID;
    *value = 0;
    return add_scaled(value, neg, whole, frac, has_dot(num, p), u);
}

bool sb_interval_literal_valid(const sb_expr *lit)
{
    long long v;
    return interval_value(lit, &v) != IV_INVALID;
}

/* Seconds with their fraction, at least two integer digits: 01.5, 00.000001. */
static void put_seconds(sb_buf *out, long long us)
{
    sb_buf_printf(out, "%02lld", us / US_PER_SECOND);
    long long frac = us % US_PER_SECOND;
    if (frac) {
        char digits[8];
        snprintf(digits, sizeof digits, "%06lld", frac);
        size_t n = 6;
        while (n > 0 && digits[n - 1] == '0') n--;
        digits[n] = 0;
        sb_buf_printf(out, ".%s", digits);
    }
}

static void put_interval(sb_buf *out, const sb_type *t, long long v)
{
    static const char *const DT[] = {"DAY", "HOUR", "MINUTE", "SECOND"};
    static const char *const YM[] = {"YEAR", "MONTH"};
    int start = t->precision, end = t->scale;
    unsigned long long a = v < 0 ? (unsigned long long)-v : (unsigned long long)v;
    sb_buf_printf(out, "INTERVAL '%s", v < 0 ? "-" : "");
    if (t->kind == SB_T_INTERVAL_YM) {
        if (start == 0 && end == 1)
            sb_buf_printf(out, "%llu-%llu", a / 12, a % 12);
        else
            sb_buf_printf(out, "%llu", start == 0 ? a / 12 : a);
        sb_buf_printf(out, "' %s", YM[start]);
        if (end != start) sb_buf_printf(out, " TO %s", YM[end]);
        return;
    }
    static const unsigned long long UNIT[] = {US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, 1};
    static const unsigned long long WRAP[] = {0, 24, 60, 0};
    for (int f = start; f <= end; f++) {
        if (f > start) sb_buf_putc(out, f == 1 ? ' ' : ':');
        if (f == 3) {
            /* seconds: the leading field keeps every whole second */
            put_seconds(out, (long long)(f == start ? a : a % US_PER_MINUTE));
            break;
        }
        unsigned long long n = a / UNIT[f];
        if (f > start) n %= WRAP[f];
        sb_buf_printf(out, f == 0 ? "%llu" : "%02llu", n);
    }
    sb_buf_printf(out, "' %s", DT[start]);
    if (end != start) sb_buf_printf(out, " TO %s", DT[end]);
}

static void pretty_interval(sb_buf *out, const sb_expr *e)
{
    long long v;
    if (interval_value(e, &v) == IV_OK) {
        put_interval(out, e->u.lit.type, v);
        return;
    }
    sb_buf_printf(out, "INTERVAL '%s'", e->u.lit.text ? e->u.lit.text : "");
    if (e->u.lit.unit) sb_buf_printf(out, " %s", e->u.lit.unit);
}

/* ---- the pretty printer ------------------------------------------------ */

typedef struct pretty_ctx {
    const char *const *lambda_vars[16];
    size_t nlambda_vars[16];
    size_t nscopes;
} pretty_ctx;

static void pretty(sb_buf *out, const sb_expr *e, pretty_ctx *c);
static void pretty_bare(sb_buf *out, const sb_expr *x, const char *op, const sb_expr *y,
                        pretty_ctx *c);

static void pretty_list(sb_buf *out, const sb_vec *v, size_t from, size_t to, pretty_ctx *c)
{
    for (size_t i = from; i < to && i < v->len; i++) {
        if (i > from) sb_buf_puts(out, ", ");
        pretty(out, v->items[i], c);
    }
}

static void pretty_sort_key(sb_buf *out, const sb_sort_key *k, pretty_ctx *c)
{
    pretty(out, k->expr, c);
    sb_buf_puts(out, k->descending ? " DESC" : " ASC");
    sb_buf_puts(out, k->nulls_first ? " NULLS FIRST" : " NULLS LAST");
}

static void pretty_bound(sb_buf *out, const sb_frame_bound *b, pretty_ctx *c)
{
    switch (b->kind) {
    case SB_BOUND_UNBOUNDED_PRECEDING: sb_buf_puts(out, "UNBOUNDED PRECEDING"); break;
    case SB_BOUND_UNBOUNDED_FOLLOWING: sb_buf_puts(out, "UNBOUNDED FOLLOWING"); break;
    case SB_BOUND_CURRENT_ROW: sb_buf_puts(out, "CURRENT ROW"); break;
    case SB_BOUND_PRECEDING:
    case SB_BOUND_FOLLOWING:
        if (b->offset) pretty(out, b->offset, c);
        sb_buf_puts(out, b->kind == SB_BOUND_PRECEDING ? " PRECEDING" : " FOLLOWING");
        break;
    }
}

static bool name_in(const char *n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (sb_str_ieq(n, list[i])) return true;
    return false;
}

/* WindowSpecDefinition.sql, with the frame the analyser fills in. */
static void pretty_window(sb_buf *out, const sb_expr *f, pretty_ctx *c)
{
    const sb_window *w = f->u.func.over;
    if (w->name) {
        sb_buf_puts(out, w->name);
        return;
    }
    sb_buf_putc(out, '(');
    if (w->partition_by.len) {
        sb_buf_puts(out, "PARTITION BY ");
        pretty_list(out, &w->partition_by, 0, w->partition_by.len, c);
        sb_buf_putc(out, ' ');
    }
    if (w->order_by.len) {
        sb_buf_puts(out, "ORDER BY ");
        for (size_t i = 0; i < w->order_by.len; i++) {
            if (i) sb_buf_puts(out, ", ");
            pretty_sort_key(out, w->order_by.items[i], c);
        }
        sb_buf_putc(out, ' ');
    }
    /* ranking functions get a ROWS frame; cume_dist, like aggregates, RANGE */
    static const char *const ROW_FUNCS[] = {"row_number",   "rank",  "dense_rank",
                                            "percent_rank", "ntile", NULL};
    const char *fn = f->u.func.name ? f->u.func.name : "";
    if (w->frame != SB_FRAME_NONE) {
        sb_buf_puts(out, w->frame == SB_FRAME_ROWS ? "ROWS BETWEEN " : "RANGE BETWEEN ");
        pretty_bound(out, &w->start, c);
        sb_buf_puts(out, " AND ");
        pretty_bound(out, &w->end, c);
    } else if (name_in(fn, ROW_FUNCS)) {
        sb_buf_puts(out, "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW");
    } else if (sb_str_ieq(fn, "lag") || sb_str_ieq(fn, "lead")) {
        /* an offset frame: lag(x, n) reads n rows back, -n FOLLOWING */
        bool lag = sb_str_ieq(fn, "lag");
        sb_buf_puts(out, "ROWS BETWEEN ");
        sb_buf off = SB_BUF_INIT;
        if (f->u.func.args.len > 1)
            pretty(&off, f->u.func.args.items[1], c);
        else
            sb_buf_puts(&off, "1");
        const char *o = sb_buf_str(&off);
        const char *sign = lag ? (o[0] == '-' ? "" : "-") : "";
        if (lag && o[0] == '-') o++;
        sb_buf_printf(out, "%s%s FOLLOWING AND %s%s FOLLOWING", sign, o, sign, o);
        sb_buf_free(&off);
    } else if (w->order_by.len) {
        sb_buf_puts(out, "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW");
    } else {
        sb_buf_puts(out, "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING");
    }
    sb_buf_putc(out, ')');
}

static void lower_name(sb_buf *out, const char *n)
{
    for (; *n; n++) sb_buf_putc(out, (*n >= 'A' && *n <= 'Z') ? (char)(*n + 32) : *n);
}

static const sb_type *type_of(const sb_expr *e)
{
    return e ? e->type : NULL;
}

static bool kind_is(const sb_expr *e, sb_type_kind k)
{
    return e && e->type && e->type->kind == k;
}

static const sb_expr *arg_at(const sb_expr *f, size_t i)
{
    return i < f->u.func.args.len ? f->u.func.args.items[i] : NULL;
}

/* Names Spark shows for a function other than the one written: the
 * canonical name of an alias, or the upper-case name some expressions
 * (the math functions, RANK, REGEXP_LIKE) report. Sorted by name. */
static const struct {
    const char *written, *shown;
} SHOWN_NAMES[] = {
    {"acos", "ACOS"},
    {"acosh", "ACOSH"},
    {"array_agg", "collect_list"},
    {"asin", "ASIN"},
    {"asinh", "ASINH"},
    {"atan", "ATAN"},
    {"atan2", "ATAN2"},
    {"atanh", "ATANH"},
    {"cbrt", "CBRT"},
    {"cos", "COS"},
    {"cosh", "COSH"},
    {"cot", "COT"},
    {"csc", "CSC"},
    {"curdate", "current_date"},
    {"current_schema", "current_database"},
    {"degrees", "DEGREES"},
    {"dense_rank", "DENSE_RANK"},
    {"e", "E"},
    {"exp", "EXP"},
    {"expm1", "EXPM1"},
    {"hypot", "HYPOT"},
    {"log", "LOG"},
    {"log10", "LOG10"},
    {"log1p", "LOG1P"},
    {"log2", "LOG2"},
    {"percent_rank", "PERCENT_RANK"},
    {"pi", "PI"},
    {"power", "POWER"},
    {"radians", "RADIANS"},
    {"random", "rand"},
    {"rank", "RANK"},
    {"regexp", "REGEXP"},
    {"regexp_like", "REGEXP_LIKE"},
    {"rlike", "RLIKE"},
    {"sec", "SEC"},
    {"signum", "SIGNUM"},
    {"sin", "SIN"},
    {"sinh", "SINH"},
    {"spark_partition_id", "SPARK_PARTITION_ID"},
    {"sqrt", "SQRT"},
    {"tan", "TAN"},
    {"tanh", "TANH"},
    {"to_varchar", "to_char"},
    {"user", "current_user"},
};

static int icmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (*a >= 'A' && *a <= 'Z') ? *a + 32 : (unsigned char)*a;
        int y = (*b >= 'A' && *b <= 'Z') ? *b + 32 : (unsigned char)*b;
        if (x != y || !x) return x - y;
    }
}

static const char *shown_name(const char *written)
{
    size_t lo = 0, hi = SB_COUNTOF(SHOWN_NAMES);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = icmp(written, SHOWN_NAMES[mid].written);
        if (cmp == 0) return SHOWN_NAMES[mid].shown;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Functions that are casts in Spark (int(x) is CAST(x AS INT)); the cast is
 * not one the user wrote, so the name shows only x. */
static const char *const CAST_FUNCS[] = {"bigint", "binary", "boolean", "date",     "decimal",
                                         "double", "float",  "int",     "smallint", "string",
                                         "timestamp", "tinyint", NULL};

/* Functions whose name shows only their first argument: the others are
 * options (from_json's schema, first's ignoreNulls, the relative error of
 * approx_count_distinct). */
static const char *const FIRST_ARG_ONLY[] = {
    "any_value", "approx_count_distinct", "first", "first_value", "from_csv", "from_json",
    "last",      "last_value", "schema_of_csv", "schema_of_json", "to_csv", "to_json", NULL};

/* array_sort's default comparator as Spark writes it. */
static const char ARRAY_SORT_DEFAULT[] =
    "lambdafunction((IF(((namedlambdavariable() IS NULL) AND (namedlambdavariable() IS NULL)), "
    "0, (IF((namedlambdavariable() IS NULL), 1, (IF((namedlambdavariable() IS NULL), -1, "
    "(IF((namedlambdavariable() < namedlambdavariable()), -1, (IF((namedlambdavariable() > "
    "namedlambdavariable()), 1, 0)))))))))), namedlambdavariable(), namedlambdavariable())";

static const char UNIX_TIME_FORMAT[] = "yyyy-MM-dd HH:mm:ss";

/* The arguments Spark fills in when a call leaves them out, written after
 * the given ones (`lpad(s, 5)` is `lpad(s, 5,  )`). */
static void pretty_defaults(sb_buf *out, const sb_expr *e, const char *n, size_t na)
{
    const char *add = NULL;
    if ((sb_str_ieq(n, "round") || sb_str_ieq(n, "bround")) && na == 1)
        add = "0";
    else if ((sb_str_ieq(n, "substring") || sb_str_ieq(n, "substr")) && na == 2)
        add = "2147483647";
    else if (sb_str_ieq(n, "split") && na == 2)
        add = "-1";
    else if ((sb_str_ieq(n, "regexp_replace") && na == 3) ||
             ((sb_str_ieq(n, "regexp_extract") || sb_str_ieq(n, "regexp_extract_all")) &&
              na == 2) ||
             ((sb_str_ieq(n, "locate") || sb_str_ieq(n, "position")) && na == 2))
        add = "1";
    else if (sb_str_ieq(n, "regexp_instr") && na == 2)
        add = "0";
    else if (sb_str_ieq(n, "lead") || sb_str_ieq(n, "lag"))
        add = na == 1 ? "1, NULL" : na == 2 ? "NULL" : NULL;
    else if (sb_str_ieq(n, "replace") && na == 2)
        add = "";
    else if ((sb_str_ieq(n, "lpad") || sb_str_ieq(n, "rpad")) && na == 2)
        add = kind_is(arg_at(e, 0), SB_T_BINARY) ? "X'00'" : " ";
    else if (sb_str_ieq(n, "sentences"))
        add = na == 1 ? ", " : na == 2 ? "" : NULL;
    else if (sb_str_ieq(n, "overlay") && na == 3)
        add = "-1";
    else if (sb_str_ieq(n, "mask") && na >= 1 && na < 5) {
        static const char *const MASK[] = {NULL, "X, x, n, NULL", "x, n, NULL", "n, NULL",
                                           "NULL"};
        add = MASK[na];
    } else if (sb_str_ieq(n, "months_between") && na == 2)
        add = "true";
    else if (sb_str_ieq(n, "unix_timestamp") && na == 0)
        add = "current_timestamp(), yyyy-MM-dd HH:mm:ss";
    else if ((sb_str_ieq(n, "unix_timestamp") || sb_str_ieq(n, "to_unix_timestamp") ||
              sb_str_ieq(n, "from_unixtime")) &&
             na == 1)
        add = UNIX_TIME_FORMAT;
    else if ((sb_str_ieq(n, "percentile_approx") || sb_str_ieq(n, "approx_percentile")) &&
             na == 2)
        add = "10000";
    else if (sb_str_ieq(n, "percentile") && na == 2)
        add = "1";
    else if (sb_str_ieq(n, "sort_array") && na == 1)
        add = "true";
    else if (sb_str_ieq(n, "str_to_map"))
        add = na == 1 ? ",, :" : na == 2 ? ":" : NULL;
    else if (sb_str_ieq(n, "make_dt_interval") && na < 4) {
        static const char *const DT[] = {"0, 0, 0, 0.000000", "0, 0, 0.000000", "0, 0.000000",
                                         "0.000000"};
        add = DT[na];
    } else if (sb_str_ieq(n, "make_ym_interval") && na < 2)
        add = na == 0 ? "0, 0" : "0";
    else if ((sb_str_ieq(n, "aggregate") || sb_str_ieq(n, "reduce")) && na == 3)
        add = "lambdafunction(namedlambdavariable(), namedlambdavariable())";
    else if (sb_str_ieq(n, "array_sort") && na == 1)
        add = ARRAY_SORT_DEFAULT;
    if (add) {
        if (na) sb_buf_puts(out, ", ");
        sb_buf_puts(out, add);
    }
}

/* A named_struct the parser made from struct(a AS x, ...): its name
 * literals carry the spans of the written aliases or of the values. */
static bool from_struct_call(const sb_expr *e)
{
    const sb_span ns = e->u.func.name_span;
    if (ns.end - ns.start != 6 || e->u.func.args.len % 2) return false;
    for (size_t i = 0; i + 1 < e->u.func.args.len; i += 2) {
        const sb_expr *name = e->u.func.args.items[i];
        if (name->kind != SB_E_LITERAL || name->u.lit.kind != SB_LIT_STRING) return false;
    }
    return true;
}

/* The name Spark gives a field of struct(...) or (a, b) when none is written. */
static void field_name(sb_buf *out, const sb_expr *e, size_t i)
{
    if (e->kind == SB_E_COLUMN)
        sb_buf_puts(out, e->u.column.parts[e->u.column.nparts - 1]);
    else if (e->kind == SB_E_FIELD)
        sb_buf_puts(out, e->u.field.name);
    else
        sb_buf_printf(out, "col%zu", i + 1);
}

/* `*` as an argument (struct(*), count(DISTINCT *)): the checker records
 * the columns it stands for as a struct type. */
static bool pretty_star_columns(sb_buf *out, const sb_expr *star)
{
    const sb_type *t = star->type;
    if (!t || t->kind != SB_T_STRUCT) return false;
    for (size_t i = 0; i < t->nfields; i++) {
        if (i) sb_buf_puts(out, ", ");
        sb_buf_puts(out, t->fields[i].name);
    }
    return true;
}

static void pretty_func(sb_buf *out, const sb_expr *e, pretty_ctx *c)
{
    const char *n = e->u.func.name ? e->u.func.name : "";
    const sb_vec *args = &e->u.func.args;
    size_t na = args->len;
    const char *how = NULL;
    if (na == 2 && sb_str_ieq(n, "trim"))
        how = "BOTH";
    else if (na == 2 && sb_str_ieq(n, "ltrim"))
        how = "LEADING";
    else if (na == 2 && sb_str_ieq(n, "rtrim"))
        how = "TRAILING";
    if (how) {
        /* StringTrim*.sql: TRIM(BOTH chars FROM str) */
        sb_buf_printf(out, "TRIM(%s ", how);
        pretty(out, args->items[0], c);
        sb_buf_puts(out, " FROM ");
        pretty(out, args->items[1], c);
        sb_buf_putc(out, ')');
    } else if (na == 1 && name_in(n, CAST_FUNCS)) {
        pretty(out, args->items[0], c);
    } else if (sb_str_ieq(n, "if") && na == 3) {
        sb_buf_puts(out, "(IF(");
        pretty_list(out, args, 0, na, c);
        sb_buf_puts(out, "))");
    } else if ((sb_str_ieq(n, "isnull") || sb_str_ieq(n, "isnotnull")) && na == 1) {
        sb_buf_putc(out, '(');
        pretty(out, args->items[0], c);
        sb_buf_puts(out, sb_str_ieq(n, "isnull") ? " IS NULL)" : " IS NOT NULL)");
    } else if (sb_str_ieq(n, "div") && na == 2) {
        /* div(a, b) is the operator a div b */
        sb_buf_putc(out, '(');
        pretty_bare(out, args->items[0], "div", args->items[1], c);
        sb_buf_putc(out, ')');
    } else if (sb_str_ieq(n, "positive") && na == 1) {
        sb_buf_puts(out, "(+ ");
        pretty(out, args->items[0], c);
        sb_buf_putc(out, ')');
    } else if (sb_str_ieq(n, "like") && na == 2) {
        pretty(out, args->items[0], c);
        sb_buf_puts(out, " LIKE ");
        pretty(out, args->items[1], c);
    } else if ((sb_str_ieq(n, "extract") || sb_str_ieq(n, "datepart")) && na == 2) {
        lower_name(out, n);
        sb_buf_putc(out, '(');
        pretty(out, args->items[0], c);
        sb_buf_puts(out, " FROM ");
        pretty(out, args->items[1], c);
        sb_buf_putc(out, ')');
    } else if ((sb_str_ieq(n, "window") || sb_str_ieq(n, "session_window")) && e->type) {
        /* time windows are columns named after the function */
        lower_name(out, n);
    } else if (sb_str_ieq(n, "from_json") && kind_is(e, SB_T_MAP)) {
        sb_buf_puts(out, "entries");
    } else if (sb_str_ieq(n, "log") && na == 1) {
        sb_buf_puts(out, "LOG(E(), ");
        pretty(out, args->items[0], c);
        sb_buf_putc(out, ')');
    } else if (sb_str_ieq(n, "assert_true") && na == 1) {
        /* the message Spark makes from the condition's text; Spark's own
         * text holds the attribute ids of the session (`b#0`) */
        sb_buf_puts(out, "assert_true(");
        pretty(out, args->items[0], c);
        sb_buf_puts(out, ", '");
        pretty(out, args->items[0], c);
        sb_buf_puts(out, "' is not true!)");
    } else if (sb_str_ieq(n, "named_struct") && from_struct_call(e)) {
        /* struct(a AS x, b): the values, with the aliases that were written */
        sb_buf_puts(out, "struct(");
        for (size_t i = 0; i + 1 < na; i += 2) {
            const sb_expr *name = args->items[i], *value = args->items[i + 1];
            if (i) sb_buf_puts(out, ", ");
            pretty(out, value, c);
            if (name->span.start != value->span.start || name->span.end != value->span.end)
                sb_buf_printf(out, " AS %s", name->u.lit.text);
        }
        sb_buf_putc(out, ')');
    } else if (sb_str_ieq(n, "struct") &&
               e->u.func.name_span.end - e->u.func.name_span.start == 1) {
        /* a row (a, b) is named_struct('a', a, 'b', b) */
        sb_buf_puts(out, "named_struct(");
        for (size_t i = 0; i < na; i++) {
            if (i) sb_buf_puts(out, ", ");
            field_name(out, args->items[i], i);
            sb_buf_puts(out, ", ");
            pretty(out, args->items[i], c);
        }
        sb_buf_putc(out, ')');
    } else {
        const char *shown = shown_name(n);
        size_t upto = na;
        if (name_in(n, FIRST_ARG_ONLY) && na > 1) upto = 1;
        if (sb_str_ieq(n, "rank") || sb_str_ieq(n, "dense_rank") ||
            sb_str_ieq(n, "percent_rank"))
            upto = 0; /* their arguments are the window's ORDER BY */
        if (e->u.func.ignore_nulls && sb_str_ieq(n, "first_value")) shown = "first";
        if (e->u.func.ignore_nulls && sb_str_ieq(n, "last_value")) shown = "last";
        if (sb_str_ieq(n, "dateadd") && na == 2) shown = "date_add";
        if ((sb_str_ieq(n, "ceil") || sb_str_ieq(n, "floor")) && na == 1)
            shown = sb_str_ieq(n, "ceil") ? "CEIL" : "FLOOR";
        if (shown)
            sb_buf_puts(out, shown);
        else
            lower_name(out, n);
        sb_buf_putc(out, '(');
        if (e->u.func.distinct) sb_buf_puts(out, "DISTINCT ");
        if (sb_str_ieq(n, "convert_timezone") && na == 2) sb_buf_puts(out, "current_timezone(), ");
        const sb_expr *a0 = arg_at(e, 0);
        if (na == 1 && a0->kind == SB_E_STAR) {
            /* count(*) is count(1); f(*) and count(DISTINCT *) list the columns */
            bool is_count = sb_str_ieq(n, "count");
            if (is_count && !e->u.func.distinct)
                sb_buf_puts(out, "1");
            else if (!pretty_star_columns(out, a0))
                sb_buf_puts(out, is_count ? "1" : "*");
        } else {
            for (size_t i = 0; i < upto; i++) {
                const sb_expr *a = args->items[i];
                if (i) sb_buf_puts(out, ", ");
                if (a->kind != SB_E_STAR || !pretty_star_columns(out, a)) pretty(out, a, c);
            }
        }
        if (upto == na) pretty_defaults(out, e, n, na);
        sb_buf_putc(out, ')');
        if (e->u.func.ignore_nulls && sb_str_ieq(n, "nth_value")) sb_buf_puts(out, " ignore nulls");
    }
    if (e->u.func.filter) {
        sb_buf_puts(out, " FILTER (WHERE ");
        pretty(out, e->u.func.filter, c);
        sb_buf_putc(out, ')');
    }
    if (e->u.func.over) {
        sb_buf_puts(out, " OVER ");
        pretty_window(out, e, c);
    }
}

static bool is_lambda_var(const char *name, pretty_ctx *c)
{
    for (size_t s = 0; s < c->nscopes; s++)
        for (size_t i = 0; i < c->nlambda_vars[s]; i++)
            if (sb_str_ieq(c->lambda_vars[s][i], name)) return true;
    return false;
}

/* Names Spark reads as function calls when written without parentheses. */
static const struct {
    const char *bare, *call;
} NILADIC_CALLS[] = {
    {"current_date", "current_date()"},
    {"current_timestamp", "current_timestamp()"},
    {"current_user", "current_user()"},
    {"user", "current_user()"},
};

static const char *niladic_call(const sb_expr *e)
{
    /* the checker leaves used_parts at 0 for these, having found no column */
    if (e->kind != SB_E_COLUMN || e->u.column.nparts != 1 || !e->type || e->u.column.used_parts)
        return NULL;
    for (size_t i = 0; i < SB_COUNTOF(NILADIC_CALLS); i++)
        if (sb_str_ieq(e->u.column.parts[0], NILADIC_CALLS[i].bare)) return NILADIC_CALLS[i].call;
    return NULL;
}

/* A column inside an expression: its name and the path of struct fields
 * after it (`nested.x.y`), without the relation qualifier. */
static void pretty_column(sb_buf *out, const sb_expr *e, pretty_ctx *c)
{
    const char *const *parts = e->u.column.parts;
    size_t n = e->u.column.nparts;
    const char *call = niladic_call(e);
    if (call) {
        sb_buf_puts(out, call);
        return;
    }
    size_t first;
    if (is_lambda_var(parts[0], c)) {
        sb_buf_puts(out, "namedlambdavariable()");
        first = 1;
    } else if (e->u.column.used_parts > 0 && e->u.column.used_parts <= n) {
        sb_buf_puts(out, parts[e->u.column.used_parts - 1]);
        first = e->u.column.used_parts;
    } else {
        /* unchecked: which parts are fields is unknown */
        sb_buf_puts(out, parts[n - 1]);
        first = n;
    }
    for (size_t i = first; i < n; i++) {
        sb_buf_putc(out, '.');
        sb_buf_puts(out, parts[i]);
    }
}

static void pretty_literal(sb_buf *out, const sb_expr *e)
{
    const char *t = e->u.lit.text ? e->u.lit.text : "";
    switch (e->u.lit.kind) {
    case SB_LIT_NULL: sb_buf_puts(out, "NULL"); break;
    case SB_LIT_BOOLEAN: sb_buf_puts(out, e->u.lit.boolean ? "true" : "false"); break;
    case SB_LIT_INTEGER:
        if (e->u.lit.type && e->u.lit.type->kind == SB_T_DECIMAL)
            java_decimal(out, t);
        else
            java_integer(out, t);
        break;
    case SB_LIT_DECIMAL: java_decimal(out, t); break;
    case SB_LIT_DOUBLE: java_float(out, strtod(t, NULL), false); break;
    case SB_LIT_FLOAT: java_float(out, (double)strtof(t, NULL), true); break;
    case SB_LIT_STRING: sb_buf_add(out, t, e->u.lit.len); break;
    case SB_LIT_DATE:
        sb_buf_puts(out, "DATE '");
        pretty_date(out, t);
        sb_buf_putc(out, '\'');
        break;
    case SB_LIT_TIMESTAMP:
    case SB_LIT_TIMESTAMP_NTZ:
        sb_buf_puts(out, e->u.lit.kind == SB_LIT_TIMESTAMP ? "TIMESTAMP '" : "TIMESTAMP_NTZ '");
        pretty_timestamp(out, t);
        sb_buf_putc(out, '\'');
        break;
    case SB_LIT_BINARY:
        sb_buf_puts(out, "X'");
        sb_sql_put_hex(out, t, e->u.lit.len);
        sb_buf_putc(out, '\'');
        break;
    case SB_LIT_INTERVAL: pretty_interval(out, e); break;
    }
}

/* ---- operators the analyser rewrites --------------------------------------- */

static bool is_day_interval(const sb_type *t)
{
    return t && t->kind == SB_T_INTERVAL_DT && t->precision == 0 && t->scale == 0;
}

static bool is_any_ts(const sb_type *t)
{
    return t && (t->kind == SB_T_TIMESTAMP || t->kind == SB_T_TIMESTAMP_NTZ);
}

static bool is_kind(const sb_type *t, sb_type_kind k)
{
    return t && t->kind == k;
}

static void pretty_call2(sb_buf *out, const char *name, const sb_expr *x, const char *mid,
                         const sb_expr *y, const char *end, pretty_ctx *c)
{
    sb_buf_printf(out, "%s(", name);
    pretty(out, x, c);
    sb_buf_puts(out, mid);
    pretty(out, y, c);
    sb_buf_puts(out, end);
}

/* `x op y` without parentheses: the SQL of TimeAdd, DatetimeSub and the
 * year-month additions. */
static void pretty_bare(sb_buf *out, const sb_expr *x, const char *op, const sb_expr *y,
                        pretty_ctx *c)
{
    pretty(out, x, c);
    sb_buf_printf(out, " %s ", op);
    pretty(out, y, c);
}

/* Date, timestamp and interval arithmetic as Spark's analyser resolves it
 * (ResolveBinaryArithmetic): `dt + 1` is DateAdd, `ts + INTERVAL ...` is
 * TimeAdd written `ts + INTERVAL ...`, `2 * dti` is `(dti * 2)`. False when
 * the operation is plain arithmetic. */
static bool pretty_datetime_arith(sb_buf *out, const sb_expr *e, pretty_ctx *c)
{
    const sb_expr *l = e->u.binary.left, *r = e->u.binary.right;
    const sb_type *lt = l->type, *rt = r->type;
    if (!lt || !rt) return false;
    bool l_date = is_kind(lt, SB_T_DATE), r_date = is_kind(rt, SB_T_DATE);
    bool l_dt = is_kind(lt, SB_T_INTERVAL_DT), r_dt = is_kind(rt, SB_T_INTERVAL_DT);
    bool l_ym = is_kind(lt, SB_T_INTERVAL_YM), r_ym = is_kind(rt, SB_T_INTERVAL_YM);
    bool l_cal = is_kind(lt, SB_T_INTERVAL), r_cal = is_kind(rt, SB_T_INTERVAL);
    bool l_null = is_kind(lt, SB_T_NULL), r_null = is_kind(rt, SB_T_NULL);
    switch (e->u.binary.op) {
    case SB_OP_ADD:
        if (l_date && is_day_interval(rt)) {
            pretty_call2(out, "date_add", l, ", extractansiintervaldays(", r, "))", c);
        } else if (l_date && r_dt) {
            pretty_bare(out, l, "+", r, c);
        } else if (is_day_interval(lt) && r_date) {
            pretty_call2(out, "date_add", r, ", extractansiintervaldays(", l, "))", c);
        } else if (l_dt && r_date) {
            pretty_bare(out, r, "+", l, c);
        } else if ((l_date || is_any_ts(lt)) && r_ym) {
            pretty_bare(out, l, "+", r, c);
        } else if (l_ym && (r_date || is_any_ts(rt))) {
            pretty_bare(out, r, "+", l, c);
        } else if ((l_cal && r_cal) || (l_dt && r_dt) || (l_null && (r_dt || r_ym)) ||
                   ((l_dt || l_ym) && r_null)) {
            return false;
        } else if (r_cal || r_dt) {
            pretty_bare(out, l, "+", r, c);
        } else if (l_cal || l_dt) {
            pretty_bare(out, r, "+", l, c);
        } else if (l_date && !is_kind(rt, SB_T_STRING)) {
            pretty_call2(out, "date_add", l, ", ", r, ")", c);
        } else if (r_date && !is_kind(lt, SB_T_STRING)) {
            pretty_call2(out, "date_add", r, ", ", l, ")", c);
        } else {
            return false;
        }
        return true;
    case SB_OP_SUB:
        if (l_date && is_day_interval(rt)) {
            pretty_call2(out, "date_add", l, ", (- extractansiintervaldays(", r, ")))", c);
        } else if ((l_date && (r_dt || r_ym)) || (is_any_ts(lt) && r_ym)) {
            pretty_bare(out, l, "-", r, c);
        } else if ((l_cal && r_cal) || (l_dt && r_dt) || (l_null && (r_dt || r_ym)) ||
                   ((l_dt || l_ym) && r_null)) {
            return false;
        } else if (r_cal || r_dt) {
            pretty_bare(out, l, "-", r, c);
        } else if (is_any_ts(lt) || is_any_ts(rt) || r_date) {
            return false; /* SubtractTimestamps / SubtractDates: (l - r) */
        } else if (l_date && !is_kind(rt, SB_T_STRING)) {
            pretty_call2(out, "date_sub", l, ", ", r, ")", c);
        } else {
            return false;
        }
        return true;
    case SB_OP_MUL:
        /* the interval goes first: MultiplyYMInterval(interval, num) */
        if ((r_ym || r_dt || r_cal) && !(l_ym || l_dt || l_cal)) {
            pretty_call2(out, "", r, " * ", l, ")", c);
            return true;
        }
        return false;
    default: return false;
    }
}

/* 1 or 0 as a literal integer or decimal (Spark's BooleanEquality compares a
 * boolean with those as the boolean itself or its negation); -1 otherwise. */
int sb_expr_bool_number(const sb_expr *e)
{
    if (e->kind != SB_E_LITERAL) return -1;
    if (e->u.lit.kind != SB_LIT_INTEGER && e->u.lit.kind != SB_LIT_DECIMAL) return -1;
    const char *t = e->u.lit.text ? e->u.lit.text : "";
    if (strpbrk(t, "eE")) return -1;
    while (*t == '0' && t[1] >= '0' && t[1] <= '9') t++;
    int v;
    if (*t == '0' || *t == '.')
        v = 0;
    else if (*t == '1')
        v = 1;
    else
        return -1;
    if (*t != '.') t++;
    if (*t == '.') {
        t++;
        while (*t == '0') t++;
    }
    return *t ? -1 : v;
}

/* b = 1 is b, b = 0 is (NOT b), b <=> 1 is ((b IS NOT NULL) AND b). */
static bool pretty_boolean_equality(sb_buf *out, const sb_expr *l, const sb_expr *r,
                                    bool null_safe, pretty_ctx *c)
{
    const sb_expr *b = NULL;
    int v = -1;
    if (kind_is(l, SB_T_BOOLEAN) && (v = sb_expr_bool_number(r)) >= 0 && type_of(r) &&
        sb_type_is_numeric(r->type))
        b = l;
    else if (kind_is(r, SB_T_BOOLEAN) && (v = sb_expr_bool_number(l)) >= 0 && type_of(l) &&
             sb_type_is_numeric(l->type))
        b = r;
    if (!b) return false;
    if (null_safe) {
        sb_buf_putc(out, '(');
        sb_buf_putc(out, '(');
        pretty(out, b, c);
        sb_buf_puts(out, " IS NOT NULL) AND ");
    }
    if (v == 0) sb_buf_puts(out, "(NOT ");
    pretty(out, b, c);
    if (v == 0) sb_buf_putc(out, ')');
    if (null_safe) sb_buf_putc(out, ')');
    return true;
}

static const char *binop_sql(sb_binop op)
{
    switch (op) {
    case SB_OP_ADD: return "+";
    case SB_OP_SUB: return "-";
    case SB_OP_MUL: return "*";
    case SB_OP_DIV: return "/";
    case SB_OP_MOD: return "%";
    case SB_OP_INTDIV: return "div";
    case SB_OP_CONCAT: return "||";
    case SB_OP_BITAND: return "&";
    case SB_OP_BITOR: return "|";
    case SB_OP_BITXOR: return "^";
    case SB_OP_EQ:
    case SB_OP_NE: return "=";
    case SB_OP_NSEQ: return "<=>";
    case SB_OP_LT: return "<";
    case SB_OP_LE: return "<=";
    case SB_OP_GT: return ">";
    case SB_OP_GE: return ">=";
    case SB_OP_AND: return "AND";
    case SB_OP_OR: return "OR";
    }
    return "?";
}

static void pretty_binary(sb_buf *out, const sb_expr *e, pretty_ctx *c)
{
    sb_binop op = e->u.binary.op;
    const sb_expr *l = e->u.binary.left, *r = e->u.binary.right;
    if (op == SB_OP_CONCAT) {
        pretty_call2(out, "concat", l, ", ", r, ")", c);
        return;
    }
    if (pretty_datetime_arith(out, e, c)) return;
    if (op == SB_OP_NE) sb_buf_puts(out, "(NOT ");
    if ((op == SB_OP_EQ || op == SB_OP_NE || op == SB_OP_NSEQ) &&
        pretty_boolean_equality(out, l, r, op == SB_OP_NSEQ, c)) {
        /* written as the boolean */
    } else {
        sb_buf_putc(out, '(');
        pretty_bare(out, l, binop_sql(op), r, c);
        sb_buf_putc(out, ')');
    }
    if (op == SB_OP_NE) sb_buf_putc(out, ')');
}

/* ---- expressions ------------------------------------------------------------ */

static void pretty(sb_buf *out, const sb_expr *e, pretty_ctx *c)
{
    if (!e) return;
    switch (e->kind) {
    case SB_E_LITERAL: pretty_literal(out, e); break;
    case SB_E_COLUMN: pretty_column(out, e, c); break;
    case SB_E_STAR:
        for (size_t i = 0; i < e->u.star.nqualifier; i++) {
            sb_buf_puts(out, e->u.star.qualifier[i]);
            sb_buf_putc(out, '.');
        }
        sb_buf_putc(out, '*');
        break;
    case SB_E_CONFIG: sb_buf_printf(out, "${%s}", e->u.config.name); break;
    case SB_E_UNARY:
        switch (e->u.unary.op) {
        case SB_OP_NOT: sb_buf_puts(out, "(NOT "); break;
        case SB_OP_NEG: sb_buf_puts(out, "(- "); break;
        case SB_OP_PLUS: sb_buf_puts(out, "(+ "); break;
        case SB_OP_BITNOT: sb_buf_putc(out, '~'); break;
        }
        pretty(out, e->u.unary.arg, c);
        if (e->u.unary.op != SB_OP_BITNOT) sb_buf_putc(out, ')');
        break;
    case SB_E_BINARY: pretty_binary(out, e, c); break;
    case SB_E_FUNC: pretty_func(out, e, c); break;
    case SB_E_CASE:
        sb_buf_puts(out, "CASE");
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            const sb_when *w = e->u.kase.whens.items[i];
            sb_buf_puts(out, " WHEN ");
            if (e->u.kase.operand) {
                /* CASE x WHEN v is CASE WHEN (x = v) */
                sb_buf_putc(out, '(');
                pretty_bare(out, e->u.kase.operand, "=", w->when, c);
                sb_buf_putc(out, ')');
            } else {
                pretty(out, w->when, c);
            }
            sb_buf_puts(out, " THEN ");
            pretty(out, w->then, c);
        }
        if (e->u.kase.otherwise) {
            sb_buf_puts(out, " ELSE ");
            pretty(out, e->u.kase.otherwise, c);
        }
        sb_buf_puts(out, " END");
        break;
    case SB_E_CAST: {
        const sb_expr *arg = e->u.cast.arg;
        const sb_type *to = e->u.cast.to;
        if (arg && arg->kind == SB_E_LITERAL && arg->u.lit.kind == SB_LIT_NULL && to &&
            (to->kind == SB_T_ARRAY || to->kind == SB_T_MAP || to->kind == SB_T_STRUCT)) {
            /* a typed NULL of a complex type is a plain NULL literal to Spark */
            sb_buf_puts(out, "NULL");
            break;
        }
        sb_buf_puts(out, e->u.cast.try_cast ? "TRY_CAST(" : "CAST(");
        pretty(out, arg, c);
        sb_buf_puts(out, " AS ");
        sb_sql_print_type_sql(out, to);
        sb_buf_putc(out, ')');
        break;
    }
    case SB_E_IN:
        if (e->u.in.negated) sb_buf_puts(out, "(NOT ");
        sb_buf_putc(out, '(');
        pretty(out, e->u.in.arg, c);
        sb_buf_puts(out, " IN (");
        if (e->u.in.query)
            sb_buf_puts(out, "listquery()");
        else
            pretty_list(out, &e->u.in.list, 0, e->u.in.list.len, c);
        sb_buf_puts(out, "))");
        if (e->u.in.negated) sb_buf_putc(out, ')');
        break;
    case SB_E_BETWEEN:
        /* Spark 3.5 parses BETWEEN into (x >= lo) AND (x <= hi) */
        if (e->u.between.negated) sb_buf_puts(out, "(NOT ");
        sb_buf_puts(out, "((");
        pretty_bare(out, e->u.between.arg, ">=", e->u.between.low, c);
        sb_buf_puts(out, ") AND (");
        pretty_bare(out, e->u.between.arg, "<=", e->u.between.high, c);
        sb_buf_puts(out, "))");
        if (e->u.between.negated) sb_buf_putc(out, ')');
        break;
    case SB_E_LIKE:
        if (e->u.like.negated) sb_buf_puts(out, "(NOT ");
        if (e->u.like.kind == SB_ILIKE) {
            pretty_call2(out, "ilike", e->u.like.arg, ", ", e->u.like.pattern, ")", c);
        } else if (e->u.like.kind == SB_RLIKE) {
            /* RLike.sql: RLIKE(x, p) */
            pretty_call2(out, "RLIKE", e->u.like.arg, ", ", e->u.like.pattern, ")", c);
        } else {
            pretty_bare(out, e->u.like.arg, "LIKE", e->u.like.pattern, c);
            if (e->u.like.escape && strcmp(e->u.like.escape, "\\") != 0)
                sb_buf_printf(out, " ESCAPE '%s'", e->u.like.escape);
        }
        if (e->u.like.negated) sb_buf_putc(out, ')');
        break;
    case SB_E_IS: {
        bool neg = e->u.is.negated;
        if (e->u.is.what == SB_IS_NULL || e->u.is.what == SB_IS_UNKNOWN) {
            sb_buf_putc(out, '(');
            pretty(out, e->u.is.arg, c);
            sb_buf_puts(out, neg ? " IS NOT NULL)" : " IS NULL)");
        } else {
            /* x IS TRUE is x <=> true */
            if (neg) sb_buf_puts(out, "(NOT ");
            sb_buf_putc(out, '(');
            pretty(out, e->u.is.arg, c);
            sb_buf_puts(out, e->u.is.what == SB_IS_TRUE ? " <=> true)" : " <=> false)");
            if (neg) sb_buf_putc(out, ')');
        }
        break;
    }
    case SB_E_DISTINCT:
        if (!e->u.distinct.negated) sb_buf_puts(out, "(NOT ");
        sb_buf_putc(out, '(');
        pretty_bare(out, e->u.distinct.left, "<=>", e->u.distinct.right, c);
        sb_buf_putc(out, ')');
        if (!e->u.distinct.negated) sb_buf_putc(out, ')');
        break;
    case SB_E_SUBSCRIPT: {
        const sb_expr *base = e->u.subscript.base, *index = e->u.subscript.index;
        pretty(out, base, c);
        if (kind_is(base, SB_T_STRUCT) && index->kind == SB_E_LITERAL &&
            index->u.lit.kind == SB_LIT_STRING) {
            /* st['a'] is the field access st.a */
            sb_buf_putc(out, '.');
            sb_buf_add(out, index->u.lit.text, index->u.lit.len);
        } else {
            sb_buf_putc(out, '[');
            pretty(out, index, c);
            sb_buf_putc(out, ']');
        }
        break;
    }
    case SB_E_FIELD:
        pretty(out, e->u.field.base, c);
        sb_buf_putc(out, '.');
        sb_buf_puts(out, e->u.field.name);
        break;
    case SB_E_LAMBDA: {
        /* LambdaFunction.sql: lambdafunction(body, x, y) */
        bool scoped = c->nscopes < SB_COUNTOF(c->lambda_vars);
        if (scoped) {
            c->lambda_vars[c->nscopes] = e->u.lambda.params;
            c->nlambda_vars[c->nscopes] = e->u.lambda.nparams;
            c->nscopes++;
        }
        sb_buf_puts(out, "lambdafunction(");
        pretty(out, e->u.lambda.body, c);
        for (size_t i = 0; i < e->u.lambda.nparams; i++)
            sb_buf_puts(out, ", namedlambdavariable()");
        sb_buf_putc(out, ')');
        if (scoped) c->nscopes--;
        break;
    }
    case SB_E_SUBQUERY:
        sb_buf_puts(out, e->u.subquery.exists ? "exists()" : "scalarsubquery()");
        break;
    }
}

const char *sb_sql_auto_name(sb_arena *a, const sb_expr *e)
{
    if (!e) return "";
    /* A column (or a struct field through a dotted name) is named after its
     * last part; so is a CAST of one (Spark's ResolveAliases). */
    const sb_expr *col = e;
    if (e->kind == SB_E_CAST && e->u.cast.arg) col = e->u.cast.arg;
    if (col->kind == SB_E_COLUMN && !niladic_call(col))
        return col->u.column.parts[col->u.column.nparts - 1];
    sb_buf b = SB_BUF_INIT;
    pretty_ctx c = {0};
    pretty(&b, e, &c);
    const char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}
