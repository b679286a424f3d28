/*
 * project_py.c — the Python package around the gem functions: pipeline.py
 * (main, run), config.py (typed configuration), the package and gems/
 * __init__ modules, __main__.py, pyproject.toml, README.md and a pytest
 * module that runs every gem on small data and checks the columns and types
 * the planner computed.
 *
 * Fixed text here was formatted with black once and is kept as black
 * writes it; everything that depends on the spec goes through
 * pyformat.c.
 */
#include "codegen/codegen_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- pieces of fixed text ------------------------------------------------ */

static const char CONFIG_FUNCTIONS[] =
    "def convert(name: str, text: str) -> Any:\n"
    "    \"\"\"The value of variable `name` from text (command line, environment).\"\"\"\n"
    "    spark_type = TYPES[name]\n"
    "    if spark_type in (\"tinyint\", \"smallint\", \"int\", \"bigint\"):\n"
    "        return int(text)\n"
    "    if spark_type in (\"float\", \"double\"):\n"
    "        return float(text)\n"
    "    if spark_type == \"boolean\":\n"
    "        lowered = text.strip().lower()\n"
    "        if lowered in (\"true\", \"1\", \"yes\"):\n"
    "            return True\n"
    "        if lowered in (\"false\", \"0\", \"no\"):\n"
    "            return False\n"
    "        raise ValueError(f\"{text!r} is not a boolean\")\n"
    "    if spark_type == \"date\":\n"
    "        return datetime.date.fromisoformat(text)\n"
    "    if spark_type in (\"timestamp\", \"timestamp_ntz\"):\n"
    "        value = text.strip()\n"
    "        if value.endswith(\"Z\"):\n"
    "            value = value[:-1] + \"+00:00\"\n"
    "        return datetime.datetime.fromisoformat(value)\n"
    "    if spark_type.startswith(\"decimal\"):\n"
    "        return decimal.Decimal(text)\n"
    "    return text\n"
    "\n"
    "\n"
    "def load_config(argv: list[str], environ: Mapping[str, str] | None = None) -> Config:\n"
    "    \"\"\"The configuration of a run.\n"
    "\n"
    "    Values are taken from, later ones winning: the defaults, the configuration\n"
    "    named by --config, SIBYL_CONF_<NAME> environment variables, and --conf\n"
    "    NAME=VALUE arguments.\n"
    "    \"\"\"\n"
    "    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)\n"
    "    parser.add_argument(\n"
    "        \"--config\",\n"
    "        choices=sorted(CONFIGS),\n"
    "        help=\"a named configuration (configs/NAME.json of the project)\",\n"
    "    )\n"
    "    parser.add_argument(\n"
    "        \"--conf\",\n"
    "        action=\"append\",\n"
    "        default=[],\n"
    "        metavar=\"NAME=VALUE\",\n"
    "        help=\"set a configuration variable (may be repeated)\",\n"
    "    )\n"
    "    args = parser.parse_args(argv)\n"
    "    env = os.environ if environ is None else environ\n"
    "    values: dict[str, Any] = {}\n"
    "    if args.config:\n"
    "        values.update(CONFIGS[args.config])\n"
    "    settings = [(name, env.get(\"SIBYL_CONF_\" + name.upper())) for name in TYPES]\n"
    "    for item in args.conf:\n"
    "        name, sep, text = item.partition(\"=\")\n"
    "        if not sep or name not in TYPES:\n"
    "            parser.error(\n"
    "                f\"--conf {item}: expected NAME=VALUE, NAME one of {', '.join(TYPES)}\"\n"
    "            )\n"
    "        settings.append((name, text))\n"
    "    for name, text in settings:\n"
    "        if text is None:\n"
    "            continue\n"
    "        try:\n"
    "            values[name] = convert(name, text)\n"
    "        except ValueError as error:\n"
    "            parser.error(f\"{name}: {error}\")\n"
    "    config = Config(**values)\n"
    "    missing = [name for name in TYPES if getattr(config, name) is None]\n"
    "    if missing:\n"
    "        parser.error(\"no value for \" + \", \".join(missing) + \"; set it with --conf\")\n"
    "    return config\n";

static const char EDGE_FUNCTIONS[] =
    "def _json_safe(value: Any) -> Any:\n"
    "    \"\"\"A value as JSON can hold it: dates as ISO text, decimals as text.\"\"\"\n"
    "    if isinstance(value, dict):\n"
    "        return {str(key): _json_safe(item) for key, item in value.items()}\n"
    "    if isinstance(value, (list, tuple)):\n"
    "        return [_json_safe(item) for item in value]\n"
    "    if isinstance(value, float) and math.isnan(value):\n"
    "        return \"NaN\"\n"
    "    if isinstance(value, float) and math.isinf(value):\n"
    "        return \"Infinity\" if value > 0 else \"-Infinity\"\n"
    "    if isinstance(value, datetime.datetime):\n"
    "        return value.isoformat(sep=\" \")\n"
    "    if isinstance(value, datetime.date):\n"
    "        return value.isoformat()\n"
    "    if isinstance(value, decimal.Decimal):\n"
    "        return str(value)\n"
    "    if isinstance(value, (bytes, bytearray)):\n"
    "        return bytes(value).hex()\n"
    "    return value\n"
    "\n"
    "\n"
    "def _edge(gem: str, port: str, df: DataFrame, config: Config) -> None:\n"
    "    \"\"\"Print one SIBYL-EDGE line: the row count, sample rows and schema of an output.\"\"\"\n"
    "    started = time.perf_counter()\n"
    "    count = df.count()\n"
    "    sample = df.limit(config.sibyl_sample_rows).collect()\n"
    "    record = {\n"
    "        \"gem\": gem,\n"
    "        \"port\": port,\n"
    "        \"count\": count,\n"
    "        \"rows\": [_json_safe(row.asDict(recursive=True)) for row in sample],\n"
    "        \"schema\": [\n"
    "            {\"name\": f.name, \"type\": f.dataType.simpleString(), \"nullable\": f.nullable}\n"
    "            for f in df.schema.fields\n"
    "        ],\n"
    "        \"ms\": round((time.perf_counter() - started) * 1000),\n"
    "    }\n"
    "    print(\"SIBYL-EDGE \" + json.dumps(record, separators=(\",\", \":\")), flush=True)\n";

