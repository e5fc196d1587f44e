"""Partner-side pseudonymisation: replace case identifiers (e.g. BSN) with keyed pseudonyms.

pseudonym = "p" + HMAC-SHA256(chain key, identifier), hex digits written as letters a-p, first
32 (128 bits). Every partner with the same chain key gets the same pseudonym for the same
person, so the chain links cases without seeing who they are. Letters only, because a hex
digest holds nine digits in a row often enough to trip the BSN guard.

The key comes from a file or an environment variable and is never written next to the data.
DuckDB reads and writes the file; Python's hmac hashes each DISTINCT identifier once (there
are far fewer people than events), and DuckDB joins the pseudonyms back.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import duckdb
import pyarrow as pa

from keten.events.readers import ReadError, Source, load_source, materialize_rows, quote_ident, sql_literal

KEY_ENV = "KETEN_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


class KeyError_(Exception):
    """The chain key is missing or too weak."""


def load_key(key_file: Path | None = None, env: str = KEY_ENV) -> bytes:
    """Return the chain key from `key_file`, else from the environment variable `env`."""
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise KeyError_(f"Cannot read the key file {key_file}: {exc.strerror}.") from exc
    else:
        key = os.environ.get(env, "").strip().encode()
        if not key:
            raise KeyError_(f"No chain key: pass --key-file FILE or set the environment variable {env}.")
    if len(key) < MIN_KEY_BYTES:
        raise KeyError_(f"The chain key is too short ({len(key)} bytes); use at least {MIN_KEY_BYTES}.")
    return key


def pseudonym(key: bytes, identifier: str) -> str:
    """Return the pseudonym of one identifier (the same for every partner with this key)."""
    digest = hmac.new(key, identifier.strip().encode(), hashlib.sha256).hexdigest()
    return "p" + digest[:32].translate(_LETTERS)


def pseudonymize_file(
    source: Path, target: Path, *, columns: list[str], key: bytes, workdir: Path
) -> dict[str, int]:
    """Write `source` to `target` (CSV or Parquet, by suffix) with `columns` pseudonymised.

    Returns {column: number of distinct identifiers}. Raises ReadError for an unreadable file
    or a column that is not there.
    """
    con = duckdb.connect()
    try:
        info: Source = load_source(con, Path(source), {}, workdir)
        missing = [c for c in columns if c not in info.columns]
        if missing:
            raise ReadError(
                f"Column(s) {', '.join(missing)} not in {Path(source).name}; "
                f"columns: {', '.join(info.columns)}."
            )
        counts = {}
        select = []
        joins = []
        for i, column in enumerate(columns):
            col = quote_ident(column)
            ids = [
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT CAST({col} AS VARCHAR) FROM src WHERE {col} IS NOT NULL"  # noqa: S608
                ).fetchall()
            ]
            counts[column] = len(ids)
            table = pa.table(
                {"id": pa.array(ids, pa.string()), "pseudonym": [pseudonym(key, v) for v in ids]}
            )
            con.register(f"map_{i}", table)
            joins.append(f"LEFT JOIN map_{i} m{i} ON m{i}.id = CAST(s.{col} AS VARCHAR)")
        for column in info.columns:
            if column in columns:
                select.append(f"m{columns.index(column)}.pseudonym AS {quote_ident(column)}")
            else:
                select.append(f"s.{quote_ident(column)}")
        rows = materialize_rows(con, info)
        query = f"SELECT {', '.join(select)} FROM {rows} s {' '.join(joins)} ORDER BY s._row"  # noqa: S608
        options = "FORMAT parquet" if Path(target).suffix == ".parquet" else "HEADER, DELIMITER ','"
        con.execute(f"COPY ({query}) TO {sql_literal(target)} ({options})")
        return counts
    finally:
        con.close()
