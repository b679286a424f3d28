/*
 * test_fabric_def.c — fabric definitions and credentials: parsing, the
 * refusal of secrets in definitions, errors that name file, fabric and
 * field, the credentials file's permissions, ~/.databrickscfg profiles, the
 * bootstrap program and the package zip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fabric/fabric_internal.h"

typedef struct fixture {
    sb_arena *a;
    sb_diags d;
    const char *dir;
} fixture;

static int setup(void **state)
{
    fixture *f = sb_xcalloc(1, sizeof(*f));
    f->a = sb_arena_new();
    sb_diags_init(&f->d, f->a);
    f->dir = sb_fabric_tempdir(f->a, "sibyl-test-fabric");
    assert_non_null(f->dir);
    setenv("SIBYL_CREDENTIALS", sb_arena_printf(f->a, "%s/credentials.json", f->dir), 1);
    setenv("SIBYL_FABRICS_DIR", sb_arena_printf(f->a, "%s/user-fabrics", f->dir), 1);
    setenv("DATABRICKS_CONFIG_FILE", sb_arena_printf(f->a, "%s/databrickscfg", f->dir), 1);
    unsetenv("SIBYL_FABRIC_PROD_PASSWORD");
    unsetenv("SIBYL_FABRIC_DBX_TOKEN");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_fabric_rmtree(f->dir);
    sb_arena_free(f->a);
    free(f);
    return 0;
}

static int parse(fixture *f, const char *name, const char *text, sb_fabric_def *def)
{
    return sb_fabric_def_parse(f->a, name, "fabrics/x.json", text, strlen(text), def, &f->d);
}

static const sb_diag *find_diag(fixture *f, const char *needle)
{
    for (size_t i = 0; i < sb_diags_count(&f->d); i++)
        if (strstr(sb_diags_at(&f->d, i)->message, needle)) return sb_diags_at(&f->d, i);
    return NULL;
}

static void test_parse_livy(void **state)
{
    fixture *f = *state;
    sb_fabric_def def;
    int rc = parse(f, "prod",
                   "{\"kind\":\"livy\",\"url\":\"https://edge:8998\",\"auth\":\"basic\","
                   "\"user\":\"etl\",\"queue\":\"q1\",\"num_executors\":4,"
                   "\"request_timeout\":30,\"conf\":{\"spark.a\":\"x\",\"spark.b\":2,"
                   "\"spark.c\":true}}",
                   &def);
    assert_int_equal(rc, 0);
    assert_int_equal(def.kind, SB_FABRIC_LIVY);
    assert_int_equal(def.auth, SB_FABRIC_AUTH_BASIC);
    assert_string_equal(def.url, "https://edge:8998");
    assert_string_equal(def.user, "etl");
    assert_string_equal(def.queue, "q1");
    assert_int_equal(def.num_executors, 4);
    assert_true(def.request_timeout == 30);
    assert_int_equal(def.nconf, 3);
    assert_string_equal(def.conf[1].value, "2");
    assert_string_equal(def.conf[2].value, "true");

    /* Written back canonically, it parses to the same thing. */
    sb_buf out = SB_BUF_INIT;
    sb_fabric_def_write(&out, &def);
    sb_fabric_def again;
    assert_int_equal(parse(f, "prod", out.data, &again), 0);
    assert_string_equal(again.url, def.url);
    assert_int_equal(again.auth, SB_FABRIC_AUTH_BASIC);
    assert_int_equal(again.nconf, 3);
    assert_non_null(strstr(out.data, "\"kind\": \"livy\""));
    sb_buf_free(&out);
}

static void test_parse_errors(void **state)
{
    fixture *f = *state;
    sb_fabric_def def;
    int rc = parse(f, "prod",
                   "{\"kind\":\"livy\",\"url\":\"edge:8998\",\"password\":\"hunter2\","
                   "\"queu\":\"x\",\"num_executors\":\"4\",\"auth\":\"ntlm\"}",
                   &def);
    assert_int_equal(rc, -1);
    const sb_diag *secret = find_diag(f, "credential");
    assert_non_null(secret);
    assert_string_equal(secret->file, "fabrics/x.json");
    assert_string_equal(secret->field, "password");
    assert_int_equal(secret->line, 1);
    assert_true(secret->col > 1);
    assert_non_null(strstr(secret->hint, "SIBYL_FABRIC_PROD_PASSWORD"));
    /* The secret itself is never repeated. */
    for (size_t i = 0; i < sb_diags_count(&f->d); i++) {
        assert_null(strstr(sb_diags_at(&f->d, i)->message, "hunter2"));
        if (sb_diags_at(&f->d, i)->hint) assert_null(strstr(sb_diags_at(&f->d, i)->hint, "hunter2"));
    }
    const sb_diag *unknown = find_diag(f, "unknown field \"queu\"");
    assert_non_null(unknown);
    assert_string_equal(unknown->hint, "did you mean \"queue\"?");
    assert_non_null(find_diag(f, "must start with http"));
    assert_non_null(find_diag(f, "non-negative integer"));
    assert_non_null(find_diag(f, "unknown auth \"ntlm\""));
    assert_non_null(find_diag(f, "fabric prod:"));

    sb_diags_init(&f->d, f->a);
    assert_int_equal(parse(f, "x", "{\"url\":\"http://h\"}", &def), -1);
    assert_non_null(find_diag(f, "no \"kind\""));
    sb_diags_init(&f->d, f->a);
    assert_int_equal(parse(f, "x", "{\"kind\":\"livy\"}", &def), -1);
    assert_non_null(find_diag(f, "needs a \"url\""));
    sb_diags_init(&f->d, f->a);
    assert_int_equal(parse(f, "bad name", "{\"kind\":\"spark\"}", &def), -1);
    sb_diags_init(&f->d, f->a);
    assert_int_equal(parse(f, "x", "{\"kind\":\"spark\",", &def), -1);
    assert_string_equal(sb_diags_at(&f->d, 0)->file, "fabrics/x.json");
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    chmod(path, mode);
}

