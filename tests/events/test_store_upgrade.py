"""A store written before the delivery position is upgraded by `keten migrate` (events.0003).

The old layout is written here as the code up to 2026-12 wrote it: canonical columns without
`batch_seq`, `batch_row` and `occurrence`, and an `event_id` derived as md5 of the content.
"""

import duckdb
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from keten.events.upgrade import OLD_DERIVED_ID
from keten.schema import EVENT_COLUMNS

BEFORE = [("events", "0002_source_size"), ("chains", "0003_chain_repeated_events")]
AFTER = None  # every app at its latest migration


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def write_old_batch(path, rows, batch_id):
    """rows: (case_id, partner, activity, 'YYYY-MM-DD HH:MM:SS' UTC), written as the old store did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    values = ", ".join(f"('{c}', '{p}', '{a}', TIMESTAMPTZ '{t}+00')" for c, p, a, t in rows)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE raw (case_id VARCHAR, partner VARCHAR, activity VARCHAR, timestamp TIMESTAMPTZ)"
    )
    con.execute(f"INSERT INTO raw VALUES {values}")
    con.execute(
        f"COPY (SELECT {OLD_DERIVED_ID} AS event_id, 'klein' AS chain, case_id, partner, activity, "
        f"timestamp, 'complete' AS lifecycle, '{{}}' AS attributes, '{batch_id}' AS batch_id FROM raw) "
        f"TO '{path}' (FORMAT parquet)"
    )
    con.close()


@pytest.mark.django_db(transaction=True)
def test_migrate_upgrades_a_store_of_the_old_layout_in_place(settings, tmp_path, write):
    settings.KETEN_DATA_DIR = tmp_path / "data"
    folder = tmp_path / "data" / "events" / "chain=klein"
    old_files = [str(folder / "batch=old-1.parquet"), str(folder / "batch=old-2.parquet")]
    try:
        apps = migrate(BEFORE)
        Chain = apps.get_model("chains", "Chain")
        IngestBatch = apps.get_model("events", "IngestBatch")
        chain = Chain.objects.create(slug="klein", name="Kleine keten")
        tie = [("k1", "a", "intake", "2024-03-01 00:00:00"), ("k1", "a", "aanmelding", "2024-03-01 00:00:00")]
        for batch_id, rows in (
            ("old-1", tie),
            ("old-2", [("k2", "a", "aanmelding", "2024-03-02 10:00:00")]),
            ("empty", []),
        ):
            if rows:
                write_old_batch(folder / f"batch={batch_id}.parquet", rows, batch_id)
            IngestBatch.objects.create(
                chain=chain,
                batch_id=batch_id,
                source_name=f"{batch_id}.csv",
                source_format="csv",
                source_sha256=batch_id,
                rows_stored=len(rows),
            )
        # The order the old analytics gave events at the same moment: by the derived id.
        old_order = duckdb.sql(
            f"SELECT activity FROM read_parquet({old_files}) ORDER BY case_id, timestamp, event_id"
        ).fetchall()
    finally:
        migrate(AFTER)

    from keten.analytics.model import ActivitySpec, ChainSpec, PartnerSpec, StageSpec
    from keten.chains.actions import save_chain_spec
    from keten.events.actions import ingest_file
    from keten.events.models import IngestBatch as Batch

    assert list(Batch.objects.order_by("sequence").values_list("batch_id", "sequence")) == [
        ("old-1", 1),
        ("old-2", 2),
        ("empty", 3),
    ]
    upgraded = duckdb.sql(f"SELECT * FROM read_parquet({old_files}) ORDER BY case_id, batch_seq, batch_row")
    assert tuple(upgraded.columns) == EVENT_COLUMNS
    rows = [dict(zip(upgraded.columns, r, strict=True)) for r in upgraded.fetchall()]
    assert [(r["event_id"], r["batch_seq"], r["batch_row"], r["occurrence"]) for r in rows] == [
        (None, 1, 1, 1),
        (None, 1, 2, 1),
        (None, 2, 1, 1),
    ]
    assert [(r["activity"],) for r in rows] == old_order

    # Today's ingestion knows the upgraded events: delivering one of them again adds nothing.
    save_chain_spec(
        ChainSpec(
            slug="klein",
            name="Kleine keten",
            partners=(PartnerSpec("a", "A"),),
            stages=(
                StageSpec("s", "S", "a", (ActivitySpec("aanmelding", "A"), ActivitySpec("intake", "I"))),
            ),
        )
    )
    again = write("again.csv", "case_id,activity,timestamp\nk2,aanmelding,2024-03-02 10:00:00+00:00\n")
    report = ingest_file("klein", again, partner="a")
    assert (report.status, report.rows_already_present) == ("nothing_new", 1)
    assert Batch.objects.get(batch_id=report.batch_id).sequence == 4
