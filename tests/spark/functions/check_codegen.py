"""check_codegen.py — does the PySpark sibyl generates for each function give
Spark's answer (expected.tsv)?

For the cases of cases.tsv, batches of expressions become tiny projects: a
Seed with the table (t or g from tables.json), one gem evaluating the batch
(a Reformat for scalar cases, an Aggregate for aggregates, a WindowFunction
partitioned by k and ordered by o for window functions, a Reformat or a
SQLStatement with one generator) and a Target. Then:

  types   `sibyl schema` gives each expression's type: it must be Spark's
          type, and sibyl must reject what Spark rejects at analysis.
  values  `sibyl gen`, then every pipeline runs in this process on one
          SparkSession; the Target's DataFrame is taken at the writer (not
          written) and each column compared with Spark's value, exactly.
          A batch that fails is split until the failing cases are alone.

Cases Spark answers with an error must fail too: sibyl rejects them, or the
generated code raises. known_failures.tsv lists case ids (with the check,
`types` or `values`, and a reason) that are known not to agree yet; they are
reported but do not fail the run, and a listed case that now agrees is
reported so that the line can go.

Without a `gen` command in sibyl only the types are checked (and the values
are reported as skipped). Exit status 1 on any unlisted disagreement.

    PY=$(scripts/spark-env.sh)
    "$PY" tests/spark/functions/check_codegen.py [--sibyl build/sibyl] [--only upper] [--keep]
"""
import argparse
import contextlib
import io
import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gen as spark_answers

import sparkutil

KNOWN = os.path.join(HERE, "known_failures.tsv")
BATCH = 40


def read_expected():
    out = {}
    with open(spark_answers.EXPECTED, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cid, t, v = line.rstrip("\n").split("\t", 2)
            out[cid] = (t, v)
    return out


def read_known():
    out = {}
    if os.path.isfile(KNOWN):
        with open(KNOWN, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                parts = line.rstrip("\n").split("\t")
                out[(parts[0], parts[1] if len(parts) > 1 else "values")] = parts[2] if len(parts) > 2 else ""
    return out


def find_sibyl(explicit):
    root = sparkutil.ROOT
    for c in [explicit, os.environ.get("SIBYL"), os.path.join(root, "build", "sibyl"),
              os.path.join(root, "build-spark", "sibyl")]:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def has_gen(sibyl):
    p = subprocess.run([sibyl, "--help"], capture_output=True, text=True)
    return any(line.split()[:1] == ["gen"] for line in (p.stdout + p.stderr).splitlines())


# ---------------------------------------------------------------------------
# Projects


class Batch:
    """One pipeline: the cases it evaluates and the column of each."""

    def __init__(self, name, kind, cases, sql=False):
        self.name = name
        self.kind = kind
        self.cases = cases
        self.sql = sql

    def column(self, i):
        return f"c_{i}"


def pipeline_json(batch, tables):
    table = "g" if batch.kind in ("agg", "window") else "t"
    spec = tables[table]
    gems = {table: {"kind": "Seed", "schema": spec["schema"], "rows": spec["rows"]}}
    exprs = [{"target": batch.column(i), "expression": c[3]} for i, c in enumerate(batch.cases)]
    if batch.kind == "scalar" or (batch.kind == "gen" and not batch.sql):
        gems["eval"] = {"kind": "Reformat", "inputs": [table], "expressions": exprs}
    elif batch.kind == "gen":
        gems["eval"] = {"kind": "SQLStatement", "inputs": [table], "query": f"SELECT {batch.cases[0][3]} FROM in0"}
    elif batch.kind == "agg":
        gems["eval"] = {"kind": "Aggregate", "inputs": [table], "groupBy": [], "aggregates": exprs}
    elif batch.kind == "window":
        gems["eval"] = {"kind": "WindowFunction", "inputs": [table], "partitionBy": ["k"],
                        "orderBy": [{"expression": "o", "direction": "asc"}], "expressions": exprs}
    gems["result_out"] = {"kind": "Target", "dataset": f"result_{batch.name}", "inputs": ["eval"],
                          "mode": "overwrite"}
    return {"description": f"{batch.kind} cases {batch.cases[0][0]} ..", "gems": gems}


def write_project(root, name, batches, tables):
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "pipelines"))
    os.makedirs(os.path.join(root, "datasets"))
    with open(os.path.join(root, "sibyl.json"), "w", encoding="utf-8") as f:
        json.dump({"name": name, "version": "0.1.0", "spark": "3.5"}, f, indent=2)
    for b in batches:
        with open(os.path.join(root, "pipelines", f"{b.name}.json"), "w", encoding="utf-8") as f:
            json.dump(pipeline_json(b, tables), f, indent=2, ensure_ascii=False)
        with open(os.path.join(root, "datasets", f"result_{b.name}.json"), "w", encoding="utf-8") as f:
            json.dump({"format": "json", "path": f"out/{b.name}"}, f, indent=2)


