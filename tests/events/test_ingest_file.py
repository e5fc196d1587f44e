import pyarrow.parquet as pq
import pytest

from keten.events.actions import ingest_file
from keten.events.models import IngestBatch
from keten.events.store import active_batch_paths

pytestmark = pytest.mark.django_db


def test_it_stores_a_valid_file_as_one_batch_with_the_canonical_schema(small_chain, a_csv):
    report = ingest_file(small_chain, a_csv, partner="a")
    assert report.status == "stored", report.as_dict()
    assert report.rows_read == report.rows_stored == 4
    [path] = active_batch_paths(small_chain)
    assert path.name == f"batch={report.batch_id}.parquet"
    table = pq.read_table(path)
    assert str(table.schema.field("timestamp").type) == "timestamp[us, tz=UTC]"
    assert table.column_names == [
        "event_id",
        "chain",
        "case_id",
        "partner",
        "activity",
        "timestamp",
        "lifecycle",
        "attributes",
        "batch_id",
        "batch_seq",
        "batch_row",
        "occurrence",
    ]
    rows = table.sort_by("timestamp").to_pylist()
    assert rows[0]["partner"] == "a" and rows[0]["lifecycle"] == "complete"
    # 09:00 in Amsterdam (winter time) is 08:00 UTC
    assert rows[0]["timestamp"].hour == 8
    batch = IngestBatch.objects.get()
    assert batch.rows_stored == 4 and batch.partner.code == "a"
