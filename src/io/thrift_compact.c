/*
 * thrift_compact.c — bounds-checked reading of Thrift's compact protocol.
 *
 * The encoding (from the Thrift compact protocol specification): integers
 * are ULEB128 varints, zigzag-encoded when signed; a struct is a run of
 * field headers (a byte whose high nibble is the id delta, or 0 followed by
 * an explicit zigzag i16 id, and whose low nibble is the type) closed by a
 * 0 byte; booleans in structs live in the header's type nibble; a list
 * header packs a size below 15 and the element type in one byte; maps give
 * their size as a varint and then one byte of key and value types.
 */
#include "io/thrift_compact.h"

void tc_init(tc_reader *r, const uint8_t *data, size_t len)
{
    r->p = data;
    r->end = data + len;
    r->err = NULL;
    r->depth = 0;
}

bool tc_ok(const tc_reader *r)
{
    return r->err == NULL;
}

void tc_fail(tc_reader *r, const char *msg)
{
    if (!r->err) r->err = msg;
    r->p = r->end;
}

static uint8_t read_byte(tc_reader *r)
{
    if (r->err) return 0;
    if (r->p >= r->end) {
        tc_fail(r, "truncated");
        return 0;
    }
    return *r->p++;
}

static uint64_t read_varint(tc_reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        uint8_t b = read_byte(r);
        if (r->err) return 0;
        if (shift == 63 && (b & 0x7E)) {
            tc_fail(r, "varint overflows 64 bits");
            return 0;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) return v;
    }
    tc_fail(r, "varint too long");
    return 0;
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

bool tc_field_begin(tc_reader *r, int16_t *last_id, tc_field *f)
{
    uint8_t b = read_byte(r);
    f->type = TC_STOP;
    f->id = 0;
    if (r->err) return false;
    if (b == 0) return true;
    f->type = b & 0x0F;
    int delta = b >> 4;
    if (delta) {
        f->id = (int16_t)(*last_id + delta);
    } else {
        int64_t id = unzigzag(read_varint(r));
        if (id < INT16_MIN || id > INT16_MAX) {
            tc_fail(r, "field id out of range");
            return false;
        }
        f->id = (int16_t)id;
    }
    if (f->type == TC_STOP || f->type > TC_STRUCT) {
        tc_fail(r, "unknown field type");
        return false;
    }
    *last_id = f->id;
    return !r->err;
}

bool tc_field_bool(const tc_field *f)
{
    return f->type == TC_TRUE;
}

int64_t tc_read_int(tc_reader *r, int type)
{
    switch (type) {
    case TC_BYTE:
        return (int8_t)read_byte(r);
    case TC_I16:
    case TC_I32:
    case TC_I64: {
        int64_t v = unzigzag(read_varint(r));
        if (type == TC_I16 && (v < INT16_MIN || v > INT16_MAX)) tc_fail(r, "i16 out of range");
        if (type == TC_I32 && (v < INT32_MIN || v > INT32_MAX)) tc_fail(r, "i32 out of range");
        return r->err ? 0 : v;
    }
    default:
        tc_fail(r, "expected an integer");
        return 0;
    }
}

const uint8_t *tc_read_binary(tc_reader *r, size_t *len)
{
    uint64_t n = read_varint(r);
    *len = 0;
    if (r->err) return NULL;
    if (n > (uint64_t)(r->end - r->p)) {
        tc_fail(r, "string runs past the end");
        return NULL;
    }
    const uint8_t *s = r->p;
    r->p += n;
    *len = (size_t)n;
    return s;
}

bool tc_read_list(tc_reader *r, int *elem_type, size_t *count)
{
    uint8_t b = read_byte(r);
    if (r->err) return false;
    uint64_t n = b >> 4;
    if (n == 15) n = read_varint(r);
    *elem_type = b & 0x0F;
    if (r->err) return false;
    /* Every element takes at least one byte (bools and empty structs too). */
    if (n > (uint64_t)(r->end - r->p)) {
        tc_fail(r, "list longer than the data");
        return false;
    }
    if (*elem_type == TC_STOP || *elem_type > TC_STRUCT) {
        if (n == 0) return true;
        tc_fail(r, "unknown list element type");
        return false;
    }
    *count = (size_t)n;
    return true;
}

bool tc_struct_begin(tc_reader *r)
{
    if (r->err) return false;
    if (++r->depth > TC_MAX_DEPTH) {
        tc_fail(r, "nested too deeply");
        return false;
    }
    return true;
}

void tc_struct_end(tc_reader *r)
{
    r->depth--;
}

void tc_skip(tc_reader *r, int type)
{
    if (r->err) return;
    switch (type) {
    case TC_TRUE:
    case TC_FALSE:
    case TC_BYTE:
        read_byte(r);
        break;
    case TC_I16:
    case TC_I32:
    case TC_I64:
        read_varint(r);
        break;
    case TC_DOUBLE:
        if (r->end - r->p < 8)
            tc_fail(r, "truncated");
        else
            r->p += 8;
        break;
    case TC_BINARY: {
        size_t n;
        tc_read_binary(r, &n);
        break;
    }
    case TC_LIST:
    case TC_SET: {
        int et;
        size_t n = 0;
        if (!tc_read_list(r, &et, &n)) return;
        if (!tc_struct_begin(r)) return;
        for (size_t i = 0; i < n && !r->err; i++) tc_skip(r, et == TC_FALSE ? TC_TRUE : et);
        tc_struct_end(r);
        break;
    }
    case TC_MAP: {
        uint64_t n = read_varint(r);
        if (r->err || n == 0) return;
        if (n > (uint64_t)(r->end - r->p)) {
            tc_fail(r, "map longer than the data");
            return;
        }
        uint8_t kv = read_byte(r);
        int kt = kv >> 4, vt = kv & 0x0F;
        if (kt == TC_STOP || kt > TC_STRUCT || vt == TC_STOP || vt > TC_STRUCT) {
            tc_fail(r, "unknown map element type");
            return;
        }
        if (!tc_struct_begin(r)) return;
        for (uint64_t i = 0; i < n && !r->err; i++) {
            tc_skip(r, kt == TC_FALSE ? TC_TRUE : kt);
            tc_skip(r, vt == TC_FALSE ? TC_TRUE : vt);
        }
        tc_struct_end(r);
        break;
    }
    case TC_STRUCT: {
        if (!tc_struct_begin(r)) return;
        int16_t last = 0;
        tc_field f;
        while (tc_field_begin(r, &last, &f) && f.type != TC_STOP) {
            /* A boolean field's value is its header. */
            if (f.type != TC_TRUE && f.type != TC_FALSE) tc_skip(r, f.type);
        }
        tc_struct_end(r);
        break;
    }
    default:
        tc_fail(r, "unknown type");
        break;
    }
}
