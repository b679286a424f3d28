"""test_harness.py — unit tests of the harness's own pieces that need no JVM:
value serialization, row comparison, order checks, the lenient reading of
samples, ${var} literals, sort-key flipping and SIBYL-EDGE parsing.

    PY=$(scripts/spark-env.sh) && "$PY" -m pytest -q tests/spark/test_harness.py
"""
import datetime
import decimal
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest
from pyspark.sql import Row
from pyspark.sql import types as T

import reference
import run_examples
import sparkutil as su


def enc(v, t):
    return su.dumps(su.encode_value(v, t))


def test_encode_scalars():
    assert enc(None, T.IntegerType()) == "null"
    assert enc(decimal.Decimal("12.50"), T.DecimalType(10, 2)) == '"12.50"'
    assert enc(decimal.Decimal("0E-10"), T.DecimalType(20, 10)) == '"0.0000000000"'
    assert enc(decimal.Decimal("-1E-10"), T.DecimalType(38, 10)) == '"-0.0000000001"'
    assert enc(0.1, T.DoubleType()) == "0.1"
    assert enc(-0.0, T.DoubleType()) == "-0.0"
    assert enc(1e300, T.DoubleType()) == "1e+300"
    assert enc(float("nan"), T.DoubleType()) == '"NaN"'
    assert enc(float("-inf"), T.DoubleType()) == '"-Infinity"'
    assert enc(True, T.BooleanType()) == "true"
    assert enc(9223372036854775807, T.LongType()) == "9223372036854775807"
    assert enc("straße 😀", T.StringType()) == '"straße 😀"'
    assert enc(datetime.date(2024, 2, 29), T.DateType()) == '"2024-02-29"'
    assert enc(datetime.datetime(2024, 2, 29, 1, 2, 3), T.TimestampType()) == '"2024-02-29 01:02:03"'
    assert enc(datetime.datetime(2024, 2, 29, 1, 2, 3, 500), T.TimestampType()) == '"2024-02-29 01:02:03.000500"'
    assert enc(bytearray(b"\x00\xff"), T.BinaryType()) == '"00ff"'
    assert enc(datetime.timedelta(days=1, microseconds=5), T.DayTimeIntervalType()) == '{"microseconds":86400000005}'


def test_encode_nested():
    t = T.StructType([T.StructField("a", T.ArrayType(T.DecimalType(4, 1))),
                      T.StructField("m", T.MapType(T.StringType(), T.IntegerType()))])
    v = Row(a=[decimal.Decimal("1.0"), None], m={"z": 1, "b": 2})
    assert enc(v, t) == '{"a":["1.0",null],"m":[["b",2],["z",1]]}'


def test_row_object_duplicate_names_become_arrays():
    schema = T.StructType([T.StructField("a", T.IntegerType()), T.StructField("a", T.IntegerType())])
    assert su.row_object((1, 2), schema) == [1, 2]


def test_compare_lines():
    assert su.compare_lines(['{"a":1}', '{"a":2}'], ['{"a":2}', '{"a":1}']) == []
    # A multiset: one copy is not two.
    assert su.compare_lines(['{"a":1}', '{"a":1}'], ['{"a":1}'])
    assert su.compare_lines(['{"a":1.0000000000000002}'], ['{"a":1.0}']) == []
    assert su.compare_lines(['{"a":1.001}'], ['{"a":1.0}'])
    # Decimals are strings: no tolerance.
    assert su.compare_lines(['{"a":"1.00"}'], ['{"a":"1.0"}'])
    # Integers are exact even when large.
    assert su.compare_lines(['{"a":9007199254740993}'], ['{"a":9007199254740992}'])
    d = su.compare_lines(['{"a":1,"b":"x"}'], ['{"a":1,"b":"y"}'])
    assert any('b: expected "x", found "y"' in line for line in d)


def test_check_order():
    golden, ranks = ["r1", "r2", "r3"], [0, 1, 1]
    assert su.check_order(golden, ranks, ["r1", "r3", "r2"]) == []
    assert su.check_order(golden, ranks, ["r2", "r1", "r3"])
    assert su.check_order(golden, ranks, ["r1", "r4"])


