/*
 * test_parquet_footer.c — Parquet footers against Spark 3.5's answers.
 *
 * Every Parquet row of tests/io/data/expected.tsv is checked twice: the
 * schema of the DataFrame Spark reads (the Spark schema stored by Spark
 * writers, or the converted Parquet schema, made nullable), and what
 * ParquetToSparkSchemaConverter alone makes of the footer's Parquet schema,
 * REQUIRED / optional elements and all. The unit tests feed the decoder
 * every truncation and many corruptions of real footers.
 */
#include "io_cases.h"

#include <dirent.h>
#include <sys/stat.h>

#include "io/io_internal.h"

/* The first data file of a case's path: the file, or in a directory of part
 * files (partition directories included) the first by path. */
static char *first_data_file(sb_arena *a, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return NULL;
    if (!S_ISDIR(st.st_mode)) return sb_arena_strdup(a, path);
    DIR *dh = opendir(path);
    char *best = NULL;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.' || (e->d_name[0] == '_' && !strchr(e->d_name, '='))) continue;
        if (!best || strcmp(e->d_name, best) < 0) best = sb_arena_strdup(a, e->d_name);
    }
    closedir(dh);
    return best ? first_data_file(a, sb_arena_printf(a, "%s/%s", path, best)) : NULL;
}

static void converter_check(void **state)
{
    const io_case *c = *state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    char *path =
        first_data_file(a, sb_arena_printf(a, "%s/tests/io/data/%s", SIBYL_SOURCE_DIR, c->path));
    char *data = NULL;
    size_t len = 0;
    if (!path || sb_read_file(path, &data, &len) != 0) {
        /* No file: Spark failed on the path itself. */
        assert_true(strncmp(c->converter, "error", 5) == 0);
        sb_arena_free(a);
        return;
    }
    const sb_type *t =
        sb_io_parquet_footer_schema(a, (const unsigned char *)data, len, path, false, &d);
    if (strncmp(c->converter, "error", 5) == 0) {
        if (t)
            fprintf(stderr, "%s: Spark's converter fails (%s) but sibyl gives %s\n", c->id,
                    c->converter, sb_type_str(a, t));
        assert_null(t);
        assert_true(d.errors > 0);
    } else {
        if (!t) io_print_diags(&d);
        assert_non_null(t);
        sb_buf b = SB_BUF_INIT;
        io_full_form(&b, t);
        if (strcmp(sb_buf_str(&b), c->converter) != 0)
            fprintf(stderr, "case %s converter\n  spark: %s\n  sibyl: %s\n", c->id, c->converter,
                    sb_buf_str(&b));
        assert_string_equal(sb_buf_str(&b), c->converter);
        sb_buf_free(&b);
    }
    free(data);
    sb_arena_free(a);
}

static unsigned char *load(const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/io/data/%s", SIBYL_SOURCE_DIR, rel);
    char *data;
    assert_int_equal(sb_read_file(path, &data, len), 0);
    return (unsigned char *)data;
}

static const sb_type *decode(sb_arena *a, const unsigned char *p, size_t n, sb_diags *d)
{
    /* A private copy of exactly n bytes, so that ASan sees any overread. */
    unsigned char *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    const sb_type *t = sb_io_parquet_schema(a, copy, n, "t.parquet", d);
    free(copy);
    return t;
}

static void test_messages(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    assert_null(decode(a, (const unsigned char *)"id,name\n1,x\n", 12, &d));
    assert_string_equal(sb_diags_at(&d, 0)->message,
                        "t.parquet: not a Parquet file (missing PAR1 magic)");
    sb_diags_init(&d, a);
    assert_null(sb_io_infer_schema(
        a, "parquet", SIBYL_SOURCE_DIR "/tests/io/data/parquet/broken_empty.parquet", NULL, 0, &d));
    assert_non_null(strstr(sb_diags_at(&d, 0)->message, "not a Parquet file"));
    sb_diags_init(&d, a);
    assert_null(sb_io_infer_schema(
        a, "parquet", SIBYL_SOURCE_DIR "/tests/io/data/parquet/broken_footer_length.parquet", NULL,
        0, &d));
    assert_non_null(strstr(sb_diags_at(&d, 0)->message, "footer length"));
    sb_diags_init(&d, a);
    assert_null(sb_io_infer_schema(
        a, "parquet", SIBYL_SOURCE_DIR "/tests/io/data/parquet/arrow_time.parquet", NULL, 0, &d));
    assert_string_equal(sb_diags_at(&d, 0)->message + strlen(sb_diags_at(&d, 0)->message) -
                            strlen("column `t`: illegal Parquet type: INT64 (TIME(MICROS,false))"),
                        "column `t`: illegal Parquet type: INT64 (TIME(MICROS,false))");
    sb_arena_free(a);
}

