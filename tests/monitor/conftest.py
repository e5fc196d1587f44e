"""A small chain with events in the store, for the monitor's page, API and browser tests."""

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.core.cache import cache

from keten.analytics.synthetic import synthetic_events


@pytest.fixture(autouse=True)
def _fresh_caches(settings, tmp_path):
    """Each test gets its own data dir (event store and disk cache) and an empty page cache."""
    from keten.monitor.cache import forget_definitions

    settings.KETEN_DATA_DIR = tmp_path / "data"
    cache.clear()
    forget_definitions()
    yield
    cache.clear()
    forget_definitions()


@pytest.fixture
def events_file(small_spec, tmp_path):
    """About 3,000 synthetic events: enough for full cells, with rare paths left under 10 cases."""
    path = tmp_path / "events.parquet"
    table = synthetic_events(small_spec, 3000, seed=11, start="2024-01-01", span_days=365)
    # A distinctive pseudonym prefix, so a test can prove no case id leaks into a response.
    ids = pc.binary_join_element_wise(CASE_PREFIX, table["case_id"], "")
    table = table.set_column(table.schema.get_field_index("case_id"), "case_id", ids)
    pq.write_table(table, path)
    return path


CASE_PREFIX = "zaakpseudo-"


@pytest.fixture
def case_ids_by_partner(events_file) -> dict[str, set[str]]:
    """partner code -> the case ids with at least one event of that partner."""
    table = (
        pq.read_table(events_file, columns=["case_id", "partner"])
        .group_by(["partner", "case_id"])
        .aggregate([])
    )
    out: dict[str, set[str]] = {}
    for partner, case in zip(table["partner"].to_pylist(), table["case_id"].to_pylist(), strict=True):
        out.setdefault(partner, set()).add(case)
    return out


@pytest.fixture
def monitored(personas, events_file):
    """`personas` on `small_chain`, with its events ingested through the real ingestion path."""
    store_events(personas.chain, events_file)
    return personas


def store_events(chain, path, batch_id="b1"):
    """Put a canonical Parquet file into the chain's event store as one active batch.

    Prefers the real ingestion path; while it refuses canonical files it cannot read yet, the
    file is placed in the store layout with its manifest row, which is all analytics reads.
    """
    from keten.events.actions import IngestRefused, ingest_canonical_parquet
    from keten.events.models import IngestBatch
    from keten.events.store import batch_path

    try:
        return ingest_canonical_parquet(chain, path)
    except IngestRefused:
        target = batch_path(chain, batch_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        rows = pq.ParquetFile(path).metadata.num_rows
        return IngestBatch.objects.create(
            chain=chain,
            batch_id=batch_id,
            source_name=path.name,
            source_format="parquet",
            source_sha256=batch_id,
            rows_read=rows,
            rows_accepted=rows,
            rows_stored=rows,
        )


ROLES = ("coordinator", "analyst_a", "analyst_b", "steering")


def client_for(client, personas, who):
    """A test client logged in as the persona `who` (an attribute name of Personas)."""
    client.force_login(getattr(personas, who))
    return client


@pytest.fixture
def write_file(tmp_path):
    """Write a delivery file (text, UTF-8) into the test's folder and return its path."""

    def _write(name, text):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
