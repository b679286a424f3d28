"""reference.py — the independent reference executor: reads a sibyl project's
JSON files directly and runs every pipeline on real local Spark, gem by gem,
with Spark's own SQL parser for every expression.

It is the oracle the golden outputs come from (tests/spark/goldens.py), so it
shares no code with sibyl and does the obvious thing for each gem
(docs/project-format.md has the gem catalogue):

    Source          spark.read.format(..).options(..).schema(DDL).load(path)
    Seed            spark.createDataFrame(rows, DDL) (JSON values converted
                    to Python values of the column types)
    Target          df.write.format(..).mode(..).options(..).partitionBy(..)
    Reformat        select(F.expr(e).alias(t), ...)
    SchemaTransform withColumn(t, F.expr(e)) / drop / withColumnRenamed, in order
    Filter          where(cond)
    OrderBy         orderBy(F.expr(e).asc_nulls_first(), ...)
    Limit           limit(n)
    Deduplicate     distinct() / dropDuplicates(keys) / row_number() = 1
    Aggregate       groupBy(F.expr..).[pivot(col, values)].agg(F.expr..)
    Join            spark.sql over temp views in0, in1, ... (SELECT <exprs>
                    FROM in0 LEFT JOIN in1 ON <cond> ...), BROADCAST hints
    SetOperation    union / unionByName / intersect[All] / subtract / exceptAll
    WindowFunction  F.expr("<fn> OVER (PARTITION BY .. ORDER BY .. ROWS ..)")
    RowDistributor  one where(cond) per output port
    SQLStatement    spark.sql(query) over temp views in0, in1, ...
    Script          exec the user's code, call transform(spark, in0, ...)
    Subgraph        the inner gems, with the subgraph's inputs as in0, in1 ...

Every single-input gem sees its input aliased as `in0`, so that expressions
may qualify columns (`in0.amount`). `${var}` becomes the SQL literal of the
configuration value inside expressions and queries (DATE'2024-01-01',
CAST('1000' AS DECIMAL(10,2)), 75.0D ...) and its text inside paths.

Usage as a library (see goldens.py):

    project = Project("examples/retail")
    run = PipelineRun(spark, project, "clean_orders", project.variables(),
                      out_base="/tmp/x")
    run.execute()          # run.edges: {"gem" | "gem.port": Edge}, run.targets
    run.write_targets()

Usage from the command line, to look at one pipeline's edges:

    python tests/spark/reference.py examples/retail clean_orders [--config dev] [--show 5]
"""
import datetime
import decimal
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sparkutil

VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class ProjectError(Exception):
    """The project is not something the reference can run (it reports the
    file and field, like sibyl would; the reference is not a validator)."""


def _load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _load_dir(root, sub):
    d = os.path.join(root, sub)
    out = {}
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            if name.endswith(".json"):
                out[name[:-5]] = _load_json(os.path.join(d, name))
    return out