static void test_required_fields(void **state)
{
    (void)state;
    /* The footer keeps REQUIRED; the DataFrame schema is nullable. */
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    size_t len;
    unsigned char *data = load("parquet/arrow_required.parquet", &len);
    const sb_type *t = sb_io_parquet_schema(a, data, len, "r.parquet", &d);
    assert_non_null(t);
    assert_false(t->fields[0].nullable);
    assert_false(t->fields[1].type->fields[0].nullable);
    const sb_type *df = sb_io_infer_schema(
        a, "parquet", SIBYL_SOURCE_DIR "/tests/io/data/parquet/arrow_required.parquet", NULL, 0,
        &d);
    assert_non_null(df);
    assert_true(df->fields[0].nullable);
    assert_true(df->fields[1].type->fields[0].nullable);
    free(data);
    sb_arena_free(a);
}

/* Every suffix of a real file (the decoder gets the end of a file), every
 * prefix (a truncated file), and many single-byte corruptions of its footer
 * must give a schema or an error, never a crash or an out-of-bounds read. */
static void test_truncations_and_corruptions(void **state)
{
    (void)state;
    static const char *const files[] = {"parquet/spark_all_types.parquet",
                                        "parquet/arrow_nested.parquet"};
    for (size_t f = 0; f < SB_COUNTOF(files); f++) {
        size_t len;
        unsigned char *data = load(files[f], &len);
        size_t flen = (size_t)data[len - 8] | ((size_t)data[len - 7] << 8) |
                      ((size_t)data[len - 6] << 16) | ((size_t)data[len - 5] << 24);
        assert_true(flen + 8 <= len);
        sb_arena *a = sb_arena_new();
        for (size_t k = 0; k <= flen + 8; k++) {
            sb_diags d;
            sb_diags_init(&d, a);
            const sb_type *t = decode(a, data + len - k, k, &d);
            assert_true(t != NULL || d.errors > 0);
            if (k < flen + 8) assert_null(t);
            sb_diags_init(&d, a);
            /* Cut inside the footer but keep the length and magic. */
            unsigned char *cut = malloc(k + 8);
            memcpy(cut, data + len - 8 - flen, k < flen ? k : flen);
            memcpy(cut + (k < flen ? k : flen), data + len - 8, 8);
            t = decode(a, cut, (k < flen ? k : flen) + 8, &d);
            assert_true(t != NULL || d.errors > 0);
            free(cut);
        }
        uint32_t x = 99;
        unsigned char *mut = malloc(len);
        for (int round = 0; round < 3000; round++) {
            memcpy(mut, data, len);
            for (int flips = 0; flips <= round % 4; flips++) {
                x = x * 1103515245u + 12345u;
                size_t at = len - 8 - flen + (x >> 8) % flen;
                x = x * 1103515245u + 12345u;
                mut[at] = (unsigned char)(x >> 16);
            }
            sb_diags d;
            sb_diags_init(&d, a);
            const sb_type *t = decode(a, mut, len, &d);
            assert_true(t != NULL || d.errors > 0);
        }
        free(mut);
        sb_arena_free(a);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_required_fields),
        cmocka_unit_test(test_truncations_and_corruptions),
    };
    int failed = cmocka_run_group_tests_name("parquet_units", tests, NULL, NULL);
    failed += io_run_table("parquet", converter_check);
    return failed ? 1 : 0;
}
