"""Order and identity of delivered events (docs/event-format.md), through `ingest_file`.

Order of a case's events: timestamp, then the chain's stage order, then delivery position
(delivery number, row). Identity: partner, case, activity, moment, lifecycle and the
occurrence of that combination within its delivery (or the partner's own event id).
"""

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.analytics import engine
from keten.analytics.prepare import prepare
from keten.events.actions import ingest_file, restore_batch, withdraw_batch
from keten.events.models import IngestBatch
from keten.events.store import active_batch_paths

pytestmark = pytest.mark.django_db
HEADER = "case_id,activity,timestamp\n"


def case_order(chain) -> dict[str, list[str]]:
    """Each case's activities in the order the analytics see them."""
    spec = chain.to_spec()
    events = engine.read_events(engine.connect("duckdb"), active_batch_paths(chain))
    ordered = prepare(events, spec).events.order_by(["case_id", "seq"]).to_pyarrow().to_pylist()
    cases: dict[str, list[str]] = {}
    for row in ordered:
        cases.setdefault(row["case_id"], []).append(row["activity"])
    return cases


def stored(chain, columns="case_id, activity, occurrence, batch_seq, batch_row"):
    paths = [str(p) for p in active_batch_paths(chain)]
    return duckdb.sql(f"SELECT {columns} FROM read_parquet({paths}) ORDER BY ALL").fetchall()  # noqa: S608


def test_events_of_one_stage_at_the_same_moment_keep_the_file_order(small_chain, write):
    # aanmelding and intake are both in stage intake: the file decides, whichever order it has.
    path = write(
        "ties.csv",
        HEADER + "k1,intake,2024-03-01\nk1,aanmelding,2024-03-01\nk2,aanmelding,2024-03-01\n"
        "k2,intake,2024-03-01\n",
    )
    assert ingest_file(small_chain, path, partner="a").status == "stored"
    assert case_order(small_chain) == {"k1": ["intake", "aanmelding"], "k2": ["aanmelding", "intake"]}


def test_across_partners_the_chain_model_orders_events_at_the_same_moment(small_chain, write):
    # B's start (stage 2) delivered before A's intake (stage 1), both on one day.
    ingest_file(small_chain, write("b.csv", HEADER + "k1,start,2024-03-01\n"), partner="b")
    ingest_file(small_chain, write("a.csv", HEADER + "k1,intake,2024-03-01\n"), partner="a")
    assert case_order(small_chain) == {"k1": ["intake", "start"]}


def test_a_later_delivery_of_the_same_stage_and_moment_comes_after_the_earlier_one(small_chain, write):
    ingest_file(small_chain, write("one.csv", HEADER + "k1,intake,2024-03-01\n"), partner="a")
    ingest_file(small_chain, write("two.csv", HEADER + "k1,aanmelding,2024-03-01\n"), partner="a")
    assert case_order(small_chain) == {"k1": ["intake", "aanmelding"]}
    assert [r[3] for r in stored(small_chain)] == [2, 1]  # delivery numbers: aanmelding came second


def test_a_file_with_repeated_events_keeps_both_and_its_redelivery_adds_nothing(small_chain, write):
    rows = "k1,aanmelding,2024-03-01\nk1,aanmelding,2024-03-01\nk1,intake,2024-03-02\n"
    first = ingest_file(small_chain, write("lab.csv", HEADER + rows), partner="a")
    assert (first.rows_stored, [n.count for n in first.notices]) == (3, [1])
    # The same export again, with a header of another order and one new event: only that is new.
    again = write(
        "lab2.csv",
        "timestamp,activity,case_id\n2024-03-01,aanmelding,k1\n2024-03-02,intake,k1\n"
        "2024-03-01,aanmelding,k1\n2024-03-01,aanmelding,k1\n",
    )
    second = ingest_file(small_chain, again, partner="a")
    assert (second.status, second.rows_already_present, second.rows_stored) == ("stored", 3, 1)
    assert [(r[1], r[2]) for r in stored(small_chain)] == [
        ("aanmelding", 1),
        ("aanmelding", 2),
        ("aanmelding", 3),
        ("intake", 1),
    ]


def test_an_overlapping_export_stores_only_what_is_new(small_chain, write):
    ingest_file(
        small_chain,
        write("jan.csv", HEADER + "k1,aanmelding,2024-01-05\nk1,intake,2024-01-20\n"),
        partner="a",
    )
    overlap = write("jan-feb.csv", HEADER + "k1,intake,2024-01-20\nk2,aanmelding,2024-02-03\n")
    report = ingest_file(small_chain, overlap, partner="a")
    assert (report.rows_already_present, report.rows_stored) == (1, 1)
    assert len(stored(small_chain)) == 3


