"""run_examples.py — prove sibyl's generated PySpark on real Spark: for every
project with goldens (tests/golden/, derived by tests/spark/goldens.py from
the reference executor), generate the code with `sibyl gen`, run it on local
Spark and compare what it computes with the goldens.

Checks, per project:

  schema    `sibyl schema --format json` for every pipeline: each gem
            output's column names and types equal those Spark produced
            (nullability differences are listed, not failed). Needs only the
            sibyl binary, so it runs before `gen` exists.
  gen       `sibyl gen <project> --out <tmp>/gen` and, for the instrumented
            variant, `--instrumented --out <tmp>/inst`.
  run       each pipeline's package as `python -m <pipeline>` in a fresh
            working directory (the project's files linked, out/ empty): in a
            child python for the first pipeline of a project (--subprocess),
            in this process on its SparkSession for the others; its
            Targets, read back with Spark, equal the target goldens (rows as
            multisets, exact values, same column names and types).
  edges     the instrumented variant, run in this process on the shared
            SparkSession: every `SIBYL-EDGE {json}` line it prints gives an
            edge's row count and sample; every edge of the goldens must be
            reported, with the golden count, and each sample row must be one
            of the golden rows (for ordered edges, the first rows in order).
  configs   with `--config NAME` for the first configs/NAME.json (all with
            --all-configs): the Targets equal the config-NAME/ goldens.
  rerun     for a pipeline with a Target that does not overwrite, a second
            run in the same directory: overwrite and ignore Targets
            unchanged, append Targets doubled, and a pipeline with an error
            Target fails.
  pytest    the generated tests/ of every pipeline.
  ruff      `ruff check` on the generated code.

The SIBYL-EDGE record (docs/fabrics.md) is read leniently: the edge as
"gem" and "port" (port "out" is the gem's single output) or as "edge"
("gem" or "gem.port"); the row count as "count"; the sample as "rows" (or
"sample"): a list of rows, each an object keyed by column (a missing key is
null) or an array in column order; the schema, when given, as a list of
{"name", "type"} or a simpleString. Sample values may be in the goldens'
encoding or the way Spark writes JSON (decimals as numbers,
timestamps with 'T' and a zone, binary as base64, "nan" and "inf").

    tests/spark/run_examples.sh [--only retail[/clean_orders]] [--spark4] [--keep]
    tests/spark/run_examples.sh --self-test     # the comparisons, against the reference

Exit status 0 when everything matched (or when `sibyl gen` does not exist
yet: then only the schema check runs and the rest is reported as skipped),
1 on any mismatch.
"""
import argparse
import contextlib
import decimal
import io
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import goldens as golden_files
import sparkutil
from reference import PipelineRun, Project, read_dataset, substitute

SAMPLE_KEYS = ("rows", "sample", "samples")
COUNT_KEYS = ("count", "row_count", "num_rows")


class Report:
    def __init__(self, quiet=False):
        self.quiet = quiet
        self.pipelines = 0
        self.targets = 0
        self.edges = 0
        self.schemas = 0
        self.ran = []
        self.problems = []
        self.notes = []
        self.skipped = []

    def fail(self, where, msg):
        self.problems.append(f"{where}: {msg}")
        if not self.quiet:
            print(f"  FAIL {where}: {msg.splitlines()[0] if msg else ''}", flush=True)


# ---------------------------------------------------------------------------
# sibyl


def find_sibyl(explicit):
    cands = [explicit] if explicit else [os.environ.get("SIBYL"),
                                         os.path.join(sparkutil.ROOT, "build", "sibyl"),
                                         os.path.join(sparkutil.ROOT, "build-spark", "sibyl")]
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def has_command(sibyl, name):
    p = subprocess.run([sibyl, "--help"], capture_output=True, text=True)
    return re.search(rf"^\s+{re.escape(name)}\s", p.stdout + p.stderr, re.MULTILINE) is not None


_PRINT_TYPES = {"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint"}


def norm_type(t):
    """Type text as simpleString writes it (printSchema's names mapped)."""
    t = re.sub(r"\s+", "", t)
    # Not a struct field that happens to be called `short`.
    return re.sub(r"\b(integer|long|short|byte)\b(?!:)", lambda m: _PRINT_TYPES[m.group(1)], t)


