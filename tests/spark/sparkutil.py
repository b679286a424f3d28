"""sparkutil.py — what the real-Spark test scripts share: the local Spark
session every oracle run uses, the exact serialization of Spark values, the
golden-file format, and the comparison of row multisets.

Nothing here knows about sibyl's C code: these scripts are the independent
side of the tests (the goldens come from real Spark, never from the code under
test).

Value serialization (one JSON value per Spark value, chosen so that two equal
Spark values always serialize to the same text and different ones never do):

    null                    null
    boolean                 true / false
    tinyint .. bigint       JSON integer
    float, double           JSON number (Python's repr, exact round trip);
                            "NaN", "Infinity", "-Infinity" as strings
    decimal(p,s)            string in plain notation with s decimals ("12.50")
    string                  string
    date                    "YYYY-MM-DD"
    timestamp, _ntz         "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC wall clock)
    binary                  lower-case hex string
    array                   JSON array
    map                     JSON array of [key, value] pairs sorted by key
    struct                  JSON object, fields in order
    intervals               {"microseconds": n} / {"months": n}

A golden file (<gem>.<port>.jsonl or <gem>.target.jsonl) holds a header line
then one JSON object per row (keys in column order):

    {"columns": [...], "count": N, "ordered": false, "schema": "struct<..>",
     "schema_json": {...}, "stable": true}

Rows are sorted by their serialized text unless "ordered" is true (the output
of an OrderBy, or a Limit of one); then they are in Spark's order and the
header has "ranks": the position of each row's sort key among the distinct
keys, so that rows with equal keys may come in any order. "stable": false
marks an edge whose rows depend on partitioning or input order (a Limit
without OrderBy, Deduplicate "any", first() ...): only its count and schema
are compared.
"""
import collections
import datetime
import decimal
import json
import math
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN_DIR = os.path.join(ROOT, "tests", "golden")
TEST_PROJECTS_DIR = os.path.join(ROOT, "tests", "spark", "projects")
EXAMPLES_DIR = os.path.join(ROOT, "examples")

# The semantics baseline every golden is computed under (docs/testing.md).
BASE_CONF = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "2",
}

EDGE_PREFIX = "SIBYL-EDGE "


# ---------------------------------------------------------------------------
# The Spark session