/* Runs up to one gem (--until GEM): that gem and everything upstream. */
static const char UNTIL_FUNCTION[] =
    "def _needed(until: str) -> set[str] | None:\n"
    "    \"\"\"The gems a run up to `until` executes: it and every gem upstream (None: all).\"\"\"\n"
    "    if not until:\n"
    "        return None\n"
    "    if until not in INPUTS:\n"
    "        raise SystemExit(f\"--until {until}: no such gem (gems: {', '.join(INPUTS)})\")\n"
    "    needed: set[str] = set()\n"
    "    pending = [until]\n"
    "    while pending:\n"
    "        gem = pending.pop()\n"
    "        if gem not in needed:\n"
    "            needed.add(gem)\n"
    "            pending.extend(INPUTS[gem])\n"
    "    return needed\n";

/* ---- helpers ----------------------------------------------------------- */

static const char *text_of(sb_buf *b)
{
    return b->data ? b->data : "";
}

static void add_buf(sb_arena *a, sb_gen_files *out, const char *path, sb_buf *b)
{
    gen_add_file(a, out, path, text_of(b), b->len);
    sb_buf_free(b);
}

/* A module docstring: a title line, then the description wrapped. */
static void module_doc(sb_buf *out, sb_arena *a, const char *title, const char *description)
{
    if (!description || !*description) {
        py_docstring(out, a, 0, title);
        return;
    }
    sb_buf_puts(out, "\"\"\"");
    py_docstring_text(out, a, title, 85);
    sb_buf_puts(out, "\n\n");
    py_docstring_text(out, a, description, 88);
    sb_buf_puts(out, "\n\"\"\"\n");
}

static const char *toml_string(sb_arena *a, const char *s)
{
    sb_buf b = SB_BUF_INIT;
    sb_buf_putc(&b, '"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') sb_buf_putc(&b, '\\');
        if (*s == '\n') {
            sb_buf_puts(&b, " ");
            continue;
        }
        sb_buf_putc(&b, *s);
    }
    sb_buf_putc(&b, '"');
    const char *r = sb_arena_strdup(a, text_of(&b));
    sb_buf_free(&b);
    return r;
}

/* One-line description of the pipeline. */
static const char *pipeline_title(sb_arena *a, const sb_project *p, const sb_pipeline *pl)
{
    return sb_arena_printf(a, "Pipeline %s of project %s, as plain PySpark.", pl->name,
                           p && p->name ? p->name : "?");
}

/* The variable holding each gem output in run(). */
typedef struct out_vars {
    const sb_gem **gems;
    const char ***names; /* per gem: one name per output port */
    size_t n;
} out_vars;

static bool name_taken(const out_vars *v, size_t upto, const char *name)
{
    static const char *const reserved[] = {"spark", "config", "gems", "sys", "run", "main",
                                           "SparkSession", "Config", "load_config", "json",
                                           "time", "math", "base64", "datetime", "decimal",
                                           "DataFrame", "Any", "annotations"};
    if (py_is_keyword(name)) return true;
    for (size_t i = 0; i < SB_COUNTOF(reserved); i++)
        if (strcmp(reserved[i], name) == 0) return true;
    for (size_t i = 0; i < upto; i++)
        for (size_t k = 0; k < v->gems[i]->noutputs; k++)
            if (v->names[i][k] && strcmp(v->names[i][k], name) == 0) return true;
    return false;
}

static out_vars output_variables(sb_arena *a, const sb_pipeline *pl)
{
    out_vars v = {sb_arena_alloc(a, (pl->norder + 1) * sizeof(sb_gem *)),
                  sb_arena_alloc(a, (pl->norder + 1) * sizeof(char **)), pl->norder};
    for (size_t i = 0; i < pl->norder; i++) {
        const sb_gem *g = pl->order[i];
        v.gems[i] = g;
        v.names[i] = sb_arena_alloc(a, (g->noutputs + 1) * sizeof(char *));
        for (size_t k = 0; k < g->noutputs; k++) {
            const char *want = g->noutputs == 1 ? g->name : sb_arena_printf(a, "%s_%s", g->name, g->outputs[k]);
            const char *name = want;
            for (int n = 2; name_taken(&v, i + 1, name); n++)
                name = sb_arena_printf(a, "%s_%s", want, n == 2 ? "df" : sb_arena_printf(a, "df%d", n));
            v.names[i][k] = name;
        }
    }
    return v;
}

static const char *input_variable(const out_vars *v, const sb_gem_input *in)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->gems[i] == in->from && in->from_port >= 0 && (size_t)in->from_port < in->from->noutputs)
            return v->names[i][in->from_port];
    return "None";
}

/* ---- pipeline.py ----------------------------------------------------------- */

