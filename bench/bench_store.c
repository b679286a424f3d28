/*
 * bench_store.c — how fast the store answers the server's hot path.
 *
 *   build/bench/bench_store [N]
 *
 * Fills a fresh SQLite store (in a temporary directory) with one tenant,
 * a team, a user with a role and an API token, and 200 pipelines of about
 * 4 KB, then times on one thread:
 *   get        read transaction + sb_store_file_get by id + commit
 *   auth+get   the same with the token lookup and the role check an
 *              authenticated GET does first
 *   update     write transaction + sb_store_file_update + commit (WAL, FULL sync)
 * With SIBYL_TEST_PG set (scripts/pg-test.sh), the same on PostgreSQL.
 * Prints per-operation mean, p50 and p99 latency and operations per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(sb_store *s, const char *what)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, s ? sb_store_errmsg(s) : "?");
    exit(1);
}

#define CHECK(s, x)                                                                                \
    do {                                                                                           \
        if ((x) != SB_STORE_OK) die((s), #x);                                                      \
    } while (0)

enum { FILES = 200 };

typedef struct fixture {
    int64_t tenant, user, team;
    int64_t files[FILES];
    const char *token_hash;
} fixture;

static void fill(sb_store *s, fixture *fx)
{
    sb_arena *a = sb_arena_new();
    sb_store_tenant t = {.slug = "bench", .name = "Bench"};
    CHECK(s, sb_store_tenant_create(s, a, &t));
    fx->tenant = t.id;
    sb_store_tx *tx = NULL;
    CHECK(s, sb_store_begin(s, a, t.id, 0, SB_STORE_WRITE, &tx));
    sb_store_user u = {.login = "ann", .password_hash = "$argon2id$x"};
    CHECK(s, sb_store_user_create(tx, &u));
    sb_store_team team = {.name = "data"};
    CHECK(s, sb_store_team_create(tx, &team));
    CHECK(s, sb_store_membership_create(tx, &(sb_store_membership){.user_id = u.id,
                                                                   .team_id = team.id,
                                                                   .role = SB_ROLE_MEMBER}));
    sb_store_project p = {.team_id = team.id, .name = "retail"};
    CHECK(s, sb_store_project_create(tx, &p));
    sb_buf content = SB_BUF_INIT;
    sb_buf_puts(&content, "{\n  \"gems\": [\n");
    for (int i = 0; i < 40; i++)
        sb_buf_printf(&content,
                      "    {\n      \"expression\": \"amount * %d + coalesce(discount, 0)\",\n"
                      "      \"name\": \"gem_%02d\"\n    },\n",
                      i, i);
    sb_buf_puts(&content, "    {}\n  ]\n}\n");
    for (int i = 0; i < FILES; i++) {
        sb_store_file f = {.project_id = p.id,
                           .kind = SB_FILE_PIPELINE,
                           .name = sb_arena_printf(a, "pipeline_%03d", i),
                           .content = sb_buf_str(&content)};
        CHECK(s, sb_store_file_create(tx, &f));
        fx->files[i] = f.id;
    }
    printf("  pipeline text: %zu bytes\n", content.len);
    sb_buf_free(&content);
    fx->token_hash = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
    CHECK(s, sb_store_token_create(
                 tx, &(sb_store_token){
                         .user_id = u.id, .name = "ci", .hash = fx->token_hash, .scopes = "read"}));
    CHECK(s, sb_store_commit(tx));
    fx->user = u.id;
    fx->team = team.id;
    sb_arena_free(a);
}

static void report(const char *name, double *lat, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) sum += lat[i];
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    printf("  %-9s mean %7.2f us  p50 %7.2f us  p99 %7.2f us  p99.9 %8.2f us  max %8.0f us"
           "  %9.0f ops/s\n",
           name, sum / n, lat[n / 2], lat[(int)(n * 0.99)], lat[(int)(n * 0.999)], lat[n - 1],
           n / (sum / 1e6));
}

static void run(const char *label, sb_store *s, int n)
{
    printf("%s\n", label);
    fixture fx;
    fill(s, &fx);
    double *lat = malloc((size_t)n * sizeof *lat);
    sb_store_tx *tx;

    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        sb_arena *a = sb_arena_new();
        CHECK(s, sb_store_begin(s, a, fx.tenant, 0, SB_STORE_READ, &tx));
        sb_store_file f;
        CHECK(s, sb_store_file_get(tx, fx.files[i % FILES], &f));
        CHECK(s, sb_store_commit(tx));
        sb_arena_free(a);
        lat[i] = now_us() - t0;
    }
    report("get", lat, n);

    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        sb_arena *a = sb_arena_new();
        CHECK(s, sb_store_begin(s, a, fx.tenant, 0, SB_STORE_READ, &tx));
        sb_store_token tok;
        CHECK(s, sb_store_token_lookup(tx, fx.token_hash, &tok));
        sb_store_role role;
        CHECK(s, sb_store_role_for(tx, tok.user_id, fx.team, &role));
        if (role < SB_ROLE_VIEWER) die(s, "role");
        sb_store_file f;
        CHECK(s, sb_store_file_get(tx, fx.files[i % FILES], &f));
        CHECK(s, sb_store_commit(tx));
        sb_arena_free(a);
        lat[i] = now_us() - t0;
    }
    report("auth+get", lat, n);

    int writes = n / 20 > 200 ? 200 : (n / 20 > 10 ? n / 20 : 10);
    sb_arena *a = sb_arena_new();
    sb_store_file f;
    CHECK(s, sb_store_begin(s, a, fx.tenant, fx.user, SB_STORE_READ, &tx));
    CHECK(s, sb_store_file_get(tx, fx.files[0], &f));
    CHECK(s, sb_store_commit(tx));
    for (int i = 0; i < writes; i++) {
        double t0 = now_us();
        CHECK(s, sb_store_begin(s, a, fx.tenant, fx.user, SB_STORE_WRITE, &tx));
        CHECK(s, sb_store_file_update(tx, &f));
        CHECK(s, sb_store_commit(tx));
        lat[i] = now_us() - t0;
    }
    sb_arena_free(a);
    report("update", lat, writes);
    free(lat);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    if (n < 100) n = 100;
    char dir[] = "/tmp/sibyl-bench-store-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    sb_store *s = NULL;
    if (sb_store_open_dir(dir, NULL, &s) != SB_STORE_OK) die(s, "open");
    run("sqlite (WAL, synchronous=FULL)", s, n);
    sb_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;

    const char *pg = getenv("SIBYL_TEST_PG");
    if (pg && *pg) {
        char schema[64];
        snprintf(schema, sizeof schema, "bench_%d", (int)getpid());
        sb_store_options opt = {.pg_schema = schema};
        if (sb_store_open(pg, &opt, &s) != SB_STORE_OK) die(s, "open postgresql");
        run("postgresql (unix socket)", s, n / 10);
        sb_store_close(s);
    }
    return 0;
}
