"""The one place a backend connection is created, and the few dialect differences.

Every metric is an Ibis expression over the canonical events table; the engine that runs it
(DuckDB in-process by default, PySpark locally or on a cluster) is chosen here. Two things
Ibis does not abstract are bridged with builtin functions per dialect: converting a UTC
timestamp to the chain's wall-clock time (periods are calendar days/weeks/months where the
chain lives) and reading one key of the JSON `attributes` text.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
import warnings
import weakref
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pandas as pd
import pyarrow as pa

from keten import schema

EngineKind = Literal["duckdb", "pyspark"]

# The canonical event schema lives in keten.schema (shared with ingestion); re-exported here
# for the callers that import it from the engine.
EVENT_COLUMNS = schema.EVENT_COLUMNS
EVENT_SCHEMA = schema.arrow_schema()

# Spark settings that matter (see STACK-NOTES): UTC session, Arrow transfer, quiet console.
SPARK_CONFIG: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "8",
}


def connect(
    kind: EngineKind = "duckdb",
    *,
    spark_master: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
) -> Any:
    """Return an Ibis backend connection for `kind` (duckdb or pyspark). For DuckDB,
    `memory_limit` (e.g. "1500MB") caps its memory; larger work spills to `temp_directory`
    (default: keten-duckdb in the system's temporary directory)."""
    if kind == "duckdb":
        con = ibis.duckdb.connect()
        # Every metric orders its own result (to_frame sorts), so DuckDB need not keep
        # input order: lets it stream and parallelise with less memory.
        con.raw_sql("SET preserve_insertion_order = false")
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        if memory_limit:
            if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory_limit.strip(), re.IGNORECASE):
                raise ValueError(f"DuckDB memory limit {memory_limit!r}: use e.g. 1500MB or 2GB.")
            con.raw_sql(f"SET memory_limit = '{memory_limit.strip()}'")
        # Without this an in-memory DuckDB spills into ".tmp" under whatever directory the
        # process happens to run in.
        spill = Path(temp_directory or Path(tempfile.gettempdir()) / "keten-duckdb")
        spill.mkdir(parents=True, exist_ok=True)
        con.raw_sql("SET temp_directory = '" + str(spill).replace("'", "''") + "'")
        return con
    if kind == "pyspark":
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise RuntimeError(
                "KETEN_ENGINE=pyspark needs the spark extra: uv sync --extra spark (and Java 17)."
            ) from exc
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.appName("keten").master(
            spark_master or os.environ.get("KETEN_SPARK_MASTER") or "local[2]"
        )
        for key, value in SPARK_CONFIG.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return ibis.pyspark.connect(session)
    raise ValueError(f"Unknown engine {kind!r}: use duckdb or pyspark.")


def empty_events() -> ibis.Table:
    """An events table with the canonical schema and no rows."""
    return ibis.memtable(EVENT_SCHEMA.empty_table())


def read_events(con: Any, paths: list[str | Path]) -> ibis.Table:
    """The canonical events in the Parquet files `paths` as one Ibis table (empty list: no rows)."""
    paths = [str(p) for p in paths]
    if not paths:
        return empty_events()
    if con.name == "pyspark":
        # Ibis passes a list to Spark as one glob string; hand Spark the paths itself.
        df = con._session.read.parquet(*paths)
        name = f"keten_events_{uuid.uuid4().hex}"
        df.createOrReplaceTempView(name)
        table = con.table(name)
    else:
        table = con.read_parquet(paths)
    return table.select(*EVENT_COLUMNS)