def check_schemas(sibyl, key, path, pipeline, meta, gdir, report):
    where = f"{key}/{pipeline} schema"
    p = subprocess.run([sibyl, "schema", "--format", "json", path, pipeline], capture_output=True, text=True)
    if p.returncode != 0:
        report.fail(where, f"sibyl schema exited {p.returncode}: {p.stderr.strip()[:500]}")
        return
    gems = {g["gem"]: g for g in json.loads(p.stdout)}
    for edge, info in meta["edges"].items():
        gem, _, port = edge.partition(".")
        port = port or "out"
        header, _ = sparkutil.read_golden(os.path.join(gdir, info["file"]))
        outs = {o["port"]: o for o in gems.get(gem, {}).get("outputs", [])}
        if port not in outs:
            report.fail(where, f"{edge}: sibyl schema has no output {port} of gem {gem}")
            continue
        got = outs[port].get("schema")
        if got is None:
            report.fail(where, f"{edge}: sibyl gives no schema")
            continue
        mine = [(c["name"], norm_type(c["type"])) for c in got]
        spark_cols = [(f["name"], norm_type(_json_type(f["type"]))) for f in header["schema_json"]["fields"]]
        if mine != spark_cols:
            report.fail(where, f"{edge}: sibyl says {_struct(mine)}\n    Spark gives {_struct(spark_cols)}")
            continue
        report.schemas += 1
        nulls = [f"{c['name']} (sibyl {c.get('nullable')}, Spark {f['nullable']})"
                 for c, f in zip(got, header["schema_json"]["fields"])
                 if "nullable" in c and c["nullable"] != f["nullable"]]
        if nulls:
            report.notes.append(f"{key}/{pipeline} {edge}: nullability differs: {', '.join(nulls)}")


def _json_type(t):
    from pyspark.sql import types as T

    return T._parse_datatype_json_value(t).simpleString()


def _struct(cols):
    return "struct<" + ",".join(f"{n}:{t}" for n, t in cols) + ">"


# ---------------------------------------------------------------------------
# Running an implementation of a pipeline


def prepare_workdir(project_path, work):
    """A fresh working directory that sees the project's files (linked) but
    has its own out/."""
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    for name in os.listdir(project_path):
        if name == "out" or name.startswith("."):
            continue
        os.symlink(os.path.join(project_path, name), os.path.join(work, name))
    return work


class Outcome:
    def __init__(self, ok, stdout="", error=""):
        self.ok = ok
        self.stdout = stdout
        self.error = error


class GeneratedImpl:
    """The packages `sibyl gen` wrote: <root>/<pipeline>/src/<pipeline>/."""

    def __init__(self, spark, root, python=sys.executable):
        self.spark = spark
        self.root = root
        self.python = python

    def src(self, pipeline):
        return os.path.join(self.root, pipeline, "src")

    def exists(self, pipeline):
        return os.path.isdir(os.path.join(self.src(pipeline), pipeline))

    def run_subprocess(self, project, pipeline, work, args):
        env = sparkutil.spark_env(baseline_ansi=False)
        env["PYTHONPATH"] = self.src(pipeline) + os.pathsep + env.get("PYTHONPATH", "")
        p = subprocess.run([self.python, "-m", pipeline, *args], cwd=work, env=env,
                           capture_output=True, text=True, timeout=900)
        err = "" if p.returncode == 0 else f"exit status {p.returncode}\n{_tail(p.stderr)}"
        return Outcome(p.returncode == 0, p.stdout, err)

    def run_inprocess(self, project, pipeline, work, args, instrumented=None):
        """`python -m <pipeline> args` inside this process, on the shared
        SparkSession (its stop() disabled for the call), stdout captured.
        The JVM keeps the directory it started in, so relative paths would
        not start from `work`: base_path says where the project is."""
        args = [*args, "--conf", f"base_path={work}"]
        from pyspark.sql import SparkSession

        src = self.src(pipeline)
        saved = (list(sys.argv), os.getcwd(), list(sys.path), SparkSession.stop)
        _purge(pipeline)
        out = io.StringIO()
        ok, err = True, ""
        self.spark.conf.unset("spark.sql.ansi.enabled")
        try:
            sys.argv = [pipeline, *args]
            sys.path.insert(0, src)
            os.chdir(work)
            SparkSession.stop = lambda self_: None
            with contextlib.redirect_stdout(out):
                runpy.run_module(pipeline, run_name="__main__", alter_sys=True)
        except SystemExit as e:
            if e.code not in (None, 0):
                ok, err = False, f"exit status {e.code}"
        except BaseException:
            ok, err = False, _tail(traceback.format_exc())
        finally:
            sys.argv, cwd, sys.path[:], SparkSession.stop = saved[0], saved[1], saved[2], saved[3]
            os.chdir(cwd)
            _purge(pipeline)
            sparkutil.reset_session(self.spark)
        return Outcome(ok, out.getvalue(), err)


