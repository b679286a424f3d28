/*
 * types.c — Spark SQL data types: construction, the DDL type parser, the
 * printer (Spark's simpleString), and Spark 3.5's implicit coercion rules
 * with spark.sql.ansi.enabled=false.
 *
 * The coercion half follows org.apache.spark.sql.catalyst.analysis.TypeCoercion
 * and DecimalPrecision rule by rule; each function names the Spark method it
 * stands for so that a difference can be traced to its source.
 *
 * ANSI interval types carry their start and end fields in precision/scale
 * (day=0 hour=1 minute=2 second=3; year=0 month=1), because Spark prints
 * `interval day` and `interval day to second` differently and keeps the
 * fields through arithmetic. The singletons are the widest forms.
 */
#include "sql/check_internal.h"

#include <ctype.h>
#include <string.h>

/* ---- singletons ------------------------------------------------------ */

static const sb_type T_NULL = {.kind = SB_T_NULL};
static const sb_type T_BOOLEAN = {.kind = SB_T_BOOLEAN};
static const sb_type T_BYTE = {.kind = SB_T_BYTE};
static const sb_type T_SHORT = {.kind = SB_T_SHORT};
static const sb_type T_INT = {.kind = SB_T_INT};
static const sb_type T_LONG = {.kind = SB_T_LONG};
static const sb_type T_FLOAT = {.kind = SB_T_FLOAT};
static const sb_type T_DOUBLE = {.kind = SB_T_DOUBLE};
static const sb_type T_STRING = {.kind = SB_T_STRING};
static const sb_type T_BINARY = {.kind = SB_T_BINARY};
static const sb_type T_DATE = {.kind = SB_T_DATE};
static const sb_type T_TIMESTAMP = {.kind = SB_T_TIMESTAMP};
static const sb_type T_TIMESTAMP_NTZ = {.kind = SB_T_TIMESTAMP_NTZ};
static const sb_type T_INTERVAL = {.kind = SB_T_INTERVAL};

enum { DT_DAY, DT_HOUR, DT_MINUTE, DT_SECOND };
enum { YM_YEAR, YM_MONTH };

/* Every combination of interval fields, so that no arena is needed for them. */
static const sb_type T_INTERVAL_DT[4][4] = {
#define DT(s, e)                                                                                   \
    {                                                                                              \
        .kind = SB_T_INTERVAL_DT, .precision = s, .scale = e                                       \
    }
    {DT(0, 0), DT(0, 1), DT(0, 2), DT(0, 3)},
    {DT(1, 0), DT(1, 1), DT(1, 2), DT(1, 3)},
    {DT(2, 0), DT(2, 1), DT(2, 2), DT(2, 3)},
    {DT(3, 0), DT(3, 1), DT(3, 2), DT(3, 3)},
#undef DT
};
static const sb_type T_INTERVAL_YM[2][2] = {
    {{.kind = SB_T_INTERVAL_YM, .precision = 0, .scale = 0},
     {.kind = SB_T_INTERVAL_YM, .precision = 0, .scale = 1}},
    {{.kind = SB_T_INTERVAL_YM, .precision = 1, .scale = 0},
     {.kind = SB_T_INTERVAL_YM, .precision = 1, .scale = 1}},
};

/* Decimals that the rules produce without an arena (DecimalType.forType and
 * the system default). */
static const sb_type T_DEC_3_0 = {.kind = SB_T_DECIMAL, .precision = 3, .scale = 0};
static const sb_type T_DEC_5_0 = {.kind = SB_T_DECIMAL, .precision = 5, .scale = 0};
static const sb_type T_DEC_10_0 = {.kind = SB_T_DECIMAL, .precision = 10, .scale = 0};
static const sb_type T_DEC_20_0 = {.kind = SB_T_DECIMAL, .precision = 20, .scale = 0};
static const sb_type T_DEC_14_7 = {.kind = SB_T_DECIMAL, .precision = 14, .scale = 7};
static const sb_type T_DEC_30_15 = {.kind = SB_T_DECIMAL, .precision = 30, .scale = 15};
static const sb_type T_DEC_38_18 = {.kind = SB_T_DECIMAL, .precision = 38, .scale = 18};

const sb_type *sb_type_of(sb_type_kind k)
{
    switch (k) {
    case SB_T_NULL:
        return &T_NULL;
    case SB_T_BOOLEAN:
        return &T_BOOLEAN;
    case SB_T_BYTE:
        return &T_BYTE;
    case SB_T_SHORT:
        return &T_SHORT;
    case SB_T_INT:
        return &T_INT;
    case SB_T_LONG:
        return &T_LONG;
    case SB_T_FLOAT:
        return &T_FLOAT;
    case SB_T_DOUBLE:
        return &T_DOUBLE;
    case SB_T_STRING:
        return &T_STRING;
    case SB_T_BINARY:
        return &T_BINARY;
    case SB_T_DATE:
        return &T_DATE;
    case SB_T_TIMESTAMP:
        return &T_TIMESTAMP;
    case SB_T_TIMESTAMP_NTZ:
        return &T_TIMESTAMP_NTZ;
    case SB_T_INTERVAL_DT:
        return &T_INTERVAL_DT[DT_DAY][DT_SECOND];
    case SB_T_INTERVAL_YM:
        return &T_INTERVAL_YM[YM_YEAR][YM_MONTH];
    case SB_T_INTERVAL:
        return &T_INTERVAL;
    case SB_T_DECIMAL: /* parameterized: see sb_type_decimal */
    case SB_T_ARRAY:
    case SB_T_MAP:
    case SB_T_STRUCT:
        return NULL;
    }
    return NULL;
}

const sb_type *sb_type_interval_dt(int start, int end)
{
    if (start < 0 || start > 3 || end < start || end > 3) return NULL;
    return &T_INTERVAL_DT[start][end];
}

const sb_type *sb_type_interval_ym(int start, int end)
{
    if (start < 0 || start > 1 || end < start || end > 1) return NULL;
    return &T_INTERVAL_YM[start][end];
}

