"""Use cases of the event store: deliver a file, register a canonical file, withdraw, restore."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from keten.chains.actions import record_audit
from keten.chains.models import Chain, Partner
from keten.chains.query import membership_of
from keten.events import bsn, store
from keten.events.delivery import Delivery, validate_and_store
from keten.events.models import IngestBatch
from keten.events.readers import (
    sql_literal,
)
from keten.events.report import IngestReport, Problem
from keten.events.validation import (
    BatchTag,
    ChainRules,
)
from keten.mapping import mapping_errors

Progress = Callable[[str], None]


class IngestRefused(Exception):
    """A canonical file was not stored; `report` says why."""

    def __init__(self, report: IngestReport):
        super().__init__("; ".join(p.message for p in report.problems) or report.status)
        self.report = report


class RestoreConflict(Exception):
    """Restoring the batch would store some events twice."""


def can_deliver(user, chain: Chain, partner: Partner | None) -> bool:
    """True when `user` may deliver events for `partner` (None: a chain-wide file) in `chain`."""
    membership = membership_of(user, chain)
    if membership is None:
        return False
    return membership.delivers_for(partner)


def _is_coordinator(user, chain: Chain) -> bool:
    membership = membership_of(user, chain)
    return membership is not None and membership.is_coordinator


def _chain(chain) -> Chain:
    return chain if isinstance(chain, Chain) else Chain.objects.get(slug=chain)


def _rules(chain: Chain, partner: Partner | None) -> ChainRules:
    spec = chain.to_spec()
    return ChainRules(
        slug=chain.slug,
        timezone=chain.timezone,
        activity_owner=dict(spec.activity_partner),
        partners=tuple(p.code for p in spec.partners),
        delivering_partner=partner.code if partner else None,
        repeated_events=chain.repeated_events,
        earliest=chain.earliest_event.isoformat(),
        future_days=chain.future_days,
    )


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def new_batch_id() -> str:
    return f"{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def _connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    # A database file in the scratch directory, not memory: the staged events of a large
    # delivery are compressed into blocks the buffer manager can page out under memory_limit.
    con = duckdb.connect(str(workdir / "staging.duckdb"), config={"allow_unsigned_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = '{os.environ.get('KETEN_INGEST_MEMORY', '1GB')}'")
    con.execute(f"SET temp_directory = '{workdir / 'spill'}'")
    return con


def ingest_file(
    chain,
    path,
    *,
    partner,
    user=None,
    mapping: dict | None = None,
    progress: Progress | None = None,
    source_name: str | None = None,
) -> IngestReport:
    """Validate one partner's file and store its new, valid events as one batch.

    `partner` is the delivering partner (Partner or code), or None for a chain-wide file with a
    partner column (coordinators only); `mapping` overrides the partner's stored column mapping.
    Returns the report; never raises for a bad file (PermissionDenied for a wrong user).
    """
    chain = _chain(chain)
    if partner is not None and not isinstance(partner, Partner):
        partner = chain.partners.filter(code=partner).first()
        if partner is None:
            report = IngestReport(
                file=bsn.mask_bsns(source_name or Path(path).name), chain=chain.slug, partner=None
            )
            report.problems.append(
                Problem("unknown_partner", _("This chain has no such partner."), field="partner")
            )
            return report
    if user is not None and not can_deliver(user, chain, partner):
        raise PermissionDenied("This user may not deliver events for this partner.")
    if mapping is None:
        mapping = partner.column_mapping if partner is not None else {}
    mapping = dict(mapping)
    return _ingest(chain, Path(path), partner, user, mapping, progress, source_name)


def ingest_canonical_parquet(chain, path, *, user=None, progress: Progress | None = None) -> IngestBatch:
    """Register a Parquet file with canonical columns for all partners (e.g. the demo generator's).

    Activities, partners, the BSN guard and the anti-join apply as for a delivery. Returns the
    batch (the earlier one when this very file was registered before); raises IngestRefused.
    """
    chain = _chain(chain)
    if user is not None and not _is_coordinator(user, chain):
        raise PermissionDenied("Only the chain coordinator registers chain-wide files.")
    report = _ingest(chain, Path(path), None, user, {}, progress, None)
    if report.status == "already_delivered":
        return IngestBatch.objects.get(batch_id=report.duplicate_of)
    if not report.accepted:
        raise IngestRefused(report)
    return IngestBatch.objects.get(batch_id=report.batch_id)


def _ingest(chain, path, partner, user, mapping, progress, source_name) -> IngestReport:
    say = progress or (lambda step: None)
    name = source_name or path.name
    report = IngestReport(
        # A BSN in the name goes no further than this: not into the report, the audit or a batch.
        file=bsn.mask_bsns(name),
        chain=chain.slug,
        partner=partner.code if partner else None,
        policy=chain.reject_policy,
    )
    if bsn.contains_bsn(name):
        report.problems.append(
            Problem(
                "bsn_in_file_name",
                _(
                    "The file name holds a number that passes the BSN eleven-test (shown as %(mask)s). "
                    "Nothing was read or stored: rename the file without the number and deliver it again."
                )
                % {"mask": bsn.MASK},
                field="file",
            )
        )
        _audit_delivery(user, chain, report)
        return report
    errors = mapping_errors(mapping)
    if errors:
        report.problems += [Problem("bad_mapping", e, field="mapping") for e in errors]
        return report
    batch_id = new_batch_id()
    rules = _rules(chain, partner)
    workdir = store.work_dir(chain) / f"ingest-{batch_id}"
    try:
        with store.chain_lock(chain), concurrent.futures.ThreadPoolExecutor(1) as pool:
            store.remove_orphans(chain, set(chain.batches.values_list("batch_id", flat=True)))
            # Made after the clean-up: under the lock, any other working folder is a dead run's.
            store.remove_stale_scratch(chain)
            workdir.mkdir(parents=True)
            # Under the lock, so no other delivery of the chain takes the same number.
            batch = BatchTag(batch_id, _next_sequence(chain))
            # Hash the file while DuckDB reads it: both are I/O bound and release the GIL.
            # `checksum()` waits for the hash only where the answer is needed.
            checksum = pool.submit(file_checksum, path).result if path.is_file() else (lambda: "")
            con = _connect(workdir)
            delivery = Delivery(
                con, chain, partner, user, path, mapping, rules, batch, workdir, report, say, checksum
            )
            try:
                validate_and_store(delivery)
                # A refused file's report names its checksum too.
                report.checksum = checksum()
            finally:
                con.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _audit_delivery(user, chain, report)
    return report


def _next_sequence(chain) -> int:
    """The number the chain's next delivery gets (1 for the first)."""
    last = IngestBatch.objects.filter(chain=chain).aggregate(n=Max("sequence"))["n"]
    return (last or 0) + 1


def _audit_delivery(user, chain, report: IngestReport) -> None:
    """Every delivery is in the audit log, refused ones too (counts only: no row, no value)."""
    record_audit(
        user,
        chain,
        "events.delivered" if report.accepted else "events.delivery_refused",
        file=report.file,
        partner=report.partner,
        status=report.status,
        batch=report.batch_id,
        rows_read=report.rows_read,
        rows_stored=report.rows_stored,
        problems=[p.code for p in report.problems],
    )


def withdraw_batch(batch: IngestBatch, user) -> IngestBatch:
    """Take a batch out of the analytics (the file stays, so it can be restored)."""
    if user is not None and not _is_coordinator(user, batch.chain):
        raise PermissionDenied("Only the chain coordinator withdraws batches.")
    with transaction.atomic():
        batch.status = IngestBatch.Status.WITHDRAWN
        batch.status_changed_by = getattr(user, "username", "") or ""
        batch.status_changed_at = timezone.now()
        batch.save()
        record_audit(
            user, batch.chain, "events.batch_withdrawn", batch=batch.batch_id, rows=batch.rows_stored
        )
    return batch


def restore_batch(batch: IngestBatch, user) -> IngestBatch:
    """Put a withdrawn batch back, unless its events were delivered again in the meantime."""
    if user is not None and not _is_coordinator(user, batch.chain):
        raise PermissionDenied("Only the chain coordinator restores batches.")
    with store.chain_lock(batch.chain):
        others = store.active_batch_paths(batch.chain)
        if batch.path is not None and others:
            con = duckdb.connect()
            try:
                store.create_stored_view(con, others)
                con.execute(f"CREATE VIEW restored AS SELECT * FROM read_parquet({sql_literal(batch.path)})")  # noqa: S608
                total = con.execute("SELECT count(*) FROM restored").fetchone()[0]
                unseen = con.execute(f"SELECT count(*) FROM ({store.unseen_sql('restored')})").fetchone()[0]  # noqa: S608
                overlap = total - unseen
            finally:
                con.close()
            if overlap:
                raise RestoreConflict(
                    _(
                        "Events of this batch that were delivered again in a later batch: %(n)s. Withdraw "
                        "that batch first, or leave this one withdrawn."
                    )
                    % {"n": overlap}
                )
        with transaction.atomic():
            batch.status = IngestBatch.Status.ACTIVE
            batch.status_changed_by = getattr(user, "username", "") or ""
            batch.status_changed_at = timezone.now()
            batch.save()
            record_audit(
                user, batch.chain, "events.batch_restored", batch=batch.batch_id, rows=batch.rows_stored
            )
    return batch
