/*
 * text_values.c — is this string an int, a decimal, a double, a timestamp...
 * the way Spark's schema inference decides it.
 *
 * Spark decides by calling JVM parsers and catching their exceptions:
 * Integer.parseInt, Long.parseLong, new java.math.BigDecimal,
 * Double.parseDouble, DateTimeUtils.stringToTimestamp and
 * java.time.format.DateTimeFormatter for the dateFormat / timestampFormat
 * options. Each recognizer here accepts exactly the strings its JVM
 * counterpart accepts (ASCII digits only: the JVM also takes other Unicode
 * decimal digits, which data files do not use), so a column that Spark calls
 * `int` sibyl calls `int` too.
 */
#include "io/io_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- integers ------------------------------------------------------- */

static bool java_integer(const char *s, size_t n, int64_t min, int64_t max)
{
    if (n == 0) return false;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
        if (n == 1) return false;
    }
    /* Accumulate negatively so that the minimum value fits. */
    int64_t v = 0;
    for (; i < n; i++) {
        if (!is_digit(s[i])) return false;
        int digit = s[i] - '0';
        if (v < (min + digit) / 10) return false;
        v = v * 10 - digit;
        if (v < min) return false;
    }
    if (!neg && v < -max) return false;
    return true;
}

bool sb_io_java_int(const char *s, size_t n)
{
    return java_integer(s, n, INT32_MIN, INT32_MAX);
}

bool sb_io_java_long(const char *s, size_t n)
{
    return java_integer(s, n, INT64_MIN, INT64_MAX);
}

/* ---- BigDecimal ------------------------------------------------------ */

bool sb_io_java_bigdecimal(const char *s, size_t n, int *precision, long *scale)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t digits = 0, frac = 0, significant = 0;
    bool dot = false, nonzero = false;
    for (; i < n; i++) {
        char c = s[i];
        if (is_digit(c)) {
            digits++;
            if (dot) frac++;
            if (c != '0') nonzero = true;
            if (nonzero) significant++;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (digits == 0) return false;
    long exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        size_t start = i;
        long e = 0;
        for (; i < n && is_digit(s[i]); i++) {
            e = e * 10 + (s[i] - '0');
            if (e > 10L * INT32_MAX) return false; /* NumberFormatException: exponent overflow */
        }
        if (i == start) return false;
        exp = eneg ? -e : e;
    }
    if (i != n) return false;
    long sc = (long)frac - exp;
    if (sc > INT32_MAX || sc < INT32_MIN) return false;
    *precision = significant ? (int)(significant > INT_MAX ? INT_MAX : significant) : 1;
    *scale = sc;
    return true;
}

/* ---- double ---------------------------------------------------------- */

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool sb_io_java_double(const char *s, size_t n)
{
    /* String.trim(): every char <= ' ' at both ends. */
    while (n && (unsigned char)s[0] <= ' ') s++, n--;
    while (n && (unsigned char)s[n - 1] <= ' ') n--;
    if (n == 0) return false;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-') i++;
    if (n - i == 3 && memcmp(s + i, "NaN", 3) == 0) return true;
    if (n - i == 8 && memcmp(s + i, "Infinity", 8) == 0) return true;
    if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
        size_t digits = 0;
        bool dot = false;
        for (; i < n; i++) {
            if (is_hex(s[i]))
                digits++;
            else if (s[i] == '.' && !dot)
                dot = true;
            else
                break;
        }
        if (digits == 0 || i >= n || (s[i] != 'p' && s[i] != 'P')) return false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t start = i;
        while (i < n && is_digit(s[i])) i++;
        if (i == start) return false;
    } else {
        size_t digits = 0;
        bool dot = false;
        for (; i < n; i++) {
            if (is_digit(s[i]))
                digits++;
            else if (s[i] == '.' && !dot)
                dot = true;
            else
                break;
        }
        if (digits == 0) return false;
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
            i++;
            if (i < n && (s[i] == '+' || s[i] == '-')) i++;
            size_t start = i;
            while (i < n && is_digit(s[i])) i++;
            if (i == start) return false;
        }
    }
    if (i < n && strchr("fFdD", s[i])) i++;
    return i == n;
}

