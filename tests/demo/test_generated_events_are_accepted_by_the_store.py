"""The event store takes a generated log as it is: no rejected row, every event stored."""

import pytest

from keten.chains.actions import save_chain_spec
from keten.demo.generator import generate_events
from keten.events.actions import ingest_canonical_parquet
from tests.demo.conftest import END


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["werk", "strafrecht"])
def test_a_generated_log_is_stored_without_rejects(reference_specs, tmp_path, slug):
    # strafrecht refuses a whole file for one bad row, so this also says every row is valid.
    chain = save_chain_spec(reference_specs[slug])
    summary = generate_events(chain.to_spec(), cases=1_500, seed=2, out_dir=tmp_path, end=END)
    batch = ingest_canonical_parquet(chain, summary.path)
    assert batch.rows_rejected == 0
    assert batch.rows_stored == summary.events
    assert batch.path.is_file()
