"""goldens.py — derive the golden outputs of every test pipeline with the
reference executor on real Spark, or check that the committed ones are
current (`--check`, what CI runs).

Projects: every examples/*/ and tests/spark/projects/*/ directory with a
sibyl.json. For each pipeline, tests/golden/<project dir>/<pipeline>/ holds

    pipeline.json              the edges and targets, and the configurations
    <gem>.<port>.jsonl         the rows of every gem output (port `out` for a
                               gem's single output), top-level gems only
    <gem>.target.jsonl         what each Target wrote, read back with Spark
    config-<name>/<gem>.target.jsonl
                               the Targets again under configs/<name>.json

all computed with the manifest's default configuration unless named. The
file format is described in sparkutil.py.

Stability: when generating, every pipeline runs twice, the second time with
every source's rows in reverse order and a different number of shuffle
partitions. An edge whose rows differ between the two runs (Limit without
OrderBy, Deduplicate "any", first() ...) is marked "stable": false and only
its count and schema are compared afterwards.

    PY=$(scripts/spark-env.sh)
    "$PY" tests/spark/goldens.py                # rewrite tests/golden/
    "$PY" tests/spark/goldens.py --check        # re-derive and diff, exit 1 if stale
    "$PY" tests/spark/goldens.py --only retail/clean_orders
"""
import argparse
import difflib
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sparkutil
from reference import PipelineRun, Project

SHUFFLE_B = 3


def projects():
    """(key, path) of every test project, sorted; key = directory name."""
    out = []
    for parent in (sparkutil.EXAMPLES_DIR, sparkutil.TEST_PROJECTS_DIR):
        if not os.path.isdir(parent):
            continue
        for name in sorted(os.listdir(parent)):
            p = os.path.join(parent, name)
            if os.path.isfile(os.path.join(p, "sibyl.json")):
                out.append((name, p))
    keys = [k for k, _ in out]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise SystemExit(f"test project directories must have distinct names: {sorted(dup)}")
    return out


def selected(only, key, pipeline=None):
    if not only:
        return True
    for o in only:
        p, _, q = o.partition("/")
        if p == key and (pipeline is None or not q or q == pipeline):
            return True
    return False


def edge_file(edge):
    gem, _, port = edge.partition(".")
    return f"{gem}.{port or 'out'}.jsonl"


def collect_edge(run, edge):
    """(schema, lines, ranks) of an edge; ranks only when it is ordered."""
    from pyspark.sql import functions as F

    df = edge.df
    schema = df.schema
    if not edge.order_keys:
        return schema, sparkutil.encode_rows(df.collect(), schema), None
    n = len(schema.fields)
    keys = [F.expr(run.sql(k["expression"])).alias(f"__sibyl_k{i}") for i, k in enumerate(edge.order_keys)]
    x = df.alias("in0").select(*[F.col(f"in0.`{c}`") for c in df.columns], *keys)
    kfields = x.schema.fields[n:]
    lines, ranks, prev, rank = [], [], None, -1
    for row in x.collect():
        lines.append(sparkutil.dumps(sparkutil.row_object(row, schema)))
        key = sparkutil.dumps([_sort_equal(sparkutil.encode_value(row[n + i], f.dataType))
                               for i, f in enumerate(kfields)])
        if key != prev:
            rank, prev = rank + 1, key
        ranks.append(rank)
    return schema, lines, ranks


def _sort_equal(v):
    """Sort keys Spark treats as equal must share a rank: -0.0 sorts as 0.0."""
    return 0.0 if isinstance(v, float) and v == 0 else v


