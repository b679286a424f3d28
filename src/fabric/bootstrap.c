/*
 * bootstrap.c — the Python program every interactive run sends to Spark.
 *
 * The same program runs on every fabric (the warm local driver, a Livy
 * statement, a Databricks command), so what runs is the generated package
 * itself, started the way `python -m <pipeline>` starts it, with the
 * SparkSession that is already there:
 *
 *   - argv is the package's (--config, --conf key=value, --until);
 *   - modules of the package are re-imported, so an edited pipeline runs
 *     its new code in a warm session;
 *   - SparkSession.stop() is a no-op for the run's duration: a warm session
 *     must outlive the pipeline's own clean-up;
 *   - an exception is caught and printed as one SIBYL-ERROR line, and the
 *     end as SIBYL-DONE with the time taken. Livy and Databricks drop the
 *     text a failing statement printed, so the program never fails: the
 *     samples printed before the failure come back with it.
 *
 * When the Spark driver cannot read this machine's disk, the package's
 * files travel inside the program and are written to a temporary directory
 * on the other side for the run.
 */
#include "fabric/fabric_internal.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char bootstrap_py[] =
    "def _sibyl_run(spec):\n"
    "    import json, os, runpy, shutil, sys, tempfile, time, traceback\n"
    "\n"
    "    def emit(tag, obj):\n"
    "        text = json.dumps(obj, separators=(',', ':'), default=str)\n"
    "        sys.stdout.write(tag + ' ' + text + '\\n')\n"
    "        sys.stdout.flush()\n"
    "\n"
    "    t0 = time.time()\n"
    "    root = spec.get('root')\n"
    "    shipped = None\n"
    "    if spec.get('files'):\n"
    "        shipped = tempfile.mkdtemp(prefix='sibyl-run-')\n"
    "        for rel, text in spec['files'].items():\n"
    "            path = os.path.join(shipped, *rel.split('/'))\n"
    "            os.makedirs(os.path.dirname(path), exist_ok=True)\n"
    "            with open(path, 'w', encoding='utf-8') as fh:\n"
    "                fh.write(text)\n"
    "        root = shipped\n"
    "    saved = (list(sys.argv), list(sys.path), os.getcwd())\n"
    "    try:\n"
    "        from pyspark.sql import SparkSession\n"
    "        stop = SparkSession.stop\n"
    "        SparkSession.stop = lambda self: None\n"
    "    except Exception:\n"
    "        SparkSession, stop = None, None\n"
    "    status = 'ok'\n"
    "    try:\n"
    "        if spec.get('cwd'):\n"
    "            os.chdir(spec['cwd'])\n"
    "        if spec.get('code') is not None:\n"
    "            env = {'__name__': '__main__'}\n"
    "            if SparkSession is not None:\n"
    "                env['spark'] = SparkSession.builder.getOrCreate()\n"
    "                env['sc'] = env['spark'].sparkContext\n"
    "            exec(compile(spec['code'], '<sibyl>', 'exec'), env)\n"
    "        else:\n"
    "            mod = spec['module']\n"
    "            if root:\n"
    "                sys.path.insert(0, root)\n"
    "            for name in [m for m in sys.modules if m == mod or m.startswith(mod + '.')]:\n"
    "                del sys.modules[name]\n"
    "            sys.argv = [mod] + list(spec.get('args', []))\n"
    "            runpy.run_module(mod, run_name='__main__', alter_sys=True)\n"
    "    except SystemExit as e:\n"
    "        if e.code not in (None, 0):\n"
    "            status = 'error'\n"
    "            emit('SIBYL-ERROR', {'ename': 'SystemExit', 'traceback': [],\n"
    "                                 'evalue': 'the pipeline exited with %s' % (e.code,)})\n"
    "    except BaseException as e:\n"
    "        status = 'cancelled' if isinstance(e, KeyboardInterrupt) else 'error'\n"
    "        tb = traceback.format_exception(type(e), e, e.__traceback__)\n"
    "        emit('SIBYL-ERROR', {'ename': type(e).__name__, 'evalue': str(e), 'traceback': tb})\n"
    "    finally:\n"
    "        sys.argv = saved[0]\n"
    "        sys.path[:] = saved[1]\n"
    "        try:\n"
    "            os.chdir(saved[2])\n"
    "        except OSError:\n"
    "            pass\n"
    "        if stop is not None:\n"
    "            SparkSession.stop = stop\n"
    "        if shipped:\n"
    "            shutil.rmtree(shipped, ignore_errors=True)\n"
    "    emit('SIBYL-DONE', {'status': status, 'ms': round((time.time() - t0) * 1000, 1)})\n"
    "\n";

enum { SHIP_MAX_FILE = 4 << 20, SHIP_MAX_TOTAL = 32 << 20 };