class Project:
    """A sibyl project directory, read as plain JSON."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.manifest = _load_json(os.path.join(self.root, "sibyl.json"))
        self.name = self.manifest["name"]
        self.datasets = _load_dir(self.root, "datasets")
        self.pipelines = _load_dir(self.root, "pipelines")
        self.configs = _load_dir(self.root, "configs")
        self.subgraphs = _load_dir(self.root, "subgraphs")

    def variables(self, config=None, overrides=None):
        """{name: (type, value)}: the manifest defaults, then the values of
        configs/<config>.json, then `overrides` ({name: value})."""
        decl = self.manifest.get("config", {})
        out = {n: (v.get("type", "string"), v.get("default")) for n, v in decl.items()}
        if config:
            if config not in self.configs:
                raise ProjectError(f"{self.root}: no configs/{config}.json")
            for n, v in self.configs[config].get("values", {}).items():
                if n not in out:
                    raise ProjectError(f"configs/{config}.json: unknown variable {n}")
                out[n] = (out[n][0], v)
        for n, v in (overrides or {}).items():
            out[n] = (out.get(n, ("string", None))[0], v)
        return out


# ---------------------------------------------------------------------------
# ${var} substitution


def sql_literal(typ, value):
    """The Spark SQL literal of a configuration value of Spark type `typ`."""
    t = typ.strip().lower()
    if value is None:
        return f"CAST(NULL AS {typ})"
    if t == "string":
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
    if t == "date":
        return f"DATE'{value}'"
    if t == "timestamp":
        return f"TIMESTAMP'{value}'"
    if t == "timestamp_ntz":
        return f"TIMESTAMP_NTZ'{value}'"
    if t == "boolean":
        if isinstance(value, str):
            value = value.strip().lower() == "true"
        return "true" if value else "false"
    if t.startswith(("decimal", "numeric", "dec(")):
        return f"CAST('{value}' AS {typ})"
    suffix = {"int": "", "integer": "", "bigint": "L", "long": "L",
              "smallint": "S", "short": "S", "tinyint": "Y", "byte": "Y"}
    if t in suffix:
        lit = f"{int(value)}{suffix[t]}"
    elif t == "double":
        lit = f"{float(value)!r}D"
    elif t == "float":
        return f"CAST({float(value)!r} AS FLOAT)"
    else:
        raise ProjectError(f"configuration type {typ} has no literal form")
    # `x-${n}` with n = -3 must not become the comment `x--3`.
    return f"({lit})" if lit.startswith("-") else lit


def path_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def substitute(text, variables, in_sql):
    def one(m):
        name = m.group(1)
        if name not in variables:
            raise ProjectError(f"unknown configuration variable ${{{name}}} in {text!r}")
        typ, value = variables[name]
        if in_sql:
            return sql_literal(typ, value)
        if value is None:
            raise ProjectError(f"configuration variable {name} has no value")
        return path_text(value)

    return VAR.sub(one, text)


# ---------------------------------------------------------------------------
# Values of Seeds


def _parse_timestamp(s):
    s = str(s).strip().replace("T", " ")
    s = s.removesuffix("Z")
    return datetime.datetime.fromisoformat(s)


def py_value(v, t):
    """A JSON value of a Seed row as the Python value pyspark expects for
    type t (dates, timestamps and decimals are written as strings)."""
    from pyspark.sql import types as T

    if v is None:
        return None
    if isinstance(t, T.DecimalType):
        return decimal.Decimal(str(v))
    if isinstance(t, T.DateType):
        return datetime.date.fromisoformat(str(v))
    if isinstance(t, (T.TimestampType, T.TimestampNTZType)):
        return _parse_timestamp(v)
    if isinstance(t, (T.DoubleType, T.FloatType)):
        return float(v)
    if isinstance(t, T.BooleanType):
        return v if isinstance(v, bool) else str(v).lower() == "true"
    if isinstance(t, T.IntegralType):
        return int(v)
    if isinstance(t, T.BinaryType):
        return bytearray(bytes.fromhex(v)) if isinstance(v, str) else bytearray(v)
    if isinstance(t, T.ArrayType):
        return [py_value(x, t.elementType) for x in v]
    if isinstance(t, T.MapType):
        items = v.items() if isinstance(v, dict) else v
        return {py_value(k, t.keyType): py_value(x, t.valueType) for k, x in items}
    if isinstance(t, T.StructType):
        if isinstance(v, dict):
            return tuple(py_value(v.get(f.name), f.dataType) for f in t.fields)
        return tuple(py_value(x, f.dataType) for x, f in zip(v, t.fields))
    if isinstance(t, T.StringType):
        return v if isinstance(v, str) else json.dumps(v)
    return v


def schema_ddl(columns):
    parts = []
    for c in columns:
        name = c["name"].replace("`", "``")
        null = "" if c.get("nullable", True) else " NOT NULL"
        parts.append(f"`{name}` {c['type']}{null}")
    return ", ".join(parts)


def option_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# ---------------------------------------------------------------------------
# Execution


class Edge:
    """A gem output: its DataFrame, and the sort keys when its rows are in a
    defined order (OrderBy, and a Limit of an ordered input)."""

    def __init__(self, df, order_keys=None):
        self.df = df
        self.order_keys = order_keys


def _quote(name):
    return "`" + name.replace("`", "``") + "`"


def _sort_key(k):
    if isinstance(k, str):
        return {"expression": k}
    return k


def sort_sql(k):
    k = _sort_key(k)
    s = k["expression"]
    s += " DESC" if k.get("direction", "asc").lower() == "desc" else " ASC"
    if k.get("nulls"):
        s += " NULLS " + k["nulls"].upper()
    return s


def flipped(k):
    """The sort key that puts the last row of `k`'s order first."""
    k = dict(_sort_key(k))
    desc = k.get("direction", "asc").lower() == "desc"
    nulls = k.get("nulls") or ("last" if desc else "first")
    k["direction"] = "asc" if desc else "desc"
    k["nulls"] = "last" if nulls == "first" else "first"
    return k


