#!/usr/bin/env python3
"""gen-io-cases.py — ask real Spark 3.5 for the schema of every test data file.

sibyl infers the schema of a Source gem's data the way Spark does; its tests
compare against what Spark itself says. This script:

  1. writes the Parquet test files under tests/io/data/parquet/ (with
     pyspark, with pyarrow for types Spark does not write, and by hand for
     broken files);
  2. reads tests/io/data/cases.tsv (id, format, path, options as JSON) and,
     for every case, asks local Spark for `spark.read.options(...).format(f)
     .load(path).schema`;
  3. writes tests/io/data/expected.tsv, one line per case:

       id  format  path  options  status  simple  full  converter

     status is "ok" or "error" (Spark failed; simple then holds its message);
     simple is the schema in Spark's simpleString form, full the same with
     " not null" after every non-nullable field, array element or map value;
     converter (Parquet only, "-" otherwise) is the full form of what
     ParquetToSparkSchemaConverter makes of the footer's Parquet schema, before
     Spark makes file columns nullable and ignoring the Spark schema a Spark
     writer stores in the footer.

Run it with the Spark environment (scripts/spark-env.sh makes one):

    PY=$(scripts/spark-env.sh) && "$PY" scripts/gen-io-cases.py

The session runs in UTC with default settings (spark.sql.ansi.enabled=false),
local[1].
"""
import datetime
import decimal
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "io", "data")
PARQUET = os.path.join(DATA, "parquet")