const sb_type *sb_type_decimal(sb_arena *a, int precision, int scale)
{
    if (precision > SB_DECIMAL_MAX_PRECISION) precision = SB_DECIMAL_MAX_PRECISION;
    if (precision < 1) precision = 1;
    if (scale < 0) scale = 0;
    if (scale > precision) scale = precision;
    static const sb_type *const common[] = {&T_DEC_3_0,  &T_DEC_5_0,   &T_DEC_10_0, &T_DEC_20_0,
                                            &T_DEC_14_7, &T_DEC_30_15, &T_DEC_38_18};
    for (size_t i = 0; i < SB_COUNTOF(common); i++)
        if (common[i]->precision == precision && common[i]->scale == scale) return common[i];
    if (!a) return NULL;
    sb_type *t = sb_arena_alloc(a, sizeof *t);
    t->kind = SB_T_DECIMAL;
    t->precision = (uint8_t)precision;
    t->scale = (uint8_t)scale;
    return t;
}

const sb_type *sb_type_array(sb_arena *a, const sb_type *elem, bool contains_null)
{
    sb_type *t = sb_arena_alloc(a, sizeof *t);
    t->kind = SB_T_ARRAY;
    t->elem = elem;
    t->contains_null = contains_null;
    return t;
}

const sb_type *sb_type_map(sb_arena *a, const sb_type *key, const sb_type *value,
                           bool value_contains_null)
{
    sb_type *t = sb_arena_alloc(a, sizeof *t);
    t->kind = SB_T_MAP;
    t->key = key;
    t->value = value;
    t->contains_null = value_contains_null;
    return t;
}

const sb_type *sb_type_struct(sb_arena *a, const sb_field *fields, size_t n)
{
    sb_type *t = sb_arena_alloc(a, sizeof *t);
    t->kind = SB_T_STRUCT;
    if (n) {
        sb_field *copy = sb_arena_alloc(a, n * sizeof *copy);
        for (size_t i = 0; i < n; i++) {
            copy[i] = fields[i];
            copy[i].name = sb_arena_strdup(a, fields[i].name ? fields[i].name : "");
        }
        t->fields = copy;
    }
    t->nfields = n;
    return t;
}

/* ---- printing -------------------------------------------------------- */

static const char *const DT_FIELD[] = {"day", "hour", "minute", "second"};
static const char *const YM_FIELD[] = {"year", "month"};

const char *sb_type_kind_name(sb_type_kind k)
{
    switch (k) {
    case SB_T_NULL:
        return "void";
    case SB_T_BOOLEAN:
        return "boolean";
    case SB_T_BYTE:
        return "tinyint";
    case SB_T_SHORT:
        return "smallint";
    case SB_T_INT:
        return "int";
    case SB_T_LONG:
        return "bigint";
    case SB_T_FLOAT:
        return "float";
    case SB_T_DOUBLE:
        return "double";
    case SB_T_DECIMAL:
        return "decimal";
    case SB_T_STRING:
        return "string";
    case SB_T_BINARY:
        return "binary";
    case SB_T_DATE:
        return "date";
    case SB_T_TIMESTAMP:
        return "timestamp";
    case SB_T_TIMESTAMP_NTZ:
        return "timestamp_ntz";
    case SB_T_INTERVAL_DT:
        return "interval day to second";
    case SB_T_INTERVAL_YM:
        return "interval year to month";
    case SB_T_INTERVAL:
        return "interval";
    case SB_T_ARRAY:
        return "array";
    case SB_T_MAP:
        return "map";
    case SB_T_STRUCT:
        return "struct";
    }
    return "?";
}

static void print_interval(sb_buf *out, const char *const *names, int start, int end)
{
    sb_buf_puts(out, "interval ");
    sb_buf_puts(out, names[start]);
    if (end != start) {
        sb_buf_puts(out, " to ");
        sb_buf_puts(out, names[end]);
    }
}

void sb_type_print(sb_buf *out, const sb_type *t)
{
    if (!t) {
        sb_buf_puts(out, "?");
        return;
    }
    switch (t->kind) {
    case SB_T_DECIMAL:
        sb_buf_printf(out, "decimal(%d,%d)", t->precision, t->scale);
        break;
    case SB_T_INTERVAL_DT:
        print_interval(out, DT_FIELD, t->precision < 4 ? t->precision : 0,
                       t->scale < 4 ? t->scale : 3);
        break;
    case SB_T_INTERVAL_YM:
        print_interval(out, YM_FIELD, t->precision < 2 ? t->precision : 0,
                       t->scale < 2 ? t->scale : 1);
        break;
    case SB_T_ARRAY:
        sb_buf_puts(out, "array<");
        sb_type_print(out, t->elem);
        sb_buf_putc(out, '>');
        break;
    case SB_T_MAP:
        sb_buf_puts(out, "map<");
        sb_type_print(out, t->key);
        sb_buf_putc(out, ',');
        sb_type_print(out, t->value);
        sb_buf_putc(out, '>');
        break;
    case SB_T_STRUCT:
        sb_buf_puts(out, "struct<");
        for (size_t i = 0; i < t->nfields; i++) {
            if (i) sb_buf_putc(out, ',');
            sb_buf_puts(out, t->fields[i].name);
            sb_buf_putc(out, ':');
            sb_type_print(out, t->fields[i].type);
        }
        sb_buf_putc(out, '>');
        break;
    default:
        sb_buf_puts(out, sb_type_kind_name(t->kind));
        break;
    }
}

const char *sb_type_str(sb_arena *a, const sb_type *t)
{
    sb_buf b = SB_BUF_INIT;
    sb_type_print(&b, t);
    const char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

/* ---- equality and classification ------------------------------------- */

static bool type_eq(const sb_type *a, const sb_type *b, bool nullability)
{
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind) return false;
    switch (a->kind) {
    case SB_T_DECIMAL:
    case SB_T_INTERVAL_DT:
    case SB_T_INTERVAL_YM:
        return a->precision == b->precision && a->scale == b->scale;
    case SB_T_ARRAY:
        return (!nullability || a->contains_null == b->contains_null) &&
               type_eq(a->elem, b->elem, nullability);
    case SB_T_MAP:
        return (!nullability || a->contains_null == b->contains_null) &&
               type_eq(a->key, b->key, nullability) && type_eq(a->value, b->value, nullability);
    case SB_T_STRUCT:
        if (a->nfields != b->nfields) return false;
        for (size_t i = 0; i < a->nfields; i++) {
            if (strcmp(a->fields[i].name, b->fields[i].name) != 0) return false;
            if (nullability && a->fields[i].nullable != b->fields[i].nullable) return false;
            if (!type_eq(a->fields[i].type, b->fields[i].type, nullability)) return false;
        }
        return true;
    default:
        return true;
    }
}

