"""The canonical event: its columns and their types, in one place (see docs/event-format.md).

Ingestion (`keten.events`) writes events with these columns, analytics (`keten.analytics`)
reads them. The module imports nothing beyond the standard library, so a command that only
stores events does not pay for pyarrow, pandas or Ibis at start-up; the Arrow schema is
built on first use (`arrow_schema()`, or the attribute `EVENT_SCHEMA`).

`event_id` is the partner's own id (NULL when the delivery has none); `batch_seq` (the
delivery's number in the chain) and `batch_row` (the row in the delivery) are the delivery
position that orders events at the same moment; `occurrence` numbers identical events within
one delivery.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

#: (column, DuckDB type, Spark type), in the order of the stored files.
EVENT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "VARCHAR", "string"),
    ("chain", "VARCHAR", "string"),
    ("case_id", "VARCHAR", "string"),
    ("partner", "VARCHAR", "string"),
    ("activity", "VARCHAR", "string"),
    ("timestamp", "TIMESTAMPTZ", "timestamp"),  # UTC, microseconds
    ("lifecycle", "VARCHAR", "string"),
    ("attributes", "VARCHAR", "string"),  # JSON text
    ("batch_id", "VARCHAR", "string"),
    ("batch_seq", "BIGINT", "bigint"),
    ("batch_row", "BIGINT", "bigint"),
    ("occurrence", "INTEGER", "int"),
)

#: The canonical event columns, in order.
#: No chain event happened before this; a chain may only narrow the window, never widen it.
EARLIEST_EVENT = dt.date(1900, 1, 1)

EVENT_COLUMNS: tuple[str, ...] = tuple(name for name, _duckdb, _spark in EVENT_FIELDS)

#: Column name -> DuckDB type.
DUCKDB_TYPES: dict[str, str] = {name: kind for name, kind, _spark in EVENT_FIELDS}

#: The schema as Spark DDL (Spark's session is UTC, so `timestamp` holds UTC wall-clock times).
SPARK_DDL: str = ", ".join(f"{name} {kind}" for name, _duckdb, kind in EVENT_FIELDS)


@cache
def arrow_schema() -> pa.Schema:
    """The schema as a pyarrow schema (timestamps in microseconds, UTC)."""
    import pyarrow as pa

    types = {
        "VARCHAR": pa.string(),
        "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
        "BIGINT": pa.int64(),
        "INTEGER": pa.int32(),
    }
    return pa.schema([(name, types[kind]) for name, kind, _spark in EVENT_FIELDS])


def __getattr__(name: str) -> Any:
    # `EVENT_SCHEMA` reads like a constant but imports pyarrow only when someone uses it.
    if name == "EVENT_SCHEMA":
        return arrow_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