bool sb_io_java_boolean(const char *s, size_t n)
{
    return (n == 4 && sb_str_ieqn(s, 4, "true")) || (n == 5 && sb_str_ieqn(s, 5, "false"));
}

/* ---- calendar helpers ------------------------------------------------- */

static bool leap_year(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : dim[m - 1];
}

static bool valid_date(long y, long m, long d)
{
    if (y < -999999999L || y > 999999999L) return false;
    if (m < 1 || m > 12) return false;
    return d >= 1 && d <= days_in_month(y, (int)m);
}

/* ---- zone ids (DateTimeUtils.getZoneId -> ZoneId.of with SHORT_IDS) -------- */

/* ZoneOffset.of: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss, at most 18:00. */
static bool zone_offset(const char *s, size_t n)
{
    if (n == 1 && s[0] == 'Z') return true;
    if (n < 2 || (s[0] != '+' && s[0] != '-')) return false;
    const char *p = s + 1;
    size_t m = n - 1;
    int h, mi = 0, se = 0;
    for (size_t i = 0; i < m; i++)
        if (!is_digit(p[i]) && p[i] != ':') return false;
    switch (m) {
    case 1:
        h = p[0] - '0';
        break;
    case 2:
        if (!is_digit(p[1])) return false;
        h = (p[0] - '0') * 10 + p[1] - '0';
        break;
    case 4:
    case 5:
    case 6:
    case 8: {
        if (!is_digit(p[0]) || !is_digit(p[1])) return false;
        h = (p[0] - '0') * 10 + p[1] - '0';
        size_t i = 2;
        bool colon = false;
        if (p[i] == ':') colon = true, i++;
        if (i + 2 > m || !is_digit(p[i]) || !is_digit(p[i + 1])) return false;
        mi = (p[i] - '0') * 10 + p[i + 1] - '0';
        i += 2;
        if (i < m) {
            if (colon) {
                if (p[i] != ':') return false;
                i++;
            }
            if (i + 2 != m || !is_digit(p[i]) || !is_digit(p[i + 1])) return false;
            se = (p[i] - '0') * 10 + p[i + 1] - '0';
            i += 2;
        }
        if (i != m) return false;
        if ((m == 4 && !colon) || (m == 5 && colon) || (m == 6 && !colon) || (m == 8 && colon)) {
            break;
        }
        return false;
    }
    default:
        return false;
    }
    if (h > 18 || mi > 59 || se > 59) return false;
    return h < 18 || (mi == 0 && se == 0);
}

