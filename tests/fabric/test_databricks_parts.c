/*
 * test_databricks_parts.c — the parts of the `databricks` fabric that need
 * no workspace: ~/.databrickscfg profiles, token sources, error bodies in
 * every dialect Databricks answers with (JSON, API 1.2, HTML pages, ANSI
 * tracebacks), Retry-After and back-off, the states of job runs and
 * clusters, and the wheel a batch run ships (checked by Python's own
 * zipfile when python3 is there).
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

#include "fabric/databricks.h"

/* ---- ~/.databrickscfg ---------------------------------------------------------- */

static const char cfg[] =
    "; written by `databricks configure`\n"
    "[DEFAULT]\n"
    "host  = https://adb-1234.5.azuredatabricks.net/\n"
    "token = dapi-default\n"
    "\n"
    "[dev]\n"
    "# the team's workspace\n"
    "HOST: dbc-a1b2.cloud.databricks.com\n"
    "token=dapi=with=equals\n"
    "cluster_id = 0101-000000-abcdefgh\n"
    "\n"
    "[sso]\n"
    "host = https://x.cloud.databricks.com\n"
    "auth_type = databricks-cli\n"
    "[multi]\n"
    "token = first\n"
    "  second\n";

static void test_cfg_profiles(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_dbx_profile p;
    const char *err = NULL;
    assert_int_equal(sb_dbx_cfg_parse(a, "cfg", cfg, strlen(cfg), "DEFAULT", &p, &err), 0);
    assert_string_equal(p.host, "https://adb-1234.5.azuredatabricks.net/");
    assert_string_equal(p.token, "dapi-default");
    assert_null(p.cluster_id);
    /* Keys are case-insensitive, ':' separates too, '=' may appear in values,
     * and a host without a scheme is https. */
    assert_int_equal(sb_dbx_cfg_parse(a, "cfg", cfg, strlen(cfg), "dev", &p, &err), 0);
    assert_string_equal(p.host, "https://dbc-a1b2.cloud.databricks.com");
    assert_string_equal(p.token, "dapi=with=equals");
    assert_string_equal(p.cluster_id, "0101-000000-abcdefgh");
    assert_int_equal(sb_dbx_cfg_parse(a, "cfg", cfg, strlen(cfg), "sso", &p, &err), 0);
    assert_null(p.token);
    assert_string_equal(p.auth_type, "databricks-cli");
    /* An indented line continues the value above (configparser). */
    assert_int_equal(sb_dbx_cfg_parse(a, "cfg", cfg, strlen(cfg), "multi", &p, &err), 0);
    assert_string_equal(p.token, "first\nsecond");
    /* Section names are case-sensitive. */
    assert_int_equal(sb_dbx_cfg_parse(a, "cfg", cfg, strlen(cfg), "DEV", &p, &err), -1);
    assert_string_equal(err, "cfg has no profile [DEV] (it has DEFAULT, dev, sso, multi)");
    sb_arena_free(a);
}

static void test_cfg_errors(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_dbx_profile p;
    const char *err = NULL;
    const char *dup = "[a]\ntoken = 1\n[a]\ntoken = 2\n";
    assert_int_equal(sb_dbx_cfg_parse(a, "f", dup, strlen(dup), "a", &p, &err), -1);
    assert_string_equal(err, "f:3: the profile [a] appears twice");
    const char *open = "[a\ntoken = 1\n";
    assert_int_equal(sb_dbx_cfg_parse(a, "f", open, strlen(open), "a", &p, &err), -1);
    assert_string_equal(err, "f:1: a section header without its closing ']'");
    const char *junk = "[a]\njust words\n";
    assert_int_equal(sb_dbx_cfg_parse(a, "f", junk, strlen(junk), "a", &p, &err), -1);
    assert_string_equal(err, "f:2: expected `key = value`");
    assert_int_equal(sb_dbx_cfg_parse(a, "f", "", 0, "DEFAULT", &p, &err), -1);
    assert_string_equal(err, "f has no profile [DEFAULT] (it has none)");
    /* CRLF files from Windows editors. */
    const char *crlf = "[DEFAULT]\r\nhost = h.example.com\r\ntoken = t\r\n";
    assert_int_equal(sb_dbx_cfg_parse(a, "f", crlf, strlen(crlf), "DEFAULT", &p, &err), 0);
    assert_string_equal(p.token, "t");
    assert_string_equal(p.host, "https://h.example.com");
    sb_arena_free(a);
}

