/*
 * base.h — the small foundation every sibyl component stands on.
 *
 *   sb_arena   region allocator: everything that lives as long as one load,
 *              one validation or one request is allocated here and freed at once.
 *   sb_buf     growable byte buffer (malloc-backed) for building text.
 *   sb_vec     growable array of pointers, allocated in an arena.
 *
 * Allocation failure is not recoverable in sibyl: the x-allocators abort with
 * a message, so callers never check for NULL from them.
 */
#ifndef SB_BASE_H
#define SB_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SB_PRINTF(f, a)
#endif

#define SB_COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* Heap allocation that aborts on exhaustion. */
void *sb_xmalloc(size_t n);
void *sb_xcalloc(size_t count, size_t size);
void *sb_xrealloc(void *p, size_t n);
char *sb_xstrdup(const char *s);

/* ---- arena ---------------------------------------------------------- */

typedef struct sb_arena sb_arena;

sb_arena *sb_arena_new(void);
void sb_arena_free(sb_arena *a);
/* Zeroed memory, aligned for any type, owned by the arena. */
void *sb_arena_alloc(sb_arena *a, size_t n);
/* Grow an arena allocation (old contents copied; old block is not reused). */
void *sb_arena_realloc(sb_arena *a, void *p, size_t old_n, size_t new_n);
char *sb_arena_strdup(sb_arena *a, const char *s);
char *sb_arena_strndup(sb_arena *a, const char *s, size_t n);
char *sb_arena_printf(sb_arena *a, const char *fmt, ...) SB_PRINTF(2, 3);
char *sb_arena_vprintf(sb_arena *a, const char *fmt, va_list ap);
/* Bytes handed out so far (for benchmarks and memory bounds). */
size_t sb_arena_used(const sb_arena *a);

/* ---- pointer vector (arena-backed) --------------------------------- */

typedef struct sb_vec {
    void **items;
    size_t len, cap;
} sb_vec;

void sb_vec_push(sb_arena *a, sb_vec *v, void *item);

/* ---- buffer (heap-backed) ------------------------------------------ */

typedef struct sb_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len, cap;
} sb_buf;

#define SB_BUF_INIT {NULL, 0, 0}

void sb_buf_free(sb_buf *b);
void sb_buf_reset(sb_buf *b);
void sb_buf_add(sb_buf *b, const void *data, size_t n);
void sb_buf_puts(sb_buf *b, const char *s);
void sb_buf_putc(sb_buf *b, char c);
void sb_buf_printf(sb_buf *b, const char *fmt, ...) SB_PRINTF(2, 3);
void sb_buf_vprintf(sb_buf *b, const char *fmt, va_list ap);
/* Append code point cp (at most U+10FFFF) encoded as UTF-8. */
void sb_buf_put_utf8(sb_buf *b, uint32_t cp);
/* Repeat c n times (indentation). */
void sb_buf_fill(sb_buf *b, char c, size_t n);
/* Take ownership of the contents; the buffer is left empty. */
char *sb_buf_detach(sb_buf *b);
/* Never NULL: "" for an empty buffer. */
const char *sb_buf_str(const sb_buf *b);

/* ---- text helpers --------------------------------------------------- */

/* Length of the valid UTF-8 prefix of s[0..n); equals n when all valid. */
size_t sb_utf8_valid_prefix(const char *s, size_t n);
/* Characters (code points) in the NUL-terminated UTF-8 string `s`: what
 * JSON Schema's maxLength counts. */
size_t sb_utf8_count(const char *s);
/* Case-insensitive ASCII comparison (SQL identifiers and keywords). */
int sb_strcasecmp(const char *a, const char *b);
bool sb_str_ieq(const char *a, const char *b);
bool sb_str_ieqn(const char *a, size_t alen, const char *b);
/* Levenshtein distance, case-insensitive; for "did you mean" hints. */
size_t sb_edit_distance(const char *a, const char *b);
/* FNV-1a hash. */
uint64_t sb_hash_bytes(const void *data, size_t n);

/* Read a whole file. Returns 0, or -errno; *out is NUL-terminated, heap-owned. */
int sb_read_file(const char *path, char **out, size_t *len);
/* Write a whole file atomically (temp file + rename). Returns 0 or -errno. */
int sb_write_file_atomic(const char *path, const char *data, size_t len);

#endif