bool sb_type_equal(const sb_type *a, const sb_type *b)
{
    return type_eq(a, b, true);
}

bool sb_type_same_shape(const sb_type *a, const sb_type *b)
{
    return type_eq(a, b, false);
}

bool sb_type_is_numeric(const sb_type *t)
{
    return t && t->kind >= SB_T_BYTE && t->kind <= SB_T_DECIMAL;
}

bool sb_type_is_integral(const sb_type *t)
{
    return t && t->kind >= SB_T_BYTE && t->kind <= SB_T_LONG;
}

bool sb_type_is_fractional(const sb_type *t)
{
    return t && (t->kind == SB_T_FLOAT || t->kind == SB_T_DOUBLE || t->kind == SB_T_DECIMAL);
}

bool sb_type_is_datetime(const sb_type *t)
{
    return t &&
           (t->kind == SB_T_DATE || t->kind == SB_T_TIMESTAMP || t->kind == SB_T_TIMESTAMP_NTZ);
}

bool sb_type_is_atomic(const sb_type *t)
{
    /* Spark: CalendarIntervalType and NullType are not AtomicType either. */
    return t && t->kind != SB_T_ARRAY && t->kind != SB_T_MAP && t->kind != SB_T_STRUCT &&
           t->kind != SB_T_INTERVAL && t->kind != SB_T_NULL;
}

bool sb_type_is_orderable(const sb_type *t)
{
    if (!t) return false;
    switch (t->kind) {
    case SB_T_MAP:
    case SB_T_INTERVAL:
        return false;
    case SB_T_ARRAY:
        return sb_type_is_orderable(t->elem);
    case SB_T_STRUCT:
        for (size_t i = 0; i < t->nfields; i++)
            if (!sb_type_is_orderable(t->fields[i].type)) return false;
        return true;
    default:
        return true;
    }
}

bool sb_type_is_hashable(const sb_type *t)
{
    if (!t) return false;
    switch (t->kind) {
    case SB_T_MAP:
        return false;
    case SB_T_ARRAY:
        return sb_type_is_hashable(t->elem);
    case SB_T_STRUCT:
        for (size_t i = 0; i < t->nfields; i++)
            if (!sb_type_is_hashable(t->fields[i].type)) return false;
        return true;
    default:
        return true;
    }
}

long sb_schema_find(const sb_type *schema, const char *name, bool *ambiguous)
{
    long found = -1;
    if (ambiguous) *ambiguous = false;
    if (!schema || schema->kind != SB_T_STRUCT || !name) return -1;
    for (size_t i = 0; i < schema->nfields; i++) {
        if (!sb_str_ieq(schema->fields[i].name, name)) continue;
        if (found >= 0) {
            if (ambiguous) *ambiguous = true;
            return found;
        }
        found = (long)i;
    }
    return found;
}

/* ---- the DDL type parser ---------------------------------------------- */

typedef struct tparser {
    sb_arena *a;
    const char *s;
    size_t len, pos;
    sb_diags *d;
    bool failed;
} tparser;

static void tp_skip(tparser *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos])) p->pos++;
}

static void tp_error(tparser *p, size_t start, size_t end, const char *msg, const char *what)
{
    if (p->failed) return;
    p->failed = true;
    if (!p->d) return;
    sb_span span = {(uint32_t)start, (uint32_t)(end > start ? end : start + 1)};
    if (span.end > p->len && p->len > 0 && start < p->len) span.end = (uint32_t)p->len;
    sb_diags_error(p->d, span, "type-syntax", "%s%s", msg, what ? what : "");
}

static bool tp_peek(tparser *p, char c)
{
    tp_skip(p);
    return p->pos < p->len && p->s[p->pos] == c;
}

static bool tp_accept(tparser *p, char c)
{
    if (!tp_peek(p, c)) return false;
    p->pos++;
    return true;
}

static bool tp_expect(tparser *p, char c)
{
    if (tp_accept(p, c)) return true;
    char what[8] = {'`', c, '`', 0};
    tp_error(p, p->pos, p->pos + 1, "expected ", what);
    return false;
}