static void test_token_sources(void **state)
{
    char dir[] = "/tmp/sibyl-dbx-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/databrickscfg", dir);
    FILE *fh = fopen(path, "w");
    fputs("[dev]\nhost = h\ntoken = one\n[sso]\nauth_type = azure-cli\n", fh);
    fclose(fh);
    const char *tok = NULL, *err = NULL;

    sb_dbx_token_source *ts = sb_dbx_token_profile(path, "dev");
    char name[300];
    snprintf(name, sizeof(name), "%s [dev]", path);
    assert_string_equal(ts->name, name);
    assert_int_equal(ts->get(ts, false, &tok, &err), 1);
    assert_string_equal(tok, "one");
    /* Refused: the same token again is no use ... */
    assert_int_equal(ts->get(ts, true, &tok, &err), 0);
    /* ... but a token the user has pasted meanwhile is. */
    fh = fopen(path, "w");
    fputs("[dev]\nhost = h\ntoken = two\n", fh);
    fclose(fh);
    assert_int_equal(ts->get(ts, true, &tok, &err), 1);
    assert_string_equal(tok, "two");
    sb_dbx_token_free(ts);

    ts = sb_dbx_token_profile(path, "nope");
    assert_int_equal(ts->get(ts, false, &tok, &err), -1);
    assert_non_null(strstr(err, "has no profile [nope] (it has dev)"));
    sb_dbx_token_free(ts);

    fh = fopen(path, "w");
    fputs("[sso]\nauth_type = azure-cli\n", fh);
    fclose(fh);
    ts = sb_dbx_token_profile(path, "sso");
    assert_int_equal(ts->get(ts, false, &tok, &err), -1);
    assert_non_null(strstr(err, "signs in with auth_type = azure-cli"));
    sb_dbx_token_free(ts);

    ts = sb_dbx_token_fixed("pat", "the credentials file");
    assert_int_equal(ts->get(ts, false, &tok, &err), 1);
    assert_string_equal(tok, "pat");
    assert_int_equal(ts->get(ts, true, &tok, &err), 0);
    sb_dbx_token_free(ts);

    unsetenv("SIBYL_DATABRICKS_TOKEN");
    unsetenv("DATABRICKS_TOKEN");
    assert_null(sb_dbx_token_env());
    setenv("DATABRICKS_TOKEN", "env-a", 1);
    ts = sb_dbx_token_env();
    assert_string_equal(ts->name, "the environment (DATABRICKS_TOKEN)");
    assert_int_equal(ts->get(ts, false, &tok, &err), 1);
    assert_string_equal(tok, "env-a");
    setenv("SIBYL_DATABRICKS_TOKEN", "env-b", 1); /* sibyl's own wins */
    assert_int_equal(ts->get(ts, true, &tok, &err), 1);
    assert_string_equal(tok, "env-b");
    assert_string_equal(ts->name, "the environment (SIBYL_DATABRICKS_TOKEN)");
    assert_int_equal(ts->get(ts, true, &tok, &err), 0);
    sb_dbx_token_free(ts);
    unsetenv("SIBYL_DATABRICKS_TOKEN");
    unsetenv("DATABRICKS_TOKEN");
    unlink(path);
    rmdir(dir);
}

/* ---- error bodies --------------------------------------------------------------------- */

static sb_dbx_error read_error(sb_arena *a, long status, const char *body)
{
    sb_dbx_error e;
    sb_dbx_error_read(a, status, body, strlen(body), &e);
    return e;
}

