"""The demo pipeline: numbers -> evens -> labelled."""
import argparse
import json
import os
import signal
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="fabric_demo")
    ap.add_argument("--config", default="default")
    ap.add_argument("--conf", action="append", default=[])
    ap.add_argument("--until")
    args = ap.parse_args(argv)
    conf = dict(c.split("=", 1) for c in args.conf)
    return args, conf


def edge(gem, df, conf, started):
    n = int(conf.get("sibyl_sample_rows", "0"))
    rows = [r.asDict() for r in df.limit(n).collect()] if n else []
    schema = [{"name": f.name, "type": f.dataType.simpleString(), "nullable": f.nullable}
              for f in df.schema.fields]
    print("SIBYL-EDGE " + json.dumps({"gem": gem, "port": "out", "count": df.count(),
                                      "rows": rows, "schema": schema,
                                      "ms": round((time.time() - started) * 1000, 1)},
                                     default=str),
          flush=True)
    if conf.get("die_at") == gem:
        os.kill(os.getpid(), signal.SIGKILL)


def main(argv):
    args, conf = parse_args(argv)
    spark = SparkSession.builder.appName("fabric_demo").getOrCreate()
    if "sleep" in conf:
        secs = float(conf["sleep"])
        spark.sparkContext.parallelize(range(2), 2).map(lambda x: time.sleep(secs) or x).count()
    gems = [
        ("numbers", lambda df: spark.range(10).select(F.col("id").cast("int").alias("n"))),
        ("evens", lambda df: df.where(F.col("n") % 2 == 0)),
        ("labelled", lambda df: df.select("n", F.concat(F.lit("#"), F.col("n")).alias("label"),
                                          (F.col("n") / 4).cast("decimal(6,2)").alias("q"))),
    ]
    df = None
    for name, fn in gems:
        t = time.time()
        if conf.get("fail_at") == name:
            raise ValueError("gem %s failed on purpose" % name)
        df = fn(df)
        edge(name, df, conf, t)
        if args.until == name:
            break
    if conf.get("out_path"):
        df.coalesce(1).write.mode("overwrite").json(conf["out_path"])
    print("config", args.config)
    spark.stop()
    return 0
