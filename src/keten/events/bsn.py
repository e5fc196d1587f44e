"""BSN guard: find citizen service numbers (BSNs) in deliveries, file names and free text.

A BSN has nine digits d1..d9 with 9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - d9
divisible by 11 (the eleven-test, "elfproef"). What counts as a BSN-like number (the rule,
the same in Python here and in the SQL DuckDB runs over a delivery):

- a run of exactly nine digits that passes, also inside longer text ("klant 123456782",
  "id123456782x");
- nine digits written in groups, 3-3-3 or 4-2-3 with one separator (space, dot or hyphen):
  "111.222.333", "111 222 333", "1112.22.333";
- a whole value (a cell, or an element of a list or struct) that is an eight-digit number
  whose nine-digit form with a leading zero passes ("12345672": a spreadsheet or a numeric
  column drops the zero), unless it reads as a date (yyyymmdd, 1900-2099), in a column that
  looks like one of BSNs (see `scan`: real logs have columns of eight-digit case ids, of
  which one in eleven passes too). Inside longer text an eight-digit run is not tested:
  there it is a date or some other number far more often.

Every column of a delivery is scanned whatever its type: numbers are cast to their digits,
lists and structs to text, so a BSN cannot slip in through a typed or nested column.
"""

from __future__ import annotations

import re

import duckdb
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from keten.events.readers import quote_ident

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
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