static void test_error_dialects(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_dbx_error e = read_error(a, 400, "{\"error_code\":\"INVALID_STATE\",\"message\":"
                                        "\"Cluster 0101 is in unexpected state Pending.\"}");
    assert_string_equal(e.code, "INVALID_STATE");
    assert_string_equal(e.message, "Cluster 0101 is in unexpected state Pending.");
    /* API 1.2 */
    e = read_error(a, 400, "{\"error\": \"ContextNotFound: no such context\"}");
    assert_null(e.code);
    assert_string_equal(e.message, "ContextNotFound: no such context");
    /* The gateway's page for a refused token. */
    e = read_error(a, 403,
                   "<html>\n<head>\n<title>Error 403 Invalid access token.</title>\n</head>\n"
                   "<body><h2>HTTP ERROR 403</h2>\n<p>Problem accessing /api/2.0/clusters/get. "
                   "Reason:\n<pre>    Invalid access token. The token has expired.</pre></p>\n"
                   "</body>\n</html>\n");
    assert_string_equal(e.message, "Invalid access token. The token has expired.");
    e = read_error(a, 502, "<html><head><title>502 Bad Gateway</title></head></html>");
    assert_string_equal(e.message, "502 Bad Gateway");
    e = read_error(a, 400, "INVALID_PARAMETER_VALUE: bad value for page_size");
    assert_string_equal(e.code, "INVALID_PARAMETER_VALUE");
    assert_string_equal(e.message, "bad value for page_size");
    e = read_error(a, 504, "");
    assert_string_equal(e.message, "HTTP 504");
    e = read_error(a, 500, "{\"error_code\":\"INTERNAL_ERROR\"}");
    assert_string_equal(e.message, "INTERNAL_ERROR");
    e = read_error(a, 500, "{not json");
    assert_string_equal(e.message, "HTTP 500");
    sb_arena_free(a);
}

static void test_plain_text(void **state)
{
    sb_arena *a = sb_arena_new();
    /* An error summary from a command: HTML. */
    const char *summary = "<span class='ansi-red-fg'>AnalysisException</span>: "
                          "[UNRESOLVED_COLUMN] A column `nope` cannot be resolved &amp; "
                          "&lt;b&gt; &#39;x&#39; &#x263A;";
    assert_string_equal(sb_dbx_plain_text(a, summary, strlen(summary), 400, SB_DBX_HTML),
                        "AnalysisException: [UNRESOLVED_COLUMN] A column `nope` cannot be "
                        "resolved & <b> 'x' \xe2\x98\xba");
    /* A cause: an IPython traceback with ANSI colours; lines kept. */
    const char *cause = "\x1b[0;31m-----\x1b[0m\n\x1b[0;31mZeroDivisionError\x1b[0m   Traceback\n"
                        "File \x1b[0;32m<command-1>:2\x1b[0m, in \x1b[0;36mf\x1b[0m\n"
                        "      1 def f():\n"
                        "\x1b[0;32m----> 2\x1b[0m     return 1 / 0\n\x1b]8;;http://x\x07link\x1b]8;;\x07\n";
    assert_string_equal(sb_dbx_plain_text(a, cause, strlen(cause), 1000, SB_DBX_KEEP_LINES),
                        "-----\nZeroDivisionError   Traceback\nFile <command-1>:2, in f\n"
                        "      1 def f():\n----> 2     return 1 / 0\nlink");
    assert_string_equal(sb_dbx_plain_text(a, cause, strlen(cause), 1000, 0),
                        "----- ZeroDivisionError Traceback File <command-1>:2, in f 1 def f(): "
                        "----> 2 return 1 / 0 link");
    /* Not tags: comparisons in a message. */
    const char *cmp = "x < 3 and y > 2";
    assert_string_equal(sb_dbx_plain_text(a, cmp, strlen(cmp), 100, SB_DBX_HTML), cmp);
    const char *br = "line one<br/>line <b>two</b>";
    assert_string_equal(sb_dbx_plain_text(a, br, strlen(br), 100, SB_DBX_HTML),
                        "line one line two");
    assert_string_equal(sb_dbx_plain_text(a, br, strlen(br), 100, SB_DBX_HTML | SB_DBX_KEEP_LINES),
                        "line one\nline two");
    /* Without SB_DBX_HTML, markup is text. */
    assert_string_equal(sb_dbx_plain_text(a, br, strlen(br), 100, 0), br);
    /* Cut at max bytes on a character boundary. */
    const char *long_text = "caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9";
    assert_string_equal(sb_dbx_plain_text(a, long_text, strlen(long_text), 7, 0), "caf...");
    assert_string_equal(sb_dbx_plain_text(a, long_text, strlen(long_text), 8, 0),
                        "caf\xc3\xa9...");
    /* Invalid UTF-8 at the end (a cut-off body) is dropped. */
    assert_string_equal(sb_dbx_plain_text(a, "ok \xe2\x98", 5, 100, 0), "ok");
    sb_arena_free(a);
}