def ensure_pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        print("gen-io-cases: installing pyarrow into this environment", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyarrow"])


def spark_session():
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("sibyl-gen-io-cases")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("OFF")
    return spark


# ---- the Parquet files --------------------------------------------------------


def write_single(df, dest, **conf):
    """Write df as one part file and move it to dest (no _SUCCESS, no .crc)."""
    spark = df.sparkSession
    old = {k: spark.conf.get(k, None) for k in conf}
    for k, v in conf.items():
        spark.conf.set(k, v)
    tmp = tempfile.mkdtemp(prefix="sibyl-pq-")
    try:
        df.coalesce(1).write.mode("overwrite").parquet(tmp + "/out")
        parts = sorted(glob.glob(tmp + "/out/part-*.parquet"))
        shutil.copyfile(parts[0], dest)
    finally:
        shutil.rmtree(tmp)
        for k, v in old.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


def spark_files(spark):
    from pyspark.sql.types import (
        ArrayType, BinaryType, BooleanType, ByteType, DateType, DecimalType, DoubleType,
        FloatType, IntegerType, LongType, MapType, ShortType, StringType, StructField,
        StructType, TimestampNTZType, TimestampType,
    )

    schema = StructType([
        StructField("b", BooleanType()),
        StructField("i8", ByteType()),
        StructField("i16", ShortType()),
        StructField("i32", IntegerType(), False),
        StructField("i64", LongType()),
        StructField("f32", FloatType()),
        StructField("f64", DoubleType()),
        StructField("dec_5_0", DecimalType(5, 0)),
        StructField("dec_10_2", DecimalType(10, 2)),
        StructField("dec_18_3", DecimalType(18, 3)),
        StructField("dec_38_18", DecimalType(38, 18)),
        StructField("s", StringType(), False),
        StructField("bin", BinaryType()),
        StructField("d", DateType()),
        StructField("ts", TimestampType()),
        StructField("ts_ntz", TimestampNTZType()),
        StructField("arr", ArrayType(IntegerType(), True)),
        StructField("arr_nn", ArrayType(StringType(), False), False),
        StructField("m", MapType(StringType(), LongType(), True)),
        StructField("m_nn", MapType(IntegerType(), ArrayType(DoubleType(), False), False)),
        StructField("st", StructType([
            StructField("x", IntegerType(), False),
            StructField("y", StructType([StructField("z", StringType())])),
        ])),
        StructField("arr_st", ArrayType(StructType([
            StructField("k", StringType()), StructField("v", DecimalType(9, 4))]))),
        StructField("nested_arr", ArrayType(ArrayType(LongType()))),
        StructField("Mixed Case Name", StringType()),
    ])
    row = (
        True, 1, 2, 3, 4, 1.5, 2.5, decimal.Decimal("12345"), decimal.Decimal("1.25"),
        decimal.Decimal("1.125"), decimal.Decimal("1.5"), "x", b"\x00\x01",
        datetime.date(2024, 1, 15), datetime.datetime(2024, 1, 15, 10, 30),
        datetime.datetime(2024, 1, 15, 10, 30), [1, None], ["a"], {"k": 1}, {1: [1.5]},
        (1, ("z",)), [("k", decimal.Decimal("1.5"))], [[1, 2], [3]], "m",
    )
    df = spark.createDataFrame([row], schema)
    write_single(df, os.path.join(PARQUET, "spark_all_types.parquet"))
    write_single(df, os.path.join(PARQUET, "spark_legacy_format.parquet"),
                 **{"spark.sql.parquet.writeLegacyFormat": "true"})
    ts = df.select("ts", "ts_ntz", "d")
    write_single(ts, os.path.join(PARQUET, "spark_ts_micros.parquet"),
                 **{"spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS"})
    write_single(ts, os.path.join(PARQUET, "spark_ts_millis.parquet"),
                 **{"spark.sql.parquet.outputTimestampType": "TIMESTAMP_MILLIS"})
    intervals = spark.sql(
        "SELECT INTERVAL '1-2' YEAR TO MONTH AS ym, INTERVAL '1 02:03:04' DAY TO SECOND AS dt, "
        "INTERVAL '5' DAY AS d, 1 AS n")
    write_single(intervals, os.path.join(PARQUET, "spark_intervals.parquet"))

    # A directory of part files, the way Spark writes a table.
    d = os.path.join(PARQUET, "spark_dir")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    small = spark.createDataFrame([(1, "a"), (2, "b")], "id bigint, name string")
    write_single(small, os.path.join(d, "part-00000-a.snappy.parquet"))
    other = spark.createDataFrame([(3, "c", 1.5)], "id bigint, name string, extra double")
    write_single(other, os.path.join(d, "part-00001-b.snappy.parquet"))
    open(os.path.join(d, "_SUCCESS"), "w").close()
    with open(os.path.join(d, ".part-00000-a.snappy.parquet.crc"), "wb") as f:
        f.write(b"crc\x00\x01")

    # A table written with partitionBy; part files renamed to stable names.
    d = os.path.join(PARQUET, "spark_parted")
    shutil.rmtree(d, ignore_errors=True)
    parted = spark.createDataFrame(
        [(1, "a", 2023, "x y"), (2, "b", 2024, None), (3, "c", 2024, "z")],
        "id bigint, name string, year int, cat string")
    tmp = tempfile.mkdtemp(prefix="sibyl-pq-")
    try:
        parted.coalesce(1).write.partitionBy("year", "cat").parquet(tmp + "/out")
        for part in sorted(glob.glob(tmp + "/out/*/*/part-*.parquet")):
            rel = os.path.relpath(os.path.dirname(part), tmp + "/out")
            os.makedirs(os.path.join(d, rel), exist_ok=True)
            shutil.copyfile(part, os.path.join(d, rel, "part-00000.parquet"))
    finally:
        shutil.rmtree(tmp)


def pyarrow_files():
    import pyarrow as pa
    import pyarrow.parquet as pq

    def table(**cols):
        return pa.table(cols)

    def w(name, t, **kw):
        pq.write_table(t, os.path.join(PARQUET, name), **kw)

    w("arrow_ints.parquet", pa.table({
        "u8": pa.array([1], pa.uint8()), "u16": pa.array([1], pa.uint16()),
        "u32": pa.array([1], pa.uint32()), "u64": pa.array([1], pa.uint64()),
        "i8": pa.array([1], pa.int8()), "i16": pa.array([1], pa.int16()),
        "i32": pa.array([1], pa.int32()), "i64": pa.array([1], pa.int64()),
        "nul": pa.array([None], pa.null()),
    }))
    w("arrow_misc.parquet", pa.table({
        "ts_us": pa.array([1], pa.timestamp("us")),
        "ts_us_utc": pa.array([1], pa.timestamp("us", tz="UTC")),
        "ts_ms": pa.array([1], pa.timestamp("ms")),
        "ts_ms_utc": pa.array([1], pa.timestamp("ms", tz="Europe/Paris")),
        "d32": pa.array([datetime.date(2020, 1, 1)], pa.date32()),
        "d64": pa.array([datetime.date(2020, 1, 1)], pa.date64()),
        "fixed": pa.array([b"ab"], pa.binary(2)),
        "bin": pa.array([b"x"], pa.binary()),
        "large_str": pa.array(["x"], pa.large_string()),
        "dict": pa.array(["x"]).dictionary_encode(),
        "f32": pa.array([1.5], pa.float32()),
        "b": pa.array([True]),
        "dec_5_1": pa.array([decimal.Decimal("1.5")], pa.decimal128(5, 1)),
        "dec_30_1": pa.array([decimal.Decimal("1.5")], pa.decimal128(30, 1)),
        "dec_38_0": pa.array([decimal.Decimal("1")], pa.decimal128(38, 0)),
    }))
    w("arrow_nested.parquet", pa.table({
        "list": pa.array([[1, None]], pa.list_(pa.int64())),
        "list_nn": pa.array([[1]], pa.list_(pa.field("item", pa.int64(), nullable=False))),
        "list_list": pa.array([[[1], [2]]], pa.list_(pa.list_(pa.int32()))),
        "map": pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int32())),
        "struct": pa.array([{"x": 1, "y": "s"}], pa.struct([("x", pa.int32()), ("y", pa.string())])),
        "list_struct": pa.array([[{"a": 1}]], pa.list_(pa.struct([("a", pa.int16())]))),
    }))
    w("arrow_legacy_list.parquet", pa.table({
        "list": pa.array([[1, 2]], pa.list_(pa.int64())),
        "list_struct": pa.array([[{"a": 1, "b": "x"}]],
                                pa.list_(pa.struct([("a", pa.int64()), ("b", pa.string())]))),
    }), use_compliant_nested_type=False)
    w("arrow_required.parquet", pa.table(
        {"c": pa.array([1], pa.int32()), "s": pa.array([{"x": 1}], pa.struct([pa.field("x", pa.int32(), nullable=False)]))},
        schema=pa.schema([pa.field("c", pa.int32(), nullable=False),
                          pa.field("s", pa.struct([pa.field("x", pa.int32(), nullable=False)]), nullable=False)])))
    w("arrow_v1.parquet", pa.table({
        "ts_ms": pa.array([1], pa.timestamp("ms")),
        "u32": pa.array([1], pa.uint32()),
        "s": pa.array(["x"]),
    }), version="1.0")
    w("arrow_time.parquet", pa.table({"t": pa.array([1], pa.time64("us"))}))
    w("arrow_ts_nanos.parquet", pa.table({"t": pa.array([1], pa.timestamp("ns"))}))
    # FLOAT16 is newer than Spark 3.5's Parquet library.
    w("arrow_float16.parquet", pa.table({"h": pa.array([1], pa.float16())}))


