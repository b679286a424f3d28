/*
 * fuzz_io_infer.c — arbitrary bytes into schema inference.
 *
 * The first byte picks the reader and its options; the rest is the data:
 * a Parquet file tail for the footer decoder (Thrift compact protocol,
 * schema tree, Spark schema JSON), or CSV / JSON text. Whatever the input,
 * inference must return a schema or add an error, and never read outside
 * the buffer (ASan/UBSan are on in fuzz builds).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t sel = data[0];
    data++, size--;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    const sb_type *t = NULL;
    switch (sel % 4) {
    case 0:
    case 1: {
        /* Exactly `size` bytes, so that any overread is caught. */
        unsigned char *copy = malloc(size ? size : 1);
        memcpy(copy, data, size);
        t = sb_io_parquet_schema(a, copy, size, "fuzz.parquet", &d);
        free(copy);
        break;
    }
    case 2: {
        sb_io_options o = {.header = sel & 4 ? "true" : "false",
                           .infer_schema = "true",
                           .multi_line = sel & 8 ? "true" : "false",
                           .escape = sel & 16 ? "\"" : NULL,
                           .comment = sel & 32 ? "#" : NULL,
                           .date_format = sel & 64 ? "dd/MM/yyyy" : NULL,
                           .timestamp_format =
                               sel & 128 ? "yyyy-MM-dd'T'HH:mm[:ss][.SSS]XXX" : NULL};
        char *copy = malloc(size ? size : 1);
        memcpy(copy, data, size);
        t = sb_io_infer_csv(a, copy, size, &o, 0, "fuzz.csv", &d);
        free(copy);
        break;
    }
    default: {
        sb_io_options o = {.prefers_decimal = sel & 4 ? "true" : NULL,
                           .multi_line = sel & 8 ? "true" : NULL,
                           .infer_timestamp = sel & 16 ? "true" : NULL,
                           .primitives_as_string = sel & 32 ? "true" : NULL,
                           .mode = sel & 64 ? "DROPMALFORMED" : NULL};
        char *copy = malloc(size ? size : 1);
        memcpy(copy, data, size);
        t = sb_io_infer_json(a, copy, size, &o, 0, "fuzz.json", &d);
        free(copy);
        break;
    }
    }
    if (!t && d.errors == 0) abort(); /* a failure must say why */
    if (t) {
        sb_buf b = SB_BUF_INIT;
        sb_type_print(&b, t);
        sb_buf_free(&b);
    }
    sb_arena_free(a);
    return 0;
}
