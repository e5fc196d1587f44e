"""A fixture chain with three months of events, delivered through the real ingestion.

`small_chain` (tests/conftest.py) gets, per month of entry (chain time zone):

- August 2026: 4 cases (a small cell: fewer than KETEN_MIN_CELL = 10);
- September 2026: 30 cases, 24 started at B within the 7-day norm, 6 after 12 days;
- October 2026: 20 cases, all started within 2 days.

Each case runs aanmelding, intake (a) -> start, klaar (b) -> afgerond (a). Each partner
delivers each month's events on the 3rd of the next month; partner B's October events arrive
late, on 20 November.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

AMS = "Europe/Amsterdam"


def case_events(case_id: str, entry: pd.Timestamp, wait_days: float) -> list[dict]:
    """One case's five events: intake the next day, start after `wait_days`, done a week later."""
    steps = [
        ("a", "aanmelding", 0.0),
        ("a", "intake", 1.0),
        ("b", "start", 1.0 + wait_days),
        ("b", "klaar", 4.0 + wait_days),
        ("a", "afgerond", 6.0 + wait_days),
    ]
    return [
        {
            "case_id": case_id,
            "partner": partner,
            "activity": activity,
            "timestamp": (entry + pd.Timedelta(days=offset)).tz_convert("UTC"),
        }
        for partner, activity, offset in steps
    ]


def fixture_events() -> pd.DataFrame:
    rows: list[dict] = []

    def cohort(prefix: str, month: str, count: int, wait) -> None:
        for i in range(count):
            entry = pd.Timestamp(f"{month}-01 09:00", tz=AMS) + pd.Timedelta(days=i % 20, hours=i % 5)
            rows.extend(case_events(f"{prefix}{i:03d}", entry, wait(i)))

    cohort("aug", "2026-08", 4, lambda i: 9.0)
    cohort("sep", "2026-09", 30, lambda i: 3.0 if i < 24 else 12.0)
    cohort("okt", "2026-10", 20, lambda i: 1.0 + (i % 2))
    frame = pd.DataFrame.from_records(rows)
    frame["chain"] = "klein"
    frame["lifecycle"] = "complete"
    frame["attributes"] = "{}"
    return frame


def deliver(chain, frame: pd.DataFrame, batch_id: str, delivered_at: dt.datetime, partner: str | None = None):
    """Write `frame` as a store batch with its manifest row, delivered at `delivered_at`.

    The store's layout and manifest are the real ones (`keten.events.store`, `IngestBatch`);
    validation is the ingest tests' business, so the file is written directly.
    """
    import pyarrow as pa

    from keten.analytics.engine import EVENT_SCHEMA
    from keten.events.models import IngestBatch
    from keten.events.store import batch_path

    sequence = IngestBatch.objects.filter(chain=chain).count() + 1
    frame = frame.assign(
        event_id=None,
        batch_id=batch_id,
        batch_seq=sequence,
        batch_row=range(1, len(frame) + 1),
        occurrence=1,
    )
    table = pa.Table.from_pandas(
        frame[[f.name for f in EVENT_SCHEMA]], schema=EVENT_SCHEMA, preserve_index=False
    )
    path = batch_path(chain.slug, batch_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    import pyarrow.parquet as pq

    pq.write_table(table, path)
    batch = IngestBatch.objects.create(
        chain=chain,
        batch_id=batch_id,
        sequence=sequence,
        source_name=f"{batch_id}.parquet",
        source_format="parquet",
        source_sha256="0" * 64,
        rows_read=len(frame),
        rows_accepted=len(frame),
        rows_stored=len(frame),
        partner=chain.partners.get(code=partner) if partner else None,
    )
    IngestBatch.objects.filter(pk=batch.pk).update(created_at=delivered_at)
    return batch


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.KETEN_DATA_DIR = tmp_path / "data"
    settings.KETEN_MIN_CELL = 10
    return settings.KETEN_DATA_DIR


@pytest.fixture
def chain_with_events(small_chain, data_dir):
    """`small_chain` with the fixture events, one delivery per partner and month on the 3rd of
    the next month, except partner B's October events: delivered late, on 20 November."""
    events = fixture_events()
    local = events["timestamp"].dt.tz_convert(AMS)
    month = local.dt.strftime("%Y-%m")
    for (partner, key), rows in events.groupby([events["partner"], month]):
        year, m = map(int, key.split("-"))
        due = dt.datetime(year + (m == 12), m % 12 + 1, 3, 12, tzinfo=dt.UTC)
        if partner == "b" and key == "2026-10":
            due = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
        deliver(small_chain, rows, f"{partner}-{key}", due, partner=partner)
    return small_chain
