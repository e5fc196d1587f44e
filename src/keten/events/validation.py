"""Validation: map the source onto canonical events in DuckDB and collect every problem.

`stage_events` builds the table `ev` (canonical columns, `_row`, and `_problem`: the first
problem of the row, NULL when valid) in one pass over the source, and returns the problems
found, each with a count, the first row numbers and a few examples. Nothing here loops over
events in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from django.utils.translation import gettext as _

from keten.events import bsn, store
from keten.events.readers import Source, quote_ident, sql_literal
from keten.events.report import Problem
from keten.events.timestamps import timestamp_expr
from keten.mapping import resolve_columns
from keten.schema import EARLIEST_EVENT as FIRST_DAY
from keten.schema import EVENT_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

MAX_ROWS = 10
MAX_EXAMPLES = 5
# Before this no chain event happened: a date such as 0001-01-01 is a "no date" placeholder, and
# stored it would break every period a page shows. A chain may set a later one.
EARLIEST_EVENT = FIRST_DAY.isoformat()

# One definition of the canonical event columns, shared with analytics.
CANONICAL_COLUMNS = EVENT_COLUMNS


@dataclass(frozen=True)
class ChainRules:
    """What validation needs to know about the chain, as plain data."""

    slug: str
    timezone: str
    activity_owner: dict[str, str] | None  # activity code -> partner code; None: any activity
    partners: tuple[str, ...] | None  # None: any partner
    delivering_partner: str | None  # None: a chain-wide file (partner column, or the activity's owner)
    repeated_events: str = "keep"  # keep | reject (see docs/event-format.md)
    earliest: str = EARLIEST_EVENT  # an event before this date (in UTC) is a row problem
    future_days: int = 1  # so is one later than now plus this many days (clocks, time zones)


def _case(expr: str, mapping: dict[str, str], default: str) -> str:
    """SQL: look `expr` up in a small mapping (a CASE, which keeps row order, unlike a join)."""
    if not mapping:
        return default
    whens = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(v)}" for k, v in mapping.items())
    return f"(CASE {expr} {whens} ELSE {default} END)"


# What the staging query gives each row, besides the raw source columns it carries along.
STAGED_COLUMNS = (
    "event_id, batch_row, case_id, partner, activity, timestamp, lifecycle, attributes, _ts_raw, _problem"
)
# Within one delivery, events equal in these are repeats of one another (numbered by `occurrence`).
REPEAT_KEY = "partner, case_id, activity, timestamp, lifecycle"


def _numbered(source: Source) -> str:
    """The source relation with `_row`, each row's number as the problem report gives it."""
    if source.format == "csv":
        # A CSV scan keeps file order (insertion order is preserved while staging); the
        # reader has no row number of its own.
        return f"(SELECT *, row_number() OVER () + {int(source.row_offset) - 1} AS _row FROM src)"  # noqa: S608
    return "src_numbered"


@dataclass
class StagingQuery:
    """The one pass over `src` that maps, checks and sieves every row (see `staging_query`)."""

    ctes: str  # "WITH mapped AS (...), checked AS (...)": select from `checked`
    bsn_sieve: str  # SQL over `checked`: the row may hold a BSN (passes the cheap sieve)
    bsn_nine: str  # SQL over `checked`: the row holds nine digits passing the eleven-test
    bsn_eight: str  # ... or an eight-digit number that passes it with a leading zero
    resolved: dict


def _validated_columns(
    resolved: dict, rules: ChainRules, mapping: dict, formats: list[str] | None
) -> set[str]:
    """Source columns whose value in a row without problems provably passes no BSN sieve.

    Such a value is one of the chain's codes (checked here, once) or a timestamp read with a
    format without long digit runs; the BSN sieve then only looks at them in rows with a problem.
    """
    validated = set()
    if formats and all(bsn.format_holds_no_bsn(f) for f in formats):
        validated.add(resolved["timestamp"])
    if rules.activity_owner is not None:
        codes = list(rules.activity_owner) + list(mapping.get("activity_values") or {})
        if not any(bsn.might_hold_bsn(c) for c in codes):
            validated.add(resolved["activity"])
    if "partner" in resolved and rules.partners is not None:
        if not any(bsn.might_hold_bsn(p) for p in rules.partners):
            validated.add(resolved["partner"])
    return validated