def _purge(pkg):
    for m in [m for m in sys.modules if m == pkg or m.startswith(pkg + ".")]:
        del sys.modules[m]


def _tail(text, n=30):
    lines = text.rstrip().splitlines()
    return "\n".join(lines[-n:])


class ReferenceImpl:
    """The reference executor posing as generated code (--self-test): it
    writes the Targets and, when instrumented, prints SIBYL-EDGE records the
    way Spark writes JSON (sparkutil.spark_json_rows). `corrupt` changes its results, to show
    that the comparisons catch a difference."""

    def __init__(self, spark, corrupt=False):
        self.spark = spark
        self.corrupt = corrupt

    def exists(self, pipeline):
        return True

    def _run(self, project, pipeline, work, args, instrumented):
        config, overrides = _parse_args(args)
        variables = project.variables(config, overrides)
        sparkutil.reset_session(self.spark)
        run = PipelineRun(self.spark, project, pipeline, variables, out_base=work).execute()
        out = io.StringIO()
        try:
            if self.corrupt:
                _corrupt(run)
            if instrumented:
                for name in sorted(run.edges):
                    df = run.edges[name].df
                    rows = ",".join(sparkutil.spark_json_rows(df, 10))
                    head = json.dumps({"edge": name, "count": df.count(), "schema": df.schema.simpleString()})
                    print(f"{sparkutil.EDGE_PREFIX}{head[:-1]}, \"sample\": [{rows}]}}", file=out)
            run.write_targets(work)
            return Outcome(True, out.getvalue())
        except Exception as e:
            return Outcome(False, out.getvalue(), f"{type(e).__name__}: {str(e)[:300]}")
        finally:
            run.unpersist()

    def run_subprocess(self, project, pipeline, work, args):
        return self._run(project, pipeline, work, args, instrumented=False)

    def run_inprocess(self, project, pipeline, work, args, instrumented=False):
        return self._run(project, pipeline, work, args, instrumented=instrumented)


def _corrupt(run):
    """Small wrong answers: every other edge loses its last row, the others
    keep their count but get an "x" appended to every string; the Targets'
    doubles are rounded."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    for i, (name, e) in enumerate(sorted(run.edges.items())):
        n = e.df.count()
        if i % 2 == 0 and n > 1:
            e.df = e.df.limit(n - 1)
        else:
            e.df = e.df.select(*[F.concat(F.col(f"`{f.name}`"), F.lit("x")).alias(f.name)
                                 if isinstance(f.dataType, T.StringType) else F.col(f"`{f.name}`")
                                 for f in e.df.schema.fields])
    for e, _, _ in run.targets.values():
        cols = [F.round(F.col(f"`{f.name}`"), 0).alias(f.name) if isinstance(f.dataType, T.DoubleType)
                else F.col(f"`{f.name}`") for f in e.df.schema.fields]
        e.df = e.df.select(*cols)


def _parse_args(args):
    config, overrides = None, {}
    i = 0
    while i < len(args):
        if args[i] == "--config":
            config = args[i + 1]
            i += 2
        elif args[i] == "--conf":
            k, _, v = args[i + 1].partition("=")
            overrides[k] = v
            i += 2
        else:
            i += 1
    return config, overrides


# ---------------------------------------------------------------------------
# Comparisons


def target_path(project, meta_target, variables, work):
    ds = project.datasets[meta_target["dataset"]]
    p = substitute(ds["path"], variables, in_sql=False)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", p) or os.path.isabs(p):
        return p
    return os.path.join(work, p)


def read_target_rows(spark, project, meta_target, header, path):
    """(schema, serialized rows) of a Target's output: Parquet as written,
    CSV and JSON with the golden's schema."""
    ds = project.datasets[meta_target["dataset"]]
    gem = {"partitionBy": meta_target.get("partitionBy", [])}
    schema = None if ds["format"] == "parquet" else sparkutil.golden_schema(header)
    df = read_dataset(spark, (None, ds, gem), path, schema)
    return df.schema, sparkutil.encode_rows(df.collect(), df.schema)