static bool region_id_exists(const char *id, size_t n)
{
    /* java.time's region ids: [A-Za-z][A-Za-z0-9~/._+-]+ known to the tz database. */
    if (n < 2 || !isalpha((unsigned char)id[0])) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!isalnum(c) && !strchr("~/._+-", c)) return false;
    }
    if (memchr(id, '.', n) && (n < 4 || memcmp(id, "Etc/", 4) != 0)) return false;
    static const char *const fixed[] = {"UTC", "GMT", "UT", "Z"};
    for (size_t i = 0; i < SB_COUNTOF(fixed); i++)
        if (strlen(fixed[i]) == n && memcmp(fixed[i], id, n) == 0) return true;
    if ((n > 6 && memcmp(id, "posix/", 6) == 0) || (n > 6 && memcmp(id, "right/", 6) == 0))
        return false;
    static const char *const not_zones[] = {"posixrules", "localtime", "leapseconds", "Factory",
                                            "SECURITY"};
    for (size_t i = 0; i < SB_COUNTOF(not_zones); i++)
        if (strlen(not_zones[i]) == n && memcmp(not_zones[i], id, n) == 0) return false;
    /* The system's copy of the tz database stands in for the JVM's. Without
     * one, a well-formed area/city id is taken as valid. */
    struct stat st;
    if (stat("/usr/share/zoneinfo", &st) != 0) return memchr(id, '/', n) != NULL;
    char path[300];
    if (n > 200) return false;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%.*s", (int)n, id);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool zone_id(const char *s, size_t n)
{
    /* trim */
    while (n && (unsigned char)s[0] <= ' ') s++, n--;
    while (n && (unsigned char)s[n - 1] <= ' ') n--;
    if (n == 0) return false;
    /* Spark rewrites "+h:mm" to "+0h:mm" and "+hh:m" to "+hh:0m" first. */
    char buf[64];
    if ((s[0] == '+' || s[0] == '-') && n < 60) {
        size_t k = 0;
        buf[k++] = s[0];
        size_t i = 1;
        if (n >= 3 && is_digit(s[1]) && s[2] == ':') buf[k++] = '0';
        for (; i < n; i++) buf[k++] = s[i];
        if (k >= 5 && buf[k - 2] == ':' && is_digit(buf[k - 1]) && is_digit(buf[k - 3]) &&
            is_digit(buf[k - 4]) && (buf[k - 5] == '+' || buf[k - 5] == '-')) {
            buf[k] = buf[k - 1];
            buf[k - 1] = '0';
            k++;
        }
        return zone_offset(buf, k);
    }
    static const char *const short_ids[] = {"ACT", "AET", "AGT", "ART", "AST", "BET", "BST",
                                            "CAT", "CNT", "CST", "CTT", "EAT", "ECT", "IET",
                                            "IST", "JST", "MIT", "NET", "NST", "PLT", "PNT",
                                            "PRT", "PST", "SST", "VST", "EST", "MST", "HST"};
    for (size_t i = 0; i < SB_COUNTOF(short_ids); i++)
        if (n == 3 && memcmp(s, short_ids[i], 3) == 0) return true;
    if (n == 1) return zone_offset(s, n);
    static const char *const prefixes[] = {"UTC", "GMT", "UT"};
    for (size_t i = 0; i < SB_COUNTOF(prefixes); i++) {
        size_t pl = strlen(prefixes[i]);
        if (n > pl && memcmp(s, prefixes[i], pl) == 0 && (s[pl] == '+' || s[pl] == '-'))
            return zone_offset(s + pl, n - pl);
    }
    return region_id_exists(s, n);
}

/* ---- Spark's default timestamp parser ------------------------------------ */

/* UTF8String.isWhitespaceOrISOControl on a byte. */
static bool ws_or_ctl(unsigned char c)
{
    return c <= 0x20 || c == 0x7f;
}

static bool ts_valid_digits(int segment, int digits)
{
    return segment == 6 || (segment == 0 && digits >= 4 && digits <= 6) ||
           (segment == 7 && digits <= 2) ||
           (segment != 0 && segment != 6 && segment != 7 && digits > 0 && digits <= 2);
}

