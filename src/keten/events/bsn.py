"""BSN guard: refuse any file that holds a value passing the BSN eleven-test (elfproef).

A citizen service number (BSN) has nine digits d1..d9 with
9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - 1*d9 divisible by 11.
Every run of exactly nine digits in every text column is tested, also inside longer text
("klant 123456782"), so a BSN cannot slip in through a free-text or attribute column.
The check is a SQL expression: DuckDB runs it over all columns in parallel.
"""

from __future__ import annotations

import re

import duckdb

from keten.events.readers import quote_ident

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
NINE_DIGITS = "[0-9]{9}"
# The most digits DuckDB's strptime reads for each field (it refuses longer numbers; %z needs a sign).
FIELD_DIGITS = {
    "Y": 4, "y": 2, "m": 2, "d": 2, "H": 2, "I": 2, "M": 2, "S": 2, "f": 6, "g": 3, "j": 3, "n": 9,
}  # fmt: skip
NAME_FIELDS = set("aAbBpZ")
# Hashes Keten derives itself (md5 hex): never a BSN, though hex may hold nine digits in a row.
DERIVED_ID = r"^[0-9a-f]{32}$"


def passes_elfproef(value: str) -> bool:
    """Return True when `value` is nine digits that pass the eleven-test (and is not all zeros)."""
    if not re.fullmatch(r"\d{9}", value) or value == "000000000":
        return False
    return sum(w * int(d) for w, d in zip(WEIGHTS, value, strict=True)) % 11 == 0


def contains_bsn(text: str) -> bool:
    """Return True when some run of exactly nine digits in `text` passes the eleven-test."""
    return any(passes_elfproef(run) for run in re.findall(r"\d+", text))


def has_nine_digits(text: str) -> bool:
    """Return True when `text` holds nine digits in a row (what the SQL sieve looks for)."""
    return re.search(NINE_DIGITS, text) is not None


def longest_digit_run(timestamp_format: str) -> int:
    """Return the longest run of digits a text read with this strptime format can hold.

    A timestamp that parsed with a format whose runs are shorter than nine holds no BSN, so the
    guard needs to sieve only the timestamps that did not parse. Unknown fields count as long.
    """
    longest = run = 0
    i = 0
    while i < len(timestamp_format):
        char = timestamp_format[i]
        if char == "%":
            field = timestamp_format[i + 1 : i + 3]
            field = field[1:2] if field.startswith("-") else field[:1]
            i += 3 if timestamp_format[i + 1 : i + 2] == "-" else 2
            if field in FIELD_DIGITS:
                run += FIELD_DIGITS[field]
            elif field == "z":
                run = 4  # a sign, then at most four digits (+02:00, +0200)
            elif field in NAME_FIELDS or field == "%":
                run = 0
            else:
                return 99
        else:
            run = run + 1 if char.isdigit() else 0
            i += 1
        longest = max(longest, run)
    return longest


def _elfproef_sql(x: str) -> str:
    terms = " + ".join(f"{w} * (ascii({x}[{i + 1}]) - 48)" for i, w in enumerate(WEIGHTS))
    return f"(len({x}) = 9 AND {x} <> '000000000' AND ({terms}) % 11 = 0)"


def bsn_count_sql(column_sql: str) -> str:
    """SQL: the number of BSN-like numbers in one text value."""
    return f"len(list_filter(regexp_extract_all({column_sql}, '[0-9]+'), lambda x: {_elfproef_sql('x')}))"


def scanned_columns(columns: dict[str, str]) -> dict[str, str]:
    """Return {column: SQL text expression} for the columns the guard scans (text and integers)."""
    scanned = {}
    for name, kind in columns.items():
        kind = kind.upper()
        if kind == "VARCHAR":
            expr = quote_ident(name)
            if name == "event_id":
                expr = f"CASE WHEN regexp_matches({expr}, '{DERIVED_ID}') THEN NULL ELSE {expr} END"
            scanned[name] = expr
        elif kind in ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "UINTEGER", "DECIMAL(18,0)"):
            scanned[name] = f"CAST({quote_ident(name)} AS VARCHAR)"
    return scanned


def row_sieve_sql(texts: list[str]) -> str:
    """SQL: true when one of the text expressions holds nine digits in a row (cheap first pass).

    One regular expression over the joined texts costs less than one per column.
    """
    if not texts:
        return "false"
    return "regexp_matches(concat_ws(chr(31), " + ", ".join(texts) + f"), '{NINE_DIGITS}')"


def row_exact_sql(texts: list[str]) -> str:
    """SQL: true when one of the text expressions holds a number that passes the eleven-test."""
    return " OR ".join(f"{bsn_count_sql(t)} > 0" for t in texts) or "false"


def sieve_sql(columns: dict[str, str]) -> str:
    """SQL: true when some scanned column of the row holds nine digits in a row."""
    return row_sieve_sql(list(scanned_columns(columns).values()))


def scan(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> dict[str, int]:
    """Return {column: number of values holding a BSN-like number}, only for columns with any.

    `columns` maps column name -> DuckDB type; text and integer columns are scanned.
    """
    scanned = scanned_columns(columns)
    if not scanned:
        return {}
    # One cheap pass finds the rows with nine digits in a row anywhere; only those get the
    # per-column eleven-test.
    counts = ", ".join(f"count(*) FILTER ({bsn_count_sql(expr)} > 0)" for expr in scanned.values())
    row = con.execute(
        f"WITH candidates AS (SELECT * FROM {table} AS scanned WHERE {sieve_sql(columns)}) "  # noqa: S608
        f"SELECT {counts} FROM candidates"
    ).fetchone()
    return {name: n for name, n in zip(scanned, row, strict=True) if n}
