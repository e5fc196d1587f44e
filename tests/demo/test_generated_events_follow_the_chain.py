"""Generated events fit the chain definition: its activities, partners and order, canonical columns."""

import json

import duckdb
import pyarrow.parquet as pq
import pytest

from keten.analytics.engine import EVENT_SCHEMA
from keten.demo.generator import generate_events
from keten.demo.profiles import profile_for
from keten.events import bsn
from tests.demo.conftest import END

SLUGS = ["werk", "strafrecht"]


def _sql(path, query: str):
    return duckdb.sql(query.replace("events", f"read_parquet('{path}')")).fetchall()


@pytest.mark.parametrize("slug", SLUGS)
def test_the_file_has_the_canonical_schema(reference_logs, slug):
    summary = reference_logs[slug]
    table = pq.read_table(summary.path)
    assert table.schema.equals(EVENT_SCHEMA)
    assert table.num_rows == summary.events
    assert set(table["chain"].to_pylist()) == {slug}
    assert set(table["lifecycle"].to_pylist()) == {"complete"}
    assert len(set(table["case_id"].to_pylist())) == summary.cases == 5_000


@pytest.mark.parametrize("slug", SLUGS)
def test_events_of_a_case_are_in_chronological_order(reference_logs, slug):
    path = reference_logs[slug].path
    # In file order, no event of a case lies before the event written before it.
    out_of_order = _sql(
        path,
        "SELECT count(*) FROM (SELECT case_id, timestamp, "
        "lag(timestamp) OVER (PARTITION BY case_id ORDER BY file_row_number) AS before "
        "FROM read_parquet('PATH', file_row_number = true)) WHERE timestamp <= before".replace(
            "PATH", str(path)
        ),
    )[0][0]
    assert out_of_order == 0
    # And a case's events are written together.
    assert _sql(path, "SELECT count(*) FROM (SELECT DISTINCT case_id FROM events)") == [(5_000,)]


@pytest.mark.parametrize("slug", SLUGS)
def test_only_the_chains_activities_occur_each_with_its_own_partner(reference_specs, reference_logs, slug):
    spec = reference_specs[slug]
    pairs = dict(_sql(reference_logs[slug].path, "SELECT DISTINCT activity, partner FROM events"))
    assert pairs == spec.activity_partner


@pytest.mark.parametrize("slug", SLUGS)
def test_the_reference_profile_is_used_and_every_activity_appears(reference_specs, reference_logs, slug):
    assert profile_for(reference_specs[slug]).name == slug
    seen = {a for (a,) in _sql(reference_logs[slug].path, "SELECT DISTINCT activity FROM events")}
    assert seen == set(reference_specs[slug].activities)


@pytest.mark.parametrize("slug", SLUGS)
def test_rows_are_numbered_in_file_order_as_a_delivery_numbers_them(reference_logs, slug):
    path = reference_logs[slug].path
    [(rows, first, last, distinct, ids)] = _sql(
        path,
        "SELECT count(*), min(batch_row), max(batch_row), count(DISTINCT batch_row), count(event_id) "
        "FROM events",
    )
    assert (first, last, distinct, ids) == (1, rows, rows, 0)


@pytest.mark.parametrize("slug", SLUGS)
def test_nothing_in_the_file_looks_like_a_citizen_service_number(reference_logs, slug):
    con = duckdb.connect()
    con.execute(f"CREATE VIEW src AS SELECT * FROM read_parquet('{reference_logs[slug].path}')")
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE src)").fetchall())
    assert bsn.scan(con, "src", types) == {}


@pytest.mark.parametrize("slug", SLUGS)
def test_attributes_are_json_with_filterable_values(reference_specs, reference_logs, slug):
    profile = profile_for(reference_specs[slug])
    texts = {t for (t,) in _sql(reference_logs[slug].path, "SELECT DISTINCT attributes FROM events")}
    parsed = [json.loads(t) for t in texts]
    assert {tuple(p) for p in parsed} == {tuple(a.name for a in profile.attributes)}
    for attribute in profile.attributes:
        assert {p[attribute.name] for p in parsed} == set(attribute.values)


@pytest.mark.parametrize("slug", SLUGS)
def test_nothing_happens_after_the_end_and_some_cases_are_still_open(reference_specs, reference_logs, slug):
    spec = reference_specs[slug]
    path = reference_logs[slug].path
    assert _sql(path, f"SELECT max(timestamp) < TIMESTAMPTZ '{END} 00:00:00+00' FROM events") == [(True,)]
    goals = ", ".join(f"'{g}'" for g in spec.goal_activities)
    open_recent = _sql(
        path,
        "SELECT count(*) FROM (SELECT case_id, min(timestamp) AS start, "
        f"bool_or(activity IN ({goals})) AS done FROM events GROUP BY case_id) "
        f"WHERE NOT done AND start > TIMESTAMPTZ '{END} 00:00:00+00' - INTERVAL 60 DAY",
    )[0][0]
    assert open_recent > 50


def test_any_chain_gets_a_generic_profile_with_dropout_and_rework(small_spec, tmp_path):
    summary = generate_events(small_spec, cases=4_000, seed=3, out_dir=tmp_path, end=END, chunk_cases=1_000)
    assert profile_for(small_spec).name == "generic"
    path = summary.path
    assert dict(_sql(path, "SELECT DISTINCT activity, partner FROM events")) == small_spec.activity_partner
    per_case = _sql(
        path,
        "SELECT count(*) FILTER (n_afgerond = 0), count(*) FILTER (n_intake > 1) FROM ("
        "SELECT case_id, count(*) FILTER (activity = 'afgerond') AS n_afgerond, "
        "count(*) FILTER (activity = 'intake') AS n_intake FROM events GROUP BY case_id)",
    )[0]
    not_finished, reworked = per_case
    assert 200 < not_finished < 2_000
    assert 200 < reworked < 800