def compare_targets(spark, project, variables, meta, gdir, work, where, report, multiplier=None,
                    sub="", count=True):
    """Every Target's output in `work` against its golden. `multiplier`
    maps a target to how many copies of the golden rows to expect."""
    ok = True
    for name, mt in sorted(meta["targets"].items()):
        gpath = os.path.join(gdir, sub, mt["file"])
        header, lines = sparkutil.read_golden(gpath)
        path = target_path(project, mt, variables, work)
        if not os.path.exists(path):
            report.fail(where, f"target {name}: nothing written at {os.path.relpath(path, work)}")
            ok = False
            continue
        try:
            schema, got = read_target_rows(spark, project, mt, header, path)
        except Exception as e:
            report.fail(where, f"target {name}: cannot read {path}: {type(e).__name__}: {str(e)[:300]}")
            ok = False
            continue
        k = (multiplier or {}).get(name, 1)
        exp = lines * k
        problems = []
        if schema.simpleString() != header["schema"]:
            problems.append(f"schema {schema.simpleString()}\n    expected {header['schema']}")
        elif not header.get("stable", True):
            if len(got) != len(exp):
                problems.append(f"{len(got)} rows, expected {len(exp)}")
        else:
            problems += sparkutil.compare_lines(exp, got)
        if problems:
            report.fail(where, f"target {name} ({mt['format']} {mt['dataset']}): " + "\n    ".join(problems))
            ok = False
        elif count:
            report.targets += 1
    return ok


def parse_edges(stdout):
    recs = {}
    bad = []
    for line in stdout.splitlines():
        if not line.startswith(sparkutil.EDGE_PREFIX):
            continue
        try:
            # Decimals printed as JSON numbers keep every digit.
            rec = json.loads(line[len(sparkutil.EDGE_PREFIX):], parse_float=decimal.Decimal)
        except ValueError as e:
            bad.append(f"unparsable SIBYL-EDGE line ({e}): {line[:200]}")
            continue
        edge = rec.get("edge") or rec.get("id") or rec.get("output")
        if edge is None and "gem" in rec:
            edge = rec["gem"] + ("." + rec["port"] if rec.get("port") else "")
        if not isinstance(edge, str):
            bad.append(f"SIBYL-EDGE line without an edge name: {line[:200]}")
            continue
        edge = edge.removesuffix(".out")
        recs[edge] = rec
    return recs, bad