static void pipeline_py(sb_arena *a, const sb_project *p, const sb_pipeline *pl,
                        const sb_codegen_options *opt, sb_gen_files *out, const char *dir)
{
    sb_buf b = SB_BUF_INIT;
    bool inst = opt && opt->instrumented;
    module_doc(&b, a, pipeline_title(a, p, pl), pl->description);
    sb_buf_putc(&b, '\n');
    sb_buf_puts(&b, "from __future__ import annotations\n\n");
    if (inst) sb_buf_puts(&b, "import datetime\nimport decimal\nimport json\nimport math\n");
    sb_buf_puts(&b, "import sys\n");
    if (inst) sb_buf_puts(&b, "import time\n");
    if (inst) sb_buf_puts(&b, "from typing import Any\n");
    sb_buf_puts(&b, inst ? "\nfrom pyspark.sql import DataFrame, SparkSession\n" : "\nfrom pyspark.sql import SparkSession\n");
    /* isort leaves one blank line before a statement, two before a def */
    sb_buf_puts(&b, inst ? "\nfrom . import gems\nfrom .config import Config, load_config\n\n"
                         : "\nfrom . import gems\nfrom .config import Config, load_config\n\n\n");
    if (inst) {
        sb_buf_puts(&b, "# The gems each gem reads from, for runs up to one gem (--until).\n");
        pyx *inputs = pyx_list(a, PX_DICT, 0);
        for (size_t i = 0; i < pl->norder; i++) {
            const sb_gem *g = pl->order[i];
            pyx *from = pyx_list(a, PX_TUPLE, 0);
            for (size_t k = 0; k < g->ninputs; k++) {
                const sb_gem *f = g->inputs[k].from;
                bool seen = false;
                for (size_t j = 0; j < k && f; j++) seen |= g->inputs[j].from == f;
                if (f && !seen) pyx_arg(a, from, NULL, pyx_str(a, f->name));
            }
            pyx_arg(a, inputs, NULL, pyx_str(a, g->name));
            pyx_arg(a, inputs, NULL, from);
        }
        inputs->magic_comma = inputs->nargs > 0;
        py_stmt s;
        py_stmt_init(&s, a);
        py_name(&s, "INPUTS");
        py_tok_add(&s, PY_COLON, ":", 0);
        py_name(&s, "dict[str, tuple[str, ...]]");
        py_tok_add(&s, PY_EQUAL, "=", 0);
        py_invisible_open(&s);
        pyx_emit(&s, inputs);
        py_invisible_close(&s);
        py_format_stmt(&b, &s, 0);
        sb_buf_puts(&b, "\n\n");
        sb_buf_puts(&b, EDGE_FUNCTIONS);
        sb_buf_puts(&b, "\n\n");
        sb_buf_puts(&b, UNTIL_FUNCTION);
        sb_buf_puts(&b, "\n\n");
    }
    sb_buf_puts(&b, "def run(spark: SparkSession, config: Config) -> None:\n");
    sb_buf_puts(&b, "    \"\"\"Run the gems, each after the gems it reads from.\"\"\"\n");
    /* The expressions were checked with Spark SQL's default semantics up
     * to 3.5; Spark 4 turns ANSI mode on by default, which changes results
     * (errors instead of nulls on overflow and bad casts). */
    sb_buf_puts(&b, "    # Expressions follow Spark SQL's non-ANSI semantics (the default before Spark 4).\n"
                    "    spark.conf.set(\"spark.sql.ansi.enabled\", \"false\")\n");
    out_vars v = output_variables(a, pl);
    if (inst) sb_buf_puts(&b, "    needed = _needed(config.sibyl_until)\n");
    int depth = inst ? 2 : 1;
    for (size_t i = 0; i < pl->norder; i++) {
        const sb_gem *g = pl->order[i];
        if (inst) {
            py_stmt cond;
            py_stmt_init(&cond, a);
            py_kw(&cond, "if");
            pyx *in = pyx_bin(a, "in", pyx_str(a, g->name), pyx_name(a, "needed"));
            pyx_emit(&cond, pyx_bin(a, "or", pyx_bin(a, "is", pyx_name(a, "needed"), pyx_name(a, "None")), in));
            py_tok_add(&cond, PY_COLON, ":", 0);
            py_format_stmt(&b, &cond, 1);
        }
        /* an output nothing reads is not kept in a variable (unless its
         * edge is reported) */
        bool used = inst;
        for (size_t j = 0; j < pl->norder && !used; j++)
            for (size_t k = 0; k < pl->order[j]->ninputs; k++)
                if (pl->order[j]->inputs[k].from == g) used = true;
        py_stmt s;
        py_stmt_init(&s, a);
        if (!used) {
            /* a bare call */
        } else if (g->noutputs == 1) {
            py_name(&s, v.names[i][0]);
            py_tok_add(&s, PY_EQUAL, "=", 0);
        } else if (g->noutputs > 1) {
            py_invisible_open(&s);
            for (size_t k = 0; k < g->noutputs; k++) {
                if (k) py_tok_add(&s, PY_COMMA, ",", 0);
                py_name(&s, v.names[i][k]);
            }
            py_invisible_close(&s);
            py_tok_add(&s, PY_EQUAL, "=", 0);
        }
        if (g->noutputs && used) py_invisible_open(&s);
        py_name(&s, "gems");
        py_tok_add(&s, PY_DOT, ".", 0);
        py_name(&s, g->name);
        py_tok_add(&s, PY_LPAR, "(", 0);
        py_name(&s, "spark");
        py_tok_add(&s, PY_COMMA, ",", PYF_ARGS);
        py_name(&s, "config");
        for (size_t k = 0; k < g->ninputs; k++) {
            py_tok_add(&s, PY_COMMA, ",", PYF_ARGS);
            py_name(&s, input_variable(&v, &g->inputs[k]));
        }
        py_tok_add(&s, PY_RPAR, ")", 0);
        if (g->noutputs && used) py_invisible_close(&s);
        py_format_stmt(&b, &s, depth);
        if (inst) {
            for (size_t k = 0; k < g->noutputs; k++) {
                py_stmt e;
                py_stmt_init(&e, a);
                pyx *call = pyx_call(a, pyx_name(a, "_edge"), 0);
                pyx_arg(a, call, NULL, pyx_str(a, g->name));
                pyx_arg(a, call, NULL, pyx_str(a, g->outputs[k]));
                pyx_arg(a, call, NULL, pyx_name(a, v.names[i][k]));
                pyx_arg(a, call, NULL, pyx_name(a, "config"));
                pyx_emit(&e, call);
                py_format_stmt(&b, &e, depth);
            }
        }
    }
    sb_buf_puts(&b, "\n\ndef main(argv: list[str] | None = None) -> int:\n"
                    "    \"\"\"Run the pipeline with the configuration the arguments give.\"\"\"\n"
                    "    config = load_config(sys.argv[1:] if argv is None else argv)\n");
    py_stmt s;
    py_stmt_init(&s, a);
    py_name(&s, "spark");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx *app = pyx_method(a, pyx_attr(a, pyx_name(a, "SparkSession"), "builder"), "appName", 1);
    pyx_arg(a, app, NULL, pyx_str(a, pl->name));
    pyx_emit(&s, pyx_method(a, app, "getOrCreate", 0));
    py_invisible_close(&s);
    py_format_stmt(&b, &s, 1);
    sb_buf_puts(&b, "    run(spark, config)\n    return 0\n");
    add_buf(a, out, sb_arena_printf(a, "%s/pipeline.py", dir), &b);
}