/* Add the files under dir (relative name rel) to the "files" object. */
static int ship_dir(sb_buf *obj, const char *dir, const char *rel, size_t *total, bool *first,
                    sb_diags *d)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-package", "cannot read the package directory %s",
                     dir);
        return -1;
    }
    /* Sorted names keep the program byte-identical between runs. */
    sb_arena *a = sb_arena_new();
    sb_vec names = {0};
    struct dirent *ent;
    while ((ent = readdir(dh))) {
        const char *n = ent->d_name;
        if (n[0] == '.' || strcmp(n, "__pycache__") == 0) continue;
        sb_vec_push(a, &names, sb_arena_strdup(a, n));
    }
    closedir(dh);
    for (size_t i = 1; i < names.len; i++)
        for (size_t j = i; j > 0 && strcmp(names.items[j - 1], names.items[j]) > 0; j--) {
            void *t = names.items[j];
            names.items[j] = names.items[j - 1];
            names.items[j - 1] = t;
        }
    int rc = 0;
    for (size_t i = 0; i < names.len && rc == 0; i++) {
        const char *n = names.items[i];
        char *path = sb_arena_printf(a, "%s/%s", dir, n);
        char *r = sb_arena_printf(a, "%s/%s", rel, n);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            rc = ship_dir(obj, path, r, total, first, d);
            continue;
        }
        if (!S_ISREG(st.st_mode) || strstr(n, ".pyc")) continue;
        if (st.st_size > SHIP_MAX_FILE || *total + (size_t)st.st_size > SHIP_MAX_TOTAL) {
            sb_diags_add(d, SB_SEV_ERROR, "fabric-package",
                         "the package file %s is too large to send with the run", path);
            rc = -1;
            break;
        }
        char *text = NULL;
        size_t len = 0;
        if (sb_read_file(path, &text, &len) != 0) {
            sb_diags_add(d, SB_SEV_ERROR, "fabric-package", "cannot read %s", path);
            rc = -1;
            break;
        }
        if (sb_utf8_valid_prefix(text, len) != len) {
            free(text);
            continue; /* not text: not part of a Python package's source */
        }
        *total += len;
        if (!*first) sb_buf_putc(obj, ',');
        *first = false;
        sb_json_write_string(obj, r, strlen(r));
        sb_buf_putc(obj, ':');
        sb_json_write_string(obj, text, len);
        free(text);
    }
    sb_arena_free(a);
    return rc;
}

void sb_fabric_package_args(sb_arena *a, const sb_run_request *req, sb_vec *argv)
{
    for (size_t i = 0; i < req->nargs; i++) sb_vec_push(a, argv, (void *)req->args[i]);
    if (req->config) {
        sb_vec_push(a, argv, "--config");
        sb_vec_push(a, argv, (void *)req->config);
    }
    if (req->until) {
        sb_vec_push(a, argv, "--until");
        sb_vec_push(a, argv, (void *)req->until);
    }
    if (req->sample_rows > 0) {
        sb_vec_push(a, argv, "--conf");
        sb_vec_push(a, argv, sb_arena_printf(a, "sibyl_sample_rows=%d", req->sample_rows));
    }
}

static void put_member(sb_buf *b, const char *key, const char *val)
{
    sb_buf_putc(b, ',');
    sb_json_write_string(b, key, strlen(key));
    sb_buf_putc(b, ':');
    if (val)
        sb_json_write_string(b, val, strlen(val));
    else
        sb_buf_puts(b, "null");
}

int sb_fabric_bootstrap(sb_buf *out, const sb_run_request *req, bool ship, sb_diags *d)
{
    if (!req->code && (!req->module || !*req->module)) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-request", "a run needs a package module or code");
        return -1;
    }
    sb_arena *a = sb_arena_new();
    sb_buf spec = SB_BUF_INIT;
    sb_buf_puts(&spec, "{\"v\":1");
    put_member(&spec, "cwd", req->cwd);
    int rc = 0;
    if (req->code) {
        put_member(&spec, "code", req->code);
    } else {
        put_member(&spec, "module", req->module);
        sb_vec argv = {0};
        sb_fabric_package_args(a, req, &argv);
        sb_buf_puts(&spec, ",\"args\":[");
        for (size_t i = 0; i < argv.len; i++) {
            if (i) sb_buf_putc(&spec, ',');
            sb_json_write_string(&spec, argv.items[i], strlen(argv.items[i]));
        }
        sb_buf_putc(&spec, ']');
        if (ship && req->package_dir) {
            sb_buf_puts(&spec, ",\"files\":{");
            size_t total = 0;
            bool first = true;
            char *dir = sb_arena_printf(a, "%s/%s", req->package_dir, req->module);
            rc = ship_dir(&spec, dir, req->module, &total, &first, d);
            sb_buf_putc(&spec, '}');
        } else {
            put_member(&spec, "root", req->package_dir);
        }
    }
    sb_buf_putc(&spec, '}');
    if (rc == 0) {
        sb_buf_puts(out, bootstrap_py);
        /* A JSON string literal is a valid Python string literal. */
        sb_buf_puts(out, "_sibyl_run(__import__('json').loads(");
        sb_json_write_string(out, spec.data, spec.len);
        sb_buf_puts(out, "))\ndel _sibyl_run\n");
    }
    sb_buf_free(&spec);
    sb_arena_free(a);
    return rc;
}
