/*
 * io_internal.h — what the readers in src/io share: option parsing, text
 * decoding, Spark's type merging for inference, and the recognizers that
 * decide whether a string is an int, a decimal, a date... exactly as the JVM
 * code Spark calls would (Integer.parseInt, new BigDecimal, Double.parseDouble,
 * DateTimeUtils.stringToTimestamp, DateTimeFormatter patterns).
 *
 * Not a public header: only the files of src/io include it.
 */
#ifndef SB_IO_INTERNAL_H
#define SB_IO_INTERNAL_H

#include "io/io.h"

/* ---- options -------------------------------------------------------- */

/* A boolean option: NULL -> dflt; "true"/"false" in any case; anything else
 * is an error (Spark rejects it too) reported against `name`. */
bool sb_io_opt_bool(const char *value, bool dflt, const char *option, const char *name, sb_diags *d,
                    bool *ok);

/* ---- text ------------------------------------------------------------ */

/* Text decoded to UTF-8 for the readers. */
typedef struct sb_io_text {
    const char *data; /* the input itself when it was valid UTF-8, else arena-owned */
    size_t len;
    size_t invalid;      /* invalid sequences replaced by U+FFFD */
    size_t invalid_line; /* 1-based line of the first one */
} sb_io_text;

/* Convert `data` from `encoding` (NULL: UTF-8) to UTF-8 and drop a leading
 * byte order mark. With `repair`, invalid input is replaced by U+FFFD (one per
 * maximal invalid subpart, like the JVM's decoder) and counted; without it,
 * invalid UTF-8 is kept as it is. Returns false after an error naming `name`
 * (unsupported encoding). */
bool sb_io_decode_text(sb_arena *a, const char *data, size_t len, const char *encoding, bool repair,
                       const char *name, sb_diags *d, sb_io_text *out);
/* UTF-16 text, which Spark's line reader splits at raw \n and \r bytes before
 * decoding each line. */
bool sb_io_encoding_is_utf16(const char *encoding);
/* The warning for text that was not valid in its encoding. */
void sb_io_warn_invalid(sb_diags *d, const char *name, size_t line, size_t count);

/* Compare two UTF-8 strings as Java's String.compareTo does (UTF-16 code
 * units), which is how Spark sorts inferred JSON fields. */
int sb_io_utf16_cmp(const char *a, const char *b);

/* Lower-case ASCII-and-Latin copy used for Spark's case-insensitive name
 * comparisons (String.toLowerCase(Locale.ROOT) on the common cases). */
bool sb_io_name_ieq(const char *a, const char *b);

/* ---- type merging ------------------------------------------------------ */

/* Exact equality (names case-sensitive, nullability included), as Scala's ==
 * on DataType. */
bool sb_io_type_eq(const sb_type *x, const sb_type *y);
/* TypeCoercion.findTightestCommonType for the types inference produces;
 * NULL when there is none. */
const sb_type *sb_io_tightest(sb_arena *a, const sb_type *x, const sb_type *y);
/* DecimalType.forType for an integral type (byte 3, short 5, int 10, long 20). */
const sb_type *sb_io_decimal_for(sb_arena *a, const sb_type *t);
/* Spark's "wider decimal" used by CSV and JSON inference: same scale rules,
 * double when the precision would pass 38. */
const sb_type *sb_io_merge_decimals(sb_arena *a, const sb_type *x, const sb_type *y);
/* The type with every field nullable, array elements and map values too
 * (StructType.asNullable). */
const sb_type *sb_io_as_nullable(sb_arena *a, const sb_type *t);
/* Spark refuses a schema with two columns whose names differ only in case
 * (COLUMN_ALREADY_EXISTS), at any depth. Adds an error naming the file and
 * returns false when `t` has one. */
bool sb_io_check_duplicates(const sb_type *t, const char *name, sb_diags *d);

/* ---- values as the JVM parses them -------------------------------------- */

/* Integer.parseInt / Long.parseLong: [+-]digits in range, nothing else. */
bool sb_io_java_int(const char *s, size_t n);
bool sb_io_java_long(const char *s, size_t n);
/* new java.math.BigDecimal(s): false when it throws; otherwise its precision
 * and scale (scale may be negative). */
bool sb_io_java_bigdecimal(const char *s, size_t n, int *precision, long *scale);
/* Double.parseDouble (leading/trailing whitespace, NaN, Infinity, hex, f/d
 * suffixes). */
bool sb_io_java_double(const char *s, size_t n);
/* Boolean: "true"/"false" in any case (Scala's String.toBoolean). */
bool sb_io_java_boolean(const char *s, size_t n);

/* DateTimeUtils.parseTimestampString + validation of the fields: does Spark's
 * default timestamp parser accept s? *has_zone and *just_time as Spark sees
 * them. */
bool sb_io_spark_timestamp(const char *s, size_t n, bool *has_zone, bool *just_time);

/* A compiled java.time.format.DateTimeFormatter pattern (the subset Spark
 * accepts and data files use: y u M L d D H h k K m s S a E z VV X x Z O,
 * quoted literals, optional sections). */
typedef struct sb_io_pattern sb_io_pattern;
/* NULL (and *error set to a message) when the pattern is invalid for Spark. */
sb_io_pattern *sb_io_pattern_compile(sb_arena *a, const char *pattern, const char **error);
/* Does the whole string parse, with valid field values? `want_time` selects
 * timestamp resolution (a date-only pattern still parses as a timestamp). */
bool sb_io_pattern_match(const sb_io_pattern *p, const char *s, size_t n);

/* ---- files ------------------------------------------------------------- */

/* The data files under `path`: the file itself, or the visible regular files
 * of a directory (recursively, sorted by path) as Spark lists them. Returns
 * the count (0 after an error naming the path). */
size_t sb_io_list_files(sb_arena *a, const char *path, const char ***out, sb_diags *d);

/* ---- readers over several inputs (the part files of a directory) ---------- */

typedef struct sb_io_input {
    const char *name; /* the file, for messages */
    const char *data; /* raw bytes, in the options' encoding */
    size_t len;
} sb_io_input;

/* `name` is the path the user gave (a file or a directory). */
const sb_type *sb_io_csv_infer_inputs(sb_arena *a, const sb_io_input *in, size_t n,
                                      const sb_io_options *opts, size_t max_rows, const char *name,
                                      sb_diags *d);
const sb_type *sb_io_json_infer_inputs(sb_arena *a, const sb_io_input *in, size_t n,
                                       const sb_io_options *opts, size_t max_rows, const char *name,
                                       sb_diags *d);

/* The partition columns of the files under directory `root` (name=value
 * directories), or NULL when there are none; *ok false after an error. */
const sb_type *sb_io_partition_columns(sb_arena *a, const char *root, const char *const *files,
                                       size_t n, const char *name, sb_diags *d, bool *ok);
/* The data schema with the partition columns: a data column of the same name
 * takes the partition column's place and type, the others are appended. */
const sb_type *sb_io_add_partition_columns(sb_arena *a, const sb_type *data, const sb_type *parts);

/* The footer's schema, optionally ignoring the Spark schema a Spark writer
 * stored in it (to check the Parquet-to-Spark conversion on its own). Not
 * made nullable. */
const sb_type *sb_io_parquet_footer_schema(sb_arena *a, const unsigned char *tail, size_t len,
                                           const char *name, bool use_spark_schema, sb_diags *d);

#endif