def test_the_long_way_finds_stored_events_too(small_chain, write):
    small_chain.reject_policy = "quarantine"
    small_chain.save()
    ingest_file(small_chain, write("one.csv", HEADER + "k1,aanmelding,2024-01-05\n"), partner="a")
    mixed = write(
        "two.csv", HEADER + "k1,aanmelding,2024-01-05\nk1,koffie,2024-01-06\nk1,intake,2024-01-07\n"
    )
    report = ingest_file(small_chain, mixed, partner="a")
    assert (report.status, report.rows_rejected, report.rows_already_present, report.rows_stored) == (
        "stored_with_rejects",
        1,
        1,
        1,
    )


def test_a_partners_own_event_ids_identify_its_events(small_chain, write):
    mapping = {"event_id": "id"}
    first = write("ids.csv", "id,case_id,activity,timestamp\nx1,k1,aanmelding,2024-03-01\n")
    ingest_file(small_chain, first, partner="a", mapping=mapping)
    # The same id again (corrected time: still the same event), and a second event at that moment.
    second = write(
        "ids2.csv",
        "id,case_id,activity,timestamp\nx1,k1,aanmelding,2024-03-02\nx2,k1,aanmelding,2024-03-01\n",
    )
    report = ingest_file(small_chain, second, partner="a", mapping=mapping)
    assert (report.rows_already_present, report.rows_stored) == (1, 1)
    assert sorted(r[0] for r in stored(small_chain, "event_id")) == ["x1", "x2"]


def test_a_batch_whose_events_came_again_cannot_be_restored(small_chain, write, personas):
    from keten.events.actions import RestoreConflict

    path = write("one.csv", HEADER + "k1,aanmelding,2024-03-01\nk1,aanmelding,2024-03-01\n")
    batch = IngestBatch.objects.get(batch_id=ingest_file(small_chain, path, partner="a").batch_id)
    withdraw_batch(batch, personas.coordinator)
    again = write(
        "again.csv", HEADER + "k1,aanmelding,2024-03-01\nk1,aanmelding,2024-03-01\nk2,intake,2024-03-02\n"
    )
    assert ingest_file(small_chain, again, partner="a").rows_stored == 3
    with pytest.raises(RestoreConflict, match="2"):
        restore_batch(batch, personas.coordinator)


def test_a_chain_wide_file_without_a_partner_column_goes_to_each_activitys_owner(small_chain, write):
    path = write(
        "shared.csv", HEADER + "k1,aanmelding,2024-03-01\nk1,start,2024-03-02\nk1,afgerond,2024-03-03\n"
    )
    report = ingest_file(small_chain, path, partner=None)
    assert report.status == "stored", report.as_dict()
    assert stored(small_chain, "activity, partner") == [
        ("aanmelding", "a"),
        ("afgerond", "a"),
        ("start", "b"),
    ]


def test_partner_values_translate_a_partner_column(small_chain, write):
    path = write(
        "shared.csv",
        "org,case_id,activity,timestamp\nTeam A,k1,aanmelding,2024-03-01\nTeam B,k1,start,2024-03-02\n",
    )
    mapping = {"partner": "org", "partner_values": {"Team A": "a", "Team B": "b"}}
    assert ingest_file(small_chain, path, partner=None, mapping=mapping).status == "stored"
    assert stored(small_chain, "partner") == [("a",), ("b",)]


ACTIVITIES = ["aanmelding", "intake", "start", "klaar", "afgerond"]  # stages 1, 1, 2, 2, 3


@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["k1", "k2", "k3"]), st.sampled_from(ACTIVITIES), st.integers(1, 28)),
        min_size=1,
        max_size=25,
    ),
    permutation=st.randoms(use_true_random=False),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.slow
def test_any_permutation_of_rows_with_distinct_moment_and_stage_gives_the_same_order(
    small_chain, write, rows, permutation
):
    stage = {"aanmelding": 1, "intake": 1, "start": 2, "klaar": 2, "afgerond": 3}
    seen, unique = set(), []
    for case, activity, day in rows:
        if (case, day, stage[activity]) not in seen:
            seen.add((case, day, stage[activity]))
            unique.append((case, activity, day))
    shuffled = unique[:]
    permutation.shuffle(shuffled)
    orders = []
    for name, order in (("sorted.csv", unique), ("shuffled.csv", shuffled)):
        IngestBatch.objects.filter(chain=small_chain).delete()
        text = HEADER + "".join(f"{c},{a},2024-03-{d:02d}\n" for c, a, d in order)
        report = ingest_file(small_chain, write(name, text), partner=None)
        assert report.status == "stored", report.as_dict()
        orders.append(case_order(small_chain))
    assert orders[0] == orders[1]