def make_batches(cases, expected, prefix):
    """Batches of the cases Spark answers (errors go one per pipeline)."""
    batches, n = [], 0
    groups = {}
    for c in cases:
        t = expected[c[0]][0]
        if t == "ERROR":
            batches.append(Batch(f"{prefix}_{n:03d}", c[1], [c], sql=c[1] == "gen"))
            n += 1
            continue
        key = c[1]
        if c[1] == "gen":
            multi = len(top_fields(t) or []) > 1
            batches.append(Batch(f"{prefix}_{n:03d}", "gen", [c], sql=multi))
            n += 1
            continue
        groups.setdefault(key, []).append(c)
    for kind, cs in groups.items():
        for i in range(0, len(cs), BATCH):
            batches.append(Batch(f"{prefix}_{n:03d}", kind, cs[i:i + BATCH]))
            n += 1
    return batches


# ---------------------------------------------------------------------------
# Types, from sibyl schema / validate


def sibyl_diagnostics(sibyl, root):
    p = subprocess.run([sibyl, "validate", "--format", "json", "--no-infer", root], capture_output=True, text=True)
    try:
        return json.loads(p.stdout) if p.stdout.strip() else []
    except ValueError:
        raise SystemExit(f"sibyl validate printed no JSON: {p.stdout[:300]} {p.stderr[:300]}")


def rejected_cases(diags, batches):
    """{case id: message} for the expressions sibyl reports errors on."""
    by_name = {b.name: b for b in batches}
    out = {}
    for d in diags:
        if d.get("severity", "error") != "error":
            continue
        text = json.dumps(d)
        b = None
        for key in ("file", "path"):
            f = d.get(key) or ""
            base = os.path.basename(f)[:-5] if f.endswith(".json") else None
            if base in by_name:
                b = by_name[base]
        if b is None:
            continue
        field = d.get("field") or ""
        idx = None
        for prefix in ("expressions[", "aggregates["):
            if field.startswith(prefix):
                idx = int(field[len(prefix):].split("]")[0])
        msg = d.get("message", text)
        if idx is not None and idx < len(b.cases):
            out[b.cases[idx][0]] = msg
        elif len(b.cases) == 1:
            out[b.cases[0][0]] = msg
        else:
            for c in b.cases:
                out.setdefault(c[0], f"(batch) {msg}")
    return out


def sibyl_types(sibyl, root, batch):
    """{case id: type} of the eval gem's columns, by `sibyl schema`."""
    p = subprocess.run([sibyl, "schema", "--format", "json", root, batch.name, "eval"],
                       capture_output=True, text=True)
    # Exit status 1 means errors somewhere: the other columns still have types.
    if p.returncode not in (0, 1) or not p.stdout.strip():
        return {}
    gems = json.loads(p.stdout)
    out = {}
    for g in gems:
        if g.get("gem") != "eval":
            continue
        if not g.get("outputs") or g["outputs"][0].get("schema") is None:
            return None  # unknown because of an error in the batch
        cols = {c["name"]: c["type"] for c in g["outputs"][0]["schema"]}
        if batch.kind == "gen":
            if len(cols) == 1 and not batch.sql:
                out[batch.cases[0][0]] = "struct<" + ",".join(f"{n}:{norm(t)}" for n, t in cols.items()) + ">"
            else:
                out[batch.cases[0][0]] = "struct<" + ",".join(f"{n}:{norm(t)}" for n, t in cols.items()) + ">"
            continue
        for i, c in enumerate(batch.cases):
            if batch.column(i) in cols:
                out[c[0]] = norm(cols[batch.column(i)])
    return out