def run_pipeline(spark, project, pipeline, variables, work, perturb=False, edges=True):
    """One reference run: {file name: (schema, lines, ranks, extra)} for the
    edges (when `edges`) and the targets."""
    sparkutil.reset_session(spark, SHUFFLE_B if perturb else None)
    run = PipelineRun(spark, project, pipeline, variables, out_base=work, perturb=perturb).execute()
    out = {}
    try:
        if edges:
            for name in sorted(run.edges):
                out[edge_file(name)] = collect_edge(run, run.edges[name]) + ({"edge": name},)
        run.write_targets(work)
        for name in sorted(run.targets):
            df = run.read_target(name, work)
            _, ds, gem = run.targets[name]
            extra = {"target": name, "dataset": gem["dataset"], "format": ds["format"],
                     "partitionBy": gem.get("partitionBy", [])}
            out[f"{name}.target.jsonl"] = (df.schema, sparkutil.encode_rows(df.collect(), df.schema), None, extra)
        meta = {
            "edges": {n: {"file": edge_file(n), "kind": project.pipelines[pipeline]["gems"][n.partition(".")[0]]["kind"]}
                      for n in sorted(run.edges)},
            "targets": {n: {"dataset": g["dataset"], "file": f"{n}.target.jsonl", "format": ds["format"],
                            "mode": g.get("mode", "error"), "partitionBy": g.get("partitionBy", [])}
                        for n, (e, ds, g) in sorted(run.targets.items())},
        }
    finally:
        run.unpersist()
    return out, meta


def same_rows(a, b):
    sa, la, ra, _ = a
    sb, lb, _, _ = b
    if sa.simpleString() != sb.simpleString() or sparkutil.compare_lines(la, lb):
        return False
    return ra is None or not sparkutil.check_order(la, ra, lb)


def render(results, stable):
    """{file: text} from a run's results and the stability flags."""
    files = {}
    for fname, (schema, lines, ranks, extra) in results.items():
        header = sparkutil.golden_header(schema, lines, ordered=ranks is not None, ranks=ranks,
                                         stable=stable.get(fname, True), extra=extra)
        files[fname] = sparkutil.golden_text(header, lines)
    return files


def derive(spark, key, path, pipeline, check, committed_dir):
    """{relative file: text} of one pipeline's goldens. In check mode the
    stability flags come from the committed files (one run, not two)."""
    project = Project(path)
    work = tempfile.mkdtemp(prefix=f"sibyl-golden-{key}-{pipeline}-")
    try:
        variables = project.variables()
        a, meta = run_pipeline(spark, project, pipeline, variables, os.path.join(work, "a"))
        if check:
            stable = committed_stability(committed_dir)
        else:
            b, _ = run_pipeline(spark, project, pipeline, variables, os.path.join(work, "b"), perturb=True)
            stable = {f: same_rows(a[f], b[f]) for f in a}
        files = render(a, stable)
        meta["configs"] = sorted(project.configs)
        for cname in sorted(project.configs):
            c, _ = run_pipeline(spark, project, pipeline, project.variables(cname),
                                os.path.join(work, f"c-{cname}"), edges=False)
            cst = {f: stable.get(f, True) for f in c}
            for f, text in render(c, cst).items():
                files[f"config-{cname}/{f}"] = text
        files["pipeline.json"] = json.dumps(meta, indent=2, sort_keys=True) + "\n"
        return files
    finally:
        shutil.rmtree(work, ignore_errors=True)


def committed_stability(d):
    out = {}
    if os.path.isdir(d):
        for f in os.listdir(d):
            if f.endswith(".jsonl"):
                with open(os.path.join(d, f), encoding="utf-8") as fh:
                    out[f] = json.loads(fh.readline()).get("stable", True)
    return out


def list_files(d):
    out = set()
    for dirpath, _, names in os.walk(d):
        for n in names:
            out.add(os.path.relpath(os.path.join(dirpath, n), d))
    return out