/* ---- retries and states ---------------------------------------------------------------- */

static void test_retry_delay(void **state)
{
    assert_true(sb_dbx_retry_delay(429, 7, 1, false, 0.5) == 7);
    assert_true(sb_dbx_retry_delay(429, -1, 3, true, 0.5) == 1); /* absent: 1 s */
    assert_true(sb_dbx_retry_delay(429, 3600, 1, true, 0) == 60); /* capped */
    assert_true(sb_dbx_retry_delay(503, 2, 1, false, 0) == 2);
    assert_true(sb_dbx_retry_delay(503, -1, 1, false, 0) == 1);
    assert_true(sb_dbx_retry_delay(503, -1, 3, false, 0) == 4);
    assert_true(sb_dbx_retry_delay(503, -1, 9, false, 0) == 8);
    assert_true(sb_dbx_retry_delay(502, -1, 1, false, 0.25) == 1.25);
    assert_true(sb_dbx_retry_delay(504, -1, 2, false, 0) == 2);
    assert_true(sb_dbx_retry_delay(504, -1, 12, false, 0.5) == 10.5); /* bounded */
    assert_true(sb_dbx_retry_delay(0, -1, 1, true, 0) == 1);         /* network, GET */
    assert_true(sb_dbx_retry_delay(0, -1, 1, false, 0) < 0);         /* network, POST */
    assert_true(sb_dbx_retry_delay(400, 5, 1, true, 0) < 0);
    assert_true(sb_dbx_retry_delay(403, -1, 1, true, 0) < 0);
    assert_true(sb_dbx_retry_delay(500, -1, 1, true, 0) < 0);
}

