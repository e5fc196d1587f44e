"""Partner-side pseudonymisation: replace case identifiers (e.g. BSN) with keyed pseudonyms.

pseudonym = "p" + HMAC-SHA256(chain key, identifier), hex digits written as letters a-p, first
32 (128 bits). Every partner with the same chain key gets the same pseudonym for the same
person, so the chain links cases without seeing who they are. Letters only, because a hex
digest holds nine digits in a row often enough to trip the BSN guard.

The key comes from a file or an environment variable and is never written next to the data.
It must hold at least 32 random bytes (`check_key`); `write_new_key` makes one. What the key
does and does not protect against: docs/event-format.md, Privacy.
DuckDB reads and writes the file; Python's hmac hashes each DISTINCT identifier once (there
are far fewer people than events), and DuckDB joins the pseudonyms back.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
from pathlib import Path

import duckdb
import pyarrow as pa

from keten.events.readers import ReadError, Source, load_source, materialize_rows, quote_ident, sql_literal

KEY_ENV = "KETEN_PSEUDONYM_KEY"
MIN_KEY_BYTES = 32
NEW_KEY_HINT = "make one with: keten pseudonymize --new-key FILE"
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
BASE64_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=")
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
    problem = check_key(key)
    if problem:
        where = f"in {key_file}" if key_file is not None else f"in ${env}"
        raise KeyError_(
            f"The chain key {where} is too weak: {problem}. A chain key must hold at least "
            f"{MIN_KEY_BYTES} random bytes; {NEW_KEY_HINT} (and give it to every partner of the chain)."
        )
    return key


def key_strength_bits(key: bytes) -> float:
    """Return the most randomness `key` can hold: its length times the bits per character of
    the smallest usual alphabet it is written in (hex 4, base64 6, printable text 6.6, bytes 8)."""
    characters = set(key.decode("latin-1"))
    if characters <= HEX_DIGITS:
        per_character = 4.0
    elif characters <= BASE64_CHARACTERS:
        per_character = 6.0
    elif all(32 <= ord(c) < 127 for c in characters):
        per_character = math.log2(95)
    else:
        per_character = 8.0
    return len(key) * per_character


def check_key(key: bytes) -> str | None:
    """Return why `key` cannot be a chain key (too short, or plainly not random), or None.

    A test of randomness cannot prove a key random; it catches the keys people make up: too
    few characters for 32 random bytes, one character repeated, a short pattern repeated.
    """
    bits = key_strength_bits(key)
    if bits < MIN_KEY_BYTES * 8:
        return f"{len(key)} characters hold at most {bits / 8:.0f} random bytes"
    text = key.decode("latin-1")
    if len(set(text)) < 8:
        return f"it uses only {len(set(text))} different characters"
    most = max(text.count(c) for c in set(text))
    if most > len(text) / 4:
        return "one character makes up more than a quarter of it"
    for period in range(1, len(text) // 2 + 1):
        if len(text) % period == 0 and text == text[:period] * (len(text) // period):
            return f"it repeats the same {period} characters"
    return None


def new_key() -> bytes:
    """Return a fresh chain key: 32 random bytes from the operating system, as 64 hex digits."""
    return secrets.token_hex(MIN_KEY_BYTES).encode()


def write_new_key(path: Path) -> None:
    """Write a fresh chain key to `path`, readable by its owner only (mode 0600).

    Refuses (FileExistsError) to overwrite: a lost key breaks the linkage of later deliveries.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(new_key() + b"\n")
        out.flush()
        os.fsync(out.fileno())
    os.chmod(path, 0o600)  # whatever the umask


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