/* ---- config.py ---------------------------------------------------------------- */

static const char *py_type_of(const sb_type *t)
{
    switch (t->kind) {
    case SB_T_BYTE:
    case SB_T_SHORT:
    case SB_T_INT:
    case SB_T_LONG: return "int";
    case SB_T_FLOAT:
    case SB_T_DOUBLE: return "float";
    case SB_T_BOOLEAN: return "bool";
    case SB_T_DATE: return "datetime.date";
    case SB_T_TIMESTAMP:
    case SB_T_TIMESTAMP_NTZ: return "datetime.datetime";
    case SB_T_DECIMAL: return "decimal.Decimal";
    default: return "str";
    }
}

/* In config.py decimals are decimal.Decimal, not Decimal. */
static pyx *config_value(sb_arena *a, const sb_project *p, const sb_json *v, const sb_type *t, sb_diags *d)
{
    py_imports imp = {0};
    px_ctx c = {.a = a, .d = d, .p = p, .imp = &imp};
    if (t->kind == SB_T_DECIMAL && v && (v->kind == SB_JSON_NUMBER || v->kind == SB_JSON_STRING)) {
        const char *s = v->kind == SB_JSON_NUMBER ? v->u.number.text : v->u.string.s;
        size_t n = v->kind == SB_JSON_NUMBER ? v->u.number.len : v->u.string.len;
        return py_decimal(a, pyx_attr(a, pyx_name(a, "decimal"), "Decimal"), s, n);
    }
    if (t->kind == SB_T_STRING && v && v->kind != SB_JSON_STRING && v->kind != SB_JSON_NULL) {
        sb_buf b = SB_BUF_INIT;
        sb_json_write_compact(&b, v);
        pyx *x = pyx_strn(a, text_of(&b), b.len);
        sb_buf_free(&b);
        return x;
    }
    if ((t->kind == SB_T_DOUBLE || t->kind == SB_T_FLOAT) && v && v->kind == SB_JSON_STRING)
        return NULL;
    return px_json_value(&c, v, t);
}

static void comment_lines(sb_buf *out, const char *text, int depth)
{
    /* `# text`, wrapped at 88 columns */
    size_t indent = (size_t)depth * 4;
    size_t col = 0;
    bool start = true;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == '\t') p++;
        if (!*p) break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\n' && *p != '\t') p++;
        size_t wl = (size_t)(p - w);
        if (!start && col + 1 + wl > 88) {
            sb_buf_putc(out, '\n');
            start = true;
        }
        if (start) {
            sb_buf_fill(out, ' ', indent);
            sb_buf_puts(out, "#");
            col = indent + 1;
            start = false;
        }
        sb_buf_putc(out, ' ');
        sb_buf_add(out, w, wl);
        col += 1 + wl;
    }
    if (!start) sb_buf_putc(out, '\n');
}

