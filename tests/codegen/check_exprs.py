"""Check tests/codegen/expr_cases.h on real Spark.

For every (SQL, PySpark) pair the SQL expression (selectExpr) and the
generated Python expression (select) must give a column of the same type
over a DataFrame with EXPR_SCHEMA, and the same value on a sample row.

    python tests/codegen/check_exprs.py    # needs pyspark
"""

import datetime
import json
import os
import re
import sys
from decimal import Decimal

from pyspark.sql import SparkSession, Window  # noqa: F401
from pyspark.sql import functions as F  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))


def cases():
    with open(os.path.join(HERE, "expr_cases.h")) as f:
        text = f.read()
    schema = "".join(
        re.findall(
            r'"((?:[^"\\]|\\.)*)"',
            text.split("#define EXPR_SCHEMA")[1].split("typedef")[0],
        )
    )
    pairs = re.findall(
        r'^    \{("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")\},$', text, re.MULTILINE
    )
    return schema, [(json.loads(s), json.loads(p)) for s, p in pairs]


def main():
    schema, pairs = cases()
    spark = SparkSession.builder.master("local[1]").getOrCreate()
    spark.sparkContext.setLogLevel("OFF")
    row = (
        3,
        2,
        7,
        Decimal("12.50"),
        2.5,
        "a@b.c",
        "yyyy",
        datetime.date(2024, 5, 1),
        datetime.datetime(2024, 5, 1, 10, 30),
        True,
        False,
        [1, 2],
        (1, "y"),
        {"k": 1},
    )
    df = spark.createDataFrame([row], schema)
    bad = 0
    for sql, py in pairs:
        try:
            want = df.selectExpr(f"{sql} AS v")
            got = df.select(eval(py).alias("v"))
            wt, gt = want.schema[0].dataType, got.schema[0].dataType
            wv, gv = want.collect(), got.collect()
            volatile = "current_" in sql
            if wt != gt or (wv != gv and not volatile):
                bad += 1
                print(
                    f"DIFF {sql}\n  sql    {wt.simpleString()} {wv}\n  python {gt.simpleString()} {gv}"
                )
        except Exception as error:  # noqa: BLE001
            bad += 1
            print(f"ERROR {sql}: {py}\n  {str(error).splitlines()[0]}")
    print(f"{len(pairs) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