/* An identifier or back-quoted name; returns an arena copy or NULL. */
static char *tp_word(tparser *p, bool allow_quoted)
{
    tp_skip(p);
    size_t start = p->pos;
    if (allow_quoted && p->pos < p->len && p->s[p->pos] == '`') {
        sb_buf b = SB_BUF_INIT;
        p->pos++;
        for (;;) {
            if (p->pos >= p->len) {
                sb_buf_free(&b);
                tp_error(p, start, p->len, "unterminated quoted name", NULL);
                return NULL;
            }
            char c = p->s[p->pos++];
            if (c == '`') {
                if (p->pos < p->len && p->s[p->pos] == '`') {
                    p->pos++;
                    sb_buf_putc(&b, '`');
                    continue;
                }
                break;
            }
            sb_buf_putc(&b, c);
        }
        char *w = sb_arena_strdup(p->a, sb_buf_str(&b));
        sb_buf_free(&b);
        return w;
    }
    while (p->pos < p->len && (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_'))
        p->pos++;
    if (p->pos == start) return NULL;
    return sb_arena_strndup(p->a, p->s + start, p->pos - start);
}

static bool tp_number(tparser *p, int *out)
{
    tp_skip(p);
    size_t start = p->pos;
    long v = 0;
    while (p->pos < p->len && isdigit((unsigned char)p->s[p->pos])) {
        if (v < 1000) v = v * 10 + (p->s[p->pos] - '0');
        p->pos++;
    }
    if (p->pos == start) {
        tp_error(p, start, start + 1, "expected a number", NULL);
        return false;
    }
    *out = (int)v;
    return true;
}

static const sb_type *tp_type(tparser *p);

static int interval_field(const char *w, bool *ym)
{
    static const char *const dt[] = {"day", "hour", "minute", "second"};
    static const char *const ym_[] = {"year", "month"};
    for (int i = 0; i < 4; i++)
        if (sb_str_ieq(w, dt[i])) {
            *ym = false;
            return i;
        }
    for (int i = 0; i < 2; i++)
        if (sb_str_ieq(w, ym_[i])) {
            *ym = true;
            return i;
        }
    return -1;
}

/* Field list of a struct: name[:] type [NOT NULL] [COMMENT 'x'], ... up to `close`. */
static const sb_type *tp_fields(tparser *p, char close)
{
    sb_vec fields = {0};
    if (close && tp_accept(p, close)) return sb_type_struct(p->a, NULL, 0);
    for (;;) {
        size_t name_start = (tp_skip(p), p->pos);
        char *name = tp_word(p, true);
        if (!name) {
            tp_error(p, name_start, name_start + 1, "expected a field name", NULL);
            return NULL;
        }
        /* Spark accepts both `a:int` and `a int`. */
        tp_accept(p, ':');
        const sb_type *t = tp_type(p);
        if (!t) return NULL;
        sb_field *f = sb_arena_alloc(p->a, sizeof *f);
        f->name = name;
        f->type = t;
        f->nullable = true;
        /* NOT NULL / COMMENT '...' */
        for (;;) {
            size_t save = p->pos;
            char *w = tp_word(p, false);
            if (w && sb_str_ieq(w, "not")) {
                char *w2 = tp_word(p, false);
                if (!w2 || !sb_str_ieq(w2, "null")) {
                    tp_error(p, save, p->pos, "expected NOT NULL", NULL);
                    return NULL;
                }
                f->nullable = false;
            } else if (w && sb_str_ieq(w, "comment")) {
                tp_skip(p);
                if (p->pos >= p->len || (p->s[p->pos] != '\'' && p->s[p->pos] != '"')) {
                    tp_error(p, p->pos, p->pos + 1, "expected a comment string", NULL);
                    return NULL;
                }
                char q = p->s[p->pos++];
                while (p->pos < p->len && p->s[p->pos] != q) {
                    if (p->s[p->pos] == '\\' && p->pos + 1 < p->len) p->pos++;
                    p->pos++;
                }
                if (p->pos >= p->len) {
                    tp_error(p, save, p->len, "unterminated comment string", NULL);
                    return NULL;
                }
                p->pos++;
            } else {
                p->pos = save;
                break;
            }
        }
        sb_vec_push(p->a, &fields, f);
        if (tp_accept(p, ',')) continue;
        if (close) {
            if (!tp_expect(p, close)) return NULL;
        }
        break;
    }
    sb_field *arr = sb_arena_alloc(p->a, (fields.len ? fields.len : 1) * sizeof *arr);
    for (size_t i = 0; i < fields.len; i++) arr[i] = *(sb_field *)fields.items[i];
    return sb_type_struct(p->a, arr, fields.len);
}

static const sb_type *tp_type(tparser *p)
{
    tp_skip(p);
    size_t start = p->pos;
    char *w = tp_word(p, false);
    if (!w) {
        tp_error(p, start, start + 1, "expected a type name", NULL);
        return NULL;
    }
    static const struct {
        const char *name;
        sb_type_kind kind;
    } simple[] = {
        {"boolean", SB_T_BOOLEAN},
        {"bool", SB_T_BOOLEAN},
        {"tinyint", SB_T_BYTE},
        {"byte", SB_T_BYTE},
        {"smallint", SB_T_SHORT},
        {"short", SB_T_SHORT},
        {"int", SB_T_INT},
        {"integer", SB_T_INT},
        {"bigint", SB_T_LONG},
        {"long", SB_T_LONG},
        {"float", SB_T_FLOAT},
        {"real", SB_T_FLOAT},
        {"double", SB_T_DOUBLE},
        {"string", SB_T_STRING},
        {"binary", SB_T_BINARY},
        {"date", SB_T_DATE},
        {"timestamp", SB_T_TIMESTAMP},
        {"timestamp_ltz", SB_T_TIMESTAMP},
        {"timestamp_ntz", SB_T_TIMESTAMP_NTZ},
        {"void", SB_T_NULL},
        {"null", SB_T_NULL},
    };
    for (size_t i = 0; i < SB_COUNTOF(simple); i++)
        if (sb_str_ieq(w, simple[i].name)) return sb_type_of(simple[i].kind);
    if (sb_str_ieq(w, "char") || sb_str_ieq(w, "varchar") || sb_str_ieq(w, "character")) {
        /* char(n) and varchar(n) behave as string in expressions. */
        int n;
        if (tp_accept(p, '(')) {
            if (!tp_number(p, &n) || !tp_expect(p, ')')) return NULL;
        }
        return sb_type_of(SB_T_STRING);
    }
    if (sb_str_ieq(w, "decimal") || sb_str_ieq(w, "dec") || sb_str_ieq(w, "numeric")) {
        int prec = 10, scale = 0;
        if (tp_accept(p, '(')) {
            size_t nstart = p->pos;
            if (!tp_number(p, &prec)) return NULL;
            if (tp_accept(p, ',') && !tp_number(p, &scale)) return NULL;
            if (!tp_expect(p, ')')) return NULL;
            if (prec < 1 || prec > SB_DECIMAL_MAX_PRECISION) {
                tp_error(p, nstart, p->pos, "decimal precision must be between 1 and 38", NULL);
                return NULL;
            }
            if (scale > prec) {
                tp_error(p, nstart, p->pos, "decimal scale cannot be greater than its precision",
                         NULL);
                return NULL;
            }
        }
        return sb_type_decimal(p->a, prec, scale);
    }
    if (sb_str_ieq(w, "interval")) {
        size_t save = p->pos;
        char *f1 = tp_word(p, false);
        bool ym1 = false, ym2 = false;
        int s = f1 ? interval_field(f1, &ym1) : -1;
        if (s < 0) {
            p->pos = save;
            return sb_type_of(SB_T_INTERVAL);
        }
        int e = s;
        save = p->pos;
        char *to = tp_word(p, false);
        if (to && sb_str_ieq(to, "to")) {
            size_t fstart = (tp_skip(p), p->pos);
            char *f2 = tp_word(p, false);
            e = f2 ? interval_field(f2, &ym2) : -1;
            if (e < 0 || ym1 != ym2 || e < s) {
                tp_error(p, fstart, p->pos, "invalid interval end field", NULL);
                return NULL;
            }
        } else {
            p->pos = save;
        }
        return ym1 ? sb_type_interval_ym(s, e) : sb_type_interval_dt(s, e);
    }
    if (sb_str_ieq(w, "array")) {
        if (!tp_expect(p, '<')) return NULL;
        const sb_type *e = tp_type(p);
        if (!e || !tp_expect(p, '>')) return NULL;
        return sb_type_array(p->a, e, true);
    }
    if (sb_str_ieq(w, "map")) {
        if (!tp_expect(p, '<')) return NULL;
        const sb_type *k = tp_type(p);
        if (!k || !tp_expect(p, ',')) return NULL;
        const sb_type *v = tp_type(p);
        if (!v || !tp_expect(p, '>')) return NULL;
        return sb_type_map(p->a, k, v, true);
    }
    if (sb_str_ieq(w, "struct")) {
        if (!tp_expect(p, '<')) return NULL;
        return tp_fields(p, '>');
    }
    tp_error(p, start, p->pos, "unknown type ", NULL);
    if (p->d && p->d->items.len) {
        sb_diag *dg = sb_diags_at(p->d, p->d->items.len - 1);
        dg->message = sb_arena_printf(p->d->arena, "unknown type `%s`", w);
    }
    return NULL;
}

static void tp_init(tparser *p, sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    p->a = a;
    p->s = text ? text : "";
    p->len = text ? len : 0;
    p->pos = 0;
    p->d = d;
    p->failed = false;
}

static bool tp_finish(tparser *p)
{
    tp_skip(p);
    if (!p->failed && p->pos < p->len)
        tp_error(p, p->pos, p->len, "unexpected text after the type", NULL);
    return !p->failed;
}

const sb_type *sb_type_parse(sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    tparser p;
    tp_init(&p, a, text, len, d);
    const sb_type *t = tp_type(&p);
    if (!tp_finish(&p)) return NULL;
    return t;
}

const sb_type *sb_type_parse_schema(sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    tparser p;
    tp_init(&p, a, text, len, d);
    tp_skip(&p);
    if (p.pos >= p.len) return sb_type_struct(a, NULL, 0);
    /* Spark also accepts the struct<...> form as a schema string. */
    size_t save = p.pos;
    char *w = tp_word(&p, false);
    if (w && sb_str_ieq(w, "struct") && tp_peek(&p, '<')) {
        p.pos = save;
        const sb_type *t = tp_type(&p);
        if (!tp_finish(&p)) return NULL;
        return t;
    }
    p.pos = save;
    const sb_type *t = tp_fields(&p, 0);
    if (!t || !tp_finish(&p)) return NULL;
    return t;
}

/* ---- coercion ----------------------------------------------------------- */

static int numeric_rank(sb_type_kind k)
{
    /* TypeCoercion.numericPrecedence */
    switch (k) {
    case SB_T_BYTE:
        return 0;
    case SB_T_SHORT:
        return 1;
    case SB_T_INT:
        return 2;
    case SB_T_LONG:
        return 3;
    case SB_T_FLOAT:
        return 4;
    case SB_T_DOUBLE:
        return 5;
    default:
        return -1;
    }
}

const sb_type *sb_type_decimal_for(sb_arena *a, const sb_type *t)
{
    (void)a;
    if (!t) return NULL;
    switch (t->kind) {
    case SB_T_BYTE:
        return &T_DEC_3_0;
    case SB_T_SHORT:
        return &T_DEC_5_0;
    case SB_T_INT:
        return &T_DEC_10_0;
    case SB_T_LONG:
        return &T_DEC_20_0;
    case SB_T_FLOAT:
        return &T_DEC_14_7;
    case SB_T_DOUBLE:
        return &T_DEC_30_15;
    case SB_T_DECIMAL:
        return t;
    default:
        return NULL;
    }
}

/* DecimalType.isWiderThan: can this decimal hold every value of t? */
static bool decimal_wider_than(const sb_type *d, const sb_type *t)
{
    const sb_type *o = sb_type_decimal_for(NULL, t);
    if (!o || t->kind == SB_T_FLOAT || t->kind == SB_T_DOUBLE) return false;
    return (d->precision - d->scale) >= (o->precision - o->scale) && d->scale >= o->scale;
}

/* DecimalPrecision.widerDecimalType */
static const sb_type *wider_decimal(sb_arena *a, const sb_type *x, const sb_type *y)
{
    int scale = x->scale > y->scale ? x->scale : y->scale;
    int ix = x->precision - x->scale, iy = y->precision - y->scale;
    int range = ix > iy ? ix : iy;
    int prec = range + scale;
    if (prec > SB_DECIMAL_MAX_PRECISION) prec = SB_DECIMAL_MAX_PRECISION;
    if (scale > SB_DECIMAL_MAX_PRECISION) scale = SB_DECIMAL_MAX_PRECISION;
    return sb_type_decimal(a, prec, scale);
}

typedef const sb_type *(*widen_fn)(sb_arena *, const sb_type *, const sb_type *);

/* TypeCoercion.findTypeForComplex: arrays, maps and structs widen element-wise. */
static const sb_type *widen_complex(sb_arena *a, const sb_type *x, const sb_type *y, widen_fn f)
{
    if (x->kind != y->kind) return NULL;
    if (x->kind == SB_T_ARRAY) {
        const sb_type *e = f(a, x->elem, y->elem);
        return e ? sb_type_array(a, e, x->contains_null || y->contains_null) : NULL;
    }
    if (x->kind == SB_T_MAP) {
        const sb_type *k = f(a, x->key, y->key);
        const sb_type *v = f(a, x->value, y->value);
        return k && v ? sb_type_map(a, k, v, x->contains_null || y->contains_null) : NULL;
    }
    if (x->kind == SB_T_STRUCT) {
        if (x->nfields != y->nfields) return NULL;
        sb_field *fs = sb_arena_alloc(a, (x->nfields ? x->nfields : 1) * sizeof *fs);
        for (size_t i = 0; i < x->nfields; i++) {
            if (!sb_str_ieq(x->fields[i].name, y->fields[i].name)) return NULL;
            const sb_type *t = f(a, x->fields[i].type, y->fields[i].type);
            if (!t) return NULL;
            /* Spark keeps the name when both agree exactly, else lower-cases it. */
            if (strcmp(x->fields[i].name, y->fields[i].name) == 0) {
                fs[i].name = x->fields[i].name;
            } else {
                char *n = sb_arena_strdup(a, x->fields[i].name);
                for (char *c = n; *c; c++) *c = (char)tolower((unsigned char)*c);
                fs[i].name = n;
            }
            fs[i].type = t;
            fs[i].nullable = x->fields[i].nullable || y->fields[i].nullable;
        }
        return sb_type_struct(a, fs, x->nfields);
    }
    return NULL;
}

const sb_type *sb_type_tightest_common(sb_arena *a, const sb_type *x, const sb_type *y)
{
    if (!x || !y) return NULL;
    if (sb_type_equal(x, y)) return x;
    if (x->kind == SB_T_NULL) return y;
    if (y->kind == SB_T_NULL) return x;
    if (sb_type_is_integral(x) && y->kind == SB_T_DECIMAL && decimal_wider_than(y, x)) return y;
    if (sb_type_is_integral(y) && x->kind == SB_T_DECIMAL && decimal_wider_than(x, y)) return x;
    int rx = numeric_rank(x->kind), ry = numeric_rank(y->kind);
    if (rx >= 0 && ry >= 0) return rx >= ry ? x : y;
    /* date/timestamp widen to the timestamp; timestamp with timestamp_ntz to timestamp */
    if (sb_type_is_datetime(x) && sb_type_is_datetime(y)) {
        if (x->kind == SB_T_TIMESTAMP || y->kind == SB_T_TIMESTAMP) return &T_TIMESTAMP;
        return &T_TIMESTAMP_NTZ;
    }
    if (x->kind == y->kind && (x->kind == SB_T_INTERVAL_DT || x->kind == SB_T_INTERVAL_YM)) {
        int s = x->precision < y->precision ? x->precision : y->precision;
        int e = x->scale > y->scale ? x->scale : y->scale;
        return x->kind == SB_T_INTERVAL_DT ? sb_type_interval_dt(s, e) : sb_type_interval_ym(s, e);
    }
    return widen_complex(a, x, y, sb_type_tightest_common);
}

/* TypeCoercion.findWiderTypeForDecimal */
static const sb_type *wider_for_decimal(sb_arena *a, const sb_type *x, const sb_type *y)
{
    if (x->kind == SB_T_DECIMAL && y->kind == SB_T_DECIMAL) return wider_decimal(a, x, y);
    if (x->kind == SB_T_DECIMAL && sb_type_is_integral(y))
        return wider_decimal(a, sb_type_decimal_for(a, y), x);
    if (y->kind == SB_T_DECIMAL && sb_type_is_integral(x))
        return wider_decimal(a, sb_type_decimal_for(a, x), y);
    if ((x->kind == SB_T_DECIMAL && (y->kind == SB_T_FLOAT || y->kind == SB_T_DOUBLE)) ||
        (y->kind == SB_T_DECIMAL && (x->kind == SB_T_FLOAT || x->kind == SB_T_DOUBLE)))
        return &T_DOUBLE;
    return NULL;
}

/* TypeCoercion.stringPromotion */
static const sb_type *string_promotion(const sb_type *x, const sb_type *y)
{
    if (x->kind == SB_T_STRING && sb_type_is_atomic(y) && y->kind != SB_T_BINARY &&
        y->kind != SB_T_BOOLEAN)
        return &T_STRING;
    if (y->kind == SB_T_STRING && sb_type_is_atomic(x) && x->kind != SB_T_BINARY &&
        x->kind != SB_T_BOOLEAN)
        return &T_STRING;
    return NULL;
}

const sb_type *sb_type_wider_common(sb_arena *a, const sb_type *x, const sb_type *y)
{
    if (!x || !y) return NULL;
    const sb_type *t = sb_type_tightest_common(a, x, y);
    if (!t) t = wider_for_decimal(a, x, y);
    if (!t) t = string_promotion(x, y);
    if (!t) t = widen_complex(a, x, y, sb_type_wider_common);
    return t;
}

const sb_type *sb_type_wider_common_no_string(sb_arena *a, const sb_type *x, const sb_type *y)
{
    if (!x || !y) return NULL;
    const sb_type *t = sb_type_tightest_common(a, x, y);
    if (!t) t = wider_for_decimal(a, x, y);
    if (!t) t = widen_complex(a, x, y, sb_type_wider_common_no_string);
    return t;
}

/*
 * TypeCoercion.findCommonTypeForBinaryComparison, then the fallbacks the
 * analyzer applies to a comparison: DecimalPrecision (decimal vs decimal or
 * integral widens, decimal vs float/double compares as double) and
 * ImplicitTypeCasts (findTightestCommonType).
 */
const sb_type *sb_type_comparison_common(sb_arena *a, const sb_type *x, const sb_type *y)
{
    if (!x || !y) return NULL;
    sb_type_kind kx = x->kind, ky = y->kind;
    /* Spark: date/timestamp against a string compares as date/timestamp
     * (spark.sql.legacy.castDatetimeToString is false). */
    if (kx == SB_T_STRING && ky == SB_T_NULL) return x;
    if (ky == SB_T_STRING && kx == SB_T_NULL) return y;
    if ((kx == SB_T_TIMESTAMP && ky == SB_T_DATE) || (kx == SB_T_DATE && ky == SB_T_TIMESTAMP))
        return &T_TIMESTAMP;
    /* SPARK-22469: no decimal type fits an arbitrary string, so compare as double. */
    if ((kx == SB_T_DECIMAL && ky == SB_T_STRING) || (kx == SB_T_STRING && ky == SB_T_DECIMAL))
        return &T_DOUBLE;
    if (kx == SB_T_STRING && sb_type_is_atomic(y) && ky != SB_T_STRING) return y;
    if (ky == SB_T_STRING && sb_type_is_atomic(x) && kx != SB_T_STRING) return x;
    const sb_type *t = sb_type_tightest_common(a, x, y);
    if (t) return t;
    if (kx == SB_T_DECIMAL || ky == SB_T_DECIMAL) return wider_for_decimal(a, x, y);
    /* Complex types compare element-wise through the same rules only when
     * they widen without string promotion. */
    return NULL;
}

static bool force_nullable(const sb_type *from, const sb_type *to);

static bool can_cast(const sb_type *from, const sb_type *to)
{
    if (!from || !to) return false;
    if (sb_type_same_shape(from, to)) return true;
    sb_type_kind f = from->kind, t = to->kind;
    if (f == SB_T_NULL) return true;
    if (t == SB_T_STRING) return true;
    switch (t) {
    case SB_T_BINARY:
        return f == SB_T_STRING || sb_type_is_integral(from);
    case SB_T_BOOLEAN:
        return f == SB_T_STRING || f == SB_T_DATE || f == SB_T_TIMESTAMP ||
               sb_type_is_numeric(from);
    case SB_T_TIMESTAMP:
        return f == SB_T_STRING || f == SB_T_BOOLEAN || f == SB_T_DATE || f == SB_T_TIMESTAMP_NTZ ||
               sb_type_is_numeric(from);
    case SB_T_TIMESTAMP_NTZ:
        return f == SB_T_STRING || f == SB_T_DATE || f == SB_T_TIMESTAMP;
    case SB_T_DATE:
        return f == SB_T_STRING || f == SB_T_TIMESTAMP || f == SB_T_TIMESTAMP_NTZ;
    case SB_T_INTERVAL:
        return f == SB_T_STRING;
    case SB_T_INTERVAL_DT:
    case SB_T_INTERVAL_YM:
        return f == SB_T_STRING || f == t || sb_type_is_integral(from) || f == SB_T_DECIMAL;
    case SB_T_BYTE:
    case SB_T_SHORT:
    case SB_T_INT:
    case SB_T_LONG:
    case SB_T_FLOAT:
    case SB_T_DOUBLE:
    case SB_T_DECIMAL:
        if (f == SB_T_STRING || f == SB_T_BOOLEAN || f == SB_T_DATE || f == SB_T_TIMESTAMP ||
            sb_type_is_numeric(from))
            return true;
        /* ANSI intervals cast to exact numerics (Spark 3.3+). */
        return (f == SB_T_INTERVAL_DT || f == SB_T_INTERVAL_YM) &&
               (sb_type_is_integral(to) || t == SB_T_DECIMAL);
    case SB_T_ARRAY:
        return f == SB_T_ARRAY && can_cast(from->elem, to->elem) &&
               (to->contains_null ||
                (!from->contains_null && !force_nullable(from->elem, to->elem)));
    case SB_T_MAP:
        return f == SB_T_MAP && can_cast(from->key, to->key) &&
               !force_nullable(from->key, to->key) && can_cast(from->value, to->value) &&
               (to->contains_null ||
                (!from->contains_null && !force_nullable(from->value, to->value)));
    case SB_T_STRUCT:
        if (f != SB_T_STRUCT || from->nfields != to->nfields) return false;
        for (size_t i = 0; i < from->nfields; i++) {
            const sb_field *ff = &from->fields[i], *tf = &to->fields[i];
            if (!can_cast(ff->type, tf->type)) return false;
            if (!tf->nullable && (ff->nullable || force_nullable(ff->type, tf->type))) return false;
        }
        return true;
    default:
        return false;
    }
}

/* Cast.forceNullable: casts that can produce NULL from a non-null value. */
static bool force_nullable(const sb_type *from, const sb_type *to)
{
    sb_type_kind f = from->kind, t = to->kind;
    if (f == SB_T_NULL) return true;
    if (f == t && sb_type_is_atomic(from) && t != SB_T_DECIMAL) return false;
    if (f == SB_T_STRING && t != SB_T_STRING && t != SB_T_BINARY) return true;
    if (f == SB_T_TIMESTAMP && t == SB_T_DATE) return false;
    if (sb_type_is_numeric(from) && t == SB_T_DECIMAL) return true;
    if (t == SB_T_DECIMAL) return true;
    if ((f == SB_T_FLOAT || f == SB_T_DOUBLE) && sb_type_is_integral(to)) return false;
    return false;
}

bool sb_type_castable(const sb_type *from, const sb_type *to)
{
    return can_cast(from, to);
}

/* ImplicitTypeCasts.implicitCast for a concrete expected type. */
bool sb_type_implicit_castable(const sb_type *from, const sb_type *to)
{
    if (!from || !to) return false;
    if (sb_type_same_shape(from, to)) return true;
    sb_type_kind f = from->kind, t = to->kind;
    if (f == SB_T_NULL) return true;
    if (sb_type_is_numeric(from) && sb_type_is_numeric(to)) return true;
    if (f == SB_T_DATE && (t == SB_T_TIMESTAMP || t == SB_T_TIMESTAMP_NTZ)) return true;
    if ((f == SB_T_TIMESTAMP || f == SB_T_TIMESTAMP_NTZ) && t == SB_T_DATE) return true;
    if (f == SB_T_STRING) {
        if (sb_type_is_numeric(to) || sb_type_is_datetime(to) || t == SB_T_BINARY) return true;
        return false;
    }
    if (t == SB_T_STRING) return sb_type_is_atomic(from);
    if (f == SB_T_ARRAY && t == SB_T_ARRAY) {
        if (!to->contains_null && from->contains_null) return false;
        return sb_type_implicit_castable(from->elem, to->elem);
    }
    return false;
}

/* DecimalType.adjustPrecisionScale (allowPrecisionLoss=true) */
static const sb_type *adjust_decimal(sb_arena *a, int prec, int scale)
{
    if (prec <= SB_DECIMAL_MAX_PRECISION) return sb_type_decimal(a, prec, scale);
    int int_digits = prec - scale;
    int min_scale = scale < 6 ? scale : 6;
    int adj = SB_DECIMAL_MAX_PRECISION - int_digits;
    if (adj < min_scale) adj = min_scale;
    return sb_type_decimal(a, SB_DECIMAL_MAX_PRECISION, adj);
}

static int imax(int x, int y)
{
    return x > y ? x : y;
}

static int imin(int x, int y)
{
    return x < y ? x : y;
}

const sb_type *sb_type_arithmetic(sb_arena *a, char op, const sb_type *x, const sb_type *y)
{
    if (!x || !y) return NULL;
    /* PromoteStrings: a string operand of arithmetic is cast to double. */
    if (x->kind == SB_T_STRING) x = &T_DOUBLE;
    if (y->kind == SB_T_STRING) y = &T_DOUBLE;
    if (x->kind == SB_T_NULL && y->kind == SB_T_NULL) {
        /* Divide and DIV cast nulls to their input types; + - * % stay void? No:
         * Spark widens null+null to double for `/`, bigint for DIV, and keeps
         * the operator's default otherwise. */
        if (op == '/') return &T_DOUBLE;
        if (op == 'D') return &T_LONG;
        return &T_DOUBLE;
    }
    if (x->kind == SB_T_NULL)
        x = y->kind == SB_T_DECIMAL || sb_type_is_numeric(y) ? y : NULL;
    else if (y->kind == SB_T_NULL)
        y = sb_type_is_numeric(x) ? x : NULL;
    if (!x || !y || !sb_type_is_numeric(x) || !sb_type_is_numeric(y)) return NULL;

    if (op == 'D') {
        /* IntegralDivide: integral and decimal inputs, always bigint. */
        if (x->kind == SB_T_FLOAT || x->kind == SB_T_DOUBLE || y->kind == SB_T_FLOAT ||
            y->kind == SB_T_DOUBLE)
            return NULL;
        return &T_LONG;
    }

    bool dx = x->kind == SB_T_DECIMAL, dy = y->kind == SB_T_DECIMAL;
    if (dx || dy) {
        /* Decimal with float/double computes in double. */
        if ((dx && !dy && !sb_type_is_integral(y)) || (dy && !dx && !sb_type_is_integral(x)))
            return &T_DOUBLE;
        const sb_type *l = sb_type_decimal_for(a, x), *r = sb_type_decimal_for(a, y);
        int p1 = l->precision, s1 = l->scale, p2 = r->precision, s2 = r->scale;
        switch (op) {
        case '+':
        case '-': {
            int scale = imax(s1, s2);
            return adjust_decimal(a, imax(p1 - s1, p2 - s2) + scale + 1, scale);
        }
        case '*':
            return adjust_decimal(a, p1 + p2 + 1, s1 + s2);
        case '/': {
            int scale = imax(6, s1 + p2 + 1);
            return adjust_decimal(a, p1 - s1 + s2 + scale, scale);
        }
        case '%':
            return adjust_decimal(a, imin(p1 - s1, p2 - s2) + imax(s1, s2), imax(s1, s2));
        default:
            return NULL;
        }
    }
    /* Spark: `/` on non-decimal numbers is always double. */
    if (op == '/') return &T_DOUBLE;
    return sb_type_tightest_common(a, x, y);
}

const sb_type *sb_type_decimal_for_digits(sb_arena *a, const char *digits)
{
    int n = 0;
    bool leading = true;
    for (const char *c = digits ? digits : ""; *c; c++) {
        if (!isdigit((unsigned char)*c)) continue;
        if (leading && *c == '0') continue;
        leading = false;
        n++;
    }
    if (n == 0) n = 1;
    return sb_type_decimal(a, n, 0);
}

const sb_type *sb_type_implicit_cast(sb_arena *a, const sb_type *in, sb_expect_kind want,
                                     const sb_type *type)
{
    if (!in) return NULL;
    sb_type_kind k = in->kind;
    switch (want) {
    case SB_X_ANY:
        return in;
    case SB_X_TYPE:
        if (sb_type_same_shape(in, type)) return in;
        if (k == SB_T_NULL) return type;
        if (type->kind == SB_T_ARRAY && k == SB_T_ARRAY) {
            const sb_type *e = sb_type_implicit_cast(a, in->elem, SB_X_TYPE, type->elem);
            return e ? sb_type_array(a, e, true) : NULL;
        }
        /* ImplicitTypeCasts: DecimalType target is handled by SB_X_DECIMAL; a
         * concrete decimal accepts any numeric. */
        return sb_type_implicit_castable(in, type) ? type : NULL;
    case SB_X_NUMERIC:
        if (sb_type_is_numeric(in)) return in;
        if (k == SB_T_NULL || k == SB_T_STRING) return &T_DOUBLE;
        return NULL;
    case SB_X_INTEGRAL:
        if (sb_type_is_integral(in)) return in;
        if (k == SB_T_NULL) return &T_INT;
        return NULL;
    case SB_X_DECIMAL:
        if (k == SB_T_DECIMAL) return in;
        if (k == SB_T_NULL) return &T_DEC_10_0;
        if (sb_type_is_numeric(in)) return sb_type_decimal_for(a, in);
        if (k == SB_T_STRING) return &T_DEC_38_18;
        return NULL;
    case SB_X_ANY_TS:
        if (k == SB_T_TIMESTAMP || k == SB_T_TIMESTAMP_NTZ) return in;
        if (k == SB_T_NULL || k == SB_T_DATE || k == SB_T_STRING) return &T_TIMESTAMP;
        return NULL;
    case SB_X_STR_BIN:
        if (k == SB_T_STRING || k == SB_T_BINARY) return in;
        if (k == SB_T_NULL || sb_type_is_atomic(in)) return &T_STRING;
        return NULL;
    case SB_X_ARRAY:
        if (k == SB_T_ARRAY) return in;
        if (k == SB_T_NULL) return sb_type_array(a, &T_NULL, true);
        return NULL;
    case SB_X_MAP:
        if (k == SB_T_MAP) return in;
        if (k == SB_T_NULL) return sb_type_map(a, &T_NULL, &T_NULL, true);
        return NULL;
    case SB_X_STRUCT:
        return k == SB_T_STRUCT ? in : NULL;
    case SB_X_ORDERABLE:
        return sb_type_is_orderable(in) ? in : NULL;
    case SB_X_NUM_OR_INTERVAL:
        if (sb_type_is_numeric(in) || k == SB_T_INTERVAL_DT || k == SB_T_INTERVAL_YM) return in;
        if (k == SB_T_NULL || k == SB_T_STRING) return &T_DOUBLE;
        return NULL;
    }
    return NULL;
}

static bool has_string(const sb_type *t)
{
    if (!t) return false;
    switch (t->kind) {
    case SB_T_STRING:
        return true;
    case SB_T_ARRAY:
        return has_string(t->elem);
    default:
        return false;
    }
}

const sb_type *sb_type_wider_common_list(sb_arena *a, const sb_type *const *types, size_t n,
                                         bool string_promotion)
{
    /* findWiderCommonType: string-bearing types first (deduplicated), then
     * the rest, so that (timestamp, int, string) widens to string. */
    const sb_type *acc = &T_NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            if (has_string(types[i]) != (pass == 0)) continue;
            acc = string_promotion ? sb_type_wider_common(a, acc, types[i])
                                   : sb_type_wider_common_no_string(a, acc, types[i]);
            if (!acc) return NULL;
        }
    }
    return acc;
}
