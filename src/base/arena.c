/*
 * arena.c — region allocation and the abort-on-failure heap helpers.
 *
 * An arena is a list of chunks; allocation bumps a pointer in the newest
 * chunk. Requests larger than a quarter of the chunk size get a chunk of
 * their own so that big blocks do not waste the tail of a shared one.
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64 * 1024)
#define ARENA_ALIGN 16

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} chunk;

struct sb_arena {
    chunk *head;
    size_t total;
};

static void out_of_memory(size_t n)
{
    fprintf(stderr, "sibyl: out of memory (requested %zu bytes)\n", n);
    abort();
}

void *sb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory(n);
    return p;
}

void *sb_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) out_of_memory(count * size);
    return p;
}

void *sb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory(n);
    return q;
}

char *sb_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sb_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

sb_arena *sb_arena_new(void)
{
    return sb_xcalloc(1, sizeof(sb_arena));
}

void sb_arena_free(sb_arena *a)
{
    if (!a) return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

static chunk *chunk_new(size_t size)
{
    chunk *c = sb_xmalloc(sizeof(chunk) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void *sb_arena_alloc(sb_arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0) need = ARENA_ALIGN;
    if (need < n) out_of_memory(n);
    chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        if (need > ARENA_CHUNK / 4) {
            /* A big block: its own chunk, linked behind the current one so the
             * current chunk's free tail stays usable. */
            chunk *big = chunk_new(need);
            big->used = need;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                a->head = big;
            }
            a->total += need;
            memset(big->data, 0, need);
            return big->data;
        }
        c = chunk_new(ARENA_CHUNK);
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->total += need;
    memset(p, 0, need);
    return p;
}

void *sb_arena_realloc(sb_arena *a, void *p, size_t old_n, size_t new_n)
{
    void *q = sb_arena_alloc(a, new_n);
    if (p && old_n) memcpy(q, p, old_n < new_n ? old_n : new_n);
    return q;
}

char *sb_arena_strndup(sb_arena *a, const char *s, size_t n)
{
    char *p = sb_arena_alloc(a, n + 1);
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sb_arena_strdup(sb_arena *a, const char *s)
{
    return s ? sb_arena_strndup(a, s, strlen(s)) : NULL;
}

char *sb_arena_vprintf(sb_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    char *p = sb_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *sb_arena_printf(sb_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = sb_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t sb_arena_used(const sb_arena *a)
{
    return a->total;
}

void sb_vec_push(sb_arena *a, sb_vec *v, void *item)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        v->items = sb_arena_realloc(a, v->items, v->len * sizeof(void *), cap * sizeof(void *));
        v->cap = cap;
    }
    v->items[v->len++] = item;
}