def frame_sql(frame):
    def bound(b):
        if b == "unboundedPreceding":
            return "UNBOUNDED PRECEDING"
        if b == "unboundedFollowing":
            return "UNBOUNDED FOLLOWING"
        if b == "currentRow" or b == 0:
            return "CURRENT ROW"
        n = int(b)
        return f"{-n} PRECEDING" if n < 0 else f"{n} FOLLOWING"

    kind = frame.get("type", "rows").upper()
    return f"{kind} BETWEEN {bound(frame['start'])} AND {bound(frame['end'])}"


def _key_expr(k):
    return k["expression"] if isinstance(k, dict) else k


class PipelineRun:
    """One run of one pipeline. After execute(): `edges` maps every top-level
    output ("gem" for a gem's single output, "gem.port" otherwise) to an Edge;
    `targets` maps every Target gem to (its input Edge, the dataset's JSON,
    the gem's JSON). Sources are read from `source_base` (the project
    directory by default) and Targets written under `out_base`."""

    def __init__(self, spark, project, pipeline, variables, out_base=None, perturb=False,
                 cache=True, source_base=None):
        if pipeline not in project.pipelines:
            raise ProjectError(f"{project.root}: no pipelines/{pipeline}.json")
        self.spark = spark
        self.project = project
        self.pipeline = pipeline
        self.spec = project.pipelines[pipeline]
        self.variables = variables
        self.out_base = out_base or project.root
        self.source_base = source_base or project.root
        self.perturb = perturb
        self.cache = cache
        self.edges = {}
        self.gem_ports = {}
        self.targets = {}
        self._cached = []

    # -- helpers

    def sql(self, text):
        return substitute(text, self.variables, in_sql=True)

    def expr(self, text):
        from pyspark.sql import functions as F

        return F.expr(self.sql(text))

    def dataset(self, name):
        if name not in self.project.datasets:
            raise ProjectError(f"unknown dataset {name}")
        return self.project.datasets[name]

    def resolve_path(self, ds, base):
        p = substitute(ds["path"], self.variables, in_sql=False)
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", p) or os.path.isabs(p):
            return p
        return os.path.join(base, p)

    def _views(self, inputs):
        for i, e in enumerate(inputs):
            e.df.createOrReplaceTempView(f"in{i}")

    def _reorder(self, df):
        """Perturbed runs reverse every source's row order, so that results
        that depend on which row comes first show up as unstable."""
        from pyspark.sql import functions as F

        return (df.withColumn("__sibyl_i", F.monotonically_increasing_id())
                .orderBy(F.col("__sibyl_i").desc()).drop("__sibyl_i"))

    # -- the graph

    def execute(self):
        """Evaluate every gem (Targets are recorded, not written)."""
        self.edges = {}
        self._eval_graph(self.spec.get("gems", {}), {}, top=True)
        return self

    def _eval_graph(self, gems, external, top, where=""):
        memo = {}
        visiting = set()

        def output(ref):
            if ref in external:
                return external[ref]
            name, _, port = ref.partition(".")
            if name not in gems:
                raise ProjectError(f"{where}unknown input {ref!r}")
            outs = outputs(name)
            if port:
                if port not in outs:
                    raise ProjectError(f"{where}gem {name} has no output {port!r}")
                return outs[port]
            if list(outs) != ["out"]:
                raise ProjectError(f"{where}gem {name} has outputs {sorted(outs)}; name one")
            return outs["out"]

        def outputs(name):
            if name in memo:
                return memo[name]
            if name in visiting:
                raise ProjectError(f"{where}cycle through gem {name}")
            visiting.add(name)
            gem = gems[name]
            inputs = [output(r) for r in gem.get("inputs", [])]
            outs = self._eval_gem(name, gem, inputs, top, where)
            if self.cache:
                for e in outs.values():
                    e.df = e.df.cache()
                    self._cached.append(e.df)
            visiting.discard(name)
            memo[name] = outs
            if top:
                self.gem_ports[name] = list(outs)
                for port, e in outs.items():
                    self.edges[name if port == "out" else f"{name}.{port}"] = e
            return outs

        for name in sorted(gems):
            outputs(name)
        return output

    def _eval_gem(self, name, gem, inputs, top, where):
        from pyspark.sql import functions as F

        kind = gem.get("kind")
        spark = self.spark
        here = f"{where}gem {name} ({kind}): "
        d = inputs[0].df.alias("in0") if inputs else None

        if kind == "Source":
            ds = self.dataset(gem["dataset"])
            reader = spark.read.format(ds["format"])
            for k, v in ds.get("options", {}).items():
                reader = reader.option(k, option_text(v))
            if ds.get("schema"):
                reader = reader.schema(schema_ddl(ds["schema"]))
            df = reader.load(self.resolve_path(ds, self.source_base))
            return {"out": Edge(self._reorder(df) if self.perturb else df)}

        if kind == "Seed":
            from pyspark.sql import types as T

            ddl = schema_ddl(gem["schema"])
            st = T._parse_datatype_string(ddl)
            rows = [tuple(py_value(v, f.dataType) for v, f in zip(r, st.fields))
                    for r in gem.get("rows", [])]
            df = spark.createDataFrame(rows, st)
            return {"out": Edge(self._reorder(df) if self.perturb else df)}

        if kind == "Target":
            if not top:
                raise ProjectError(here + "a Target inside a subgraph")
            ds = self.dataset(gem["dataset"])
            self.targets[name] = (inputs[0], ds, gem)
            return {}

        if kind == "Reformat":
            cols = [self.expr(x["expression"]).alias(x["target"]) for x in gem["expressions"]]
            return {"out": Edge(d.select(*cols))}

        if kind == "SchemaTransform":
            for op in gem.get("operations", []):
                o = op["op"]
                if o == "add":
                    d = d.withColumn(op["target"], self.expr(op["expression"]))
                elif o == "drop":
                    d = d.drop(op["column"])
                elif o == "rename":
                    d = d.withColumnRenamed(op["column"], op["target"])
                else:
                    raise ProjectError(here + f"unknown operation {o!r}")
                d = d.alias("in0")
            return {"out": Edge(d)}

        if kind == "Filter":
            return {"out": Edge(d.where(self.expr(gem["condition"])))}

        if kind == "OrderBy":
            keys = [_sort_key(k) for k in gem["keys"]]
            cols = []
            for k in keys:
                c = self.expr(k["expression"])
                desc = k.get("direction", "asc").lower() == "desc"
                nulls = k.get("nulls")
                if desc:
                    c = {"first": c.desc_nulls_first, "last": c.desc_nulls_last}.get(nulls, c.desc)()
                else:
                    c = {"first": c.asc_nulls_first, "last": c.asc_nulls_last}.get(nulls, c.asc)()
                cols.append(c)
            return {"out": Edge(d.orderBy(*cols), order_keys=keys)}

        if kind == "Limit":
            return {"out": Edge(inputs[0].df.limit(int(gem["count"])), inputs[0].order_keys)}

        if kind == "Deduplicate":
            mode = gem.get("mode", "distinct")
            keys = [self.sql(_key_expr(k)) for k in gem.get("keys", [])]
            if mode == "distinct":
                return {"out": Edge(inputs[0].df.distinct())}
            if mode == "any":
                tmp = [f"__sibyl_k{i}" for i in range(len(keys))]
                x = d
                for t, k in zip(tmp, keys):
                    x = x.withColumn(t, F.expr(k))
                return {"out": Edge(x.dropDuplicates(tmp).drop(*tmp))}
            if mode in ("first", "last"):
                order = [_sort_key(k) for k in gem.get("orderBy", [])]
                if mode == "last":
                    order = [flipped(k) for k in order]
                if not order:
                    raise ProjectError(here + f"mode {mode} needs orderBy")
                part = f"PARTITION BY {', '.join(keys)} " if keys else ""
                w = f"row_number() OVER ({part}ORDER BY {', '.join(self.sql(sort_sql(k)) for k in order)})"
                x = d.withColumn("__sibyl_rn", F.expr(w)).where("__sibyl_rn = 1").drop("__sibyl_rn")
                return {"out": Edge(x)}
            raise ProjectError(here + f"unknown mode {mode!r}")

        if kind == "Aggregate":
            groups = gem.get("groupBy", [])
            aggs = [self.expr(a["expression"]).alias(a["target"]) for a in gem.get("aggregates", [])]
            pivot = gem.get("pivot")
            x = d
            pcol = None
            if pivot:
                pcol = self.sql(pivot["column"])
                if not IDENT.match(pcol):
                    x = x.withColumn("__sibyl_pivot", F.expr(pcol)).alias("in0")
                    pcol = "__sibyl_pivot"
            grouped = x.groupBy(*[self.expr(g["expression"]).alias(g["target"]) for g in groups])
            if pivot:
                values = pivot.get("values")
                grouped = grouped.pivot(pcol, values) if values is not None else grouped.pivot(pcol)
            return {"out": Edge(grouped.agg(*aggs))}

        if kind == "Join":
            joins = gem.get("joins", [])
            if len(joins) != len(inputs) - 1:
                raise ProjectError(here + f"{len(inputs)} inputs need {len(inputs) - 1} joins")
            self._views(inputs)
            kinds = {"inner": "INNER JOIN", "left": "LEFT OUTER JOIN", "right": "RIGHT OUTER JOIN",
                     "full": "FULL OUTER JOIN", "left_semi": "LEFT SEMI JOIN",
                     "left_anti": "LEFT ANTI JOIN", "cross": "CROSS JOIN"}
            broadcast = [f"in{i + 1}" for i, j in enumerate(joins) if j.get("broadcast")]
            hint = f"/*+ BROADCAST({', '.join(broadcast)}) */ " if broadcast else ""
            exprs = gem.get("expressions")
            if exprs:
                sel = ", ".join(f"{self.sql(x['expression'])} AS {_quote(x['target'])}" for x in exprs)
            else:
                sel = "*"
            q = f"SELECT {hint}{sel}\nFROM in0"
            for i, j in enumerate(joins):
                q += f"\n{kinds[j.get('type', 'inner')]} in{i + 1}"
                if j.get("condition"):
                    q += f" ON ({self.sql(j['condition'])})"
            return {"out": Edge(spark.sql(q))}

        if kind == "SetOperation":
            op = gem["operation"]
            res = inputs[0].df
            for e in inputs[1:]:
                if op == "unionAll":
                    res = res.union(e.df)
                elif op == "unionByName":
                    res = res.unionByName(e.df, allowMissingColumns=bool(gem.get("allowMissingColumns")))
                elif op == "intersect":
                    res = res.intersect(e.df)
                elif op == "intersectAll":
                    res = res.intersectAll(e.df)
                elif op == "except":
                    res = res.subtract(e.df)
                elif op == "exceptAll":
                    res = res.exceptAll(e.df)
                else:
                    raise ProjectError(here + f"unknown operation {op!r}")
            return {"out": Edge(res)}

        if kind == "WindowFunction":
            spec = []
            if gem.get("partitionBy"):
                spec.append("PARTITION BY " + ", ".join(self.sql(_key_expr(p)) for p in gem["partitionBy"]))
            if gem.get("orderBy"):
                spec.append("ORDER BY " + ", ".join(self.sql(sort_sql(k)) for k in gem["orderBy"]))
            if gem.get("frame"):
                spec.append(frame_sql(gem["frame"]))
            over = " ".join(spec)
            new = {}
            order = []
            for x in gem["expressions"]:
                key = x["target"].lower()
                if key not in new:
                    order.append(key)
                new[key] = F.expr(f"{self.sql(x['expression'])} OVER ({over})").alias(x["target"])
            cols = []
            used = set()
            for c in d.columns:
                if c.lower() in new and c.lower() not in used:
                    cols.append(new[c.lower()])
                    used.add(c.lower())
                else:
                    cols.append(F.col(_quote(c)))
            cols += [new[k] for k in order if k not in used]
            return {"out": Edge(d.select(*cols))}

        if kind == "RowDistributor":
            return {o["port"]: Edge(d.where(self.expr(o["condition"]))) for o in gem["outputs"]}

        if kind == "SQLStatement":
            self._views(inputs)
            return {"out": Edge(spark.sql(self.sql(gem["query"])))}

        if kind == "Script":
            ns = {"__name__": f"sibyl_script_{name}"}
            exec(compile(gem["code"], f"<{self.pipeline}/{name}>", "exec"), ns)
            if "transform" not in ns:
                raise ProjectError(here + "the code defines no transform()")
            df = ns["transform"](spark, *[e.df for e in inputs])
            declared = [c["name"] for c in gem.get("schema", [])]
            if declared and df.columns != declared:
                raise ProjectError(here + f"returned columns {df.columns}, declared {declared}")
            return {"out": Edge(df)}

        if kind == "Subgraph":
            sub = self.project.subgraphs.get(gem["subgraph"])
            if sub is None:
                raise ProjectError(here + f"unknown subgraph {gem['subgraph']}")
            n = int(sub.get("inputs", len(inputs)))
            if n != len(inputs):
                raise ProjectError(here + f"subgraph takes {n} inputs, given {len(inputs)}")
            ext = {f"in{i}": e for i, e in enumerate(inputs)}
            output = self._eval_graph(sub.get("gems", {}), ext, top=False,
                                      where=f"{where}subgraph {gem['subgraph']}: ")
            return {"out": output(sub["output"])}

        raise ProjectError(here + "unknown gem kind")

    # -- targets

    def target_path(self, name, base=None):
        _, ds, _ = self.targets[name]
        return self.resolve_path(ds, base or self.out_base)

    def write_targets(self, base=None):
        """Write every Target with Spark, as the pipeline would."""
        for name in sorted(self.targets):
            edge, ds, gem = self.targets[name]
            mode = gem.get("mode", "error")
            w = edge.df.write.format(ds["format"]).mode("errorifexists" if mode == "error" else mode)
            for k, v in ds.get("options", {}).items():
                w = w.option(k, option_text(v))
            if gem.get("partitionBy"):
                w = w.partitionBy(*gem["partitionBy"])
            w.save(self.target_path(name, base))

    def read_target(self, name, base=None, schema=None):
        """Read a written Target back: Parquet as it is; CSV and JSON with the
        schema of the data written (partition columns last), or `schema`."""
        return read_dataset(self.spark, self.targets[name], self.target_path(name, base), schema)

    def unpersist(self):
        for df in self._cached:
            df.unpersist()
        self._cached = []


