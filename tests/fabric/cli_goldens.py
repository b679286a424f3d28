"""cli_goldens.py — compare what `sibyl run --format json` and `sibyl submit`
produced on a fabric with Spark's golden outputs (tests/golden/).

The comparisons are the real-Spark harness's own (tests/spark/run_examples.py
and sparkutil.py): an edge's count must equal the golden count, each sample
row must be one of the golden rows (in order for an ordered edge), and a
Target's output, read back with Spark, must hold exactly the golden rows.

    cli_goldens.py [--edges LABEL=RESULTS.jsonl ...]
                   [--targets LABEL=PROJECT_COPY[:PIPELINE[:CONFIG]] ...]

--edges     a file of `sibyl run --format json` lines (one per pipeline);
            every golden pipeline of the projects it names must be there,
            succeeded, with every golden edge. Needs no Spark.
--targets   a copy of an example project that batch runs wrote into (its
            base_path): every golden pipeline's Targets, or one pipeline's,
            under the manifest defaults or configs/CONFIG.json. One local
            Spark session reads them all.

Prints one line per pipeline checked and exits 1 on any difference.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "spark"))
import run_examples
import sparkutil
from reference import Project


def golden_pipelines(key):
    base = os.path.join(sparkutil.GOLDEN_DIR, key)
    if not os.path.isdir(base):
        return {}
    return {p: os.path.join(base, p) for p in sorted(os.listdir(base))
            if os.path.isfile(os.path.join(base, p, "pipeline.json"))}


def load_meta(gdir):
    with open(os.path.join(gdir, "pipeline.json"), encoding="utf-8") as f:
        return json.load(f)


def edge_lines(result):
    """The run result's edges as the SIBYL-EDGE lines the harness reads
    (rows stay arrays in column order, which it accepts)."""
    out = []
    for e in result.get("edges", []):
        rec = {"gem": e["gem"], "port": e.get("port", "out"), "count": e.get("count"),
               "schema": e.get("schema", []), "rows": e.get("rows", [])}
        out.append(sparkutil.EDGE_PREFIX + json.dumps(rec, separators=(",", ":")))
    return "\n".join(out) + "\n"


def check_edges(label, path, report):
    with open(path, encoding="utf-8") as f:
        results = [json.loads(line) for line in f if line.strip()]
    if not results:
        report.fail(f"{label}", f"{path} holds no run result")
        return
    seen = {}
    for r in results:
        seen.setdefault(r.get("project"), {})[r.get("pipeline")] = r
    for key, runs in sorted(seen.items()):
        wanted = golden_pipelines(key)
        if not wanted:
            report.fail(f"{label} {key}", "no goldens for this project")
            continue
        for p in sorted(set(wanted) - set(runs)):
            report.fail(f"{label} {key}/{p}", "the pipeline was not run")
        for p, r in sorted(runs.items()):
            where = f"{label} {key}/{p}"
            if p not in wanted:
                report.notes.append(f"{where}: no goldens")
                continue
            if r.get("state") != "succeeded":
                report.fail(where, f"state {r.get('state')}: {r.get('error')}")
                continue
            before = report.edges
            ok = run_examples.compare_edges(edge_lines(r), load_meta(wanted[p]), wanted[p], where, report)
            report.pipelines += 1
            if ok:
                print(f"ok   {where}: {report.edges - before} edges match "
                      f"({r.get('wall_ms', 0) / 1000:.1f} s)", flush=True)


def check_targets(spark, label, spec, report):
    path, _, rest = spec.partition(":")
    only, _, config = rest.partition(":")
    project = Project(path)
    key = project.name
    wanted = golden_pipelines(key)
    if only:
        wanted = {only: wanted[only]} if only in wanted else {}
    if not wanted:
        report.fail(f"{label} {key}", f"no goldens for {only or 'the project'}")
        return
    for p, gdir in sorted(wanted.items()):
        meta = load_meta(gdir)
        where = f"{label} {key}/{p}" + (f" --config {config}" if config else "")
        before = report.targets
        sub = f"config-{config}" if config else ""
        if config and not os.path.isdir(os.path.join(gdir, sub)):
            report.fail(where, f"no goldens for configuration {config}")
            continue
        ok = run_examples.compare_targets(spark, project, project.variables(config or None), meta, gdir,
                                          project.root, where, report, sub=sub)
        report.pipelines += 1
        if ok:
            print(f"ok   {where}: {report.targets - before} targets match", flush=True)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edges", action="append", default=[], metavar="LABEL=RESULTS.jsonl")
    ap.add_argument("--targets", action="append", default=[], metavar="LABEL=DIR[:PIPELINE[:CONFIG]]")
    args = ap.parse_args(argv)
    t0 = time.time()
    report = run_examples.Report()
    for spec in args.edges:
        label, _, path = spec.partition("=")
        check_edges(label, path, report)
    if args.targets:
        spark = sparkutil.spark_session("sibyl-cli-goldens")
        for spec in args.targets:
            label, _, rest = spec.partition("=")
            check_targets(spark, label, rest, report)
        spark.stop()
    for n in report.notes:
        print(f"  note: {n}")
    print(f"cli_goldens: {report.pipelines} pipeline checks, {report.edges} edges and "
          f"{report.targets} targets matched, {len(report.problems)} mismatches "
          f"({time.time() - t0:.0f} s)", flush=True)
    for p in report.problems:
        print(f"- {p}", file=sys.stderr)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
