"""Reading a delivery's times: typed columns as they are, text with the strptime formats the
mapping names or that read the first thousand values, local times in the chain's time zone."""

from __future__ import annotations

from keten.events.readers import Source, quote_ident, sql_literal

# Tried in this order on a sample of the column when the mapping names no format.
AWARE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S%z",
)
# Z (UTC) right after the time, or after a space as some exports write it.
UTC_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d %H:%M:%S.%fZ",
    "%Y-%m-%d %H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S.%f Z",
    "%Y-%m-%dT%H:%M:%S Z",
    "%Y-%m-%d %H:%M:%S.%f Z",
    "%Y-%m-%d %H:%M:%S Z",
)
LOCAL_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)


def _sql_formats(formats) -> str:
    """One strptime format as a plain literal (faster than a list of one), several as a list."""
    if len(formats) == 1:
        return sql_literal(formats[0])
    return "[" + ", ".join(map(sql_literal, formats)) + "]"


def timestamp_expr(con, source: Source, column: str, mapping: dict, tz: str) -> tuple[str, list[str] | None]:
    """SQL for the UTC timestamp, and the strptime formats it reads text with (None: typed)."""
    col = quote_ident(column)
    kind = source.types.get(column, "VARCHAR").upper()
    tz_sql = sql_literal(tz)
    if kind.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"CAST({col} AS TIMESTAMPTZ)", None
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        return f"timezone({tz_sql}, CAST({col} AS TIMESTAMP))", None
    text = f"CAST({col} AS VARCHAR)" if kind != "VARCHAR" else f"trim({col})"
    requested = mapping.get("timestamp_format")
    if requested:
        formats = [requested] if isinstance(requested, str) else list(requested)
    else:
        formats = detect_formats(con, text)
    aware = [f for f in formats if "%z" in f]
    utc = [f for f in formats if f.endswith("Z")]
    local = [f for f in formats if f not in aware and f not in utc]
    parts = []
    if aware:
        parts.append(f"try_strptime({text}, {_sql_formats(aware)})")
    if utc:
        parts.append(f"timezone('UTC', try_strptime({text}, {_sql_formats(utc)}))")
    if local:
        parts.append(f"timezone({tz_sql}, try_strptime({text}, {_sql_formats(local)}))")
    if not parts:
        return "CAST(NULL AS TIMESTAMPTZ)", formats
    return (parts[0] if len(parts) == 1 else "coalesce(" + ", ".join(parts) + ")"), formats


def detect_formats(con, text: str) -> list[str]:
    """Keep the candidate formats that read some of the first thousand values, best first."""
    candidates = AWARE_FORMATS + UTC_FORMATS + LOCAL_FORMATS
    hits = ", ".join(f"count(try_strptime(v, '{f}'))" for f in candidates)
    row = con.execute(
        f"SELECT {hits} FROM (SELECT {text} AS v FROM src WHERE {text} <> '' LIMIT 1000)"  # noqa: S608
    ).fetchone()
    ranked = sorted((n, -i, f) for i, (f, n) in enumerate(zip(candidates, row, strict=True)) if n)
    return [f for _, _, f in reversed(ranked)]