static void test_credentials(void **state)
{
    fixture *f = *state;
    sb_fabric_def def;
    assert_int_equal(parse(f, "prod",
                           "{\"kind\":\"livy\",\"url\":\"http://h:8998\",\"auth\":\"basic\","
                           "\"user\":\"etl\"}",
                           &def),
                     0);
    /* Nothing anywhere: an error that says where to put it. */
    assert_int_equal(sb_fabric_credentials_resolve(f->a, &def, &f->d), -1);
    const sb_diag *dg = find_diag(f, "no password");
    assert_non_null(dg);
    assert_non_null(strstr(dg->hint, "SIBYL_FABRIC_PROD_PASSWORD"));

    /* A credentials file readable by others is refused. */
    const char *cred = getenv("SIBYL_CREDENTIALS");
    write_file(cred, "{\"fabrics\":{\"prod\":{\"password\":\"s3cret\"}}}", 0644);
    sb_diags_init(&f->d, f->a);
    assert_int_equal(sb_fabric_credentials_resolve(f->a, &def, &f->d), -1);
    dg = find_diag(f, "readable by others");
    assert_non_null(dg);
    assert_string_equal(dg->file, cred);
    assert_non_null(strstr(dg->hint, "chmod 600"));

    chmod(cred, 0600);
    sb_diags_init(&f->d, f->a);
    assert_int_equal(sb_fabric_credentials_resolve(f->a, &def, &f->d), 0);
    assert_string_equal(def.secret, "s3cret");
    assert_non_null(strstr(def.secret_source, "fabrics.prod.password"));

    /* The environment wins over the file. */
    setenv("SIBYL_FABRIC_PROD_PASSWORD", "fromenv", 1);
    def.secret = NULL;
    assert_int_equal(sb_fabric_credentials_resolve(f->a, &def, &f->d), 0);
    assert_string_equal(def.secret, "fromenv");
    assert_non_null(strstr(def.secret_source, "environment"));
    unsetenv("SIBYL_FABRIC_PROD_PASSWORD");

    /* No auth, no secret needed. */
    assert_int_equal(parse(f, "open", "{\"kind\":\"livy\",\"url\":\"http://h\"}", &def), 0);
    assert_int_equal(sb_fabric_credentials_resolve(f->a, &def, &f->d), 0);
    assert_null(def.secret);
}

static void test_databrickscfg(void **state)
{
    fixture *f = *state;
    write_file(getenv("DATABRICKS_CONFIG_FILE"),
               "[DEFAULT]\nhost = https://default.example.com\ntoken = dapi-default\n\n"
               "[team]\n  host=https://team.example.com  \ntoken = dapi-team\n",
               0600);
    sb_fabric_def def;
    assert_int_equal(parse(f, "dbx", "{\"kind\":\"databricks\",\"profile\":\"team\"}", &def), 0);
    assert_int_equal(def.auth, SB_FABRIC_AUTH_TOKEN);
    assert_int_equal(sb_fabric_credentials_resolve(f->a, &def, &f->d), 0);
    assert_string_equal(def.url, "https://team.example.com");
    assert_string_equal(def.secret, "dapi-team");
    assert_int_equal(parse(f, "dbx", "{\"kind\":\"databricks\"}", &def), 0);
    assert_int_equal(sb_fabric_credentials_resolve(f->a, &def, &f->d), 0);
    assert_string_equal(def.secret, "dapi-default");
}