def read_dataset(spark, target, path, schema=None):
    from pyspark.sql import types as T

    edge, ds, gem = target
    fmt = ds["format"]
    reader = spark.read.format(fmt)
    for k, v in ds.get("options", {}).items():
        reader = reader.option(k, option_text(v))
    if fmt != "parquet":
        if schema is None:
            parts = gem.get("partitionBy", [])
            fields = [f for f in edge.df.schema.fields if f.name not in parts]
            fields += [f for p in parts for f in edge.df.schema.fields if f.name == p]
            schema = T.StructType([T.StructField(f.name, f.dataType, True) for f in fields])
        reader = reader.schema(schema)
    return reader.load(path)


def main(argv):
    import argparse

    ap = argparse.ArgumentParser(description="Run a pipeline with the reference executor")
    ap.add_argument("project")
    ap.add_argument("pipeline")
    ap.add_argument("--config")
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args(argv)
    spark = sparkutil.spark_session("sibyl-reference")
    project = Project(args.project)
    run = PipelineRun(spark, project, args.pipeline, project.variables(args.config)).execute()
    for name, e in sorted(run.edges.items()):
        print(f"== {name}: {e.df.count()} rows, {e.df.schema.simpleString()}")
        for r in sparkutil.encode_rows(e.df.limit(args.show).collect(), e.df.schema):
            print("   ", r)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
