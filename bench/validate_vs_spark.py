"""validate_vs_spark.py — the peer for bench_validate: Spark itself checking
the same 200-gem pipeline.

Spark analyses a DataFrame (resolves columns, types every expression) when
each transformation is built, so building the pipeline's DataFrames without
running them is Spark's equivalent of `sibyl validate`. This builds them
with the independent reference executor (tests/spark/reference.py) and
times it, warm (after one untimed build, so JVM start-up is excluded).

    python bench/validate_vs_spark.py PROJECT_DIR [RUNS]
"""
import os
import statistics
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "spark"))
import reference  # noqa: E402
import sparkutil  # noqa: E402


def main():
    root = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    spark = sparkutil.spark_session("sibyl-bench")
    project = reference.Project(root)
    variables = project.variables()

    def build():
        reference.PipelineRun(spark, project, "bench", variables, cache=False).execute()

    build()  # warm-up: JVM code paths, class loading
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        build()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"spark analysis of the same pipeline: median {statistics.median(times):.1f} ms, "
          f"best {min(times):.1f} ms over {runs} runs")


if __name__ == "__main__":
    main()