static void test_load_and_list(void **state)
{
    fixture *f = *state;
    const char *user = getenv("SIBYL_FABRICS_DIR");
    mkdir(user, 0700);
    const char *project = sb_arena_printf(f->a, "%s/project", f->dir);
    mkdir(project, 0700);
    mkdir(sb_arena_printf(f->a, "%s/fabrics", project), 0700);
    write_file(sb_arena_printf(f->a, "%s/local.json", user), "{\"kind\":\"spark\"}\n", 0600);
    write_file(sb_arena_printf(f->a, "%s/fabrics/local.json", project),
               "{\"kind\":\"spark\",\"master\":\"local[2]\"}\n", 0644);
    write_file(sb_arena_printf(f->a, "%s/edge.json", user),
               "{\"kind\":\"livy\",\"url\":\"http://e\"}\n", 0600);
    sb_fabric_def def;
    /* The project's definition comes first. */
    assert_int_equal(sb_fabric_def_load(f->a, project, "local", &def, &f->d), 0);
    assert_string_equal(def.master, "local[2]");
    assert_int_equal(sb_fabric_def_load(f->a, NULL, "local", &def, &f->d), 0);
    assert_null(def.master);
    assert_int_equal(sb_fabric_def_load(f->a, project, "nope", &def, &f->d), -1);
    assert_non_null(find_diag(f, "no fabric named nope"));
    sb_vec names = {0};
    sb_fabric_def_list(f->a, project, &names);
    assert_int_equal(names.len, 2);
    assert_string_equal(names.items[0], "edge");
    assert_string_equal(names.items[1], "local");
}

static void test_bootstrap(void **state)
{
    fixture *f = *state;
    const char *pkg = sb_arena_printf(f->a, "%s/src", f->dir);
    mkdir(pkg, 0700);
    mkdir(sb_arena_printf(f->a, "%s/orders", pkg), 0700);
    mkdir(sb_arena_printf(f->a, "%s/orders/gems", pkg), 0700);
    write_file(sb_arena_printf(f->a, "%s/orders/__main__.py", pkg), "print('hi \"there\"')\n",
               0644);
    write_file(sb_arena_printf(f->a, "%s/orders/gems/a.py", pkg), "X = 'ünï'\n", 0644);
    const char *args[] = {"--conf", "base_path=/data"};
    sb_run_request req = {.package_dir = pkg, .module = "orders", .args = args, .nargs = 2,
                          .config = "dev", .until = "clean", .sample_rows = 20};
    sb_buf code = SB_BUF_INIT;
    assert_int_equal(sb_fabric_bootstrap(&code, &req, true, &f->d), 0);
    assert_non_null(strstr(code.data, "def _sibyl_run(spec):"));
    /* The spec is one JSON string literal: find it and decode it twice. */
    const char *lit = strstr(code.data, "loads(") + 6;
    const char *end = strstr(lit, "))\ndel _sibyl_run");
    assert_non_null(end);
    sb_json *s1 = sb_json_parse(f->a, lit, (size_t)(end - lit), &f->d);
    assert_non_null(s1);
    assert_int_equal(s1->kind, SB_JSON_STRING);
    sb_json *spec = sb_json_parse(f->a, s1->u.string.s, s1->u.string.len, &f->d);
    assert_non_null(spec);
    assert_string_equal(sb_json_get(spec, "module")->u.string.s, "orders");
    const sb_json *argv = sb_json_get(spec, "args");
    const char *want[] = {"--conf", "base_path=/data", "--config", "dev", "--until", "clean",
                          "--conf", "sibyl_sample_rows=20"};
    assert_int_equal(argv->u.array.len, SB_COUNTOF(want));
    for (size_t i = 0; i < SB_COUNTOF(want); i++)
        assert_string_equal(argv->u.array.items[i]->u.string.s, want[i]);
    const sb_json *files = sb_json_get(spec, "files");
    assert_int_equal(files->u.object.len, 2);
    assert_string_equal(files->u.object.members[0].key, "orders/__main__.py");
    assert_string_equal(sb_json_get(files, "orders/gems/a.py")->u.string.s, "X = 'ünï'\n");
    sb_buf_reset(&code);
    /* Not shipped: the package is found where it is. */
    assert_int_equal(sb_fabric_bootstrap(&code, &req, false, &f->d), 0);
    assert_null(strstr(code.data, "__main__.py"));
    assert_non_null(strstr(code.data, "root"));
    sb_buf_free(&code);

    /* The same package as a zip: a well-formed archive with both files. */
    const char *zip = sb_arena_printf(f->a, "%s/orders.zip", f->dir);
    assert_int_equal(sb_fabric_zip_dir(sb_arena_printf(f->a, "%s/orders", pkg), "orders", zip), 0);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(sb_read_file(zip, &data, &len), 0);
    assert_true(len > 22);
    assert_memory_equal(data, "PK\x03\x04", 4);
    assert_memory_equal(data + len - 22, "PK\x05\x06", 4);
    assert_int_equal((unsigned char)data[len - 22 + 10], 2); /* entries */
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_livy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_databrickscfg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bootstrap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
