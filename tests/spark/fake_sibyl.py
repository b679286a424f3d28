#!/usr/bin/env python3
"""fake_sibyl.py — a test double for the `sibyl` binary that adds a `gen`
command backed by the reference executor, to exercise the real-Spark harness
end to end (packages run with `python -m`, SIBYL-EDGE records, configs,
save modes, pytest, ruff, the function check) independently of sibyl's code
generator:

    SIBYL=tests/spark/fake_sibyl.py tests/spark/run_examples.sh --only retail
    "$PY" tests/spark/functions/check_codegen.py --sibyl tests/spark/fake_sibyl.py

Every other command goes to the real binary ($SIBYL_REAL, else build/sibyl,
else build-spark/sibyl). `gen PROJECT --out DIR [--instrumented]` writes for
each pipeline DIR/<pipeline>/src/<pipeline>/ whose `python -m <pipeline>
[--config NAME] [--conf key=value ...]` runs the pipeline with
reference.PipelineRun from the working directory (base_path), writes its
Targets and, instrumented, prints a SIBYL-EDGE line per edge with the count
and the first rows as Spark writes JSON (to_json, timestamps to the microsecond).

The packages it writes are not what sibyl generates: they depend on this
directory and exist only so that the harness can be tested before (and
independently of) the code generator.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def real_sibyl():
    for c in (os.environ.get("SIBYL_REAL"), os.path.join(ROOT, "build", "sibyl"),
              os.path.join(ROOT, "build-spark", "sibyl")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    sys.exit("fake_sibyl: no real sibyl binary (set SIBYL_REAL)")


MAIN = '''"""python -m {pipeline}: pipeline {pipeline} of {project_name}, run by the test harness's
reference executor (written by tests/spark/fake_sibyl.py)."""
import sys

sys.path.insert(0, {here!r})

from fake_sibyl import run

if __name__ == "__main__":
    run({project!r}, {pipeline!r}, {instrumented!r}, sys.argv[1:])
'''

TEST = '''"""The fake package's own test: it imports."""
import importlib


def test_imports():
    assert importlib.import_module("{pipeline}") is not None
'''


def gen(args):
    import argparse

    ap = argparse.ArgumentParser(prog="fake_sibyl gen")
    ap.add_argument("project")
    ap.add_argument("--out", required=True)
    ap.add_argument("--instrumented", action="store_true")
    a = ap.parse_args(args)
    project = os.path.abspath(a.project)
    with open(os.path.join(project, "sibyl.json"), encoding="utf-8") as f:
        name = json.load(f)["name"]
    p = subprocess.run([real_sibyl(), "validate", project], capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        return 1
    for fname in sorted(os.listdir(os.path.join(project, "pipelines"))):
        if not fname.endswith(".json"):
            continue
        pipeline = fname[:-5]
        pkg = os.path.join(a.out, pipeline)
        src = os.path.join(pkg, "src", pipeline)
        os.makedirs(src, exist_ok=True)
        os.makedirs(os.path.join(pkg, "tests"), exist_ok=True)
        files = {
            os.path.join(pkg, "pyproject.toml"):
                f'[project]\nname = "{pipeline}"\nversion = "0.0.0"\ndependencies = ["pyspark"]\n',
            os.path.join(src, "__init__.py"): f'"""Pipeline {pipeline} (fake)."""\n',
            os.path.join(src, "__main__.py"): MAIN.format(pipeline=pipeline, project_name=name, here=HERE,
                                                          project=project, instrumented=a.instrumented),
            os.path.join(pkg, "tests", f"test_{pipeline}.py"): TEST.format(pipeline=pipeline),
        }
        for path, text in files.items():
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    return 0


def run(project_path, pipeline, instrumented, argv):
    """What a fake package's `python -m` does."""
    sys.path.insert(0, HERE)
    from pyspark.sql import SparkSession

    import sparkutil
    from reference import PipelineRun, Project

    config, conf = None, {}
    i = 0
    while i < len(argv):
        if argv[i] == "--config":
            config, i = argv[i + 1], i + 2
        elif argv[i] == "--conf":
            k, _, v = argv[i + 1].partition("=")
            conf[k], i = v, i + 2
        else:
            sys.exit(f"{pipeline}: unknown argument {argv[i]}")
    sparkutil.pin_timezone()
    spark = SparkSession.builder.appName(pipeline).getOrCreate()
    spark.conf.set("spark.sql.ansi.enabled", "false")
    base = os.path.abspath(conf.pop("base_path", "."))
    project = Project(project_path)
    run_ = PipelineRun(spark, project, pipeline, project.variables(config, conf), out_base=base,
                       source_base=base).execute()
    if instrumented:
        for name in sorted(run_.edges):
            df = run_.edges[name].df
            rows = ",".join(sparkutil.spark_json_rows(df, 10))
            head = json.dumps({"edge": name, "count": df.count()})
            print(f"{sparkutil.EDGE_PREFIX}{head[:-1]}, \"sample\": [{rows}]}}")
    run_.write_targets(base)
    run_.unpersist()


def main(argv):
    if argv[:1] == ["gen"]:
        return gen(argv[1:])
    p = subprocess.run([real_sibyl(), *argv], capture_output=True, text=True)
    out = p.stdout
    if argv[:1] in (["--help"], ["help"]) and "\n   gen " not in out:
        out = out.replace("Commands:\n", "Commands:\n   gen        (fake) Write packages that run the reference executor\n")
    sys.stdout.write(out)
    sys.stderr.write(p.stderr)
    return p.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