def norm(t):
    import re

    names = {"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint"}
    t = re.sub(r"\s+", "", t)
    return re.sub(r"\b(integer|long|short|byte)\b(?!:)", lambda m: names[m.group(1)], t)


def top_fields(struct):
    """[(name, type)] of the top-level fields of a struct<...> type text."""
    if not struct or not struct.startswith("struct<") or not struct.endswith(">"):
        return None
    body, out, depth, start = struct[7:-1], [], 0, 0
    for i, ch in enumerate(body + ","):
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif ch == "," and depth == 0:
            name, _, t = body[start:i].partition(":")
            out.append((name, t))
            start = i + 1
    return out


def gen_type_matches(expected, got, batch):
    """A generator's type is the struct of its columns. A Reformat names its
    single column c_0 where Spark's own run called it col (or key ...): the
    top-level names are compared only when a SQLStatement kept Spark's."""
    if got is None:
        return False
    if expected == got:
        return True
    e, g = top_fields(expected), top_fields(got)
    if e is None or g is None or len(e) != len(g):
        return False
    if batch.sql:
        return e == g
    return [t for _, t in e] == [t for _, t in g]


# ---------------------------------------------------------------------------
# Values: the generated code, run in this process


class Captured(Exception):
    pass


def run_generated(spark, gen_root, pipeline, work):
    """Run `python -m <pipeline>` in this process; return (DataFrame handed
    to the Target's writer, error text)."""
    from pyspark.sql import DataFrameWriter, SparkSession

    src = os.path.join(gen_root, pipeline, "src")
    captured = []

    def grab(self, *a, **k):
        captured.append(self._df)

    saved = {m: getattr(DataFrameWriter, m) for m in ("save", "parquet", "csv", "json", "orc", "text")}
    saved_stop = SparkSession.stop
    argv, cwd, path = list(sys.argv), os.getcwd(), list(sys.path)
    for m in [m for m in sys.modules if m == pipeline or m.startswith(pipeline + ".")]:
        del sys.modules[m]
    err = None
    spark.conf.unset("spark.sql.ansi.enabled")
    try:
        for m in saved:
            setattr(DataFrameWriter, m, grab)
        SparkSession.stop = lambda self: None
        sys.argv = [pipeline]
        sys.path.insert(0, src)
        os.makedirs(work, exist_ok=True)
        os.chdir(work)
        with contextlib.redirect_stdout(io.StringIO()):
            runpy.run_module(pipeline, run_name="__main__", alter_sys=True)
    except SystemExit as e:
        if e.code not in (None, 0):
            err = f"exit status {e.code}"
    except BaseException:
        tb = traceback.format_exc().rstrip().splitlines()
        err = tb[-1] + "\n      " + "\n      ".join(tb[-7:-1])
    finally:
        for m, f in saved.items():
            setattr(DataFrameWriter, m, f)
        SparkSession.stop = saved_stop
        sys.argv, sys.path[:] = argv, path
        os.chdir(cwd)
        for m in [m for m in sys.modules if m == pipeline or m.startswith(pipeline + ".")]:
            del sys.modules[m]
    df = captured[0] if captured else None
    if df is None and err is None:
        err = "the pipeline wrote nothing"
    return df, err