bool sb_io_spark_timestamp(const char *s, size_t n, bool *has_zone, bool *just_time)
{
    long seg[9] = {1, 1, 1, 0, 0, 0, 0, 0, 0};
    int i = 0, digits = 0;
    long value = 0;
    size_t j = 0, end = n;
    while (j < n && ws_or_ctl((unsigned char)s[j])) j++;
    while (end > j && ws_or_ctl((unsigned char)s[end - 1])) end--;
    if (j == end) return false;
    int sign = 0;
    bool jt = false;
    const char *tz = NULL;
    size_t tzlen = 0;
    if (s[j] == '-' || s[j] == '+') {
        sign = s[j] == '-' ? -1 : 1;
        j++;
    }
    for (; j < end; j++) {
        unsigned char b = (unsigned char)s[j];
        if (!is_digit((char)b)) {
            if (j == 0 && b == 'T') {
                jt = true;
                i += 3;
            } else if (i < 2) {
                if (b == '-') {
                    if (!ts_valid_digits(i, digits)) return false;
                    seg[i++] = value;
                    value = 0, digits = 0;
                } else if (i == 0 && b == ':' && !sign) {
                    jt = true;
                    if (!ts_valid_digits(3, digits)) return false;
                    seg[3] = value;
                    value = 0, digits = 0;
                    i = 4;
                } else {
                    return false;
                }
            } else if (i == 2) {
                if (b != ' ' && b != 'T') return false;
                if (!ts_valid_digits(i, digits)) return false;
                seg[i++] = value;
                value = 0, digits = 0;
            } else if (i == 3 || i == 4) {
                if (b != ':') return false;
                if (!ts_valid_digits(i, digits)) return false;
                seg[i++] = value;
                value = 0, digits = 0;
            } else if (i == 5 || i == 6) {
                if (b == '.' && i == 5) {
                    if (!ts_valid_digits(i, digits)) return false;
                    seg[i++] = value;
                    value = 0, digits = 0;
                } else {
                    if (!ts_valid_digits(i, digits)) return false;
                    seg[i++] = value;
                    value = 0, digits = 0;
                    tz = s + j;
                    tzlen = end - j;
                    j = end - 1;
                }
                if (i == 6 && b != '.') i++;
            } else {
                if (i < 9 && (b == ':' || b == ' ')) {
                    if (!ts_valid_digits(i, digits)) return false;
                    seg[i++] = value;
                    value = 0, digits = 0;
                } else {
                    return false;
                }
            }
        } else {
            if (i != 6 || digits < 6) {
                value = value * 10 + (b - '0');
                if (value > 1000000000L) value = 1000000000L; /* only validity matters */
            }
            digits++;
        }
        if (i >= 9) return false;
    }
    if (!ts_valid_digits(i, digits)) return false;
    seg[i] = value;
    if (tz && !zone_id(tz, tzlen)) return false;
    if (sign < 0) seg[0] = -seg[0];
    if (seg[3] > 23 || seg[4] > 59 || seg[5] > 59) return false;
    if (!jt && !valid_date(seg[0], seg[1], seg[2])) return false;
    if (has_zone) *has_zone = tz != NULL;
    if (just_time) *just_time = jt;
    return true;
}

/* ---- DateTimeFormatter patterns ---------------------------------------- */

typedef enum {
    PE_LIT,
    PE_NUM,      /* numeric field */
    PE_REDUCED,  /* two-digit year */
    PE_FRACTION, /* S... */
    PE_MONTH_TEXT,
    PE_AMPM,
    PE_OFFSET, /* X x Z O */
    PE_ZONE,   /* VV z */
    PE_OPT_START,
    PE_OPT_END,
} pe_kind;

enum {
    F_YEAR,
    F_MONTH,
    F_DAY,
    F_DOY,
    F_HOUR,
    F_CLOCK_AMPM,
    F_HOUR_AMPM,
    F_CLOCK_DAY,
    F_MIN,
    F_SEC,
    F_NFIELDS
};

typedef struct pe {
    pe_kind kind;
    int field;
    int minw, maxw;
    int sign; /* 0 not negative, 1 normal, 2 exceeds pad */
    bool full_text;
    const char *lit;
    size_t litlen;
    const char *offset_pattern; /* "+HHmm" style */
    const char *no_offset;      /* text meaning zero offset ("Z", "+00"), or NULL */
    bool gmt_prefix;            /* O / ZZZZ */
} pe;

struct sb_io_pattern {
    pe *items;
    size_t n;
};

static void pe_push(sb_arena *a, sb_io_pattern *p, size_t *cap, pe e)
{
    if (p->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        p->items = sb_arena_realloc(a, p->items, *cap * sizeof(pe), nc * sizeof(pe));
        *cap = nc;
    }
    p->items[p->n++] = e;
}