SAMPLE_ROWS = 20_000
# A wide file (hundreds of attributes) gets fewer sample rows: the distinct values of every cell
# of the sample are hashed, and that cost grows with rows times columns.
SAMPLE_CELLS = 2_000_000
MAX_COMMON_VALUES = 500
# DuckDB checks a long `IN (...)` list with a hash join, and each join holds, per thread, a chunk
# of the whole row being staged: lists for at most this many (columns with a list) x (text
# columns) x (threads). A narrow file gets a list for every column; a wide one for a few or none.
COMMON_LIST_BUDGET = 4_096


def _common_clean_values(con, columns: list[str]) -> dict[str, list[str]]:
    """For the low-cardinality text columns: their values in the first rows the BSN sieve passes over.

    A regular expression per value costs more than a hash lookup; for a column like the packed
    attributes, with a few hundred distinct values in millions of rows, the sieve then needs the
    regular expression only for values the first rows did not have. Checked here, in Python, once.
    """
    columns = [c for c in columns if c != "event_id"]  # event_id has a scan expression of its own
    if not columns:
        return {}
    rows = max(1, min(SAMPLE_ROWS, SAMPLE_CELLS // len(columns)))
    # One (column, value) row per non-empty cell, then one group: a `list(DISTINCT ...)` per
    # column instead would keep a hash table per column, and a few hundred of those exhaust the
    # ingest memory even for a file of two events.
    found = con.execute(
        f"""
        SELECT name, list(value) FROM (
            SELECT name, value FROM (
                UNPIVOT (SELECT {", ".join(map(quote_ident, columns))} FROM src LIMIT {rows})
                ON COLUMNS(*) INTO NAME name VALUE value
            ) GROUP BY ALL
        ) GROUP BY name HAVING count(*) <= {MAX_COMMON_VALUES}
        """  # noqa: S608
    ).fetchall()
    threads = int(con.execute("SELECT current_setting('threads')").fetchone()[0])
    lists = COMMON_LIST_BUDGET // (len(columns) * max(1, threads))
    # The columns with the fewest values first: the most repetitive ones, with the shortest lists.
    found = sorted(found, key=lambda pair: (len(pair[1]), pair[0]))[:lists]
    clean = {name: [v for v in values if not bsn.might_hold_bsn(v)] for name, values in found}
    return {name: values for name, values in clean.items() if values}


def staging_query(
    con: duckdb.DuckDBPyConnection, source: Source, mapping: dict, rules: ChainRules
) -> tuple[StagingQuery | None, list[Problem]]:
    """Build the staging query over view `src`; None and the problems when the file cannot be mapped."""
    resolved, missing = resolve_columns(mapping, source.columns)
    problems = [Problem(**m) for m in missing]
    # A chain-wide file without a partner column (one export of a system the partners share):
    # each event goes to the partner whose stage holds its activity.
    by_owner = rules.delivering_partner is None and "partner" not in resolved
    if by_owner and rules.activity_owner is None:
        problems.append(
            Problem(
                "no_partner",
                _("A chain-wide file needs a 'partner' column saying which partner recorded each event."),
                field="partner",
            )
        )
    if problems:
        return None, problems

    def text(fieldname: str) -> str:
        return f"nullif(trim(CAST({quote_ident(resolved[fieldname])} AS VARCHAR)), '')"

    tz = mapping.get("timezone") or rules.timezone

    # No joins here: lookups are CASE expressions, so the scan keeps file order and the table's
    # rowid is the row's position in the file (joins may reorder rows).
    values = mapping.get("activity_values") or {}
    activity_raw = text("activity")
    activity_expr = _case(activity_raw, values, default=activity_raw) if values else activity_raw
    # The owner of the activity (NULL: not in the chain model) is looked up once per row, as
    # `_owner`, for both checks that need it.
    owner_expr = _case("activity", rules.activity_owner or {}, default="NULL")
    activity_check = "_owner IS NULL" if rules.activity_owner is not None else "false"
    partner_check = (
        f"partner NOT IN ({', '.join(sql_literal(p) for p in rules.partners) or 'NULL'})"
        if rules.partners is not None
        else "false"
    )
    delivering = rules.delivering_partner
    if "partner" in resolved:
        partner_raw = text("partner")
        partner_expr = _case(partner_raw, mapping.get("partner_values") or {}, default=partner_raw)
    elif by_owner:
        # An activity without an owner gets no partner: the row is reported as unknown activity.
        partner_expr = _case(activity_expr, rules.activity_owner or {}, default="''")
    else:
        partner_expr = sql_literal(delivering)
    ts_raw = text("timestamp")
    earliest = f"TIMESTAMPTZ {sql_literal(rules.earliest + ' 00:00:00+00')}"
    ts_expr, formats = timestamp_expr(con, source, resolved["timestamp"], mapping, tz)
    lifecycle_expr = (
        f"coalesce(lower({text('lifecycle')}), 'complete')" if "lifecycle" in resolved else "'complete'"
    )
    attribute_columns = resolved["__attributes__"]
    if attribute_columns:
        pairs = ", ".join(f"{sql_literal(c)}, CAST({quote_ident(c)} AS VARCHAR)" for c in attribute_columns)
        attributes_expr = f"CAST(json_object({pairs}) AS VARCHAR)"
    elif "attributes" in source.columns and "attributes" not in mapping:
        attributes_expr = "coalesce(CAST(\"attributes\" AS VARCHAR), '{}')"
    else:
        attributes_expr = "'{}'"
    id_source = f"{text('event_id')}" if "event_id" in resolved else "CAST(NULL AS VARCHAR)"
    other_check = (
        f"(partner <> {sql_literal(delivering)} OR _owner <> partner)" if delivering else "_owner <> partner"
    )
    # The BSN guard looks at every text column of the source: they travel along as _scan<i>.
    scanned = bsn.scanned_columns(source.types)
    validated = _validated_columns(resolved, rules, mapping, formats)
    carried = ", ".join(f"{expr} AS _scan{i}" for i, expr in enumerate(scanned.values()))
    common = _common_clean_values(
        con, [n for n in scanned if n not in validated and source.types[n] == "VARCHAR"]
    )
    always = [
        f"CASE WHEN _scan{i} IN ({', '.join(map(sql_literal, common[name]))}) THEN NULL ELSE _scan{i} END"
        if common.get(name)
        else f"_scan{i}"
        for i, name in enumerate(scanned)
        if name not in validated
    ]
    when_problem = [f"_scan{i}" for i, name in enumerate(scanned) if name in validated]
    bsn_sieve = bsn.row_sieve_sql(always)
    if when_problem:
        bsn_sieve = f"({bsn_sieve} OR (_problem IS NOT NULL AND {bsn.row_sieve_sql(when_problem)}))"
    ctes = f"""
        WITH mapped AS (
            SELECT {id_source} AS event_id,
                   _row AS batch_row,
                   {text("case_id")} AS case_id,
                   {partner_expr} AS partner,
                   {activity_expr} AS activity,
                   {ts_raw} AS ts_raw,
                   {ts_expr} AS timestamp,
                   {lifecycle_expr} AS lifecycle,
                   {attributes_expr} AS attributes
                   {", " + carried if carried else ""}
            FROM {_numbered(source)}
        ),
        checked AS (
            SELECT event_id, batch_row,
                   case_id, partner, activity, timestamp, lifecycle, attributes,
                   CASE WHEN timestamp IS NULL OR timestamp < {earliest} THEN ts_raw END AS _ts_raw,
                   CASE
                     WHEN case_id IS NULL OR activity IS NULL OR ts_raw IS NULL OR partner IS NULL
                       THEN 'missing_value'
                     WHEN timestamp IS NULL THEN 'bad_timestamp'
                     WHEN timestamp > now() + INTERVAL {int(rules.future_days)} DAY THEN 'future_timestamp'
                     WHEN timestamp < {earliest} THEN 'early_timestamp'
                     WHEN {activity_check} THEN 'unknown_activity'
                     WHEN {partner_check} THEN 'unknown_partner'
                     WHEN {other_check} THEN 'other_partner'
                   END AS _problem
                   {", " + ", ".join(f"_scan{i}" for i in range(len(scanned))) if scanned else ""}
            FROM (SELECT *, {owner_expr} AS _owner FROM mapped)
        )
    """  # noqa: S608
    scans = [f"_scan{i}" for i in range(len(scanned))]
    return (
        StagingQuery(
            ctes, bsn_sieve, bsn.row_nine_digit_sql(scans), bsn.row_eight_digit_sql(scans), resolved
        ),
        [],
    )


@dataclass(frozen=True)
class BatchTag:
    """What every stored event of one delivery carries: its batch id and delivery number."""

    batch_id: str
    sequence: int


def stage_events(
    con: duckdb.DuckDBPyConnection, source: Source, mapping: dict, rules: ChainRules, batch: BatchTag
) -> list[Problem]:
    """Create table `ev` from view `src`; return the problems (file-level ones stop here).

    Repeated events (see `number_repeats`) come back as a notice (code `repeated_events`,
    not file-level, not a rejected row) when the chain keeps them."""
    query, problems = staging_query(con, source, mapping, rules)
    if query is None:
        return problems
    # `_bsn` is the cheap first sieve of the BSN guard, in the same pass.
    con.execute(
        f"CREATE OR REPLACE TABLE ev_t AS {query.ctes} "  # noqa: S608
        f"SELECT {STAGED_COLUMNS}, CAST(1 AS INTEGER) AS occurrence, {query.bsn_sieve} AS _bsn FROM checked"
    )
    con.execute(
        "CREATE OR REPLACE VIEW ev AS SELECT *, batch_row AS _row, "  # noqa: S608
        f"{sql_literal(rules.slug)} AS chain, {sql_literal(batch.batch_id)} AS batch_id, "
        f"CAST({int(batch.sequence)} AS BIGINT) AS batch_seq FROM ev_t"
    )
    source.rows = con.execute("SELECT count(*) FROM ev_t").fetchone()[0]
    if source.rows == 0:
        return []
    _mark_duplicates(con)
    _number_repeats(con, reject=rules.repeated_events == "reject")
    problems = _row_problems(con, query.resolved, rules)
    if rules.repeated_events != "reject":
        problems += repeated_events_notice(con, "ev", "_row")
    return problems


class EightDigitValues(Exception):
    """The one pass stopped at an eight-digit number that passes the eleven-test with a leading
    zero. Whether those are BSNs is a question about their whole column (`bsn.scan`)."""


EIGHT_DIGITS_STOP = "keten: eight-digit values"


def copy_clean_events(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    mapping: dict,
    rules: ChainRules,
    batch: BatchTag,
    target,
    *,
    bsn_checked: bool = False,
) -> int | None:
    """Write the canonical events straight to Parquet `target` in one pass, if no row has a problem.

    Returns the number of events written, or None when some row has a problem or a BSN-like
    number, or the file does not read: the pass stops there, and the caller validates the file
    the long way (`stage_events`), which says what is wrong and where. Raises
    `EightDigitValues` when only eight-digit numbers stopped it; with `bsn_checked` (the whole
    file was scanned and holds no BSN) the pass looks for row problems alone.
    """
    # Any engine error (a broken row, bytes that are not UTF-8, ...) sends the file the long
    # way too, where it is read again and reported with its row and reason.
    try:
        query, _problems = staging_query(con, source, mapping, rules)
        if query is None:
            return None
        # error() stops the scan at the first row that needs a report; the exact eleven-test
        # runs only on the few rows the sieve lets through. The check sits in a column, not in
        # WHERE: a filter would be pushed down and compute the mapped values twice.
        not_clean = "error('keten: not a clean file')"
        guard = (
            ""
            if bsn_checked
            else f"WHEN {query.bsn_sieve} AND ({query.bsn_nine}) THEN {not_clean} "
            f"WHEN {query.bsn_sieve} AND ({query.bsn_eight}) THEN error('{EIGHT_DIGITS_STOP}') "
        )
        checked_id = f"CASE WHEN _problem IS NOT NULL THEN {not_clean} {guard}ELSE event_id END AS event_id"
        literals = {
            "chain": f"{sql_literal(rules.slug)} AS chain",
            "batch_id": f"{sql_literal(batch.batch_id)} AS batch_id",
            "batch_seq": f"CAST({int(batch.sequence)} AS BIGINT) AS batch_seq",
            # Repeats are numbered afterwards, only in a file that has them.
            "occurrence": "CAST(1 AS INTEGER) AS occurrence",
        }
        canonical = ", ".join(
            checked_id if c == "event_id" else literals.get(c, c) for c in CANONICAL_COLUMNS
        )
        written = store.write_batch_file(con, f"{query.ctes} SELECT {canonical} FROM checked", target)  # noqa: S608
    except duckdb.Error as exc:
        if EIGHT_DIGITS_STOP in str(exc):
            raise EightDigitValues from exc
        return None
    source.rows = written
    return written


def _mark_duplicates(con) -> None:
    """Mark the second and later rows with the same partner-supplied event id within the file:
    a partner's id names one event, so a second row with it is a copy."""
    duplicates = con.execute(
        "SELECT count(*) - count(DISTINCT (partner, event_id)) FROM ev "
        "WHERE _problem IS NULL AND event_id IS NOT NULL"
    ).fetchall()[0][0]
    if duplicates:
        con.execute(
            """
            UPDATE ev_t SET _problem = 'duplicate_in_file' WHERE rowid IN (
                SELECT id FROM (
                    SELECT rowid AS id,
                           row_number() OVER (PARTITION BY partner, event_id ORDER BY batch_row) AS copy
                    FROM ev_t WHERE _problem IS NULL AND event_id IS NOT NULL
                ) WHERE copy > 1
            )
            """
        )


def _number_repeats(con, *, reject: bool) -> None:
    """Number the valid events that repeat an earlier row of the file (same partner, case,
    activity, moment and lifecycle) 2, 3, ... in `occurrence`; with `reject`, mark them
    `repeated_event` instead. Day-granular exports hold such events for real."""
    repeats = con.execute(
        f"SELECT count(*) - count(DISTINCT ({REPEAT_KEY})) FROM ev_t WHERE _problem IS NULL"  # noqa: S608
    ).fetchall()[0][0]
    if not repeats:
        return
    action = "_problem = 'repeated_event'" if reject else "occurrence = n.copy"
    con.execute(
        f"""
        UPDATE ev_t SET {action} FROM (
            SELECT rowid AS id, row_number() OVER (PARTITION BY {REPEAT_KEY} ORDER BY batch_row) AS copy
            FROM ev_t WHERE _problem IS NULL
        ) n WHERE ev_t.rowid = n.id AND n.copy > 1
        """  # noqa: S608
    )


def repeated_events_notice(con, relation: str, row_column: str) -> list[Problem]:
    """The notice for kept repeats in `relation` (events with `occurrence`), or nothing."""
    n = con.execute(f"SELECT count(*) FROM {relation} WHERE occurrence > 1").fetchall()[0][0]  # noqa: S608
    if not n:
        return []
    rows = [
        r[0]
        for r in con.execute(
            f"SELECT {row_column} FROM {relation} WHERE occurrence > 1 ORDER BY 1 LIMIT {MAX_ROWS}"  # noqa: S608
        ).fetchall()
    ]
    examples = [
        f"{activity} ({k}x)"
        for activity, k in con.execute(
            f"SELECT activity, count(*) AS k FROM {relation} WHERE occurrence > 1 "  # noqa: S608
            f"GROUP BY ALL ORDER BY k DESC, 1 LIMIT {MAX_EXAMPLES}"
        ).fetchall()
    ]
    message = _(
        "Events that occur more than once with the same case, activity and moment: %(n)s. They are "
        "kept as separate events (a day-granular export can hold two real events on one day). If "
        "they are copies, correct the export, or ask the coordinator to set 'repeated_events: reject'."
    ) % {"n": n}
    return [Problem("repeated_events", message, field="timestamp", count=n, rows=rows, examples=examples)]


def _first_rows(con, code: str) -> list[int]:
    return [
        r[0]
        for r in con.execute(
            f"SELECT _row FROM ev WHERE _problem = ? ORDER BY _row LIMIT {MAX_ROWS}",  # noqa: S608
            [code],
        ).fetchall()
    ]


def _top_values(con, code: str, column: str) -> list[str]:
    rows = con.execute(
        f"SELECT {column}, count(*) AS n FROM ev WHERE _problem = ? GROUP BY ALL ORDER BY n DESC, 1 "  # noqa: S608
        f"LIMIT {MAX_EXAMPLES}",
        [code],
    ).fetchall()
    return [f"{value} ({n}x)" for value, n in rows]


def _row_problems(con, resolved: dict, rules: ChainRules) -> list[Problem]:
    counts = dict(
        con.execute("SELECT _problem, count(*) FROM ev WHERE _problem IS NOT NULL GROUP BY ALL").fetchall()
    )
    problems = []
    ts_column = resolved["timestamp"]
    for code in (
        "missing_value",
        "bad_timestamp",
        "future_timestamp",
        "early_timestamp",
        "unknown_activity",
        "unknown_partner",
        "other_partner",
        "duplicate_in_file",
        "repeated_event",
    ):
        n = counts.get(code, 0)
        if not n:
            continue
        rows = _first_rows(con, code)
        examples: list[str] = []
        fieldname = ""
        if code == "missing_value":
            empty = con.execute(
                "SELECT count(*) FILTER (case_id IS NULL), count(*) FILTER (activity IS NULL), "
                "count(*) FILTER (timestamp IS NULL), count(*) FILTER (partner IS NULL) "
                "FROM ev WHERE _problem = 'missing_value'"
            ).fetchone()
            names = ("case_id", "activity", "timestamp", "partner")
            examples = [f"{resolved.get(f, f)}: {k}" for f, k in zip(names, empty, strict=True) if k]
            fieldname = ", ".join(resolved.get(f, f) for f, k in zip(names, empty, strict=True) if k)
            message = _(
                "Rows without a value that every event needs (%(fields)s): %(n)s. Fill them in or "
                "leave those rows out."
            ) % {"n": n, "fields": fieldname}
        elif code == "bad_timestamp":
            fieldname = ts_column
            examples = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT _ts_raw FROM (SELECT _ts_raw FROM ev WHERE _problem = ? ORDER BY _row "  # noqa: S608
                    f"LIMIT {MAX_ROWS}) LIMIT {MAX_EXAMPLES}",
                    [code],
                ).fetchall()
            ]
            message = _(
                "Timestamps in column '%(column)s' that cannot be read: %(n)s. Use a date like "
                "2024-03-31 14:05:00 or 31-03-2024 14:05, or set 'timestamp_format' in the partner's "
                "column mapping."
            ) % {"n": n, "column": ts_column}
        elif code == "future_timestamp":
            fieldname = ts_column
            examples = [
                r[0]
                for r in con.execute(
                    "SELECT strftime(timestamp, '%Y-%m-%d %H:%M:%S UTC') FROM ev WHERE _problem = ? "  # noqa: S608
                    f"ORDER BY _row LIMIT {MAX_EXAMPLES}",
                    [code],
                ).fetchall()
            ]
            latest = dt.datetime.now(dt.UTC) + dt.timedelta(days=rules.future_days)
            message = _(
                "Events in the future, dated after %(latest)s (column '%(column)s'): %(n)s. Check the "
                "export's dates and time zone. A chain that records planned events can allow more days "
                "ahead with future_days in its definition."
            ) % {"n": n, "column": ts_column, "latest": latest.strftime("%Y-%m-%d %H:%M UTC")}
        elif code == "early_timestamp":
            fieldname = ts_column
            examples = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT _ts_raw FROM (SELECT _ts_raw FROM ev WHERE _problem = ? ORDER BY _row "  # noqa: S608
                    f"LIMIT {MAX_ROWS}) LIMIT {MAX_EXAMPLES}",
                    [code],
                ).fetchall()
            ]
            message = _(
                "Events dated before %(earliest)s (column '%(column)s'): %(n)s. A date such as "
                "0001-01-01 usually stands for 'no date': leave those rows out or give the real date. "
                "The chain's earliest_event sets this date."
            ) % {"n": n, "column": ts_column, "earliest": rules.earliest}
        elif code == "unknown_activity":
            fieldname = resolved["activity"]
            examples = _top_values(con, code, "activity")
            message = _(
                "Events with an activity the chain model does not know: %(n)s. Use the chain's activity "
                "codes, or translate them with 'activity_values' in the partner's column mapping."
            ) % {"n": n}
        elif code == "unknown_partner":
            fieldname = resolved.get("partner", "partner")
            examples = _top_values(con, code, "partner")
            message = _("Events of a partner that is not in this chain: %(n)s.") % {"n": n}
        elif code == "other_partner":
            fieldname = resolved.get("partner", resolved["activity"])
            examples = _top_values(con, code, "partner || ': ' || activity")
            if rules.delivering_partner:
                message = _(
                    "Events of another partner than %(partner)s, who delivers this file: %(n)s. Each "
                    "partner delivers only its own events."
                ) % {"n": n, "partner": rules.delivering_partner}
            else:
                message = _(
                    "Events recorded by a partner that does not perform that activity in the chain "
                    "model: %(n)s."
                ) % {"n": n}
        elif code == "duplicate_in_file":
            fieldname = resolved.get("event_id", "event_id")
            message = _(
                "Rows with an event id that an earlier row of the file has too: %(n)s. Only the first row "
                "counts."
            ) % {"n": n}
        else:
            fieldname = resolved["timestamp"]
            examples = _top_values(con, code, "activity")
            message = _(
                "Events that repeat an earlier row with the same case, activity and moment: %(n)s. This "
                "chain rejects repeated events (repeated_events: reject); only the first copy counts."
            ) % {"n": n}
        problems.append(Problem(code, message, field=fieldname, count=n, rows=rows, examples=examples))
    return problems