def values_of(df, batch):
    """{case id: (type, value)} from the captured DataFrame (raises when
    Spark fails computing it)."""
    sparkutil.reset_session(df.sparkSession)
    out = {}
    if batch.kind == "gen":
        rows = [[sparkutil.encode_value(r[j], f.dataType) for j, f in enumerate(df.schema.fields)]
                for r in df.collect()]
        out[batch.cases[0][0]] = (df.schema.simpleString(), sparkutil.dumps(rows))
        return out
    rows = df.collect()
    if batch.kind == "window":
        rows = sorted(rows, key=lambda r: r["o"])
    for i, c in enumerate(batch.cases):
        col = batch.column(i)
        idx = df.columns.index(col)
        f = df.schema.fields[idx]
        if batch.kind == "window":
            v = sparkutil.dumps([sparkutil.encode_value(r[idx], f.dataType) for r in rows])
        else:
            v = sparkutil.dumps(sparkutil.encode_value(rows[0][idx], f.dataType)) if rows else "<no row>"
        out[c[0]] = (f.dataType.simpleString(), v)
    return out


# ---------------------------------------------------------------------------


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sibyl")
    ap.add_argument("--only", action="append", help="case id or function name prefix (repeatable)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--list", action="store_true", help="print every disagreement, known or not")
    args = ap.parse_args(argv)
    t0 = time.time()

    sibyl = find_sibyl(args.sibyl)
    if not sibyl:
        print("check_codegen: no sibyl binary: SKIPPED")
        return 0
    gen_ok = has_gen(sibyl)
    cases = spark_answers.read_cases()
    if args.only:
        cases = [c for c in cases if any(c[0] == o or c[0].split(".")[0] == o for o in args.only)]
    expected = read_expected()
    missing = [c[0] for c in cases if c[0] not in expected]
    if missing:
        print(f"check_codegen: expected.tsv lacks {missing[:5]}...: run gen.py", file=sys.stderr)
        return 1
    tables = spark_answers.read_tables()
    known = read_known()
    tmp = tempfile.mkdtemp(prefix="sibyl-functions-")
    problems = {}  # (case id, check) -> message

    def problem(cid, check, msg):
        problems[(cid, check)] = msg

    try:
        batches = make_batches(cases, expected, "fn")
        proj = os.path.join(tmp, "functions")
        write_project(proj, "functions", batches, tables)
        diags = sibyl_diagnostics(sibyl, proj)
        rejected = rejected_cases(diags, batches)

        # types: a batch with an error has no schema; its other cases are
        # asked again one per pipeline.
        ntype = 0
        pending = [(b, proj) for b in batches]
        singles = []
        while pending:
            for b, where in pending:
                types = sibyl_types(sibyl, where, b)
                if types is None and len(b.cases) > 1:
                    singles += [Batch(f"{b.name}_{i:02d}", b.kind, [c], sql=b.sql)
                                for i, c in enumerate(b.cases) if c[0] not in rejected]
                    continue
                for c in b.cases:
                    cid = c[0]
                    et = expected[cid][0]
                    if et == "ERROR":
                        continue
                    if cid in rejected:
                        problem(cid, "types", f"sibyl rejects it: {rejected[cid]}")
                        continue
                    got = (types or {}).get(cid)
                    ok = gen_type_matches(et, got, b) if b.kind == "gen" else got == et
                    if not ok:
                        problem(cid, "types", f"sibyl type {got}, Spark {et}")
                    else:
                        ntype += 1
            pending = []
            if singles:
                proj2 = os.path.join(tmp, "types-singles")
                write_project(proj2, "types_singles", singles, tables)
                rejected.update(rejected_cases(sibyl_diagnostics(sibyl, proj2), singles))
                pending, singles = [(b, proj2) for b in singles], []
        for b in batches:
            for c in b.cases:
                analysis = expected[c[0]][1].split()[0] in ("AnalysisException", "ParseException")
                if expected[c[0]][0] == "ERROR" and analysis and c[0] not in rejected:
                    problem(c[0], "types", f"Spark rejects or fails it ({expected[c[0]][1]}); sibyl accepts it")

        # values
        nval = 0
        if gen_ok:
            spark = sparkutil.spark_session("sibyl-check-codegen")
            spark.sparkContext.setLogLevel("FATAL")
            good = [b for b in batches if not any(c[0] in rejected for c in b.cases)]
            # Batches with a rejected case are split into their accepted cases.
            for b in batches:
                if b in good:
                    continue
                for c in b.cases:
                    if c[0] not in rejected and expected[c[0]][0] != "ERROR":
                        good.append(Batch(f"{b.name}_{len(good):03d}", b.kind, [c], sql=b.sql))
            nval = check_values(spark, sibyl, tmp, good, expected, tables, problem)
            for b in batches:
                for c in b.cases:
                    if expected[c[0]][0] == "ERROR" and c[0] not in rejected and (c[0], "values") not in problems:
                        pass  # checked in check_values (the run must fail)
        else:
            print("check_codegen: sibyl has no `gen` command yet: values SKIPPED, types checked")
    finally:
        if args.keep:
            print(f"check_codegen: projects kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    unknown = {k: v for k, v in problems.items() if k not in known}
    fixed = [k for k in known if k[0] in {c[0] for c in cases} and k not in problems
             and (k[1] == "types" or gen_ok)]
    for (cid, check), msg in sorted(problems.items() if args.list else unknown.items()):
        expr = next(c[3] for c in cases if c[0] == cid)
        print(f"- {cid} [{check}] {expr}\n    {msg}")
    for k in fixed:
        print(f"  now agrees (remove from known_failures.tsv): {k[0]} {k[1]}")
    nknown = len(problems) - len(unknown)
    print(f"check_codegen: {len(cases)} cases; types agree for {ntype}; "
          f"{'values agree for ' + str(nval) if gen_ok else 'values skipped (no sibyl gen)'}; "
          f"{len(unknown)} new disagreements, {nknown} known; {time.time() - t0:.0f}s")
    return 1 if unknown else 0


def check_values(spark, sibyl, tmp, batches, expected, tables, problem):
    """Generate and run the batches; split failing ones. Returns how many
    cases agree."""
    agree = 0
    round_no = 0
    todo = list(batches)
    while todo:
        round_no += 1
        proj = os.path.join(tmp, f"values{round_no}")
        write_project(proj, f"values{round_no}", todo, tables)
        out = os.path.join(tmp, f"gen{round_no}")
        p = subprocess.run([sibyl, "gen", proj, "--out", out], capture_output=True, text=True)
        if p.returncode != 0:
            for b in todo:
                for c in b.cases:
                    problem(c[0], "values", f"sibyl gen failed: {(p.stderr or p.stdout).strip()[:300]}")
            return agree
        retry = []
        for b in todo:
            df, err = run_generated(spark, out, b.name, os.path.join(tmp, "work", b.name))
            got = None
            if err is None:
                try:
                    got = values_of(df, b)
                except Exception as e:
                    err = f"{spark_answers.error_key(e)}: {str(e).splitlines()[0][:200]}"
            sparkutil.reset_session(spark)
            if err is not None:
                if len(b.cases) > 1:
                    mid = len(b.cases) // 2
                    retry.append(Batch(f"{b.name}a", b.kind, b.cases[:mid], b.sql))
                    retry.append(Batch(f"{b.name}b", b.kind, b.cases[mid:], b.sql))
                    continue
                cid = b.cases[0][0]
                if expected[cid][0] == "ERROR":
                    agree += 1  # Spark fails too
                else:
                    problem(cid, "values", f"the generated code failed: {err}")
                continue
            for c in b.cases:
                cid, mode = c[0], c[2]
                et, ev = expected[cid]
                gt, gv = got[cid]
                if et == "ERROR":
                    problem(cid, "values", f"Spark fails ({ev}) but the generated code gives {gt} {gv}")
                elif b.kind == "gen" and not gen_type_matches(et, gt, b) or b.kind != "gen" and gt != et:
                    problem(cid, "values", f"type {gt}, Spark {et}")
                elif mode != "type" and not spark_answers.same_value(gv, ev):
                    problem(cid, "values", f"value {gv}\n    Spark {ev}")
                else:
                    agree += 1
        todo = retry
    return agree


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