sb_io_pattern *sb_io_pattern_compile(sb_arena *a, const char *pattern, const char **error)
{
    sb_io_pattern *p = sb_arena_alloc(a, sizeof *p);
    size_t cap = 0;
    size_t len = strlen(pattern);
    int depth = 0;
    *error = NULL;
    for (size_t i = 0; i < len;) {
        char c = pattern[i];
        if (c == '\'') {
            size_t j = i + 1;
            sb_buf lit = SB_BUF_INIT;
            if (j < len && pattern[j] == '\'') { /* '' is a quote */
                pe_push(a, p, &cap, (pe){.kind = PE_LIT, .lit = "'", .litlen = 1});
                i += 2;
                continue;
            }
            for (;;) {
                if (j >= len) {
                    sb_buf_free(&lit);
                    *error = "unterminated quote";
                    return NULL;
                }
                if (pattern[j] == '\'') {
                    if (j + 1 < len && pattern[j + 1] == '\'') {
                        sb_buf_putc(&lit, '\'');
                        j += 2;
                        continue;
                    }
                    break;
                }
                sb_buf_putc(&lit, pattern[j++]);
            }
            const char *text = sb_arena_strdup(a, sb_buf_str(&lit));
            pe_push(a, p, &cap, (pe){.kind = PE_LIT, .lit = text, .litlen = lit.len});
            sb_buf_free(&lit);
            i = j + 1;
            continue;
        }
        if (c == '[') {
            depth++;
            pe_push(a, p, &cap, (pe){.kind = PE_OPT_START});
            i++;
            continue;
        }
        if (c == ']') {
            if (depth == 0) {
                *error = "unmatched ']'";
                return NULL;
            }
            depth--;
            pe_push(a, p, &cap, (pe){.kind = PE_OPT_END});
            i++;
            continue;
        }
        if (!isalpha((unsigned char)c)) {
            if (c == '{' || c == '}' || c == '#') {
                *error = "reserved pattern character";
                return NULL;
            }
            pe_push(a, p, &cap, (pe){.kind = PE_LIT, .lit = pattern + i, .litlen = 1});
            i++;
            continue;
        }
        size_t count = 1;
        while (i + count < len && pattern[i + count] == c) count++;
        i += count;
        pe e = {.kind = PE_NUM};
        switch (c) {
        case 'y':
            /* Spark reads y as u (proleptic year, may be negative). */
            if (count == 2) {
                e.kind = PE_REDUCED;
                e.field = F_YEAR;
                break;
            }
            e.field = F_YEAR;
            e.minw = (int)count;
            e.maxw = 19;
            e.sign = count >= 4 ? 2 : 1;
            if (count > 19) goto too_many;
            break;
        case 'M':
        case 'L':
            e.field = F_MONTH;
            if (count == 1)
                e.minw = 1, e.maxw = 19, e.sign = 1;
            else if (count == 2)
                e.minw = e.maxw = 2;
            else if (count == 3 || count == 4)
                e.kind = PE_MONTH_TEXT, e.full_text = count == 4;
            else
                goto too_many;
            break;
        case 'd':
        case 'H':
        case 'h':
        case 'k':
        case 'K':
        case 'm':
        case 's':
            e.field = c == 'd'   ? F_DAY
                      : c == 'H' ? F_HOUR
                      : c == 'h' ? F_CLOCK_AMPM
                      : c == 'k' ? F_CLOCK_DAY
                      : c == 'K' ? F_HOUR_AMPM
                      : c == 'm' ? F_MIN
                                 : F_SEC;
            if (count == 1)
                e.minw = 1, e.maxw = 19, e.sign = 1;
            else if (count == 2)
                e.minw = e.maxw = 2;
            else
                goto too_many;
            break;
        case 'D':
            e.field = F_DOY;
            if (count == 1)
                e.minw = 1, e.maxw = 19, e.sign = 1;
            else if (count == 2)
                e.minw = 2, e.maxw = 3;
            else if (count == 3)
                e.minw = e.maxw = 3;
            else
                goto too_many;
            break;
        case 'S':
            /* Spark parses a run of S as 1..n fraction digits. */
            e.kind = PE_FRACTION;
            e.minw = 1;
            e.maxw = (int)(count > 9 ? 9 : count);
            break;
        case 'a':
            if (count != 1) goto too_many;
            e.kind = PE_AMPM;
            break;
        case 'X':
        case 'x': {
            static const char *const pats[] = {"+HHmm", "+HHMM", "+HH:MM", "+HHMMss", "+HH:MM:ss"};
            static const char *const zero_x[] = {"+00", "+0000", "+00:00", "+0000", "+00:00"};
            if (count > 5) goto too_many;
            e.kind = PE_OFFSET;
            e.offset_pattern = pats[count - 1];
            e.no_offset = c == 'X' ? "Z" : zero_x[count - 1];
            break;
        }
        case 'Z':
            e.kind = PE_OFFSET;
            if (count <= 3)
                e.offset_pattern = "+HHMM", e.no_offset = "+0000";
            else if (count == 4)
                e.offset_pattern = "+HH:MM:ss", e.gmt_prefix = true;
            else if (count == 5)
                e.offset_pattern = "+HH:MM:ss", e.no_offset = "Z";
            else
                goto too_many;
            break;
        case 'O':
            if (count != 1 && count != 4) goto too_many;
            e.kind = PE_OFFSET;
            e.offset_pattern = count == 1 ? "+Hmm" : "+HH:MM";
            e.gmt_prefix = true;
            break;
        case 'V':
            if (count != 2) goto too_many;
            e.kind = PE_ZONE;
            break;
        case 'z':
            if (count > 4) goto too_many;
            e.kind = PE_ZONE;
            break;
        default:
            /* Week-based fields, day-of-week, quarters and the rest are
             * rejected by Spark's parser (or unused in data files). */
            *error = "pattern letter not supported for parsing";
            return NULL;
        }
        pe_push(a, p, &cap, e);
        continue;
    too_many:
        *error = "too many pattern letters";
        return NULL;
    }
    if (depth != 0) {
        *error = "unterminated optional section";
        return NULL;
    }
    return p;
}