static int config_py(sb_arena *a, const sb_project *p, const sb_pipeline *pl, const sb_codegen_options *opt,
                     sb_gen_files *out, const char *dir, sb_diags *d)
{
    int rc = 0;
    bool inst = opt && opt->instrumented;
    sb_buf b = SB_BUF_INIT;
    module_doc(&b, a, sb_arena_printf(a, "Configuration of pipeline %s.", pl->name),
               "Every configuration variable of the project is a field of Config, with the "
               "default from sibyl.json. A run takes its values from, later ones winning: the "
               "defaults, the named configuration (--config NAME, one of CONFIGS), "
               "SIBYL_CONF_<NAME> environment variables, and --conf NAME=VALUE arguments. "
               "base_path is the directory that relative dataset paths start from.");
    sb_buf_puts(&b, "\nfrom __future__ import annotations\n\nimport argparse\nimport dataclasses\nimport datetime\nimport decimal\nimport os\n"
                    "from collections.abc import Mapping\nfrom typing import Any\n\n");
    py_stmt s;
    py_stmt_init(&s, a);
    py_name(&s, "PROG");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, pyx_str(a, pl->name));
    py_invisible_close(&s);
    py_format_stmt(&b, &s, 0);
    py_stmt_init(&s, a);
    py_name(&s, "DESCRIPTION");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, pyx_str(a, pl->description && *pl->description ? pl->description : pipeline_title(a, p, pl)));
    py_invisible_close(&s);
    py_format_stmt(&b, &s, 0);
    sb_buf_puts(&b, "\n\n@dataclasses.dataclass(frozen=True)\nclass Config:\n"
                    "    \"\"\"The pipeline's configuration variables.\"\"\"\n\n");
    comment_lines(&b, "Directory that relative dataset paths are read from and written to.", 1);
    sb_buf_puts(&b, "    base_path: str = \".\"\n");
    size_t nvars = p ? p->nvars : 0;
    for (size_t i = 0; i < nvars; i++) {
        const sb_config_var *v = &p->vars[i];
        if (!v->type) continue;
        if (v->description && *v->description) comment_lines(&b, v->description, 1);
        pyx *dv = v->default_value ? config_value(a, p, v->default_value, v->type, d) : NULL;
        py_stmt_init(&s, a);
        py_name(&s, v->name);
        py_tok_add(&s, PY_COLON, ":", 0);
        if (dv) {
            py_name(&s, py_type_of(v->type));
        } else {
            py_name(&s, sb_arena_printf(a, "%s | None", py_type_of(v->type)));
        }
        py_tok_add(&s, PY_EQUAL, "=", 0);
        py_invisible_open(&s);
        pyx_emit(&s, dv ? dv : pyx_name(a, "None"));
        py_invisible_close(&s);
        py_format_stmt(&b, &s, 1);
    }
    if (inst) {
        comment_lines(&b, "Rows printed per output in SIBYL-EDGE lines.", 1);
        sb_buf_puts(&b, "    sibyl_sample_rows: int = 20\n");
        comment_lines(&b, "Run only this gem and the gems upstream of it (--until); empty: all.", 1);
        sb_buf_puts(&b, "    sibyl_until: str = \"\"\n");
    }
    sb_buf_puts(&b, "\n\n");
    comment_lines(&b, "The Spark type of each variable, for reading values from text.", 0);
    pyx *types = pyx_list(a, PX_DICT, 0);
    pyx_arg(a, types, NULL, pyx_str(a, "base_path"));
    pyx_arg(a, types, NULL, pyx_str(a, "string"));
    for (size_t i = 0; i < nvars; i++) {
        if (!p->vars[i].type) continue;
        pyx_arg(a, types, NULL, pyx_str(a, p->vars[i].name));
        pyx_arg(a, types, NULL, pyx_str(a, sb_type_str(a, p->vars[i].type)));
    }
    if (inst) {
        pyx_arg(a, types, NULL, pyx_str(a, "sibyl_sample_rows"));
        pyx_arg(a, types, NULL, pyx_str(a, "int"));
        pyx_arg(a, types, NULL, pyx_str(a, "sibyl_until"));
        pyx_arg(a, types, NULL, pyx_str(a, "string"));
    }
    types->magic_comma = true;
    py_stmt_init(&s, a);
    py_name(&s, "TYPES");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, types);
    py_invisible_close(&s);
    py_format_stmt(&b, &s, 0);
    sb_buf_puts(&b, "\n");
    comment_lines(&b, "The values of each named configuration (configs/*.json of the project).", 0);
    pyx *configs = pyx_list(a, PX_DICT, 0);
    for (size_t i = 0; p && i < p->nconfigs; i++) {
        const sb_config_instance *ci = p->configs[i];
        pyx *vals = pyx_list(a, PX_DICT, 0);
        for (size_t k = 0; ci->values && ci->values->kind == SB_JSON_OBJECT && k < ci->values->u.object.len; k++) {
            const sb_json_member *m = &ci->values->u.object.members[k];
            const sb_config_var *var = sb_project_var(p, m->key);
            if (!var || !var->type) continue;
            pyx *x = config_value(a, p, m->value, var->type, d);
            if (!x) {
                gen_error(d, pl, NULL, NULL, "codegen-config", "configuration %s: the value of %s does not fit its type %s",
                          ci->name, m->key, sb_type_str(a, var->type));
                rc = -1;
                continue;
            }
            pyx_arg(a, vals, NULL, pyx_str(a, m->key));
            pyx_arg(a, vals, NULL, x);
        }
        if (vals->nargs) vals->magic_comma = true;
        pyx_arg(a, configs, NULL, pyx_str(a, ci->name));
        pyx_arg(a, configs, NULL, vals);
    }
    if (configs->nargs) configs->magic_comma = true;
    py_stmt_init(&s, a);
    py_name(&s, "CONFIGS");
    py_tok_add(&s, PY_COLON, ":", 0);
    py_name(&s, "dict[str, dict[str, Any]]");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, configs);
    py_invisible_close(&s);
    py_format_stmt(&b, &s, 0);
    sb_buf_puts(&b, "\n\n");
    if (inst) {
        /* The instrumented variant also takes --until GEM. */
        static const char *const EDITS[][2] = {
            {"    args = parser.parse_args(argv)\n",
             "    parser.add_argument(\n"
             "        \"--until\", metavar=\"GEM\", help=\"run only GEM and the gems upstream of it\"\n"
             "    )\n"
             "    args = parser.parse_args(argv)\n"},
            {"        values.update(CONFIGS[args.config])\n",
             "        values.update(CONFIGS[args.config])\n"
             "    if args.until:\n"
             "        values[\"sibyl_until\"] = args.until\n"},
        };
        const char *text = CONFIG_FUNCTIONS;
        for (size_t i = 0; i < SB_COUNTOF(EDITS); i++) {
            const char *at = strstr(text, EDITS[i][0]);
            if (!at) continue;
            text = sb_arena_printf(a, "%.*s%s%s", (int)(at - text), text, EDITS[i][1],
                                   at + strlen(EDITS[i][0]));
        }
        sb_buf_puts(&b, text);
    } else {
        sb_buf_puts(&b, CONFIG_FUNCTIONS);
    }
    add_buf(a, out, sb_arena_printf(a, "%s/config.py", dir), &b);
    return rc;
}

/* ---- small modules -------------------------------------------------------------- */

static void import_line(sb_buf *b, const char *module, const char *name)
{
    size_t len = strlen("from  import ") + strlen(module) + strlen(name);
    if (len <= 88)
        sb_buf_printf(b, "from %s import %s\n", module, name);
    else
        sb_buf_printf(b, "from %s import (\n    %s,\n)\n", module, name);
}

static void all_list(sb_arena *a, sb_buf *b, const char *const *names, size_t n)
{
    pyx *l = pyx_list(a, PX_LIST, 0);
    for (size_t i = 0; i < n; i++) pyx_arg(a, l, NULL, pyx_str(a, names[i]));
    py_stmt s;
    py_stmt_init(&s, a);
    py_name(&s, "__all__");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, l);
    py_invisible_close(&s);
    py_format_stmt(b, &s, 0);
}

/* isort's order: natural (digit runs by value), case-insensitive first. */
static int natural_cmp(const char *x, const char *y, bool fold)
{
    while (*x && *y) {
        if (isdigit((unsigned char)*x) && isdigit((unsigned char)*y)) {
            const char *xs = x, *ys = y;
            while (*xs == '0') xs++;
            while (*ys == '0') ys++;
            const char *xe = xs, *ye = ys;
            while (isdigit((unsigned char)*xe)) xe++;
            while (isdigit((unsigned char)*ye)) ye++;
            if (xe - xs != ye - ys) return (xe - xs) < (ye - ys) ? -1 : 1;
            int c = strncmp(xs, ys, (size_t)(xe - xs));
            if (c) return c;
            while (isdigit((unsigned char)*x)) x++;
            while (isdigit((unsigned char)*y)) y++;
            continue;
        }
        int cx = fold ? tolower((unsigned char)*x) : (unsigned char)*x;
        int cy = fold ? tolower((unsigned char)*y) : (unsigned char)*y;
        if (cx != cy) return cx < cy ? -1 : 1;
        x++, y++;
    }
    return *x ? 1 : *y ? -1 : 0;
}

