/*
 * print.c — schemas and values as Spark prints them: printSchema's tree,
 * and the text Spark gives a pivot value when it becomes a column name.
 */
#include "plan/plan_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sb_plan_type_name(sb_arena *a, const sb_type *t)
{
    if (!t) return "unknown";
    /* DataType.typeName differs from simpleString for the integral types. */
    switch (t->kind) {
    case SB_T_BYTE:
        return "byte";
    case SB_T_SHORT:
        return "short";
    case SB_T_INT:
        return "integer";
    case SB_T_LONG:
        return "long";
    case SB_T_ARRAY:
        return "array";
    case SB_T_MAP:
        return "map";
    case SB_T_STRUCT:
        return "struct";
    default:
        return sb_type_str(a, t);
    }
}

static void tree(sb_buf *out, sb_arena *a, const sb_type *t, const char *prefix)
{
    if (!t) return;
    char *deeper = sb_arena_printf(a, "%s    |", prefix);
    switch (t->kind) {
    case SB_T_ARRAY:
        sb_buf_printf(out, "%s-- element: %s (containsNull = %s)\n", prefix,
                      sb_plan_type_name(a, t->elem), t->contains_null ? "true" : "false");
        tree(out, a, t->elem, deeper);
        break;
    case SB_T_MAP:
        sb_buf_printf(out, "%s-- key: %s\n", prefix, sb_plan_type_name(a, t->key));
        tree(out, a, t->key, deeper);
        sb_buf_printf(out, "%s-- value: %s (valueContainsNull = %s)\n", prefix,
                      sb_plan_type_name(a, t->value), t->contains_null ? "true" : "false");
        tree(out, a, t->value, deeper);
        break;
    case SB_T_STRUCT:
        for (size_t i = 0; i < t->nfields; i++) {
            const sb_field *f = &t->fields[i];
            sb_buf_printf(out, "%s-- %s: %s (nullable = %s)\n", prefix, f->name,
                          sb_plan_type_name(a, f->type), f->nullable ? "true" : "false");
            tree(out, a, f->type, deeper);
        }
        break;
    default:
        break;
    }
}

void sb_plan_print_schema(sb_buf *out, const sb_type *schema)
{
    if (!schema) {
        sb_buf_puts(out, "root (unknown)\n");
        return;
    }
    sb_arena *a = sb_arena_new();
    sb_buf_puts(out, "root\n");
    tree(out, a, schema, " |");
    sb_arena_free(a);
}

void plan_java_double(sb_buf *out, double v)
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
    /* The shortest digits that read back as v, like Java's Double.toString. */
    char buf[40];
    for (int p = 0; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    char digits[24];
    size_t nd = 0;
    const char *s = buf;
    bool neg = *s == '-';
    if (neg) s++;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && nd < sizeof digits - 1) digits[nd++] = *s;
    int exp = *s == 'e' ? atoi(s + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = '\0';
    if (neg) sb_buf_putc(out, '-');
    if (exp >= -3 && exp < 7) {
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
        return;
    }
    sb_buf_putc(out, digits[0]);
    sb_buf_putc(out, '.');
    sb_buf_puts(out, nd > 1 ? digits + 1 : "0");
    sb_buf_printf(out, "E%d", exp);
}

const char *plan_pivot_value_name(sb_arena *a, const sb_json *v)
{
    switch (v->kind) {
    case SB_JSON_NULL:
        return "null";
    case SB_JSON_BOOL:
        return v->u.boolean ? "true" : "false";
    case SB_JSON_STRING:
        return v->u.string.s;
    case SB_JSON_NUMBER: {
        if (v->u.number.is_integer) {
            /* An integer literal prints as its digits ("-0" is 0). */
            const char *t = v->u.number.text;
            size_t len = v->u.number.len;
            if (len == 2 && t[0] == '-' && t[1] == '0') return "0";
            return sb_arena_strndup(a, t, len);
        }
        sb_buf b = SB_BUF_INIT;
        plan_java_double(&b, v->u.number.value);
        const char *s = sb_arena_strdup(a, sb_buf_str(&b));
        sb_buf_free(&b);
        return s;
    }
    default:
        return "?";
    }
}