def same_golden(old, new):
    """Do two renderings of a golden say the same? Headers agree on columns,
    count and schema; a stable edge's rows agree as multisets (doubles up to
    the last bits: a sum's partial results may merge in another order) and,
    when ordered, in an order the committed ranks allow."""
    ol, nl = old.splitlines(), new.splitlines()
    oh, nh = json.loads(ol[0]), json.loads(nl[0])
    if any(oh.get(k) != nh.get(k) for k in ("columns", "count", "schema", "ordered", "stable")):
        return False
    if not oh.get("stable", True):
        return True
    if sparkutil.compare_lines(ol[1:], nl[1:]):
        return False
    return not (oh.get("ordered") and sparkutil.check_order(ol[1:], oh["ranks"], nl[1:]))


def check_files(d, files):
    """Differences between the committed goldens in d and the derived ones."""
    problems = []
    have = list_files(d) if os.path.isdir(d) else set()
    for f in sorted(have - set(files)):
        problems.append(f"{f}: committed but no longer derived")
    for f in sorted(files):
        p = os.path.join(d, f)
        if f not in have:
            problems.append(f"{f}: missing (derived but not committed)")
            continue
        with open(p, encoding="utf-8") as fh:
            old = fh.read()
        new = files[f]
        if old == new:
            continue
        if f.endswith(".jsonl") and same_golden(old, new):
            continue
        diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "committed", "derived",
                                         lineterm="", n=1))
        problems.append(f"{f}: differs\n" + "\n".join(diff[:40]) + ("\n..." if len(diff) > 40 else ""))
    return problems


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="re-derive and compare with tests/golden/")
    ap.add_argument("--only", action="append", help="project or project/pipeline (repeatable)")
    ap.add_argument("--golden-dir", default=sparkutil.GOLDEN_DIR)
    args = ap.parse_args(argv)

    t0 = time.time()
    spark = sparkutil.spark_session("sibyl-goldens")
    print(f"goldens: Spark {spark.version} ready in {time.time() - t0:.1f}s", flush=True)
    npipe = nedge = ntarget = 0
    problems = []
    all_keys = []
    for key, path in projects():
        if not selected(args.only, key):
            continue
        all_keys.append(key)
        project = Project(path)
        for pipeline in sorted(project.pipelines):
            if not selected(args.only, key, pipeline):
                continue
            t1 = time.time()
            d = os.path.join(args.golden_dir, key, pipeline)
            try:
                files = derive(spark, key, path, pipeline, args.check, d)
            except Exception as e:  # a broken project is a failure, with its name
                problems.append(f"{key}/{pipeline}: the reference run failed: {type(e).__name__}: {e}")
                print(f"  {key}/{pipeline}: FAILED ({e})", flush=True)
                continue
            npipe += 1
            nedge += sum(1 for f in files if f.endswith(".jsonl") and "/" not in f and not f.endswith(".target.jsonl"))
            ntarget += sum(1 for f in files if f.endswith(".target.jsonl"))
            if args.check:
                for p in check_files(d, files):
                    problems.append(f"{key}/{pipeline}/{p}")
            else:
                if os.path.isdir(d):
                    shutil.rmtree(d)
                for f, text in files.items():
                    p = os.path.join(d, f)
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    with open(p, "w", encoding="utf-8") as fh:
                        fh.write(text)
            print(f"  {key}/{pipeline}: {time.time() - t1:.1f}s", flush=True)
        if not args.check and not args.only:
            # Pipelines that no longer exist lose their goldens.
            pd = os.path.join(args.golden_dir, key)
            if os.path.isdir(pd):
                for stale in sorted(set(os.listdir(pd)) - set(project.pipelines)):
                    shutil.rmtree(os.path.join(pd, stale))
    if args.check and not args.only and os.path.isdir(args.golden_dir):
        for stale in sorted(set(os.listdir(args.golden_dir)) - set(all_keys)):
            problems.append(f"{stale}: goldens of a project that no longer exists")
    verb = "checked" if args.check else "written"
    print(f"goldens {verb}: {npipe} pipelines, {nedge} edges, {ntarget} targets "
          f"in {time.time() - t0:.0f}s", flush=True)
    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(p, file=sys.stderr)
        if args.check:
            print("\nRegenerate with scripts/gen-goldens.sh if the change is intended.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