def events_from_frame(con: Any, frame: pd.DataFrame | pa.Table) -> ibis.Table:
    """Canonical events from an in-memory frame (tests, notebooks); missing optional columns get defaults."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    n = table.num_rows
    columns = {}
    for field in EVENT_SCHEMA:
        if field.name in table.column_names:
            columns[field.name] = table[field.name].cast(field.type)
        elif field.name == "lifecycle":
            columns[field.name] = pa.array(["complete"] * n, pa.string())
        elif field.name == "attributes":
            columns[field.name] = pa.array(["{}"] * n, pa.string())
        elif field.name == "event_id":
            columns[field.name] = pa.nulls(n, pa.string())
        elif field.name == "batch_row":
            # A frame is one delivery in its own order, like a file.
            columns[field.name] = pa.array(np.arange(1, n + 1), pa.int64())
        elif field.name in ("batch_seq", "occurrence"):
            columns[field.name] = pa.repeat(pa.scalar(1, field.type), n)
        else:
            columns[field.name] = pa.array([""] * n, pa.string())
    arrow = pa.table(columns, schema=EVENT_SCHEMA)
    if con is None or con.name == "duckdb":
        return ibis.memtable(arrow)
    # Spark: register the frame as a temporary view so everything runs inside Spark.
    return _spark_table(con, arrow)


def _spark_table(con: Any, arrow: pa.Table) -> ibis.Table:
    frame = arrow.to_pandas()
    # Spark's session is UTC: hand it naive UTC wall-clock times.
    frame["timestamp"] = frame["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None)
    df = con._session.createDataFrame(frame, schema=_SPARK_DDL)
    name = f"keten_events_{id(df)}"
    df.createOrReplaceTempView(name)
    return con.table(name)


_SPARK_DDL = schema.SPARK_DDL


def materialise(table: ibis.Table) -> ibis.Table:
    """Compute `table` once and keep the result in the engine for the metrics that follow.

    Spark uses Ibis' `cache()`. For DuckDB we create the temporary table ourselves: Ibis 12's
    own cache cleanup emits `DROP TABLE IF EXISTS` without a name with the installed sqlglot
    (30.x), so it would fail when the cached table is released.
    """
    backend = table._find_backend(use_default=True)
    if backend.name != "duckdb":
        return table.cache()
    name = f"keten_tmp_{uuid.uuid4().hex}"
    backend._run_pre_execute_hooks(table)
    backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {backend.compile(table)}')
    result = backend.table(name)
    weakref.finalize(result, _drop_temp_table, backend, name)
    return result


def _drop_temp_table(backend: Any, name: str) -> None:
    try:
        backend.raw_sql(f'DROP TABLE IF EXISTS "{name}"')
    except Exception:  # noqa: BLE001, S110 - the connection may already be closed at exit
        pass


def to_arrow(expr: ibis.Expr) -> Any:
    """Execute `expr` into Arrow (a Table, or a Scalar for scalar expressions)."""
    with warnings.catch_warnings():
        # Ibis' PySpark backend converts through pandas and reads an option pandas 3
        # deprecated; harmless, and it would fail runs with warnings as errors.
        warnings.filterwarnings("ignore", message="The 'future.infer_string' option is deprecated")
        return expr.to_pyarrow()


def to_arrow_batches(expr: ibis.Table, chunk_size: int = 10_000) -> Any:
    """Execute `expr` into a stream of Arrow record batches (a `pyarrow.RecordBatchReader`),
    so a large result never sits in memory whole."""
    backend = expr._find_backend(use_default=True)
    if backend.name != "duckdb":
        return expr.to_pyarrow_batches(chunk_size=chunk_size)
    # Ibis 12 asks DuckDB 2 for `fetch_record_batch`, which DuckDB 2 calls `to_arrow_reader`.
    backend._run_pre_execute_hooks(expr)
    return backend.con.sql(backend.compile(expr)).to_arrow_reader(chunk_size)


def backend_name(table: ibis.Expr) -> str:
    """Name of the backend that will run `table` or any expression (memtables: DuckDB, the default)."""
    try:
        return table._find_backend(use_default=True).name
    except Exception:  # noqa: BLE001 - unbound expressions run on the default backend
        return "duckdb"


@ibis.udf.scalar.builtin(name="timezone")
def _duckdb_timezone(zone: str, ts: dt.Timestamp(timezone="UTC")) -> dt.timestamp:  # type: ignore[valid-type]
    """DuckDB: wall-clock time in `zone` of a UTC timestamp."""


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _spark_from_utc(ts: dt.timestamp, zone: str) -> dt.timestamp:  # type: ignore[valid-type]
    """Spark: wall-clock time in `zone` of a UTC timestamp."""


@ibis.udf.scalar.builtin(name="epoch_us")
def _duckdb_epoch_us(ts: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB: microseconds since the epoch of a timestamp."""


def microseconds_between(later: ibis.Value, earlier: ibis.Value) -> ibis.Value:
    """`later - earlier` in whole microseconds (int64) on the engine of the operands."""
    if any(b.name == "pyspark" for v in (later, earlier) for b in v._find_backends()[0]):
        return later.delta(earlier, unit="microsecond")
    # DuckDB's date_diff on zoned timestamps goes through calendar arithmetic: about 25x
    # slower than subtracting epoch microseconds, which is exactly the same number.
    return _duckdb_epoch_us(later) - _duckdb_epoch_us(earlier)


@ibis.udf.scalar.builtin(name="json_extract_string")
def _duckdb_json_string(text: str, path: str) -> str:  # type: ignore[empty-body]
    """DuckDB: the value at `path` in JSON text, as a string."""


@ibis.udf.scalar.builtin(name="get_json_object")
def _spark_json_string(text: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark: the value at `path` in JSON text, as a string."""


def local_time(backend: str, ts: ibis.Value, zone: str) -> ibis.Value:
    """Wall-clock (naive) time in `zone` of the UTC timestamp `ts`."""
    if backend == "pyspark":
        return _spark_from_utc(ts, zone)
    return _duckdb_timezone(zone, ts)


_KEY = re.compile(r"^[A-Za-z0-9_:\-]+$")


def json_value(backend: str, text: ibis.Value, key: str) -> ibis.Value:
    """The value of top-level `key` in the JSON text `text`, as a string (NULL when absent)."""
    if not _KEY.match(key):
        raise ValueError(f"Attribute filter key {key!r}: use letters, digits, '_', ':' or '-' only.")
    if backend == "pyspark":
        return _spark_json_string(text, f"$['{key}']")
    return _duckdb_json_string(text, f'$."{key}"')