static int import_cmp(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    int c = natural_cmp(a, b, true);
    return c ? c : natural_cmp(a, b, false);
}

/* __all__ as ruff sorts it: CONSTANTS, then Classes, then the rest. */
static int all_group(const char *s)
{
    bool upper = true, letter = false;
    for (const char *p = s; *p; p++) {
        if (islower((unsigned char)*p)) upper = false;
        if (isalpha((unsigned char)*p)) letter = true;
    }
    if (letter && upper) return 0;
    if (isupper((unsigned char)s[0])) return 1;
    return 2;
}

static int all_cmp(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    int ga = all_group(a), gb = all_group(b);
    if (ga != gb) return ga - gb;
    return natural_cmp(a, b, false);
}

static void small_modules(sb_arena *a, const sb_project *p, const sb_pipeline *pl, sb_gen_files *out,
                          const char *dir)
{
    const char *pkg = py_pipeline_package(pl);
    sb_buf b = SB_BUF_INIT;
    py_docstring(&b, a, 0, pipeline_title(a, p, pl));
    sb_buf_puts(&b, "\nfrom .pipeline import main, run\n\n__all__ = [\"main\", \"run\"]\n");
    add_buf(a, out, sb_arena_printf(a, "%s/__init__.py", dir), &b);

    py_docstring(&b, a, 0, sb_arena_printf(a, "Run pipeline %s: python -m %s [--config NAME] [--conf NAME=VALUE ...].", pl->name, pkg));
    sb_buf_puts(&b, "\nimport sys\n\n");
    import_line(&b, sb_arena_printf(a, "%s.pipeline", pkg), "main");
    sb_buf_puts(&b, "\nif __name__ == \"__main__\":\n    sys.exit(main())\n");
    add_buf(a, out, sb_arena_printf(a, "%s/__main__.py", dir), &b);

    /* gems/__init__.py: the gem functions, sorted by name */
    const char **names = sb_arena_alloc(a, (pl->ngems + 1) * sizeof(char *));
    for (size_t i = 0; i < pl->ngems; i++) names[i] = pl->gems[i]->name;
    qsort(names, pl->ngems, sizeof(char *), import_cmp);
    py_docstring(&b, a, 0, sb_arena_printf(a, "The gems of pipeline %s, one function per gem.", pl->name));
    sb_buf_putc(&b, '\n');
    for (size_t i = 0; i < pl->ngems; i++) import_line(&b, sb_arena_printf(a, ".%s", names[i]), names[i]);
    sb_buf_putc(&b, '\n');
    qsort(names, pl->ngems, sizeof(char *), all_cmp);
    all_list(a, &b, names, pl->ngems);
    add_buf(a, out, sb_arena_printf(a, "%s/gems/__init__.py", dir), &b);
}

static void pyproject(sb_arena *a, const sb_project *p, const sb_pipeline *pl, sb_gen_files *out)
{
    const char *pkg = py_pipeline_package(pl);
    sb_buf b = SB_BUF_INIT;
    const char *spark = p && p->spark ? p->spark : "3.5";
    sb_buf_printf(&b,
                  "[build-system]\n"
                  "requires = [\"setuptools>=61\"]\n"
                  "build-backend = \"setuptools.build_meta\"\n\n"
                  "[project]\n"
                  "name = \"%s\"\n"
                  "version = %s\n"
                  "description = %s\n"
                  "readme = \"README.md\"\n"
                  "requires-python = \">=3.9\"\n"
                  "dependencies = [\"pyspark>=%s\"]\n\n"
                  "[project.optional-dependencies]\n"
                  "test = [\"pytest\"]\n\n"
                  "[project.scripts]\n"
                  "%s = \"%s.pipeline:main\"\n\n"
                  "[tool.setuptools.packages.find]\n"
                  "where = [\"src\"]\n\n"
                  "[tool.ruff]\n"
                  "src = [\"src\"]\n",
                  pkg, toml_string(a, p && p->version ? p->version : "0.1.0"),
                  toml_string(a, pl->description && *pl->description ? pl->description : pipeline_title(a, p, pl)),
                  spark, pkg, pkg);
    add_buf(a, out, sb_arena_printf(a, "%s/pyproject.toml", pkg), &b);
}