def pin_timezone():
    """Python converts Spark timestamps to naive datetimes in the process's
    time zone; pin it to UTC so that they read as the session's wall clock."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def spark_env(baseline_ansi=True, extra_submit_args=""):
    """Environment for a child python that starts its own Spark: local[2],
    UTC, the baseline's shuffle partitions, passed through
    PYSPARK_SUBMIT_ARGS (the child's own builder settings win). With
    `baseline_ansi` false the ANSI mode is left at the Spark version's
    default, so that generated code has to choose it itself."""
    env = dict(os.environ)
    env["TZ"] = "UTC"
    env["PYSPARK_PYTHON"] = sys.executable
    conf = {k: v for k, v in BASE_CONF.items() if baseline_ansi or k != "spark.sql.ansi.enabled"}
    confs = " ".join(f"--conf {k}={v}" for k, v in conf.items())
    env["PYSPARK_SUBMIT_ARGS"] = (
        f"--master local[2] {confs} --conf spark.ui.enabled=false "
        f"--conf spark.ui.showConsoleProgress=false "
        f"--driver-java-options -Duser.timezone=UTC {extra_submit_args} pyspark-shell"
    )
    return env


_scratch = None


def scratch_dir():
    """A per-process temporary directory, removed when the process exits."""
    global _scratch
    if _scratch is None:
        import atexit
        import shutil

        _scratch = tempfile.mkdtemp(prefix="sibyl-spark-")
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


def spark_session(app="sibyl-spark-tests"):
    """The one local SparkSession of this process (local[2], the baseline
    configuration, quiet logs, warehouse and Derby files in a temp dir)."""
    pin_timezone()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.pop("PYSPARK_SUBMIT_ARGS", None)
    from pyspark.sql import SparkSession

    tmp = scratch_dir()
    b = SparkSession.builder.master("local[2]").appName(app)
    for k, v in BASE_CONF.items():
        b = b.config(k, v)
    b = (
        b.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(tmp, "warehouse"))
        .config("spark.driver.extraJavaOptions",
                f"-Duser.timezone=UTC -Dderby.system.home={tmp}")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
    )
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def reset_session(spark, shuffle_partitions=None):
    """Back to the baseline between pipelines: confs a pipeline may have
    changed, temp views it left, cached data."""
    for k, v in BASE_CONF.items():
        spark.conf.set(k, v)
    if shuffle_partitions is not None:
        spark.conf.set("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for t in spark.catalog.listTables():
        if t.isTemporary:
            spark.catalog.dropTempView(t.name)
    spark.catalog.clearCache()


# ---------------------------------------------------------------------------
# Values


def encode_value(v, t):
    """The canonical JSON value of a Spark value v of pyspark DataType t."""
    from pyspark.sql import types as T

    if v is None:
        return None
    if isinstance(t, T.DecimalType):
        return format(v, "f")
    if isinstance(t, (T.DoubleType, T.FloatType)):
        v = float(v)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(t, T.BooleanType):
        return bool(v)
    if isinstance(t, T.IntegralType):
        return int(v)
    if isinstance(t, T.DateType):
        return v.isoformat()
    if isinstance(t, (T.TimestampType, T.TimestampNTZType)):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.UTC).replace(tzinfo=None)
        return v.isoformat(sep=" ")
    if isinstance(t, T.BinaryType):
        return bytes(v).hex()
    if isinstance(t, T.ArrayType):
        return [encode_value(x, t.elementType) for x in v]
    if isinstance(t, T.MapType):
        pairs = [[encode_value(k, t.keyType), encode_value(x, t.valueType)] for k, x in v.items()]
        pairs.sort(key=lambda p: dumps(p[0]))
        return pairs
    if isinstance(t, T.StructType):
        return {f.name: encode_value(v[i], f.dataType) for i, f in enumerate(t.fields)}
    if isinstance(t, T.DayTimeIntervalType):
        return {"microseconds": (v.days * 86400 + v.seconds) * 1000000 + v.microseconds}
    if hasattr(T, "YearMonthIntervalType") and isinstance(t, T.YearMonthIntervalType):
        return {"months": int(v)}
    if isinstance(t, T.NullType):
        return None
    if isinstance(t, T.StringType) or isinstance(v, str):
        return v
    return str(v)


def spark_json_rows(df, n):
    """The first n rows as Spark writes JSON (to_json of each row: decimals
    as numbers, null fields left out), timestamps to the microsecond: what a
    sample printed by Spark-side code may look like."""
    from pyspark.sql import functions as F

    opts = {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
            "timestampNTZFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"}
    row = F.struct(*[F.col("`" + c.replace("`", "``") + "`") for c in df.columns])
    return [r[0] for r in df.limit(n).select(F.to_json(row, opts)).collect()]


def dumps(obj):
    """Compact, deterministic JSON text (UTF-8 kept as is, key order kept)."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def row_object(row, schema):
    """One collected Row as a JSON object in column order (or an array when
    two columns share a name, which an object could not hold)."""
    names = [f.name for f in schema.fields]
    vals = [encode_value(row[i], f.dataType) for i, f in enumerate(schema.fields)]
    if len(set(names)) != len(names):
        return vals
    return dict(zip(names, vals))


def encode_rows(rows, schema):
    return [dumps(row_object(r, schema)) for r in rows]


def type_string(dt):
    """simpleString of a type; stable across Spark 3.5 and 4."""
    return dt.simpleString()


# ---------------------------------------------------------------------------
# Golden files


def golden_header(schema, lines, ordered=False, ranks=None, stable=True, extra=None):
    h = {
        "columns": [f.name for f in schema.fields],
        "count": len(lines),
        "ordered": bool(ordered),
        "schema": type_string(schema),
        "schema_json": schema.jsonValue(),
        "stable": bool(stable),
    }
    if ordered:
        h["ranks"] = list(ranks)
    if extra:
        h.update(extra)
    return h


def golden_text(header, lines):
    """The file's text: rows sorted unless ordered."""
    if not header.get("ordered"):
        lines = sorted(lines)
    return json.dumps(header, sort_keys=True, ensure_ascii=False) + "\n" + "".join(l + "\n" for l in lines)


def write_golden(path, header, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(golden_text(header, lines))


def read_golden(path):
    """(header, row lines) of a golden file."""
    with open(path, encoding="utf-8") as f:
        text = f.read().splitlines()
    if not text:
        raise ValueError(f"{path}: empty golden file")
    return json.loads(text[0]), text[1:]


def golden_schema(header):
    from pyspark.sql import types as T

    return T.StructType.fromJson(header["schema_json"])


# ---------------------------------------------------------------------------
# Comparison


def _rounded(obj):
    """A sort key that ignores the last bits of doubles."""
    if isinstance(obj, float):
        return float(f"{obj:.9g}")
    if isinstance(obj, list):
        return [_rounded(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    return obj


def close_values(a, b, tol):
    """Equal JSON values, except that doubles may differ by a relative tol."""
    if isinstance(a, float) and isinstance(b, float):
        if a == b:
            return True
        return abs(a - b) <= tol * max(abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close_values(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(close_values(a[k], b[k], tol) for k in a)
    return type(a) is type(b) and a == b


def compare_lines(expected, actual, tol=1e-12, limit=8):
    """Compare two lists of serialized rows as multisets. Doubles may differ
    by a relative `tol` (a sum in another partition order rounds
    differently); everything else must be identical. Returns a list of
    human-readable differences (empty when equal)."""
    ce, ca = collections.Counter(expected), collections.Counter(actual)
    if ce == ca:
        return []
    if len(expected) == len(actual) and tol > 0:
        pe = sorted((json.loads(l) for l in expected), key=lambda o: dumps(_rounded(o)))
        pa = sorted((json.loads(l) for l in actual), key=lambda o: dumps(_rounded(o)))
        if all(close_values(x, y, tol) for x, y in zip(pe, pa)):
            return []
    missing = list((ce - ca).elements())
    extra = list((ca - ce).elements())
    out = [(f"{len(expected)} rows expected, {len(actual)} found; "
            f"{len(missing)} expected rows missing, {len(extra)} unexpected rows")]
    if 0 < len(missing) == len(extra) <= limit:
        # Likely the same rows with some values wrong: name the columns.
        for m, x in zip(sorted(missing), sorted(extra)):
            a, b = json.loads(m), json.loads(x)
            if isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b):
                cols = [f"{k}: expected {dumps(a[k])}, found {dumps(b[k])}" for k in a if a[k] != b[k]]
                out.append("  differing values: " + "; ".join(cols[:6]))
    for l in missing[:limit]:
        out.append(f"  - {l}")
    if len(missing) > limit:
        out.append(f"  - ... {len(missing) - limit} more")
    for l in extra[:limit]:
        out.append(f"  + {l}")
    if len(extra) > limit:
        out.append(f"  + ... {len(extra) - limit} more")
    return out


def check_order(golden_lines, ranks, actual_lines):
    """For an ordered edge: the actual sequence must visit sort keys in
    non-decreasing rank (rows with equal keys in any order). Returns a list
    of problems."""
    rank_of = {}
    for l, r in zip(golden_lines, ranks):
        rank_of[l] = r
    prev = -1
    for i, l in enumerate(actual_lines):
        r = rank_of.get(l)
        if r is None:
            return [f"row {i} is not an expected row, so its order cannot be checked: {l}"]
        if r < prev:
            return [f"row {i} is out of order (sort key rank {r} after rank {prev}): {l}"]
        prev = r
    return []


# ---------------------------------------------------------------------------
# Loose comparison of values printed by other code (the instrumented
# variant's samples), guided by the golden's types.


def _parse_ts(s):
    if not isinstance(s, str):
        return None
    s = s.strip().replace("T", " ")
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        d = datetime.datetime.fromisoformat(s)
    except ValueError:
        return None
    if d.tzinfo is not None:
        d = d.astimezone(datetime.UTC).replace(tzinfo=None)
    return d


def loose_equal(golden, other, t):
    """Does `other` (a JSON value from generated code) denote the golden
    value `golden` (canonical serialization) of Spark type t?"""
    from pyspark.sql import types as T

    if golden is None or other is None:
        return golden is None and other is None
    if isinstance(t, T.DecimalType):
        try:
            return decimal.Decimal(str(other)) == decimal.Decimal(golden)
        except decimal.InvalidOperation:
            return False
    if isinstance(t, (T.DoubleType, T.FloatType)):
        if isinstance(golden, str):
            return str(other).lower().lstrip("+") in (golden.lower(), {"infinity": "inf", "-infinity": "-inf"}.get(golden.lower(), golden.lower()))
        try:
            o = float(other)
        except (TypeError, ValueError):
            return False
        if isinstance(t, T.FloatType):
            return close_values(float(golden), o, 1e-6)
        return close_values(float(golden), o, 1e-12)
    if isinstance(t, T.BooleanType):
        return other is golden or str(other).lower() == str(golden).lower()
    if isinstance(t, T.IntegralType):
        try:
            return int(other) == golden
        except (TypeError, ValueError):
            return False
    if isinstance(t, T.DateType):
        return isinstance(other, str) and other[:10] == golden and (len(other) == 10 or other[10:].strip("T0:. Z") == "")
    if isinstance(t, (T.TimestampType, T.TimestampNTZType)):
        a, b = _parse_ts(golden), _parse_ts(other)
        return a is not None and a == b
    if isinstance(t, T.BinaryType):
        if isinstance(other, str):
            if other.lower() == golden:
                return True
            import base64
            try:
                return base64.b64decode(other, validate=True).hex() == golden
            except Exception:
                return False
        if isinstance(other, list):
            return bytes(other).hex() == golden
        return False
    if isinstance(t, T.ArrayType):
        return (isinstance(other, list) and len(other) == len(golden)
                and all(loose_equal(g, o, t.elementType) for g, o in zip(golden, other)))
    if isinstance(t, T.MapType):
        if isinstance(other, dict):
            other = [[k, v] for k, v in other.items()]
        if not isinstance(other, list) or len(other) != len(golden):
            return False
        rest = list(other)
        for gk, gv in golden:
            for i, pair in enumerate(rest):
                if (isinstance(pair, (list, tuple)) and len(pair) == 2
                        and (loose_equal(gk, pair[0], t.keyType) or str(gk) == str(pair[0]))
                        and loose_equal(gv, pair[1], t.valueType)):
                    del rest[i]
                    break
            else:
                return False
        return True
    if isinstance(t, T.StructType):
        return loose_row_equal(golden, other, t)
    return golden == other or str(golden) == str(other)


def loose_row_equal(golden, other, schema):
    """A golden row (object or array) against a row from generated code
    (object keyed by column name, a missing key meaning null, or array)."""
    fields = schema.fields
    if isinstance(golden, dict):
        gvals = [golden.get(f.name) for f in fields]
    else:
        gvals = list(golden)
    if isinstance(other, dict):
        if any(k not in {f.name for f in fields} for k in other):
            return False
        ovals = [other.get(f.name) for f in fields]
    elif isinstance(other, (list, tuple)):
        if len(other) != len(fields):
            return False
        ovals = list(other)
    else:
        return False
    return all(loose_equal(g, o, f.dataType) for g, o, f in zip(gvals, ovals, fields))


def match_sample(golden_lines, sample, schema, limit=5):
    """Every sample row must be a distinct golden row. Returns (problems,
    indexes of the matched golden rows in sample order)."""
    golden = [json.loads(l) for l in golden_lines]
    used = [False] * len(golden)
    matched = []
    problems = []
    for row in sample:
        for i, g in enumerate(golden):
            if not used[i] and loose_row_equal(g, row, schema):
                used[i] = True
                matched.append(i)
                break
        else:
            problems.append(f"sample row not among the expected rows: {dumps(row) if _jsonable(row) else row!r}")
            if len(problems) >= limit:
                break
    return problems, matched


def _jsonable(o):
    try:
        dumps(o)
        return True
    except (TypeError, ValueError):
        return False