typedef struct pstate {
    long v[F_NFIELDS];
    bool has[F_NFIELDS];
    int ampm; /* -1 unset, 0 am, 1 pm */
} pstate;

static bool set_field(pstate *st, int f, long v)
{
    if (st->has[f] && st->v[f] != v) return false;
    st->has[f] = true;
    st->v[f] = v;
    return true;
}

/* Width that fixed-width numeric fields directly after item k reserve. */
static int reserved_after(const sb_io_pattern *p, size_t k)
{
    int w = 0;
    for (size_t i = k + 1; i < p->n; i++) {
        const pe *e = &p->items[i];
        if (e->kind == PE_NUM && e->minw == e->maxw)
            w += e->minw;
        else if (e->kind == PE_REDUCED)
            w += 2;
        else
            break;
    }
    return w;
}

static bool match_text_ci(const char *s, size_t n, size_t *pos, const char *text)
{
    size_t tl = strlen(text);
    if (*pos + tl > n || !sb_str_ieqn(s + *pos, tl, text)) return false;
    *pos += tl;
    return true;
}

static bool two_digits(const char *s, size_t n, size_t pos, int *out)
{
    if (pos + 2 > n || !is_digit(s[pos]) || !is_digit(s[pos + 1])) return false;
    *out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
    return true;
}