static void test_run_states(void **state)
{
    assert_int_equal(sb_dbx_run_state("QUEUED", NULL), SB_BATCH_STARTING);
    assert_int_equal(sb_dbx_run_state("PENDING", NULL), SB_BATCH_STARTING);
    assert_int_equal(sb_dbx_run_state("BLOCKED", NULL), SB_BATCH_STARTING);
    assert_int_equal(sb_dbx_run_state("WAITING_FOR_RETRY", NULL), SB_BATCH_STARTING);
    assert_int_equal(sb_dbx_run_state("RUNNING", NULL), SB_BATCH_RUNNING);
    assert_int_equal(sb_dbx_run_state("TERMINATING", NULL), SB_BATCH_RUNNING);
    assert_int_equal(sb_dbx_run_state("SOMETHING_NEW", NULL), SB_BATCH_RUNNING);
    assert_int_equal(sb_dbx_run_state("TERMINATED", "SUCCESS"), SB_BATCH_SUCCEEDED);
    assert_int_equal(sb_dbx_run_state("TERMINATED", "SUCCESS_WITH_FAILURES"), SB_BATCH_SUCCEEDED);
    assert_int_equal(sb_dbx_run_state("TERMINATED", "FAILED"), SB_BATCH_FAILED);
    assert_int_equal(sb_dbx_run_state("TERMINATED", "TIMEDOUT"), SB_BATCH_FAILED);
    assert_int_equal(sb_dbx_run_state("TERMINATED", "UPSTREAM_FAILED"), SB_BATCH_FAILED);
    assert_int_equal(sb_dbx_run_state("TERMINATED", "CANCELED"), SB_BATCH_KILLED);
    assert_int_equal(sb_dbx_run_state("SKIPPED", NULL), SB_BATCH_FAILED);
    assert_int_equal(sb_dbx_run_state("INTERNAL_ERROR", "FAILED"), SB_BATCH_FAILED);
    assert_int_equal(sb_dbx_run_state("INTERNAL_ERROR", NULL), SB_BATCH_FAILED);
    assert_int_equal(sb_dbx_run_state(NULL, NULL), SB_BATCH_STARTING);

    assert_int_equal(sb_dbx_cluster_step_of("RUNNING"), SB_DBX_CLUSTER_READY);
    assert_int_equal(sb_dbx_cluster_step_of("RESIZING"), SB_DBX_CLUSTER_READY);
    assert_int_equal(sb_dbx_cluster_step_of("PENDING"), SB_DBX_CLUSTER_WAIT);
    assert_int_equal(sb_dbx_cluster_step_of("RESTARTING"), SB_DBX_CLUSTER_WAIT);
    assert_int_equal(sb_dbx_cluster_step_of("TERMINATED"), SB_DBX_CLUSTER_START);
    assert_int_equal(sb_dbx_cluster_step_of("TERMINATING"), SB_DBX_CLUSTER_WAIT_STOP);
    assert_int_equal(sb_dbx_cluster_step_of("ERROR"), SB_DBX_CLUSTER_BROKEN);
    assert_int_equal(sb_dbx_cluster_step_of("UNKNOWN"), SB_DBX_CLUSTER_BROKEN);
    assert_int_equal(sb_dbx_cluster_step_of(NULL), SB_DBX_CLUSTER_BROKEN);
}

/* ---- the wheel ------------------------------------------------------------------------------ */

static void hex(const unsigned char *h, char *out)
{
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", h[i]);
}