def broken_files():
    good = open(os.path.join(PARQUET, "arrow_ints.parquet"), "rb").read()

    def w(name, data):
        with open(os.path.join(PARQUET, name), "wb") as f:
            f.write(data)

    w("broken_no_magic.parquet", b"id,name\n1,x\n")
    w("broken_empty.parquet", b"")
    w("broken_truncated.parquet", good[: len(good) // 2])
    # The footer length points before the start of the file.
    w("broken_footer_length.parquet", good[:-8] + (0x7FFFFFF0).to_bytes(4, "little") + b"PAR1")
    # The footer bytes zeroed: not decodable FileMetaData.
    flen = int.from_bytes(good[-8:-4], "little")
    w("broken_footer_zeroed.parquet", good[: -8 - flen] + b"\x00" * flen + good[-8:])


# ---- the expected schemas ------------------------------------------------------


def full(dt):
    from pyspark.sql.types import ArrayType, MapType, StructType

    if isinstance(dt, StructType):
        return "struct<" + ",".join(
            f.name + ":" + full(f.dataType) + ("" if f.nullable else " not null")
            for f in dt.fields) + ">"
    if isinstance(dt, ArrayType):
        return "array<" + full(dt.elementType) + ("" if dt.containsNull else " not null") + ">"
    if isinstance(dt, MapType):
        return ("map<" + full(dt.keyType) + "," + full(dt.valueType)
                + ("" if dt.valueContainsNull else " not null") + ">")
    return dt.simpleString()


def simple(dt):
    # Spark's own simpleString elides fields past 25; this spells all of them.
    from pyspark.sql.types import ArrayType, MapType, StructType

    if isinstance(dt, StructType):
        return "struct<" + ",".join(f.name + ":" + simple(f.dataType) for f in dt.fields) + ">"
    if isinstance(dt, ArrayType):
        return "array<" + simple(dt.elementType) + ">"
    if isinstance(dt, MapType):
        return "map<" + simple(dt.keyType) + "," + simple(dt.valueType) + ">"
    return dt.simpleString()


def converter_schema(spark, path):
    """ParquetToSparkSchemaConverter on the footer of the first part file."""
    from pyspark.sql.types import StructType

    if os.path.isdir(path):
        files = sorted(p for p in glob.glob(path + "/**", recursive=True)
                       if os.path.isfile(p) and not os.path.basename(p)[0] in "._")
        path = files[0]
    jvm = spark._jvm
    conf = spark._jsparkSession.sessionState().newHadoopConf()
    hpath = jvm.org.apache.hadoop.fs.Path("file://" + path)
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(
        jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(hpath, conf))
    try:
        mt = reader.getFooter().getFileMetaData().getSchema()
    finally:
        reader.close()
    conv = jvm.org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter(
        spark._jsparkSession.sessionState().conf())
    return full(StructType.fromJson(json.loads(conv.convert(mt).json())))


def error_text(e):
    """The first line of Spark's error message (the JVM's, not py4j's)."""
    msg = None
    java = getattr(e, "java_exception", None)
    if java is not None:
        msg = java.toString()
        cause = java.getCause()
        if cause is not None and "awaitResult" in msg:
            msg = cause.toString()
    if not msg:
        msg = getattr(e, "desc", None) or str(e)
    msg = str(msg).strip()
    msg = msg.splitlines()[0] if msg else "error"
    return msg.replace("\t", " ")[:300]


def main():
    ensure_pyarrow()
    os.makedirs(PARQUET, exist_ok=True)
    spark = spark_session()
    spark_files(spark)
    pyarrow_files()
    broken_files()

    out = []
    with open(os.path.join(DATA, "cases.tsv")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cid, fmt, rel, opts = line.rstrip("\n").split("\t")
            path = os.path.join(DATA, rel)
            options = json.loads(opts)
            conv = "-"
            try:
                schema = spark.read.options(**options).format(fmt).load(path).schema
                status, s, fl = "ok", simple(schema), full(schema)
            except Exception as e:  # Spark's answer is the error
                status, s, fl = "error", error_text(e), "-"
            if fmt == "parquet":
                try:
                    conv = converter_schema(spark, path)
                except Exception as e:
                    conv = "error: " + error_text(e)
            out.append("\t".join([cid, fmt, rel, opts, status, s, fl, conv]))
            print(f"{cid}: {status} {s}", file=sys.stderr)
    with open(os.path.join(DATA, "expected.tsv"), "w") as f:
        f.write("# Generated by scripts/gen-io-cases.py from Spark %s; do not edit.\n" % spark.version)
        f.write("# id\tformat\tpath\toptions\tstatus\tsimple\tfull\tconverter\n")
        for line in out:
            f.write(line + "\n")
    print(f"gen-io-cases: {len(out)} cases written to tests/io/data/expected.tsv", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