/* Parse an offset like the JDK's OffsetIdPrinterParser for `pat`. */
static bool match_offset(const pe *e, const char *s, size_t n, size_t *pos)
{
    size_t p0 = *pos;
    if (e->gmt_prefix) {
        if (!match_text_ci(s, n, pos, "GMT")) return false;
        if (*pos >= n || (s[*pos] != '+' && s[*pos] != '-')) return true; /* bare GMT */
    } else if (e->no_offset && match_text_ci(s, n, pos, e->no_offset)) {
        return true;
    }
    if (*pos >= n || (s[*pos] != '+' && s[*pos] != '-')) {
        *pos = p0;
        return false;
    }
    (*pos)++;
    const char *pat = e->offset_pattern;
    int h = 0, m = 0, sec = 0;
    if (strncmp(pat, "+Hmm", 4) == 0) {
        if (*pos >= n || !is_digit(s[*pos])) return false;
        h = s[(*pos)++] - '0';
        if (*pos < n && is_digit(s[*pos])) h = h * 10 + (s[(*pos)++] - '0');
        if (*pos < n && s[*pos] == ':') {
            if (!two_digits(s, n, *pos + 1, &m)) return false;
            *pos += 3;
        }
    } else {
        if (!two_digits(s, n, *pos, &h)) return false;
        *pos += 2;
        bool colon = strchr(pat, ':') != NULL;
        bool minutes_optional = strcmp(pat, "+HHmm") == 0;
        bool has_seconds = strstr(pat, "ss") != NULL;
        size_t q = *pos;
        if (colon && q < n && s[q] == ':')
            q++;
        else if (colon)
            q = SIZE_MAX;
        if (q != SIZE_MAX && two_digits(s, n, q, &m)) {
            *pos = q + 2;
            if (has_seconds) {
                size_t r = *pos;
                if (colon && r < n && s[r] == ':')
                    r++;
                else if (colon)
                    r = SIZE_MAX;
                if (r != SIZE_MAX && two_digits(s, n, r, &sec)) *pos = r + 2;
            }
        } else if (!minutes_optional) {
            return false;
        }
    }
    return h <= 18 && m <= 59 && sec <= 59;
}

static bool match_zone(const char *s, size_t n, size_t *pos)
{
    /* A region id, an offset, or a short name: take the longest token that
     * names a zone. */
    size_t end = *pos;
    while (end < n && (isalnum((unsigned char)s[end]) || strchr("~/._+-:", s[end]))) end++;
    for (size_t e = end; e > *pos; e--) {
        if (zone_id(s + *pos, e - *pos)) {
            *pos = e;
            return true;
        }
    }
    return false;
}