def test_loose_equal_spark_json():
    assert su.loose_equal("12.50", 12.5, T.DecimalType(10, 2))
    assert su.loose_equal("12345678901234567890.1234567890", decimal.Decimal("12345678901234567890.123456789"),
                          T.DecimalType(38, 10))
    assert not su.loose_equal("12345678901234567890.1234567890", 1.2345678901234567e19, T.DecimalType(38, 10))
    assert su.loose_equal("2024-01-06 12:09:12", "2024-01-06T12:09:12.000Z", T.TimestampType())
    assert su.loose_equal("2024-01-06 12:09:12", "2024-01-06T13:09:12.000+01:00", T.TimestampType())
    assert not su.loose_equal("2024-01-06 12:09:12", "2024-01-06T12:09:13.000Z", T.TimestampType())
    assert su.loose_equal("2024-02-29", "2024-02-29", T.DateType())
    assert su.loose_equal("NaN", "NaN", T.DoubleType())
    assert su.loose_equal("Infinity", float("inf"), T.DoubleType())
    assert su.loose_equal("cafe", "yv4=", T.BinaryType())
    assert su.loose_equal([["a", 1]], {"a": 1}, T.MapType(T.StringType(), T.IntegerType()))
    assert not su.loose_equal(None, 0, T.IntegerType())


def test_match_sample_missing_keys_are_null():
    schema = T.StructType([T.StructField("a", T.IntegerType()), T.StructField("b", T.StringType())])
    golden = ['{"a":1,"b":null}', '{"a":1,"b":null}', '{"a":2,"b":"x"}']
    problems, matched = su.match_sample(golden, [{"a": 1}, {"a": 1}], schema)
    assert problems == [] and matched == [0, 1]
    problems, _ = su.match_sample(golden, [{"a": 1}, {"a": 1}, {"a": 1}], schema)
    assert problems  # only two such rows exist
    problems, _ = su.match_sample(golden, [{"a": 2, "b": "x", "c": 0}], schema)
    assert problems  # an unknown column


def test_sql_literals():
    lit = reference.sql_literal
    assert lit("date", "2024-05-31") == "DATE'2024-05-31'"
    assert lit("timestamp", "2024-01-01 10:00:00") == "TIMESTAMP'2024-01-01 10:00:00'"
    assert lit("int", 3) == "3"
    assert lit("int", -2) == "(-2)"
    assert lit("bigint", 5000000000) == "5000000000L"
    assert lit("double", 75) == "75.0D"
    assert lit("decimal(10,2)", 1000) == "CAST('1000' AS decimal(10,2))"
    assert lit("string", "it's \\ here") == "'it\\'s \\\\ here'"
    assert lit("boolean", False) == "false"
    variables = {"n": ("int", -2), "d": ("date", "2024-02-29")}
    assert reference.substitute("x-${n} AND y >= ${d}", variables, True) == "x-(-2) AND y >= DATE'2024-02-29'"
    assert reference.substitute("out/${d}/x", variables, False) == "out/2024-02-29/x"
    with pytest.raises(reference.ProjectError):
        reference.substitute("${missing}", variables, True)


def test_flipped_sort_keys():
    assert reference.flipped({"expression": "a"}) == {"expression": "a", "direction": "desc", "nulls": "last"}
    assert reference.flipped({"expression": "a", "direction": "desc"}) == \
        {"expression": "a", "direction": "asc", "nulls": "first"}
    assert reference.flipped({"expression": "a", "nulls": "last"}) == \
        {"expression": "a", "direction": "desc", "nulls": "first"}


def test_parse_edges():
    out = ("noise\n"
           'SIBYL-EDGE {"edge": "a.out", "count": 2, "sample": [{"x": 1.10}]}\n'
           'SIBYL-EDGE {"gem": "r", "port": "big", "rows": 1}\n'
           "SIBYL-EDGE {broken\n")
    recs, bad = run_examples.parse_edges(out)
    assert set(recs) == {"a", "r.big"}
    assert recs["a"]["sample"][0]["x"] == decimal.Decimal("1.10")
    assert len(bad) == 1


def test_float_keys_of_equal_sort_rank():
    import goldens

    assert goldens._sort_equal(-0.0) == 0.0 and math.copysign(1, goldens._sort_equal(-0.0)) == 1


def test_norm_type_keeps_field_names():
    assert run_examples.norm_type("struct<short:boolean,n:long>") == "struct<short:boolean,n:bigint>"
    assert run_examples.norm_type("array<integer>") == "array<int>"
    assert run_examples.norm_type("map<string, short>") == "map<string,smallint>"
