"""gen.py — Spark's answer for every case of the function conformance table.

Reads cases.tsv (id, kind, mode, expression) and tables.json (the tables t
and g the expressions are evaluated over), evaluates every expression with
real local Spark 3.5 (spark.sql.ansi.enabled=false, session time zone UTC)
and writes expected.tsv:

    id <TAB> type <TAB> value

type is the result's simpleString (a struct of the output columns for a
generator); value is the result serialized as in tests/spark/sparkutil.py
(a window case gives the list of its values ordered by o, a generator the
list of its rows). Mode `type` records `*` as the value (rand(), now() ...).
When Spark refuses the expression or fails running it, type is ERROR and
value the exception and Spark's error class.

    PY=$(scripts/spark-env.sh)
    "$PY" tests/spark/functions/gen.py            # rewrite expected.tsv
    "$PY" tests/spark/functions/gen.py --check    # re-derive and compare
"""
import argparse
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import sparkutil
from reference import py_value, schema_ddl

CASES = os.path.join(HERE, "cases.tsv")
EXPECTED = os.path.join(HERE, "expected.tsv")
TABLES = os.path.join(HERE, "tables.json")
WINDOW = "PARTITION BY k ORDER BY o"
BATCH = 40


def read_cases(path=CASES):
    """[(id, kind, mode, expression)] in file order."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise SystemExit(f"{path}:{n}: expected 4 tab-separated fields, found {len(parts)}")
            out.append(tuple(parts))
    return out


def read_tables(path=TABLES):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def make_tables(spark, tables):
    """DataFrames for t and g, from tables.json."""
    from pyspark.sql import types as T

    dfs = {}
    for name, spec in tables.items():
        st = T._parse_datatype_string(schema_ddl(spec["schema"]))
        rows = [tuple(py_value(v, f.dataType) for v, f in zip(r, st.fields)) for r in spec["rows"]]
        dfs[name] = spark.createDataFrame(rows, st)
    return dfs


def error_key(e):
    """A stable description of a failure: the exception's class and Spark's
    error class, without the message's variable parts."""
    name = type(e).__name__
    text = str(e)
    jcls = None
    if hasattr(e, "java_exception"):
        try:
            jcls = e.java_exception.getClass().getSimpleName()
        except Exception:
            jcls = None
    m = re.search(r"\[([A-Z][A-Z0-9_.]+)\]", text)
    cls = m.group(1) if m else None
    parts = [jcls or name]
    if cls:
        parts.append(cls)
    return " ".join(parts)


def _encode(value, dt):
    return sparkutil.dumps(sparkutil.encode_value(value, dt))


def evaluate(spark, dfs, cases):
    """{id: (type, value)} for every case."""
    from pyspark.sql import functions as F

    out = {}
    by_kind = {}
    for c in cases:
        by_kind.setdefault(c[1], []).append(c)

    def columns(kind, batch):
        cols = []
        for i, (cid, _, _, e) in enumerate(batch):
            text = f"{e} OVER ({WINDOW})" if kind == "window" else e
            cols.append(F.expr(text).alias(f"c{i}"))
        return cols

    def run_batch(kind, batch):
        cols = columns(kind, batch)
        if kind == "scalar":
            df = dfs["t"].select(*cols)
            rows = df.collect()
            assert len(rows) == 1
            for i, (cid, _, mode, _) in enumerate(batch):
                f = df.schema.fields[i]
                out[cid] = (f.dataType.simpleString(), "*" if mode == "type" else _encode(rows[0][i], f.dataType))
        elif kind == "agg":
            df = dfs["g"].agg(*cols)
            rows = df.collect()
            for i, (cid, _, mode, _) in enumerate(batch):
                f = df.schema.fields[i]
                out[cid] = (f.dataType.simpleString(), "*" if mode == "type" else _encode(rows[0][i], f.dataType))
        elif kind == "window":
            df = dfs["g"].select("o", *cols)
            rows = sorted(df.collect(), key=lambda r: r[0])
            for i, (cid, _, mode, _) in enumerate(batch):
                f = df.schema.fields[i + 1]
                vals = [sparkutil.encode_value(r[i + 1], f.dataType) for r in rows]
                out[cid] = (f.dataType.simpleString(), "*" if mode == "type" else sparkutil.dumps(vals))
        elif kind == "gen":
            (cid, _, mode, e), = batch
            df = dfs["t"].select(F.expr(e))
            rows = [[sparkutil.encode_value(r[j], f.dataType) for j, f in enumerate(df.schema.fields)]
                    for r in df.collect()]
            out[cid] = (df.schema.simpleString(), "*" if mode == "type" else sparkutil.dumps(rows))
        else:
            raise SystemExit(f"unknown kind {kind}")

    def solve(kind, batch):
        """Run a batch; when it fails, halve it until the failing cases are
        alone, and record their errors."""
        try:
            run_batch(kind, batch)
        except Exception as e:  # Spark's answer is the error
            if len(batch) == 1:
                out[batch[0][0]] = ("ERROR", error_key(e))
                return
            mid = len(batch) // 2
            solve(kind, batch[:mid])
            solve(kind, batch[mid:])

    for kind, cs in by_kind.items():
        size = 1 if kind == "gen" else BATCH
        for i in range(0, len(cs), size):
            solve(kind, cs[i:i + size])
    return out


def render(cases, results):
    lines = ["# Spark 3.5's answers to cases.tsv (spark.sql.ansi.enabled=false, time zone UTC);\n",
             "# written by gen.py, do not edit. id, result type (or ERROR), value as JSON (or * or the error).\n"]
    for cid, _, _, _ in cases:
        t, v = results[cid]
        lines.append(f"{cid}\t{t}\t{v}\n")
    return "".join(lines)


def same_value(a, b):
    """Equal answers, doubles up to the last bits (an aggregate's partial
    results may be merged in another order)."""
    if a == b:
        return True
    try:
        return sparkutil.close_values(json.loads(a), json.loads(b), 1e-12)
    except ValueError:
        return False


def parse(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            cid, t, v = line.split("\t", 2)
            out[cid] = (t, v)
    return out


def check(text):
    with open(EXPECTED, encoding="utf-8") as f:
        old = parse(f.read())
    new = parse(text)
    bad = [cid for cid in sorted(set(old) | set(new))
           if cid not in old or cid not in new or old[cid][0] != new[cid][0]
           or not same_value(old[cid][1], new[cid][1])]
    for cid in bad[:40]:
        print(f"{cid}: expected.tsv {old.get(cid)}, Spark now {new.get(cid)}", file=sys.stderr)
    if bad:
        print(f"expected.tsv is stale for {len(bad)} case(s): regenerate with tests/spark/functions/gen.py",
              file=sys.stderr)
        return 1
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with expected.tsv instead of writing it")
    args = ap.parse_args(argv)
    t0 = time.time()
    cases = read_cases()
    ids = [c[0] for c in cases]
    if len(set(ids)) != len(ids):
        raise SystemExit("cases.tsv: duplicate ids")
    spark = sparkutil.spark_session("sibyl-functions")
    spark.sparkContext.setLogLevel("FATAL")  # the errors are answers here, not news
    dfs = make_tables(spark, read_tables())
    results = evaluate(spark, dfs, cases)
    text = render(cases, results)
    errors = sum(1 for t, _ in results.values() if t == "ERROR")
    print(f"functions: {len(cases)} cases ({errors} Spark errors) in {time.time() - t0:.0f}s")
    if args.check:
        return check(text)
    with open(EXPECTED, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