static bool match_items(const sb_io_pattern *p, size_t from, size_t to, const char *s, size_t n,
                        size_t *pos, pstate *st)
{
    static const char *const months_short[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char *const months_full[] = {"January",   "February", "March",    "April",
                                              "May",       "June",     "July",     "August",
                                              "September", "October",  "November", "December"};
    for (size_t k = from; k < to; k++) {
        const pe *e = &p->items[k];
        switch (e->kind) {
        case PE_LIT:
            /* Spark's formatters parse case-insensitively. */
            if (*pos + e->litlen > n) return false;
            for (size_t i = 0; i < e->litlen; i++)
                if (tolower((unsigned char)s[*pos + i]) != tolower((unsigned char)e->lit[i]))
                    return false;
            *pos += e->litlen;
            break;
        case PE_OPT_START: {
            int depth = 1;
            size_t close = k + 1;
            for (; close < to; close++) {
                if (p->items[close].kind == PE_OPT_START)
                    depth++;
                else if (p->items[close].kind == PE_OPT_END && --depth == 0)
                    break;
            }
            pstate saved = *st;
            size_t saved_pos = *pos;
            if (!match_items(p, k + 1, close, s, n, pos, st)) {
                *st = saved;
                *pos = saved_pos;
            }
            k = close;
            break;
        }
        case PE_OPT_END:
            break;
        case PE_NUM: {
            int sign = 0;
            size_t q = *pos;
            if (q < n && (s[q] == '+' || s[q] == '-')) {
                if (e->sign == 0) return false;
                if (e->sign == 1 && s[q] == '+') return false; /* strict NORMAL: no '+' */
                sign = s[q] == '-' ? -1 : 1;
                q++;
            }
            int maxw = e->maxw;
            if (e->minw != e->maxw) {
                int reserve = reserved_after(p, k);
                size_t avail = 0;
                while (q + avail < n && is_digit(s[q + avail])) avail++;
                if ((int)avail - reserve < maxw) maxw = (int)avail - reserve;
                if (maxw < e->minw) maxw = e->minw;
            }
            long v = 0;
            int w = 0;
            while (w < maxw && q < n && is_digit(s[q])) {
                if (v < 100000000000L) v = v * 10 + (s[q] - '0');
                q++, w++;
            }
            if (w < e->minw) return false;
            if (e->sign == 2) { /* EXCEEDS_PAD, strict */
                if (sign != 0 && w <= e->minw) return false;
                if (sign == 0 && w > e->minw) return false;
            }
            if (sign < 0) v = -v;
            if (!set_field(st, e->field, v)) return false;
            *pos = q;
            break;
        }
        case PE_REDUCED: {
            int v;
            if (!two_digits(s, n, *pos, &v)) return false;
            *pos += 2;
            if (!set_field(st, F_YEAR, 2000 + v)) return false;
            break;
        }
        case PE_FRACTION: {
            int w = 0;
            while (w < e->maxw && *pos < n && is_digit(s[*pos])) (*pos)++, w++;
            if (w < e->minw) return false;
            break;
        }
        case PE_MONTH_TEXT: {
            const char *const *names = e->full_text ? months_full : months_short;
            int found = 0;
            for (int m = 0; m < 12 && !found; m++)
                if (match_text_ci(s, n, pos, names[m])) found = m + 1;
            if (!found || !set_field(st, F_MONTH, found)) return false;
            break;
        }
        case PE_AMPM:
            if (match_text_ci(s, n, pos, "AM"))
                st->ampm = 0;
            else if (match_text_ci(s, n, pos, "PM"))
                st->ampm = 1;
            else
                return false;
            break;
        case PE_OFFSET:
            if (!match_offset(e, s, n, pos)) return false;
            break;
        case PE_ZONE:
            if (!match_zone(s, n, pos)) return false;
            break;
        }
    }
    return true;
}

bool sb_io_pattern_match(const sb_io_pattern *p, const char *s, size_t n)
{
    if (!p) return false;
    pstate st;
    memset(&st, 0, sizeof st);
    st.ampm = -1;
    size_t pos = 0;
    if (!match_items(p, 0, p->n, s, n, &pos, &st) || pos != n) return false;
    /* Resolve as Spark's toLocalDate / toLocalTime with ResolverStyle.STRICT. */
    long year = st.has[F_YEAR] ? st.v[F_YEAR] : 1970;
    if (st.has[F_DOY]) {
        long doy = st.v[F_DOY];
        if (doy < 1 || doy > (leap_year(year) ? 366 : 365)) return false;
        long m = 1, d = doy;
        while (d > days_in_month(year, (int)m)) d -= days_in_month(year, (int)m), m++;
        if (st.has[F_MONTH] && st.v[F_MONTH] != m) return false;
        if (st.has[F_DAY] && st.v[F_DAY] != d) return false;
    } else {
        long m = st.has[F_MONTH] ? st.v[F_MONTH] : 1;
        long d = st.has[F_DAY] ? st.v[F_DAY] : 1;
        if (!valid_date(year, m, d)) return false;
    }
    if (st.has[F_HOUR] && (st.v[F_HOUR] < 0 || st.v[F_HOUR] > 23)) return false;
    if (st.has[F_CLOCK_DAY] && (st.v[F_CLOCK_DAY] < 1 || st.v[F_CLOCK_DAY] > 24)) return false;
    if (st.has[F_CLOCK_AMPM] && (st.v[F_CLOCK_AMPM] < 1 || st.v[F_CLOCK_AMPM] > 12)) return false;
    if (st.has[F_HOUR_AMPM] && (st.v[F_HOUR_AMPM] < 0 || st.v[F_HOUR_AMPM] > 11)) return false;
    if (st.has[F_MIN] && (st.v[F_MIN] < 0 || st.v[F_MIN] > 59)) return false;
    if (st.has[F_SEC] && (st.v[F_SEC] < 0 || st.v[F_SEC] > 59)) return false;
    return true;
}
