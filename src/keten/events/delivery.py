"""Storing one delivery: read it, look for a re-delivery, validate and store it, the short
way (one pass straight into the batch file, for a file without a problem) or the long way
(staged, every problem counted, valid rows stored under the chain's reject policy).
`keten.events.actions.ingest_file` opens the delivery and calls `validate_and_store`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from keten.chains.models import Chain, Partner
from keten.events import bsn, store
from keten.events.models import IngestBatch
from keten.events.readers import (
    ReadError,
    csv_error_message,
    load_source,
    materialize_rows,
    quote_ident,
    sql_literal,
)
from keten.events.report import IngestReport, Problem
from keten.events.validation import (
    CANONICAL_COLUMNS,
    REPEAT_KEY,
    BatchTag,
    ChainRules,
    EightDigitValues,
    copy_clean_events,
    repeated_events_notice,
    stage_with_fallback,
)
from keten.mapping import resolve_columns

Progress = Callable[[str], None]


@dataclass
class Delivery:
    """One delivery on its way into the store: what every step of validating and storing it
    reads, and the report they fill in."""

    con: duckdb.DuckDBPyConnection
    chain: Chain
    partner: Partner | None
    user: object
    path: Path
    mapping: dict
    rules: ChainRules
    batch: BatchTag
    workdir: Path
    report: IngestReport
    say: Callable[[str], None]
    checksum: Callable[[], str]  # waits for the file's SHA-256 only when called


def validate_and_store(d: Delivery) -> None:
    con, chain, path, partner, report, say = d.con, d.chain, d.path, d.partner, d.report, d.say
    mapping, batch_id = d.mapping, d.batch.batch_id
    say("read")
    try:
        source = load_source(con, path, mapping, d.workdir)
    except ReadError as exc:
        report.problems.append(Problem(exc.code, exc.message))
        return
    except (duckdb.Error, MemoryError) as exc:
        report.problems.append(Problem("unreadable", _unexpected(path.name, exc)))
        return
    report.format = source.format
    size = path.stat().st_size if path.is_file() else None
    # Only a file of the same size as an earlier one can be a re-delivery. Other files do not
    # wait for their checksum (~1.6 s for 1.7 GB): it is computed while they are validated.
    if _might_be_repeat(chain, partner, size) and _already_delivered(chain, partner, report, d.checksum):
        return
    say("validate")
    if _store_clean_file(d, source):
        report.checksum = d.checksum()
        _record_batch(chain, d.batch, partner, d.user, report, size)
        return
    try:
        problems = stage_with_fallback(con, path, source, mapping, d.rules, d.batch, d.workdir)
    except ReadError as exc:
        report.problems.append(Problem(exc.code, exc.message))
        return
    except duckdb.Error as exc:
        report.problems.append(Problem("unreadable", _read_failure(path.name, source, exc)))
        return
    report.rows_read = source.rows
    notices = [p for p in problems if p.is_notice]
    problems = [p for p in problems if not p.is_notice]
    file_level = [p for p in problems if p.file_level]

    say("bsn")
    try:
        if file_level:  # no events table to sieve with: scan the whole source
            found = bsn.scan(con, "src", source.types)
        elif con.execute("SELECT count(*) FROM ev_t WHERE _bsn").fetchone()[0]:
            rows = materialize_rows(con, source)
            candidates = f"(SELECT * FROM {rows} WHERE _row IN (SELECT _row FROM ev WHERE _bsn))"  # noqa: S608
            found = bsn.scan(con, candidates, source.types, whole=rows)
        else:
            found = {}
    except duckdb.Error as exc:
        report.problems.append(Problem("unreadable", _read_failure(path.name, source, exc)))
        return
    if found:
        report.problems = [p for p in problems if p.file_level]
        for column, n in found.items():
            report.problems.append(
                Problem(
                    "bsn_found",
                    _(
                        "Column '%(column)s' holds values that pass the BSN eleven-test: %(n)s. The whole "
                        "file is refused and nothing was stored: pseudonymise case identifiers first (keten "
                        "pseudonymize) and leave citizen service numbers out of every column."
                    )
                    % {"column": column, "n": n},
                    field=column,
                    count=n,
                )
            )
        return
    report.problems += problems
    report.notices += notices
    if file_level:
        return
    if source.rows == 0:
        report.problems.append(
            Problem("empty_file", _("File %(file)s holds no events.") % {"file": report.file})
        )
        return
    report.rows_rejected = sum(p.count for p in report.problems)
    report.rows_valid = report.rows_read - report.rows_rejected
    quarantine = chain.reject_policy == Chain.RejectPolicy.QUARANTINE
    if report.rows_rejected and not quarantine:
        report.rows_valid = 0
        return
    if report.rows_valid == 0:
        return

    say("store")
    final = store.batch_path(chain, batch_id)
    temp = store.temp_name(final)
    columns = ", ".join(CANONICAL_COLUMNS)
    con.execute(f"CREATE OR REPLACE VIEW valid_events AS SELECT {columns} FROM ev WHERE _problem IS NULL")  # noqa: S608
    new = "valid_events"
    if store.create_stored_view(con, store.active_batch_paths(chain)):
        new = f"({store.unseen_sql('valid_events')})"
    new_rows = store.write_batch_file(con, f"SELECT * FROM {new}", temp)  # noqa: S608
    report.rows_stored = new_rows
    report.rows_already_present = report.rows_valid - new_rows
    if new_rows:
        store.publish(temp, final)
    else:
        temp.unlink(missing_ok=True)
    if report.rows_rejected:
        rejects = store.rejects_path(chain, batch_id)
        rejects.parent.mkdir(parents=True, exist_ok=True)
        rejects_temp = store.temp_name(rejects)
        # Only the columns the mapping reads, as delivered: whatever else the file held (a name,
        # an address, a date of birth) is no business of Keten's and is not kept.
        resolved, _missing = resolve_columns(mapping, source.columns)
        mapped = [c for field, c in resolved.items() if field != "__attributes__"]
        mapped = list(dict.fromkeys([*mapped, *resolved.get("__attributes__", [])]))
        kept = ", ".join(f"s.{quote_ident(c)}" for c in mapped)
        con.execute(
            f"COPY (SELECT e._row AS source_row, e._problem AS problem, {kept} "  # noqa: S608
            f"FROM ev e JOIN {materialize_rows(con, source)} s ON s._row = e._row "
            "WHERE e._problem IS NOT NULL ORDER BY e._row) "
            f"TO {sql_literal(rejects_temp)} (HEADER, DELIMITER ',')"
        )
        store.publish(rejects_temp, rejects)

    report.status = (
        "stored_with_rejects" if report.rows_rejected else ("stored" if new_rows else "nothing_new")
    )
    report.batch_id = batch_id
    report.checksum = d.checksum()
    _record_batch(chain, d.batch, partner, d.user, report, size)


def _might_be_repeat(chain, partner, size: int | None) -> bool:
    """True when an earlier delivery of this partner had a file of `size` bytes (or an unknown size)."""
    earlier = IngestBatch.objects.filter(chain=chain, partner=partner)
    return earlier.filter(Q(source_size=size) | Q(source_size__isnull=True)).exists()


def _already_delivered(chain, partner, report, checksum) -> bool:
    """Report (and return True) when this exact file was delivered before."""
    report.checksum = checksum()
    earlier = (
        IngestBatch.objects.filter(chain=chain, source_sha256=report.checksum, partner=partner)
        .order_by("created_at")
        .first()
    )
    if earlier is None:
        return False
    report.status = "already_delivered"
    report.duplicate_of = earlier.batch_id
    report.problems.append(
        Problem(
            "already_delivered",
            _("This exact file was delivered before, on %(when)s (batch %(batch)s); nothing was added.")
            % {
                "when": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M"),
                "batch": earlier.batch_id,
            },
        )
    )
    return True


def _store_clean_file(d: Delivery, source) -> bool:
    """The common case in one pass: a file without a single problem goes straight to its batch file.

    Reading, mapping, checking and the BSN guard run once, streaming into the batch file; then
    one look at the written events finds repeats within the file and events stored before
    (a file with some of those is rewritten from the compact batch file). Returns False (and
    leaves nothing behind) when the file needs the long way: a row with a problem, a BSN, a
    copy of a partner's event id, repeats the chain rejects, or a read error.
    """
    con, chain, mapping, rules, batch, report = d.con, d.chain, d.mapping, d.rules, d.batch, d.report
    final = store.batch_path(chain, batch.batch_id)
    temp = store.temp_name(final)
    try:
        written = copy_clean_events(con, source, mapping, rules, batch, temp)
    except EightDigitValues:
        # Case ids or register numbers of eight digits pass the eleven-test with a leading zero
        # one time in eleven. The guard's column rule settles it for the whole file at once
        # (as the long way would, on the same rows); without a BSN the pass runs again
        # looking for row problems alone.
        temp.unlink(missing_ok=True)
        try:
            holds_bsn = bool(bsn.scan(con, "src", source.types))
        except duckdb.Error:
            holds_bsn = True  # the long way reports it
        written = (
            None
            if holds_bsn
            else copy_clean_events(con, source, mapping, rules, batch, temp, bsn_checked=True)
        )
    if not written:
        temp.unlink(missing_ok=True)
        return False
    d.say("store")
    _written_view(con, temp, number_repeats=False)
    # Distinct 64-bit hashes prove the rows distinct at a fraction of the cost of comparing
    # them; equal hashes are (nearly always) repeats, counted exactly.
    hashed_repeats, hashed_ids = con.execute(
        f"SELECT count(*) - count(DISTINCT hash({REPEAT_KEY})), "  # noqa: S608
        "count(event_id) - count(DISTINCT hash(partner, event_id)) FILTER (event_id IS NOT NULL) "
        "FROM written"
    ).fetchone()
    repeats, id_copies = (
        con.execute(
            f"SELECT count(*) - count(DISTINCT ({REPEAT_KEY})), "  # noqa: S608
            "count(event_id) - count(DISTINCT (partner, event_id)) FILTER (event_id IS NOT NULL) FROM written"
        ).fetchone()
        if hashed_repeats or hashed_ids
        else (0, 0)
    )
    if id_copies or (repeats and rules.repeated_events == "reject"):
        temp.unlink()
        return False
    stored_before = store.create_stored_view(con, store.active_batch_paths(chain))
    relation = _written_view(con, temp, number_repeats=bool(repeats))
    unseen = (
        con.execute(f"SELECT count(*) FROM ({store.unseen_sql(relation)})").fetchone()[0]  # noqa: S608
        if stored_before
        else written
    )
    if repeats or unseen < written:
        # Rewrite the (compact) batch file: repeats numbered, events stored before left out.
        unfiltered = temp.with_name(f"{temp.name}.all")
        os.replace(temp, unfiltered)
        relation = _written_view(con, unfiltered, number_repeats=bool(repeats))
        if repeats:
            report.notices += repeated_events_notice(con, relation, "batch_row")
        new = f"({store.unseen_sql(relation)})" if stored_before else relation
        unseen = store.write_batch_file(con, f"SELECT {', '.join(CANONICAL_COLUMNS)} FROM {new}", temp)  # noqa: S608
        unfiltered.unlink()
    already = written - unseen
    report.rows_read = report.rows_valid = written
    report.rows_stored = written - already
    report.rows_already_present = already
    if report.rows_stored:
        store.publish(temp, final)
    else:
        temp.unlink()
    report.status = "stored" if report.rows_stored else "nothing_new"
    report.batch_id = batch.batch_id
    return True


def _written_view(con, path: Path, *, number_repeats: bool) -> str:
    """View `written` over the batch file `path`, and with `number_repeats` view `numbered`,
    the same events with repeats numbered by `occurrence`; returns the name to read."""
    con.execute(f"CREATE OR REPLACE VIEW written AS SELECT * FROM read_parquet({sql_literal(path)})")  # noqa: S608
    if not number_repeats:
        return "written"
    columns = ", ".join(c for c in CANONICAL_COLUMNS if c != "occurrence")
    con.execute(
        f"CREATE OR REPLACE VIEW numbered AS SELECT {columns}, CAST(row_number() OVER ("  # noqa: S608
        f"PARTITION BY {REPEAT_KEY} ORDER BY batch_row) AS INTEGER) AS occurrence FROM written"
    )
    return "numbered"


def _record_batch(chain, batch: BatchTag, partner, user, report, size: int | None) -> None:
    """Write the manifest row: from here on the batch file is part of the store."""
    with transaction.atomic():
        IngestBatch.objects.create(
            chain=chain,
            batch_id=batch.batch_id,
            sequence=batch.sequence,
            partner=partner,
            user=user if getattr(user, "is_authenticated", False) else None,
            username=getattr(user, "username", "") or "",
            source_name=report.file[:255],
            source_format=report.format,
            source_sha256=report.checksum,
            source_size=size,
            rows_read=report.rows_read,
            rows_accepted=report.rows_valid,
            rows_rejected=report.rows_rejected,
            rows_already_present=report.rows_already_present,
            rows_stored=report.rows_stored,
            report=report.as_dict(),
        )


def _read_failure(name: str, source, exc: Exception) -> str:
    """A CSV's parse errors surface while validating (the file is read there, once)."""
    if source.format == "csv" and isinstance(exc, duckdb.InvalidInputException):
        return csv_error_message(name, source.delimiter, exc)
    return _unexpected(name, exc)


def _unexpected(name: str, exc: Exception) -> str:
    if isinstance(exc, duckdb.OutOfMemoryException | MemoryError):
        return _(
            "File %(file)s needs more memory than ingestion may use (KETEN_INGEST_MEMORY is %(limit)s). "
            "Ask the administrator to raise KETEN_INGEST_MEMORY (for example to 2GB) and deliver the file "
            "again, or deliver it in smaller parts."
        ) % {"file": name, "limit": os.environ.get("KETEN_INGEST_MEMORY", "1GB")}
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return _("File %(file)s could not be processed (%(reason)s). Check the file, or ask the coordinator.") % {
        "file": name,
        "reason": first[:300],
    }
