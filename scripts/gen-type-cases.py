#!/usr/bin/env python3
"""gen-type-cases.py — ask real Spark for the result type of every expression
in tests/sql/cases/types.in and write tests/sql/cases/types.tsv; likewise the
output schema of every query in queries.in into queries.tsv.

Each expression is analyzed as `SELECT <expr> FROM t` over an empty table t
with a column of every type (TABLE below; tests/sql/test_check.c declares the
same table and checks that the TSV's header agrees), with Spark 3.5 defaults:
spark.sql.ansi.enabled=false, session time zone UTC.

Output, one line per expression, tab-separated:
    <expr>  <type>   <nullable: 0/1>  <output column name, escaped>
    <expr>  ERROR    <error class>    <first line of Spark's message>
A generator with several output columns (posexplode, inline, json_tuple ...)
gets the struct of its columns as its type.

queries.in holds whole queries over t and a second table u (U_TABLE below);
queries.tsv has, per query, the output schema (a struct) and nullability
flags, or ERROR with the error class. It also lists pyspark.sql.functions in
pyspark_functions.txt.

Run with the python that scripts/spark-env.sh prints:
    PY=$(scripts/spark-env.sh) && "$PY" scripts/gen-type-cases.py
"""
import os
import sys

TABLE = (
    "b boolean, ti tinyint, si smallint, i int, l bigint, f float, d double, "
    "dec decimal(10,2), dec5 decimal(5,3), big decimal(38,10), s string, s2 string, "
    "bin binary, dt date, ts timestamp, ntz timestamp_ntz, "
    "dti interval day to second, ymi interval year to month, "
    "arr array<int>, sarr array<string>, darr array<double>, m map<string,int>, "
    "st struct<a:int,b:string>, "
    "nested struct<x:struct<y:int,z:array<string>>,items:array<struct<k:string,v:double>>>, "
    "id bigint not null, CamelCol int"
)

U_TABLE = "id bigint, s string, v double, dt date, tags array<string>"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IN = os.path.join(ROOT, "tests", "sql", "cases", "types.in")
OUT = os.path.join(ROOT, "tests", "sql", "cases", "types.tsv")
QIN = os.path.join(ROOT, "tests", "sql", "cases", "queries.in")
QOUT = os.path.join(ROOT, "tests", "sql", "cases", "queries.tsv")
PYFUNCS = os.path.join(ROOT, "tests", "sql", "cases", "pyspark_functions.txt")


def write_pyspark_functions():
    """The names in pyspark.sql.functions, which the function catalogue's
    pyspark column must use (tests/sql/test_functions.c)."""
    import inspect
    import pyspark.sql.functions as F

    names = sorted(n for n, o in vars(F).items()
                   if inspect.isfunction(o) and not n.startswith("_")
                   and o.__module__ == "pyspark.sql.functions")
    with open(PYFUNCS, "w", encoding="utf-8") as f:
        f.write("# pyspark.sql.functions names in pyspark 3.5 (one per line), for test_functions.c\n")
        for n in names:
            f.write(n + "\n")


def one_line(text):
    return " ".join(str(text).split())


def escape_name(name):
    """A column name as one TSV field, spaces kept: tabs, newlines and
    backslashes written as \\t, \\n and \\\\ (test_check.c reads them back)."""
    return name.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main():
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("sibyl-type-cases")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.createDataFrame([], TABLE).createOrReplaceTempView("t")
    spark.createDataFrame([], U_TABLE).createOrReplaceTempView("u")

    lines = []
    seen = set()
    with open(IN, encoding="utf-8") as f:
        for raw in f:
            expr = raw.rstrip("\n").strip()
            if not expr or expr.startswith("#") or expr in seen:
                continue
            seen.add(expr)
            try:
                fields = spark.sql("SELECT %s FROM t" % expr).schema.fields
                if len(fields) == 1:
                    typ = fields[0].dataType.simpleString()
                    nullable = fields[0].nullable
                    name = fields[0].name
                else:
                    typ = StructType(fields).simpleString()
                    nullable = any(x.nullable for x in fields)
                    name = ",".join(x.name for x in fields)
                lines.append("%s\t%s\t%d\t%s" % (expr, typ, 1 if nullable else 0, escape_name(name)))
            except Exception as e:  # AnalysisException, ParseException
                cls = getattr(e, "getErrorClass", lambda: None)() or type(e).__name__
                msg = one_line(str(e).split("\n")[0])[:300]
                lines.append("%s\tERROR\t%s\t%s" % (expr, cls, msg))

    with open(OUT, "w", encoding="utf-8") as f:
        f.write("# generated by scripts/gen-type-cases.py from types.in with Spark %s; do not edit\n"
                % spark.version)
        f.write("#table\t%s\n" % TABLE)
        for line in lines:
            f.write(line + "\n")
    errors = sum(1 for x in lines if "\tERROR\t" in x)
    print("wrote %s: %d expressions, %d rejected by Spark" % (OUT, len(lines), errors),
          file=sys.stderr)

    qlines = []
    with open(QIN, encoding="utf-8") as f:
        for raw in f:
            q = raw.strip()
            if not q or q.startswith("#"):
                continue
            try:
                st = spark.sql(q).schema
                flags = "".join("1" if x.nullable else "0" for x in st.fields)
                qlines.append("%s\t%s\t%s" % (q, st.simpleString(), flags))
            except Exception as e:
                cls = getattr(e, "getErrorClass", lambda: None)() or type(e).__name__
                msg = one_line(str(e).split("\n")[0])[:300]
                qlines.append("%s\tERROR\t%s\t%s" % (q, cls, msg))
    with open(QOUT, "w", encoding="utf-8") as f:
        f.write("# generated by scripts/gen-type-cases.py from queries.in with Spark %s; do not edit\n"
                % spark.version)
        f.write("#table t\t%s\n" % TABLE)
        f.write("#table u\t%s\n" % U_TABLE)
        for line in qlines:
            f.write(line + "\n")
    errors = sum(1 for x in qlines if "\tERROR\t" in x)
    print("wrote %s: %d queries, %d rejected by Spark" % (QOUT, len(qlines), errors),
          file=sys.stderr)
    write_pyspark_functions()
    spark.stop()


if __name__ == "__main__":
    main()