static void readme(sb_arena *a, const sb_project *p, const sb_pipeline *pl, const sb_codegen_options *opt,
                   sb_gen_files *out)
{
    const char *pkg = py_pipeline_package(pl);
    sb_buf b = SB_BUF_INIT;
    sb_buf_printf(&b, "# %s\n\n", pkg);
    if (pl->description && *pl->description) sb_buf_printf(&b, "%s\n\n", pl->description);
    sb_buf_printf(&b,
                  "Pipeline `%s` of the sibyl project `%s`, generated as plain PySpark from\n"
                  "`%s`. It needs only `pyspark` (%s or later); do not edit it by hand:\n"
                  "change the pipeline and run `sibyl gen` again.\n\n",
                  pl->name, p && p->name ? p->name : "?", pl->file ? pl->file : "?",
                  p && p->spark ? p->spark : "3.5");
    if (opt && opt->instrumented)
        sb_buf_puts(&b, "This is the instrumented variant: after every gem it prints one\n"
                        "`SIBYL-EDGE {json}` line per output with the row count, the first\n"
                        "`sibyl_sample_rows` rows, the schema and the milliseconds taken.\n\n");
    sb_buf_printf(&b,
                  "## Running\n\n"
                  "You need Java 17 or later (Spark 3.5 also runs on 8 and 11) and pyspark, which\n"
                  "also brings `spark-submit`:\n\n"
                  "```sh\n"
                  "python -m pip install 'pyspark>=3.5'\n"
                  "```\n\n"
                  "Relative dataset paths start from `base_path`, the project directory by\n"
                  "default (`.`): run from the project directory, or pass\n"
                  "`--conf base_path=/path/to/project`.\n\n"
                  "With Python (a local Spark from the pyspark package):\n\n"
                  "```sh\n"
                  "cd <project>\n"
                  "PYTHONPATH=generated/%s/src python -m %s --config dev\n"
                  "```\n\n"
                  "With `spark-submit` (any master):\n\n"
                  "```sh\n"
                  "cd generated/%s && python -m pip wheel --no-deps -w dist .\n"
                  "spark-submit --py-files dist/%s-*.whl src/%s/__main__.py \\\n"
                  "    --conf base_path=/path/to/project --config prod\n"
                  "```\n\n"
                  "Installed (`pip install .`), the command `%s` runs it too.\n\n"
                  "## Configuration\n\n"
                  "Values come from, later ones winning: the defaults, `--config NAME`,\n"
                  "`SIBYL_CONF_<NAME>` environment variables, and `--conf NAME=VALUE`.\n\n"
                  "| name | type | default | description |\n"
                  "|---|---|---|---|\n"
                  "| `base_path` | string | `.` | Directory that relative dataset paths start from |\n",
                  pkg, pkg, pkg, pkg, pkg, pkg);
    for (size_t i = 0; p && i < p->nvars; i++) {
        const sb_config_var *v = &p->vars[i];
        sb_buf dv = SB_BUF_INIT;
        if (v->default_value) sb_json_write_compact(&dv, v->default_value);
        sb_buf_printf(&b, "| `%s` | %s | %s%s%s | %s |\n", v->name, v->type ? sb_type_str(a, v->type) : "?",
                      dv.len ? "`" : "", dv.len ? text_of(&dv) : "(none)", dv.len ? "`" : "",
                      v->description ? v->description : "");
        sb_buf_free(&dv);
    }
    if (opt && opt->instrumented) sb_buf_puts(&b, "| `sibyl_sample_rows` | int | `20` | Rows printed per output |\n");
    if (p && p->nconfigs) {
        sb_buf_puts(&b, "\nNamed configurations:");
        for (size_t i = 0; i < p->nconfigs; i++) sb_buf_printf(&b, "%s `%s`", i ? "," : "", p->configs[i]->name);
        sb_buf_puts(&b, ".\n");
    }
    sb_buf_printf(&b,
                  "\n## Tests\n\n"
                  "```sh\n"
                  "cd generated/%s && PYTHONPATH=src python -m pytest tests\n"
                  "```\n\n"
                  "Every gem runs on small data built from its input schema, and its output\n"
                  "must have the columns and types sibyl planned. Sources read the project's\n"
                  "data (`SIBYL_PROJECT_DIR`, by default the project this was generated from).\n",
                  pkg);
    add_buf(a, out, sb_arena_printf(a, "%s/README.md", pkg), &b);
}

/* ---- tests/test_<pipeline>.py ------------------------------------------------------ */

static pyx *schema_pairs(sb_arena *a, const sb_type *schema)
{
    pyx *l = pyx_list(a, PX_LIST, 0);
    for (size_t i = 0; schema && i < schema->nfields; i++) {
        pyx *t = pyx_list(a, PX_TUPLE, 0);
        pyx_arg(a, t, NULL, pyx_str(a, schema->fields[i].name));
        pyx_arg(a, t, NULL, pyx_str(a, sb_type_str(a, schema->fields[i].type)));
        pyx_arg(a, l, NULL, t);
    }
    return l;
}

static const char *ddl_no_nulls(sb_arena *a, const sb_type *schema)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; schema && i < schema->nfields; i++) {
        if (i) sb_buf_puts(&b, ", ");
        sb_buf_printf(&b, "%s %s", py_ddl_ident(a, schema->fields[i].name), sb_type_str(a, schema->fields[i].type));
    }
    const char *r = sb_arena_strdup(a, text_of(&b));
    sb_buf_free(&b);
    return r;
}

static void assert_schema(sb_arena *a, sb_buf *b, const char *var, const sb_type *schema)
{
    py_stmt s;
    py_stmt_init(&s, a);
    py_kw(&s, "assert");
    py_invisible_open(&s);
    pyx_emit(&s, pyx_bin(a, "==", pyx_call1(a, pyx_name(a, "schema_of"), pyx_name(a, var)), schema_pairs(a, schema)));
    py_invisible_close(&s);
    py_format_stmt(b, &s, 1);
}