def compare_edges(stdout, meta, gdir, where, report):
    recs, bad = parse_edges(stdout)
    for b in bad:
        report.fail(where, b)
    ok = not bad
    for edge, info in sorted(meta["edges"].items()):
        header, lines = sparkutil.read_golden(os.path.join(gdir, info["file"]))
        rec = recs.pop(edge, None)
        if rec is None:
            report.fail(where, f"edge {edge}: no SIBYL-EDGE record")
            ok = False
            continue
        problems = []
        count = next((rec[k] for k in COUNT_KEYS if k in rec), None)
        if count != header["count"]:
            problems.append(f"count {count}, expected {header['count']}")
        sample = next((rec[k] for k in SAMPLE_KEYS if k in rec), None)
        sch = rec.get("schema")
        if isinstance(sch, list):
            # [{"name", "type", "nullable"}]: names and types as Spark's.
            try:
                sch = _struct([(c["name"], norm_type(c["type"])) for c in sch])
            except (KeyError, TypeError):
                problems.append(f"schema is not a list of columns: {str(sch)[:200]}")
                sch = None
        if isinstance(sch, str) and sch.startswith("struct<") and sch != header["schema"]:
            problems.append(f"schema {sch}\n    expected {header['schema']}")
        if sample is not None and header.get("stable", True):
            if not isinstance(sample, list):
                problems.append("sample is not a list of rows")
            else:
                schema = sparkutil.golden_schema(header)
                if sample and isinstance(sample[0], list) and isinstance(rec.get("columns"), list):
                    sample = [dict(zip(rec["columns"], r)) for r in sample]
                miss, matched = sparkutil.match_sample(lines, sample, schema)
                problems += miss
                if not miss and header.get("ordered"):
                    ranks = header["ranks"]
                    got = [ranks[i] for i in matched]
                    if got != ranks[:len(got)]:
                        problems.append(f"sample of an ordered edge is not its first rows in order "
                                        f"(sort key ranks {got[:12]}, expected {ranks[:len(got)][:12]})")
        if problems:
            report.fail(where, f"edge {edge}: " + "\n    ".join(problems))
            ok = False
        else:
            report.edges += 1
    for edge in sorted(recs):
        report.notes.append(f"{where}: SIBYL-EDGE for {edge}, which has no golden")
    return ok


# ---------------------------------------------------------------------------
# Per project


def run_project(args, spark, sibyl, gen_ok, corrupt, key, path, report, tmp):
    project = Project(path)
    gbase = os.path.join(args.golden_dir, key)
    pipelines = [p for p in sorted(project.pipelines)
                 if golden_files.selected(args.only, key, p)
                 and os.path.isfile(os.path.join(gbase, p, "pipeline.json"))]
    missing = [p for p in sorted(project.pipelines) if golden_files.selected(args.only, key, p)
               and p not in pipelines]
    for p in missing:
        report.fail(f"{key}/{p}", "no goldens (run scripts/gen-goldens.sh)")
    if not pipelines:
        return
    metas = {}
    for p in pipelines:
        with open(os.path.join(gbase, p, "pipeline.json"), encoding="utf-8") as f:
            metas[p] = json.load(f)

    if sibyl and not args.self_test and not args.no_schema:
        for p in pipelines:
            check_schemas(sibyl, key, path, p, metas[p], os.path.join(gbase, p), report)

    if args.self_test:
        impl = inst = ReferenceImpl(spark, corrupt=corrupt)
    elif not gen_ok:
        return
    else:
        gen_dir, inst_dir = os.path.join(tmp, key, "gen"), os.path.join(tmp, key, "inst")
        for out, extra in ((gen_dir, []), (inst_dir, ["--instrumented"])):
            p = subprocess.run([sibyl, "gen", path, "--out", out, *extra], capture_output=True, text=True)
            if p.returncode != 0:
                report.fail(f"{key} gen{' --instrumented' if extra else ''}",
                            f"sibyl gen exited {p.returncode}\n{_tail(p.stderr + p.stdout)}")
                return
        impl, inst = GeneratedImpl(spark, gen_dir), GeneratedImpl(spark, inst_dir)

    for p in pipelines:
        t0 = time.time()
        meta, gdir = metas[p], os.path.join(gbase, p)
        where = f"{key}/{p}"
        if not impl.exists(p) or not inst.exists(p):
            report.fail(where, "sibyl gen wrote no package for this pipeline")
            continue
        report.pipelines += 1
        report.ran.append(where)
        variables = project.variables()

        # run: the real `python -m`, unless told to stay in this process.
        work = prepare_workdir(path, os.path.join(tmp, key, "work", p, "run"))
        child = args.subprocess == "all" or (args.subprocess == "first" and p == pipelines[0])
        if child:
            o = impl.run_subprocess(project, p, work, [])
        else:
            o = impl.run_inprocess(project, p, work, [], instrumented=False)
        if not o.ok:
            report.fail(where + " run", o.error)
        else:
            compare_targets(spark, project, variables, meta, gdir, work, where + " run", report)
            # rerun: the save modes, in the same directory (a pipeline that
            # only overwrites would just do the same again).
            if not args.no_rerun and any(mt["mode"] != "overwrite" for mt in meta["targets"].values()):
                check_rerun(impl, spark, project, p, meta, gdir, work, variables, where + " rerun", report)

        # edges: the instrumented variant.
        if not args.no_edges:
            iwork = prepare_workdir(path, os.path.join(tmp, key, "work", p, "inst"))
            o = inst.run_inprocess(project, p, iwork, [], instrumented=True)
            if not o.ok:
                report.fail(where + " instrumented", o.error)
            else:
                compare_edges(o.stdout, meta, gdir, where + " instrumented", report)
                written = [n for n, mt in meta["targets"].items()
                           if os.path.exists(target_path(project, mt, variables, iwork))]
                if written:
                    compare_targets(spark, project, variables, meta, gdir, iwork,
                                    where + " instrumented", report, count=False)

        # configs
        if not args.no_configs:
            configs = meta.get("configs", [])
            for cname in configs if args.all_configs else configs[:1]:
                cwork = prepare_workdir(path, os.path.join(tmp, key, "work", p, f"config-{cname}"))
                o = impl.run_inprocess(project, p, cwork, ["--config", cname], instrumented=False)
                if not o.ok:
                    report.fail(f"{where} --config {cname}", o.error)
                    continue
                compare_targets(spark, project, project.variables(cname), meta, gdir, cwork,
                                f"{where} --config {cname}", report, sub=f"config-{cname}")
        print(f"  {where}: {time.time() - t0:.1f}s", flush=True)

    if not args.self_test:
        if not args.no_pytest:
            run_pytest(impl, project, key, pipelines, report)
        if not args.no_ruff:
            run_ruff(impl.root, key, report)