static void test_sha256(void **state)
{
    unsigned char h[32];
    char s[65];
    sb_dbx_sha256("", 0, h);
    hex(h, s);
    assert_string_equal(s, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sb_dbx_sha256("abc", 3, h);
    hex(h, s);
    assert_string_equal(s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
    sb_dbx_sha256(m, strlen(m), h);
    hex(h, s);
    assert_string_equal(s, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char million[1000];
    memset(million, 'a', sizeof(million));
    sb_dbx_sha256(million, sizeof(million), h);
    hex(h, s);
    assert_string_equal(s, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

static void write_file(const char *path, const char *text)
{
    FILE *fh = fopen(path, "w");
    assert_non_null(fh);
    fputs(text, fh);
    fclose(fh);
}

static void test_wheel(void **state)
{
    char dir[] = "/tmp/sibyl-whl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    sb_arena *a = sb_arena_new();
    char *p = sb_arena_printf(a, "%s/demo", dir);
    mkdir(p, 0700);
    mkdir(sb_arena_printf(a, "%s/demo/gems", dir), 0700);
    mkdir(sb_arena_printf(a, "%s/demo/__pycache__", dir), 0700);
    write_file(sb_arena_printf(a, "%s/demo/__init__.py", dir), "");
    write_file(sb_arena_printf(a, "%s/demo/__main__.py", dir),
               "import sys\nprint('demo ran with', sys.argv[1:])\n");
    write_file(sb_arena_printf(a, "%s/demo/gems/a.py", dir), "X = 1\n");
    write_file(sb_arena_printf(a, "%s/demo/__pycache__/x.pyc", dir), "junk");

    sb_buf w1 = SB_BUF_INIT, w2 = SB_BUF_INIT;
    const char *name1 = NULL, *name2 = NULL, *err = NULL;
    assert_int_equal(sb_dbx_wheel_build(a, dir, "demo", &w1, &name1, &err), 0);
    assert_int_equal(sb_dbx_wheel_build(a, dir, "demo", &w2, &name2, &err), 0);
    /* Reproducible: the same package gives the same bytes and name. */
    assert_string_equal(name1, name2);
    assert_int_equal(w1.len, w2.len);
    assert_memory_equal(w1.data, w2.data, w1.len);
    assert_true(strncmp(name1, "demo-0.0.0+sibyl", 16) == 0);
    assert_non_null(strstr(name1, "-py3-none-any.whl"));
    /* A change in the package changes the version. */
    write_file(sb_arena_printf(a, "%s/demo/gems/a.py", dir), "X = 2\n");
    sb_buf w3 = SB_BUF_INIT;
    const char *name3 = NULL;
    assert_int_equal(sb_dbx_wheel_build(a, dir, "demo", &w3, &name3, &err), 0);
    assert_string_not_equal(name1, name3);

    assert_int_equal(sb_dbx_wheel_build(a, dir, "no such", &w3, &name3, &err), -1);
    assert_string_equal(err, "\"no such\" is not a Python package name");
    assert_int_equal(sb_dbx_wheel_build(a, dir, "absent", &w3, &name3, &err), -1);
    assert_non_null(strstr(err, "cannot read the package directory"));

    /* Python reads it: every RECORD hash matches, the entry point is there,
     * and running it starts the package's __main__ with the arguments. */
    char *whl = sb_arena_printf(a, "%s/%s", dir, name3);
    FILE *fh = fopen(whl, "wb");
    fwrite(w3.data, 1, w3.len, fh);
    fclose(fh);
    if (system("python3 -c 'import zipfile' 2>/dev/null") == 0) {
        const char *check = sb_arena_printf(
            a,
            "python3 - '%s' <<'EOF'\n"
            "import base64, hashlib, subprocess, sys, zipfile\n"
            "z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None\n"
            "names = z.namelist()\n"
            "assert not any('pycache' in n for n in names), names\n"
            "rec = [n for n in names if n.endswith('.dist-info/RECORD')][0]\n"
            "rows = [l.split(',') for l in z.read(rec).decode().splitlines()]\n"
            "assert sorted(r[0] for r in rows) == sorted(names), rows\n"
            "for name, h, size in rows:\n"
            "    if name == rec: continue\n"
            "    d = z.read(name)\n"
            "    assert h == 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(d).digest())"
            ".rstrip(b'=').decode(), name\n"
            "    assert int(size) == len(d)\n"
            "ep = [n for n in names if n.endswith('entry_points.txt')][0]\n"
            "assert z.read(ep).decode() == '[console_scripts]\\ndemo = demo_sibyl_entry:main\\n'\n"
            "out = subprocess.run([sys.executable, '-c', 'import sys; sys.path.insert(0, sys.argv[1]); "
            "sys.argv = [\"demo\", \"--config\", \"dev\"]; import demo_sibyl_entry; "
            "demo_sibyl_entry.main()', sys.argv[1]], capture_output=True, text=True)\n"
            "assert out.stdout == \"demo ran with ['--config', 'dev']\\n\", out\n"
            "EOF\n",
            whl);
        assert_int_equal(system(check), 0);
    }
    sb_buf_free(&w1);
    sb_buf_free(&w2);
    sb_buf_free(&w3);
    char *rm = sb_arena_printf(a, "rm -rf '%s'", dir);
    assert_int_equal(system(rm), 0);
    sb_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_profiles), cmocka_unit_test(test_cfg_errors),
        cmocka_unit_test(test_token_sources), cmocka_unit_test(test_error_dialects),
        cmocka_unit_test(test_plain_text),   cmocka_unit_test(test_retry_delay),
        cmocka_unit_test(test_run_states),   cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_wheel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