def stage_with_fallback(
    con, path, source: Source, mapping: dict, rules: ChainRules, batch: BatchTag, workdir
) -> list[Problem]:
    """`stage_events`, once more as Windows-1252 when a CSV that looked like UTF-8 is not, further on."""
    from keten.events.readers import reopen_csv

    try:
        return stage_events(con, source, mapping, rules, batch)
    except duckdb.InvalidInputException as exc:
        late_byte = "unicode" in str(exc).lower() and source.format == "csv"
        if not late_byte or mapping.get("encoding"):
            raise
    reopen_csv(con, Path(path), source, "cp1252", Path(workdir))
    return stage_events(con, source, mapping, rules, batch)


def read_canonical(
    path, *, partner: str = "log", mapping: dict | None = None, timezone: str = "Europe/Amsterdam"
) -> tuple[pa.Table, list[Problem]]:
    """Read any supported file into canonical events without a chain model (tests, notebooks).

    Returns the valid events (sorted by case and time) and the problems; raises ReadError.
    """
    import tempfile

    import pyarrow as pa

    from keten.events.readers import load_source

    with tempfile.TemporaryDirectory(prefix="keten-read-") as workdir:
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            source = load_source(con, Path(path), mapping or {}, Path(workdir))
            rules = ChainRules("log", timezone, None, None, partner)
            batch = BatchTag("read", 1)
            problems = stage_with_fallback(con, path, source, mapping or {}, rules, batch, workdir)
            if any(p.file_level for p in problems):
                return pa.table({}), problems
            problems = [p for p in problems if p.code != "repeated_events"]
            table = con.sql(
                f"SELECT {', '.join(CANONICAL_COLUMNS)} FROM ev WHERE _problem IS NULL "  # noqa: S608
                "ORDER BY case_id, timestamp, batch_row"
            ).to_arrow_table()
            return table, problems
        finally:
            con.close()