def check_rerun(impl, spark, project, p, meta, gdir, work, variables, where, report):
    modes = {n: mt["mode"] for n, mt in meta["targets"].items()}
    o = impl.run_inprocess(project, p, work, [], instrumented=False)
    if "error" in modes.values():
        if o.ok:
            report.fail(where, "a second run succeeded although a Target has mode error and its "
                               "output exists")
        # Whatever ran before the failure, the error Targets are untouched.
        only_error = dict(meta, targets={n: mt for n, mt in meta["targets"].items() if mt["mode"] == "error"})
        compare_targets(spark, project, variables, only_error, gdir, work, where, report, count=False)
        return
    if not o.ok:
        report.fail(where, "the second run failed: " + o.error)
        return
    mult = {n: 2 if m == "append" else 1 for n, m in modes.items()}
    compare_targets(spark, project, variables, meta, gdir, work, where, report, multiplier=mult, count=False)


def run_pytest(impl, project, key, pipelines, report):
    dirs = [os.path.join(impl.root, p, "tests") for p in pipelines]
    dirs = [d for d in dirs if os.path.isdir(d)]
    if len(dirs) != len(pipelines):
        report.fail(f"{key} pytest", "a generated package has no tests/ directory")
    if not dirs:
        return
    env = sparkutil.spark_env(baseline_ansi=False)
    env["PYTHONPATH"] = os.pathsep.join(impl.src(p) for p in pipelines)
    env["SIBYL_PROJECT_DIR"] = project.root
    t0 = time.time()
    p = subprocess.run([impl.python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "--import-mode=importlib", *dirs], cwd=impl.root, env=env,
                       capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        report.fail(f"{key} pytest", f"exit status {p.returncode}\n{_tail(p.stdout + p.stderr, 40)}")
    else:
        last = (p.stdout.strip().splitlines() or [""])[-1]
        print(f"  {key} pytest: {last} ({time.time() - t0:.0f}s)", flush=True)


def run_ruff(root, key, report):
    ruff = shutil.which("ruff", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    cmd = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    p = subprocess.run([*cmd, "check", "--no-cache", root], capture_output=True, text=True)
    if p.returncode != 0:
        report.fail(f"{key} ruff", _tail(p.stdout + p.stderr, 40))


# ---------------------------------------------------------------------------


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", help="project or project/pipeline (repeatable)")
    ap.add_argument("--sibyl", help="the sibyl binary (default: build/sibyl, build-spark/sibyl)")
    ap.add_argument("--golden-dir", default=sparkutil.GOLDEN_DIR)
    ap.add_argument("--spark4", action="store_true",
                    help="label the run as pyspark 4 (run_examples.sh picks the python)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--subprocess", choices=("all", "first", "none"), default="first",
                    help="which pipelines run in a child `python -m` (default: the first of each "
                         "project; the others in this process, on its SparkSession)")
    ap.add_argument("--no-schema", action="store_true")
    ap.add_argument("--no-edges", action="store_true")
    ap.add_argument("--no-configs", action="store_true")
    ap.add_argument("--all-configs", action="store_true",
                    help="run every configuration (default: the first, which proves --config works)")
    ap.add_argument("--no-rerun", action="store_true")
    ap.add_argument("--no-pytest", action="store_true")
    ap.add_argument("--no-ruff", action="store_true")
    ap.add_argument("--self-test", action="store_true",
                    help="check the comparisons with the reference posing as generated code: it "
                         "must match, and a corrupted copy must not")
    args = ap.parse_args(argv)

    t0 = time.time()
    spark = sparkutil.spark_session("sibyl-run-examples")
    print(f"run_examples: Spark {spark.version}{' (pyspark 4)' if args.spark4 else ''} "
          f"ready in {time.time() - t0:.1f}s", flush=True)
    if not args.self_test:
        return run(args, spark, corrupt=False)

    print("== self-test 1: the reference posing as generated code (must match)", flush=True)
    ok_rc = run(args, spark, corrupt=False)
    print("== self-test 2: a corrupted reference (must not match)", flush=True)
    bad_rc = run(args, spark, corrupt=True)
    if ok_rc == 0 and bad_rc != 0:
        print("self-test passed: the reference matches its goldens and a corrupted copy does not")
        return 0
    print(f"self-test FAILED: clean run exit {ok_rc} (want 0), corrupted run exit {bad_rc} (want 1)",
          file=sys.stderr)
    return 1


def run(args, spark, corrupt):
    t0 = time.time()
    sibyl = find_sibyl(args.sibyl)
    gen_ok = bool(sibyl) and has_command(sibyl, "gen")
    if args.self_test:
        gen_ok = False
    elif not sibyl:
        print("run_examples: no sibyl binary (build it, or pass --sibyl): nothing to check", flush=True)
    elif not gen_ok:
        print(f"run_examples: {sibyl} has no `gen` command yet: SKIPPING the generated-code "
              f"checks (run, edges, configs, rerun, pytest, ruff); checking schemas only", flush=True)
    report = Report(quiet=corrupt)
    tmp = tempfile.mkdtemp(prefix="sibyl-run-examples-")
    try:
        for key, path in golden_files.projects():
            if golden_files.selected(args.only, key):
                run_project(args, spark, sibyl, gen_ok, corrupt, key, path, report, tmp)
    finally:
        if args.keep:
            print(f"run_examples: work files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    for n in report.notes if not corrupt else []:
        print(f"  note: {n}")
    took = time.time() - t0
    if gen_ok or args.self_test:
        what = f"{report.pipelines} pipelines, {report.targets} targets, {report.edges} edges matched"
    else:
        what = "generated code SKIPPED (no sibyl gen)"
    print(f"run_examples: {what}; {report.schemas} edge schemas agree with sibyl schema; {took:.0f}s",
          flush=True)
    if corrupt:
        # Every pipeline must have been caught.
        caught = {p.split(" ")[0].split(":")[0] for p in report.problems}
        ran = report.ran
        missed = sorted(set(ran) - caught)
        print(f"run_examples: the corrupted reference gave {len(report.problems)} mismatches in "
              f"{len(caught & set(ran))} of {len(ran)} pipelines", flush=True)
        for m in missed:
            print(f"- not caught: {m}", file=sys.stderr)
        # Like a normal run, 1 means "mismatches found", which is the point here.
        return 0 if missed else 1
    if report.problems:
        print(f"\n{len(report.problems)} mismatch(es):", file=sys.stderr)
        for p in report.problems:
            print(f"- {p}", file=sys.stderr)
        sys.stderr.flush()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
