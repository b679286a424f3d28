/*
 * thrift_compact.h — a small reader for Apache Thrift's compact protocol,
 * enough to walk a Parquet footer (FileMetaData) without trusting it.
 *
 * Every read is bounds-checked against the buffer; the first problem sets
 * `err` and makes every later read fail, so callers can read a whole
 * structure and check once. Nesting is limited so that hostile input cannot
 * exhaust the stack.
 */
#ifndef SB_IO_THRIFT_COMPACT_H
#define SB_IO_THRIFT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Compact protocol type ids. */
enum {
    TC_STOP = 0,
    TC_TRUE = 1,
    TC_FALSE = 2,
    TC_BYTE = 3,
    TC_I16 = 4,
    TC_I32 = 5,
    TC_I64 = 6,
    TC_DOUBLE = 7,
    TC_BINARY = 8,
    TC_LIST = 9,
    TC_SET = 10,
    TC_MAP = 11,
    TC_STRUCT = 12,
};

#define TC_MAX_DEPTH 64

typedef struct tc_reader {
    const uint8_t *p, *end;
    const char *err; /* first error, or NULL */
    int depth;
} tc_reader;

/* A field header inside a struct; `type` TC_STOP ends the struct. Keep one
 * `last_id` per struct being read (field ids are delta-encoded). */
typedef struct tc_field {
    int type;
    int16_t id;
} tc_field;

void tc_init(tc_reader *r, const uint8_t *data, size_t len);
bool tc_ok(const tc_reader *r);
void tc_fail(tc_reader *r, const char *msg);

bool tc_field_begin(tc_reader *r, int16_t *last_id, tc_field *f);
/* Value readers for the field's type. Booleans in a struct are carried by the
 * field header: use tc_field_bool. */
bool tc_field_bool(const tc_field *f);
int64_t tc_read_int(tc_reader *r, int type); /* byte, i16, i32 or i64 */
/* A binary/string: points into the buffer (not NUL-terminated). */
const uint8_t *tc_read_binary(tc_reader *r, size_t *len);
/* List or set header: element type and count (count bounded by the bytes left). */
bool tc_read_list(tc_reader *r, int *elem_type, size_t *count);
/* Skip a value of `type` (structs, lists and maps recursively). */
void tc_skip(tc_reader *r, int type);
/* Enter / leave a nested struct (depth accounting). */
bool tc_struct_begin(tc_reader *r);
void tc_struct_end(tc_reader *r);

#endif
