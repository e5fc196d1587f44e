"""Nothing lost, nothing doubled: same input twice, overlapping deliveries, withdraw, restore."""

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from keten.chains.models import AuditEntry
from keten.events.actions import (
    IngestRefused,
    RestoreConflict,
    ingest_canonical_parquet,
    ingest_file,
    restore_batch,
    withdraw_batch,
)
from keten.events.models import IngestBatch
from keten.events.store import active_batch_paths, batch_path, chain_dir, remove_orphans, store_version

pytestmark = pytest.mark.django_db
HEADER = "case_id,activity,timestamp\n"


def stored_ids(chain):
    paths = [str(p) for p in active_batch_paths(chain)]
    if not paths:
        return []
    # An event's identity in the store (docs/event-format.md).
    return duckdb.sql(
        f"SELECT partner, case_id, activity, timestamp, lifecycle, occurrence FROM read_parquet({paths})"
    ).fetchall()


def test_the_same_file_twice_is_stored_once_and_reported_as_already_delivered(small_chain, a_csv):
    first = ingest_file(small_chain, a_csv, partner="a")
    second = ingest_file(small_chain, a_csv, partner="a")
    assert first.status == "stored" and second.status == "already_delivered"
    assert second.duplicate_of == first.batch_id
    assert "delivered before" in second.problems[0].message
    assert len(stored_ids(small_chain)) == 4 and IngestBatch.objects.count() == 1


def test_the_manifest_records_the_file_size_and_checksum_of_every_delivery(small_chain, a_csv, write):
    stored = ingest_file(small_chain, a_csv, partner="a")
    batch = IngestBatch.objects.get(batch_id=stored.batch_id)
    assert batch.source_size == a_csv.stat().st_size
    assert batch.source_sha256 == stored.checksum and len(stored.checksum) == 64
    # A refused file's report names its checksum as well.
    refused = ingest_file(
        small_chain, write("bad.csv", HEADER + "k9,onbekend,2024-03-01 09:00:00\n"), partner="a"
    )
    assert refused.status == "rejected" and len(refused.checksum) == 64


def test_a_file_delivered_before_sizes_were_recorded_is_still_recognised(small_chain, a_csv):
    first = ingest_file(small_chain, a_csv, partner="a")
    IngestBatch.objects.update(source_size=None)
    again = ingest_file(small_chain, a_csv, partner="a")
    assert again.status == "already_delivered" and again.duplicate_of == first.batch_id


def test_a_file_of_another_size_is_validated_not_taken_for_a_redelivery(small_chain, a_csv, write):
    ingest_file(small_chain, a_csv, partner="a")
    longer = write("longer.csv", a_csv.read_text() + "k3,aanmelding,2024-03-05 08:00:00\n")
    report = ingest_file(small_chain, longer, partner="a")
    assert (report.status, report.rows_stored, report.rows_already_present) == ("stored", 1, 4)


def test_redelivered_events_in_a_new_file_add_nothing(small_chain, a_csv, write):
    ingest_file(small_chain, a_csv, partner="a")
    # same events, other file (different order, one new event, a header in another order)
    again = write(
        "again.csv",
        "timestamp,case_id,activity\n2024-03-04 12:00:00,k2,intake\n2024-03-01 09:00:00,k1,aanmelding\n"
        "2024-03-05 08:00:00,k3,aanmelding\n",
    )
    report = ingest_file(small_chain, again, partner="a")
    assert (report.status, report.rows_already_present, report.rows_stored) == ("stored", 2, 1)
    ids = stored_ids(small_chain)
    assert len(ids) == len(set(ids)) == 5


def test_a_file_with_only_known_events_is_accepted_with_nothing_new(small_chain, a_csv, write):
    ingest_file(small_chain, a_csv, partner="a")
    report = ingest_file(
        small_chain, write("one.csv", HEADER + "k1,aanmelding,2024-03-01 09:00:00\n"), partner="a"
    )
    assert report.status == "nothing_new" and report.rows_already_present == 1
    assert len(active_batch_paths(small_chain)) == 1


def test_a_withdrawn_batch_is_excluded_and_can_be_restored(small_chain, a_csv, personas):
    report = ingest_file(small_chain, a_csv, partner="a")
    batch = IngestBatch.objects.get(batch_id=report.batch_id)
    before = store_version(small_chain)
    withdraw_batch(batch, personas.coordinator)
    assert active_batch_paths(small_chain) == []
    withdrawn = store_version(small_chain)
    assert withdrawn != before
    restore_batch(batch, personas.coordinator)
    assert active_batch_paths(small_chain) == [batch_path(small_chain, batch.batch_id)]
    assert store_version(small_chain) not in (before, withdrawn)
    actions = list(AuditEntry.objects.order_by("at").values_list("action", flat=True))
    assert actions == ["events.delivered", "events.batch_withdrawn", "events.batch_restored"]


