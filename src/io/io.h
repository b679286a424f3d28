/*
 * io.h — the schema of a data file, inferred the way Spark 3.5 infers it.
 *
 * A Source gem without a declared schema gets one from its data: sibyl
 * samples the file and gives exactly the schema `spark.read` would give
 * (names, types, nullability) so that every later gem is type-checked
 * against what will really run.
 *
 *   csv      Spark's CSVInferSchema: header names (`_c0`.. without a header,
 *            duplicates suffixed with their index), every column a string
 *            unless inferSchema=true, then per value int, bigint, decimal,
 *            double, date, timestamp, boolean or string, merged down the
 *            column; a column with no value is a string.
 *   json     Spark's JsonInferSchema over JSON lines (or one document per file
 *            with multiLine=true): bigint, double, decimal, string, boolean,
 *            arrays, structs with fields sorted by name, `_corrupt_record`
 *            when a record is malformed (PERMISSIVE mode).
 *   parquet  the footer's schema (Thrift compact protocol), mapped to Spark
 *            types as ParquetToSparkSchemaConverter does, or the Spark schema
 *            a Spark writer stored in the footer.
 *
 * Every column of a file source is nullable, as in Spark (which reads every
 * file source with its schema made nullable, Parquet's REQUIRED included).
 *
 * Problems are diagnostics: the message names the data file and what is
 * wrong ("cannot read data/orders.csv: No such file or directory"); nothing
 * is printed and no input makes these functions crash.
 */
#ifndef SB_IO_H
#define SB_IO_H

#include "base/diag.h"
#include "sql/types.h"

/*
 * Reader options, as the strings a Spark reader is given (`.option(k, v)`).
 * NULL means "not set": Spark's default applies. Booleans are "true"/"false"
 * (case-insensitive). Use sb_io_options_set to fill one from key/value
 * pairs with Spark's case-insensitive option names.
 */
typedef struct sb_io_options {
    /* CSV */
    const char *header;                      /* "false" */
    const char *sep;                         /* "," (alias: delimiter); "\t" etc. as in Spark */
    const char *quote;                       /* "\"" ; "" turns quoting off */
    const char *escape;                      /* "\\" */
    const char *comment;                     /* unset: no comment lines */
    const char *null_value;                  /* "" */
    const char *nan_value;                   /* "NaN" */
    const char *positive_inf;                /* "Inf" */
    const char *negative_inf;                /* "-Inf" */
    const char *infer_schema;                /* "false" */
    const char *prefer_date;                 /* "true" */
    const char *ignore_leading_white_space;  /* "false" (reading) */
    const char *ignore_trailing_white_space; /* "false" (reading) */
    /* CSV and JSON */
    const char *date_format;                   /* unset: yyyy-MM-dd */
    const char *timestamp_format;              /* unset: Spark's ISO-8601 forms */
    const char *multi_line;                    /* "false" */
    const char *encoding;                      /* "UTF-8" (alias: charset) */
    const char *sampling_ratio;                /* "1.0" */
    const char *mode;                          /* "PERMISSIVE" | "DROPMALFORMED" | "FAILFAST" */
    const char *column_name_of_corrupt_record; /* "_corrupt_record" */
    /* JSON */
    const char *prefers_decimal;        /* "false" */
    const char *primitives_as_string;   /* "false" */
    const char *infer_timestamp;        /* "false" */
    const char *drop_field_if_all_null; /* "false" */
    /* Parquet */
    const char *merge_schema; /* "false" */
} sb_io_options;

/*
 * Set one option by its Spark name (case-insensitive: "inferSchema",
 * "inferschema", "delimiter" for sep, "charset" for encoding, ...). The value
 * is copied into the arena. Returns 0, or -1 when sibyl does not know the
 * option (the caller decides whether that is worth a warning; Spark ignores
 * unknown options).
 */
int sb_io_options_set(sb_io_options *o, sb_arena *a, const char *key, const char *value);

/*
 * Infer the schema of the data at `path`, a file or a directory of part files
 * (hidden files and those starting with '_' or '.' are skipped, as Spark
 * does). `format` is "csv", "json" or "parquet" (case-insensitive).
 * `max_rows` bounds the records sampled (0: every record, as Spark does).
 * Returns a struct type in the arena, or NULL after adding an error.
 */
const sb_type *sb_io_infer_schema(sb_arena *a, const char *format, const char *path,
                                  const sb_io_options *opts, size_t max_rows, sb_diags *d);

/*
 * The same for bytes already in memory (tests, the fuzzer, uploaded samples).
 * `name` is what messages call the data ("data/orders.csv"). The text is read
 * in the options' encoding; a UTF-8 byte order mark is skipped.
 */
const sb_type *sb_io_infer_csv(sb_arena *a, const char *data, size_t len, const sb_io_options *opts,
                               size_t max_rows, const char *name, sb_diags *d);
const sb_type *sb_io_infer_json(sb_arena *a, const char *data, size_t len,
                                const sb_io_options *opts, size_t max_rows, const char *name,
                                sb_diags *d);

/*
 * The schema in a Parquet file's footer, as Spark's footer reader gives it
 * (REQUIRED columns not nullable; sb_io_infer_schema then makes every column
 * nullable as Spark's file sources do). `tail` holds the end of the file:
 * at least the footer (FileMetaData), its 4-byte little-endian length and
 * the "PAR1" magic; the whole file is fine too. Never reads outside
 * [tail, tail + len). Returns NULL after adding an error for anything that
 * is not a well-formed footer.
 */
const sb_type *sb_io_parquet_schema(sb_arena *a, const unsigned char *tail, size_t len,
                                    const char *name, sb_diags *d);

/* How many bytes of a large text file are sampled at most (the rest is not
 * read; a note says so). */
#define SB_IO_MAX_SAMPLE_BYTES ((size_t)64 << 20)

#endif