static void tests_py(sb_arena *a, const sb_project *p, const sb_pipeline *pl, sb_gen_files *out,
                     const char *project_dir)
{
    const char *pkg = py_pipeline_package(pl);
    sb_buf b = SB_BUF_INIT;
    py_docstring(&b, a, 0, sb_arena_printf(a, "Every gem of pipeline %s on small data, checked against the planned schemas.", pl->name));
    /* Only tests of Source gems catch AnalysisException (data not present). */
    bool any_source = false;
    for (size_t i = 0; i < pl->ngems; i++) any_source |= pl->gems[i]->kind == SB_GEM_SOURCE;
    sb_buf_puts(&b, "\nimport os\n\nimport pytest\n");
    if (any_source) sb_buf_puts(&b, "from pyspark.errors import AnalysisException\n");
    sb_buf_puts(&b, "from pyspark.sql import SparkSession\n\n");
    import_line(&b, pkg, "gems");
    import_line(&b, sb_arena_printf(a, "%s.config", pkg), "Config");
    sb_buf_putc(&b, '\n');
    /* PROJECT_DIR = os.environ.get("SIBYL_PROJECT_DIR", os.path.join(HERE, "..", ...)) */
    pyx *join = pyx_call(a, pyx_attr(a, pyx_attr(a, pyx_name(a, "os"), "path"), "join"), 0);
    pyx_arg(a, join, NULL, pyx_call1(a, pyx_attr(a, pyx_attr(a, pyx_name(a, "os"), "path"), "dirname"), pyx_name(a, "__file__")));
    {
        const char *s = project_dir;
        while (*s) {
            const char *slash = strchr(s, '/');
            size_t n = slash ? (size_t)(slash - s) : strlen(s);
            if (n) pyx_arg(a, join, NULL, pyx_strn(a, s, n));
            s += n;
            if (*s == '/') s++;
        }
    }
    pyx *get = pyx_call(a, pyx_attr(a, pyx_attr(a, pyx_name(a, "os"), "environ"), "get"), 0);
    pyx_arg(a, get, NULL, pyx_str(a, "SIBYL_PROJECT_DIR"));
    pyx_arg(a, get, NULL, join);
    py_stmt s;
    py_stmt_init(&s, a);
    py_name(&s, "PROJECT_DIR");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, get);
    py_invisible_close(&s);
    py_format_stmt(&b, &s, 0);
    sb_buf_printf(&b,
                  "\n\n@pytest.fixture(scope=\"session\")\n"
                  "def spark():\n"
                  "    session = (\n"
                  "        SparkSession.builder.master(\"local[1]\")\n"
                  "        .config(\"spark.sql.shuffle.partitions\", \"1\")\n"
                  "        .config(\"spark.ui.enabled\", \"false\")\n"
                  "        .config(\"spark.sql.ansi.enabled\", \"false\")\n"
                  "        .getOrCreate()\n"
                  "    )\n"
                  "    yield session\n"
                  "    session.stop()\n\n\n"
                  "@pytest.fixture\n"
                  "def config():\n"
                  "    return Config(base_path=PROJECT_DIR)\n\n\n"
                  "def schema_of(df):\n"
                  "    return [(f.name, f.dataType.simpleString()) for f in df.schema.fields]\n");
    for (size_t i = 0; i < pl->norder; i++) {
        const sb_gem *g = pl->order[i];
        bool target = g->kind == SB_GEM_TARGET;
        sb_buf_printf(&b, "\n\ndef test_%s(spark, %s):\n", g->name, target ? "tmp_path" : "config");
        if (target) sb_buf_puts(&b, "    config = Config(base_path=str(tmp_path))\n");
        for (size_t k = 0; k < g->ninputs; k++) {
            const sb_type *in = sb_plan_input_schema(g, k);
            py_stmt_init(&s, a);
            py_name(&s, sb_arena_printf(a, "in%zu", k));
            py_tok_add(&s, PY_EQUAL, "=", 0);
            py_invisible_open(&s);
            pyx *list = pyx_list(a, PX_LIST, 0);
            pyx_emit(&s, pyx_call2(a, pyx_attr(a, pyx_name(a, "spark"), "createDataFrame"), list,
                                   pyx_str(a, ddl_no_nulls(a, in))));
            py_invisible_close(&s);
            py_format_stmt(&b, &s, 1);
        }
        pyx *call = pyx_call(a, pyx_attr(a, pyx_name(a, "gems"), g->name), 0);
        pyx_arg(a, call, NULL, pyx_name(a, "spark"));
        pyx_arg(a, call, NULL, pyx_name(a, "config"));
        for (size_t k = 0; k < g->ninputs; k++) pyx_arg(a, call, NULL, pyx_name(a, sb_arena_printf(a, "in%zu", k)));
        if (target) {
            py_stmt_init(&s, a);
            pyx_emit(&s, call);
            py_format_stmt(&b, &s, 1);
            sb_buf_puts(&b, "    assert any(tmp_path.rglob(\"*\"))\n");
            continue;
        }
        bool source = g->kind == SB_GEM_SOURCE;
        int depth = 1;
        if (source) {
            sb_buf_puts(&b, "    try:\n");
            depth = 2;
        }
        py_stmt_init(&s, a);
        if (g->noutputs == 1) {
            py_name(&s, "out");
        } else {
            py_invisible_open(&s);
            for (size_t k = 0; k < g->noutputs; k++) {
                if (k) py_tok_add(&s, PY_COMMA, ",", 0);
                py_name(&s, sb_arena_printf(a, "out%zu", k));
            }
            py_invisible_close(&s);
        }
        py_tok_add(&s, PY_EQUAL, "=", 0);
        py_invisible_open(&s);
        pyx_emit(&s, call);
        py_invisible_close(&s);
        py_format_stmt(&b, &s, depth);
        if (source)
            sb_buf_puts(&b, "    except AnalysisException as error:\n"
                            "        pytest.skip(f\"the data is not here: {error}\")\n");
        for (size_t k = 0; k < g->noutputs; k++) {
            const char *var = g->noutputs == 1 ? "out" : sb_arena_printf(a, "out%zu", k);
            assert_schema(a, &b, var, g->out_schemas ? g->out_schemas[k] : NULL);
            if (!source) sb_buf_printf(&b, "    %s.collect()\n", var);
        }
    }
    add_buf(a, out, sb_arena_printf(a, "%s/tests/test_%s.py", pkg, pkg), &b);
}

/* ---- the package ------------------------------------------------------------------ */

int py_project_files(sb_arena *a, const sb_project *p, const sb_pipeline *pl,
                     const sb_codegen_options *opt, sb_gen_files *out, sb_diags *d,
                     const char *project_dir)
{
    const char *pkg = py_pipeline_package(pl);
    const char *dir = sb_arena_printf(a, "%s/src/%s", pkg, pkg);
    int rc = 0;
    pyproject(a, p, pl, out);
    readme(a, p, pl, opt, out);
    small_modules(a, p, pl, out, dir);
    pipeline_py(a, p, pl, opt, out, dir);
    if (config_py(a, p, pl, opt, out, dir, d) != 0) rc = -1;
    for (size_t i = 0; i < pl->ngems; i++) {
        const sb_gem *g = pl->gems[i];
        sb_buf b = SB_BUF_INIT;
        if (py_gem_module(a, p, pl, g, opt, &b, d) != 0) rc = -1;
        add_buf(a, out, sb_arena_printf(a, "%s/gems/%s.py", dir, g->name), &b);
    }
    tests_py(a, p, pl, out, project_dir);
    return rc;
}