NINE_RUN = re.compile(r"(?<!\d)\d{9}(?!\d)")
# The grouped forms (each eleven characters long), without the boundaries.
GROUPED_FORMS = (
    "[0-9]{3} [0-9]{3} [0-9]{3}",
    "[0-9]{3}[.][0-9]{3}[.][0-9]{3}",
    "[0-9]{3}-[0-9]{3}-[0-9]{3}",
    "[0-9]{4} [0-9]{2} [0-9]{3}",
    "[0-9]{4}[.][0-9]{2}[.][0-9]{3}",
    "[0-9]{4}-[0-9]{2}-[0-9]{3}",
)
GROUPED = re.compile(r"(?<![0-9])(?:" + "|".join(GROUPED_FORMS) + r")(?![0-9])")
EIGHT_DIGITS = re.compile(r"0*(\d{8})(?:\.0*)?")
DATE_LIKE = re.compile(r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")


def find_bsns(text: str) -> list[str]:
    """The BSN-like numbers in free text (nine digits in a row or in groups), as written."""
    found = [m.group() for m in NINE_RUN.finditer(text) if passes_elfproef(m.group())]
    found += [m.group() for m in GROUPED.finditer(text) if passes_elfproef(re.sub(r"\D", "", m.group()))]
    return found


MASK = "•••"


def mask_bsns(text: str) -> str:
    """`text` with each BSN-like number of `find_bsns` replaced by a mask, for messages that
    must say where a BSN was without repeating it."""
    for found in find_bsns(text):
        text = text.replace(found, MASK)
    return text


def free_text_error(text: str) -> ValidationError | None:
    """The error for a text someone typed (a scan answer, a story, a decision) that holds a
    BSN-like number, or None. Free text is refused, not masked: the writer knows what was meant
    and rewrites it; a silently changed answer would misquote them."""
    if not find_bsns(text):
        return None
    return ValidationError(
        _(
            "This text holds a number that passes the BSN eleven-test: %(text)s. Citizen service "
            "numbers do not belong in Keten; leave the number out and save again."
        ),
        code="bsn",
        params={"text": mask_bsns(text)[:200]},
    )


class RefusesBsn:
    """Form mixin: every text field whose value holds a BSN-like number gets an error."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            error = free_text_error(value) if isinstance(value, str) else None
            if error is not None:
                self.add_error(name, error)
        return cleaned


def is_short_bsn(value: str) -> bool:
    """True when the whole `value` is an eight-digit number that is a BSN without its leading
    zero, and not a date written as yyyymmdd."""
    match = EIGHT_DIGITS.fullmatch(value.strip(" "))
    if not match or DATE_LIKE.fullmatch(match.group(1)):
        return False
    return passes_elfproef("0" + match.group(1))


def value_holds_bsn(value: str) -> bool:
    """True when one delivered value (a cell) holds a BSN-like number (see the module rule)."""
    return bool(find_bsns(value)) or any(is_short_bsn(part) for part in value.split(chr(31)))


def contains_bsn(text: str) -> bool:
    """Return True when free text holds a BSN-like number (nine digits in a row or in groups)."""
    return bool(find_bsns(text))


# What the cheap SQL sieve lets through: eight digits in a row, or digits in groups that may
# form nine. Every value that `value_holds_bsn` accepts matches it.
SIEVE = "[0-9]{8}|[0-9]{3,4}[ .-][0-9]{2,3}[ .-][0-9]{3}"


def might_hold_bsn(text: str) -> bool:
    """Return True when `text` passes the cheap sieve (and so needs the eleven-test)."""
    return re.search(SIEVE, text) is not None


def longest_digit_run(timestamp_format: str) -> int:
    """Return the longest run of digits a text read with this strptime format can hold.

    See `format_holds_no_bsn`. Unknown fields count as long.
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


def format_holds_no_bsn(timestamp_format: str) -> bool:
    """True when no text that parses with this strptime format can pass the sieve: its digit
    runs are shorter than eight and it has no three-digit fields or literal digits that could
    make up a grouped form."""
    return longest_digit_run(timestamp_format) < 8 and not re.search(r"%-?[fgjn]|[0-9]", timestamp_format)


def _elfproef_sql(x: str) -> str:
    terms = " + ".join(f"{w} * (ascii({x}[{i + 1}]) - 48)" for i, w in enumerate(WEIGHTS))
    return f"(len({x}) = 9 AND {x} <> '000000000' AND ({terms}) % 11 = 0)"


def _digits_pass_sql(lst: str, keep: str, digits: str) -> str:
    """SQL: how many elements of list `lst` pass filter `keep` (over g) and then, as the digits
    `digits` (an expression over g), the eleven-test."""
    return (
        f"len(list_filter(list_transform(list_filter({lst}, lambda g: {keep}), lambda g: {digits}), "
        f"lambda d: {_elfproef_sql('d')}))"
    )


def _short_values_sql(text_sql: str, passing: bool) -> str:
    """SQL: how many whole values in one scanned value are eight-digit numbers (no date), or
    with `passing`, how many of those pass the eleven-test with a leading zero."""
    eight = r"0*([0-9]{8})"
    keep = (
        f"regexp_full_match(trim(g), '{eight}([.]0*)?') "
        f"AND NOT regexp_full_match(regexp_extract(trim(g), '{eight}', 1), '{DATE_LIKE.pattern}')"
    )
    if not passing:
        return f"len(list_filter(string_split({text_sql}, chr(31)), lambda g: {keep}))"
    return _digits_pass_sql(
        f"string_split({text_sql}, chr(31))", keep, f"'0' || regexp_extract(trim(g), '{eight}', 1)"
    )


def nine_digit_bsn_sql(text_sql: str) -> str:
    """SQL: true when one scanned value holds nine digits that pass, in a row or in groups."""
    # RE2 has no look-around: the grouped forms are taken with the character before them and
    # an optional digit after, and a form followed by a digit (twelve characters) is dropped.
    grouped = "(?:^|[^0-9])((?:" + "|".join(GROUPED_FORMS) + ")[0-9]?)"
    nine = _digits_pass_sql(f"regexp_extract_all({text_sql}, '[0-9]+')", "true", "g")
    groups = _digits_pass_sql(
        f"regexp_extract_all({text_sql}, '{grouped}', 1)",
        "len(g) = 11",
        "regexp_replace(g, '[^0-9]', '', 'g')",
    )
    return f"({nine} > 0 OR {groups} > 0)"


def holds_bsn_sql(text_sql: str) -> str:
    """SQL: true when one scanned value (see `scanned_columns`) may hold a BSN: nine digits
    that pass, or a whole eight-digit value that passes with a leading zero (whether that is
    a BSN is decided per column, in `scan`). The same answer as `value_holds_bsn`."""
    return f"({nine_digit_bsn_sql(text_sql)} OR {_short_values_sql(text_sql, passing=True)} > 0)"


# Types whose values are no number someone typed: what they hold cannot be a BSN.
NOT_SCANNED = ("BOOLEAN", "DATE", "TIME", "TIMESTAMP", "INTERVAL", "UUID")
NESTED = re.compile(r"\[\]$|\[\d+\]$|^(STRUCT|MAP|UNION)\(")


def scanned_columns(columns: dict[str, str]) -> dict[str, str]:
    """Return {column: SQL text expression} for every column the guard scans: all of them but
    booleans, dates and times. Numbers become their digits; a list, struct or map becomes its
    elements, separated by chr(31), so each is tested as a whole value too."""
    scanned = {}
    for name, kind in columns.items():
        kind = kind.upper()
        column = quote_ident(name)
        if kind == "VARCHAR":
            expr = column
            if name == "event_id":
                expr = f"CASE WHEN regexp_matches({expr}, '{DERIVED_ID}') THEN NULL ELSE {expr} END"
        elif kind.startswith(NOT_SCANNED):
            continue
        elif NESTED.search(kind):
            expr = f"regexp_replace(CAST({column} AS VARCHAR), '[\\[\\]{{}}(),:'']', chr(31), 'g')"
        else:
            expr = f"CAST({column} AS VARCHAR)"
        scanned[name] = expr
    return scanned


def row_sieve_sql(texts: list[str]) -> str:
    """SQL: true when one of the text expressions passes the sieve (`SIEVE`, cheap first pass).

    One regular expression over the joined texts costs less than one per column.
    """
    if not texts:
        return "false"
    return "regexp_matches(concat_ws(chr(31), " + ", ".join(texts) + f"), '{SIEVE}')"


def row_nine_digit_sql(texts: list[str]) -> str:
    """SQL: true when one of the text expressions holds nine digits that pass the eleven-test."""
    return " OR ".join(nine_digit_bsn_sql(t) for t in texts) or "false"


def row_eight_digit_sql(texts: list[str]) -> str:
    """SQL: true when one of the text expressions is an eight-digit number that passes the
    eleven-test with a leading zero (whether those are BSNs is decided per column, in `scan`)."""
    return " OR ".join(f"{_short_values_sql(t, passing=True)} > 0" for t in texts) or "false"


def _whole_numbers_sql(text_sql: str, lengths: str) -> str:
    """SQL: how many whole values in one scanned value are numbers whose digits (before a
    decimal point of zeros) have a length `lengths` (an SQL condition on that length)."""
    number = "[0-9]+([.]0*)?"
    digits = "len(regexp_extract(trim(g), '[0-9]+'))"
    keep = f"regexp_full_match(trim(g), '{number}') AND {digits} {lengths}"
    return f"len(list_filter(string_split({text_sql}, chr(31)), lambda g: {keep}))"


def scan(
    con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], whole: str | None = None
) -> dict[str, int]:
    """Return {column: number of values holding a BSN-like number}, only for columns with any.

    `columns` maps column name -> DuckDB type; see `scanned_columns` for what is scanned.
    `table` may hold only the rows some sieve let through; `whole` is then the whole file.
    Eight-digit values that pass with a leading zero count when they look like a column of
    BSNs without their zero: at least half of the column's eight-digit values pass (of other
    eight-digit numbers, case ids or register numbers, about one in eleven does), and numbers
    of eight or nine digits are at least as frequent in it as numbers of any other length (a
    resource column of six-digit staff numbers with one eight-digit one is no BSN column).
    """
    scanned = scanned_columns(columns)
    if not scanned:
        return {}
    # A column without a single value the sieve lets through counts nothing below: only the
    # others get the per-column test (a log of 30 attributes often has one or two such columns).
    sieved = con.execute(
        "SELECT "  # noqa: S608
        + ", ".join(f"bool_or(regexp_matches({expr}, '{SIEVE}'))" for expr in scanned.values())
        + f" FROM {table} AS scanned"
    ).fetchone()
    scanned = {name: expr for (name, expr), hit in zip(scanned.items(), sieved, strict=True) if hit}
    if not scanned:
        return {}
    # One cheap pass finds the rows the sieve lets through; only those get the per-column test.
    # Every eight-digit value passes the sieve, so the eight-digit counts are the column's.
    parts = []
    for expr in scanned.values():
        short = _short_values_sql(expr, passing=True)
        parts += [
            f"count(*) FILTER ({nine_digit_bsn_sql(expr)})",
            f"count(*) FILTER (NOT {nine_digit_bsn_sql(expr)} AND {short} > 0)",
            f"coalesce(sum({short}), 0)",
            f"coalesce(sum({_short_values_sql(expr, passing=False)}), 0)",
        ]
    sieve = row_sieve_sql(list(scanned.values()))
    row = con.execute(
        f"WITH candidates AS (SELECT * FROM {table} AS scanned WHERE {sieve}) "  # noqa: S608
        f"SELECT {', '.join(parts)} FROM candidates"
    ).fetchone()
    found, short_columns = {}, {}
    for i, name in enumerate(scanned):
        nine, short_rows, short_passing, short_all = row[4 * i : 4 * i + 4]
        if nine:
            found[name] = nine
        elif short_passing and 2 * short_passing >= short_all:
            short_columns[name] = short_rows
    if short_columns:
        # The lengths of the other numbers need the whole column, not the sieved rows.
        lengths = ", ".join(
            f"coalesce(sum({_whole_numbers_sql(scanned[name], 'IN (8, 9)')}), 0), "
            f"coalesce(sum({_whole_numbers_sql(scanned[name], 'NOT IN (8, 9)')}), 0)"
            for name in short_columns
        )
        counts = con.execute(f"SELECT {lengths} FROM {whole or table} AS scanned").fetchone()  # noqa: S608
        for i, (name, n) in enumerate(short_columns.items()):
            if counts[2 * i] >= counts[2 * i + 1]:
                found[name] = n
    return {name: found[name] for name in scanned if name in found}


def column_holds_short_bsns(values: list[str]) -> bool:
    """The rule of `scan` for eight-digit values, in Python, for one column's values."""
    parts = [part.strip(" ") for value in values for part in value.split(chr(31))]
    eight = [
        p
        for p in parts
        if EIGHT_DIGITS.fullmatch(p) and not DATE_LIKE.fullmatch(EIGHT_DIGITS.fullmatch(p).group(1))
    ]
    passing = [p for p in eight if is_short_bsn(p)]
    lengths = [len(re.match(r"[0-9]+", p).group()) for p in parts if re.fullmatch(r"[0-9]+(?:\.0*)?", p)]
    long_enough = sum(n in (8, 9) for n in lengths)
    return bool(passing) and 2 * len(passing) >= len(eight) and long_enough >= len(lengths) - long_enough