def test_events_delivered_again_after_a_withdrawal_are_stored_and_block_the_restore(
    small_chain, a_csv, write, personas
):
    first = IngestBatch.objects.get(batch_id=ingest_file(small_chain, a_csv, partner="a").batch_id)
    withdraw_batch(first, personas.coordinator)
    corrected = write("corrected.csv", a_csv.read_text() + "k3,aanmelding,2024-03-05 08:00:00\n")
    report = ingest_file(small_chain, corrected, partner="a")
    assert report.rows_stored == 5
    with pytest.raises(RestoreConflict, match="again in a later batch: 4"):
        restore_batch(first, personas.coordinator)


def test_only_a_coordinator_withdraws(small_chain, a_csv, personas):
    from django.core.exceptions import PermissionDenied

    batch = IngestBatch.objects.get(batch_id=ingest_file(small_chain, a_csv, partner="a").batch_id)
    with pytest.raises(PermissionDenied):
        withdraw_batch(batch, personas.analyst_a)


def test_files_without_a_manifest_row_are_invisible_and_cleaned_up(small_chain, a_csv):
    ingest_file(small_chain, a_csv, partner="a")
    orphan = chain_dir(small_chain) / "batch=20990101T000000-dead.parquet"
    orphan.write_bytes(b"half")
    temp = chain_dir(small_chain) / ".tmp-batch=x.parquet"
    temp.write_bytes(b"half")
    assert orphan not in active_batch_paths(small_chain)
    removed = remove_orphans(small_chain, set(IngestBatch.objects.values_list("batch_id", flat=True)))
    assert set(removed) == {orphan, temp}
    assert len(active_batch_paths(small_chain)) == 1


def canonical(tmp_path, rows, name="all.parquet"):
    table = pa.table(
        {
            "case_id": [r[0] for r in rows],
            "partner": [r[1] for r in rows],
            "activity": [r[2] for r in rows],
            "timestamp": pa.array([r[3] for r in rows], pa.timestamp("us", tz="UTC")),
        }
    )
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def test_a_canonical_file_for_all_partners_is_registered_once(small_chain, tmp_path):
    from datetime import UTC, datetime

    t = datetime(2024, 3, 1, 9, tzinfo=UTC)
    path = canonical(
        tmp_path, [("k1", "a", "aanmelding", t), ("k1", "b", "start", t), ("k1", "a", "afgerond", t)]
    )
    batch = ingest_canonical_parquet(small_chain, path)
    assert batch.partner is None and batch.rows_stored == 3
    assert ingest_canonical_parquet(small_chain, path) == batch
    assert len(stored_ids(small_chain)) == 3


def test_a_canonical_file_with_an_activity_of_the_wrong_partner_is_refused(small_chain, tmp_path):
    from datetime import UTC, datetime

    path = canonical(tmp_path, [("k1", "a", "start", datetime(2024, 3, 1, tzinfo=UTC))])
    with pytest.raises(IngestRefused) as refused:
        ingest_canonical_parquet(small_chain, path)
    assert refused.value.report.problems[0].code == "other_partner"


def test_the_next_delivery_removes_what_a_killed_ingestion_left_in_the_scratch_directory(
    small_chain, a_csv, write
):
    import os
    import time

    from keten.events.store import STALE_UPLOAD_HOURS, work_dir

    scratch = work_dir(small_chain)
    dead_run = scratch / "ingest-dead"  # a clear-text copy of a delivery, as a killed run leaves it
    dead_run.mkdir()
    (dead_run / "transcoded.csv").write_text("case_id,bsn\nk1,111222333\n")
    old_upload, fresh_upload = scratch / "upload-old", scratch / "upload-fresh"
    old_upload.write_text("x")
    fresh_upload.write_text("y")  # another request may still be writing this one
    long_ago = time.time() - (STALE_UPLOAD_HOURS + 1) * 3600
    os.utime(old_upload, (long_ago, long_ago))

    report = ingest_file(small_chain, a_csv, partner="a")
    assert report.status == "stored", report
    assert sorted(p.name for p in scratch.iterdir()) == ["upload-fresh"]
