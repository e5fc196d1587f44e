"""chain_metrics reads the chain's active batches and caches on disk; a new or withdrawn batch
invalidates the cached results; a warm call does not touch the engine."""

import time

import pyarrow.parquet as pq
import pytest
from django.test import override_settings

from keten.analytics import engine
from keten.figures import metrics
from tests.analytics.conftest import log

FIRST = log(
    ("c1", "a", "aanmelding", "2024-01-01 10:00"),
    ("c1", "b", "start", "2024-01-03 10:00"),
    ("c1", "a", "afgerond", "2024-01-05 10:00"),
)
SECOND = log(("c2", "a", "aanmelding", "2024-01-10 10:00"), ("c2", "b", "start", "2024-01-20 10:00"))


@pytest.fixture
def data_dir(tmp_path):
    with override_settings(KETEN_DATA_DIR=tmp_path):
        yield tmp_path


def write_batch(chain, frame, name):
    """Deliver canonical events through the real ingestion (returns the IngestBatch)."""
    from django.conf import settings

    from keten.events.actions import ingest_canonical_parquet

    frame = frame.assign(chain=chain.slug, batch_id=name, event_id=name + "-" + frame["event_id"])
    table = engine.events_from_frame(None, frame).to_pyarrow()
    path = settings.KETEN_DATA_DIR / f"upload-{name}.parquet"
    pq.write_table(table, path)
    return ingest_canonical_parquet(chain, path)


@pytest.mark.django_db
def test_a_new_batch_invalidates_and_a_warm_call_is_instant(small_chain, data_dir, monkeypatch):
    write_batch(small_chain, FIRST, "1")
    cold = metrics.chain_metrics(small_chain)
    assert (cold.events, cold.cases, cold.active_batches) == (3, 1, 1)
    assert cold.partners_delivering == ["a", "b"]

    calls = []
    real = metrics.suite.run_suite
    monkeypatch.setattr(metrics.suite, "run_suite", lambda *a, **k: calls.append(1) or real(*a, **k))
    started = time.perf_counter()
    warm = metrics.chain_metrics(small_chain)
    assert time.perf_counter() - started < 0.5
    assert calls == []
    assert warm.store_version == cold.store_version

    write_batch(small_chain, SECOND, "2")
    fresh = metrics.chain_metrics(small_chain)
    assert calls == [1]
    assert (fresh.events, fresh.cases, fresh.active_batches) == (5, 2, 2)
    assert fresh.store_version != cold.store_version


@pytest.mark.django_db
def test_a_withdrawn_batch_is_never_served_from_the_cache(small_chain, data_dir):
    write_batch(small_chain, FIRST, "1")
    second = write_batch(small_chain, SECOND, "2")
    assert metrics.chain_metrics(small_chain).cases == 2
    from keten.events.actions import withdraw_batch

    withdraw_batch(second, None)
    after = metrics.chain_metrics(small_chain)
    assert after.cases == 1
    # Results for the old store version are gone from disk.
    versions = list((data_dir / "cache" / "analytics" / small_chain.slug).iterdir())
    assert len(versions) == 1


@pytest.mark.django_db
def test_parameters_are_part_of_the_key(small_chain, data_dir):
    write_batch(small_chain, FIRST, "1")
    write_batch(small_chain, SECOND, "2")
    assert metrics.chain_metrics(small_chain, partner="a").cases == 2
    assert metrics.chain_metrics(small_chain, start="2024-01-08").cases == 1
    assert metrics.chain_metrics(small_chain, grain="week").duration_summary["period"].tolist()[:2] == [
        "2024-01-01",
        "2024-01-08",
    ]


@pytest.mark.django_db
def test_a_changed_chain_definition_is_part_of_the_key(small_chain, data_dir):
    write_batch(small_chain, FIRST, "1")
    before = metrics.chain_metrics(small_chain)
    agreement = small_chain.agreements.get(code="snel")
    agreement.max_days = 1
    agreement.save()
    after = metrics.chain_metrics(small_chain)
    assert after.parameters["spec"] != before.parameters["spec"]


@pytest.mark.django_db
def test_case_list_gives_pseudonymised_rows_for_drill_down(small_chain, data_dir):
    write_batch(small_chain, FIRST, "1")
    write_batch(small_chain, SECOND, "2")
    rows = metrics.case_list(small_chain).page(0, 50)
    assert len(rows) == 2
    newest, c1 = rows.iloc[0], rows.iloc[1]  # newest first
    assert newest["first_event"] > c1["first_event"]
    assert (c1["current_stage"], c1["partners"], c1["status"]) == ("afsluiting", "a,b", "reached")
    assert c1["duration_days"] == 4
    later = metrics.case_list(small_chain, start="2024-01-08")
    assert later.count() == 1 and list(later.page(0, 50)["case_id"]) == [newest["case_id"]]


@pytest.mark.django_db
def test_an_empty_store_gives_empty_metrics(small_chain, data_dir):
    result = metrics.chain_metrics(small_chain)
    assert result.is_empty
    assert result.active_batches == 0
