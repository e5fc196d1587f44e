"""A clean file is stored in one pass; anything else takes the long way, with the same outcome."""

import pyarrow.parquet as pq
import pytest

from keten.events import validation
from keten.events.actions import ingest_file
from keten.events.bsn import longest_digit_run
from keten.events.store import active_batch_paths, chain_dir
from keten.events.validation import read_canonical

COMPARED = [
    "event_id",
    "case_id",
    "partner",
    "activity",
    "timestamp",
    "lifecycle",
    "attributes",
    "batch_row",
    "occurrence",
]

CLEAN = (
    "case_id,activity,timestamp,lifecycle,org:resource\n"
    " k1 ,aanmelding,2024-03-01 09:00:00,COMPLETE,balie\n"
    "k1, intake ,2024-03-02 10:30:00,,\n"
    "k2,aanmelding,2024-10-27 02:30:00,start,\n"  # the hour that occurs twice in Amsterdam
    "k2,intake,2024-03-31 03:15:00,complete,team 7\n"
)


@pytest.fixture
def no_long_way(monkeypatch):
    """Fail the test when the staging table (the long way) is built."""

    def refuse(*args, **kwargs):
        raise AssertionError("the clean file took the long way")

    monkeypatch.setattr(validation, "stage_events", refuse)


@pytest.mark.django_db
def test_a_clean_file_is_stored_in_one_pass(small_chain, write, no_long_way):
    path = write("clean.csv", CLEAN)
    report = ingest_file(small_chain, path, partner="a")
    assert (report.status, report.rows_read, report.rows_valid, report.rows_stored) == ("stored", 4, 4, 4)
    [batch] = active_batch_paths(small_chain)
    stored = pq.read_table(batch)
    assert set(stored.column("chain").to_pylist()) == {"klein"}
    assert set(stored.column("batch_id").to_pylist()) == {report.batch_id}


@pytest.mark.django_db
def test_one_pass_and_the_long_way_give_the_same_events(small_chain, write):
    path = write("clean.csv", CLEAN)
    report = ingest_file(small_chain, path, partner="a")
    [batch] = active_batch_paths(small_chain)
    long_way, problems = read_canonical(path, partner="a")
    assert problems == [] and report.rows_stored == long_way.num_rows == 4

    def rows(table):
        return sorted(table.select(COMPARED).to_pylist(), key=lambda r: r["batch_row"])

    assert rows(pq.read_table(batch)) == rows(long_way)


@pytest.mark.django_db
def test_nine_digits_that_fail_the_eleven_test_do_not_stop_the_one_pass(small_chain, write, no_long_way):
    path = write(
        "hex.csv",
        "case_id,activity,timestamp,notitie\n"
        "a123456789b,aanmelding,2024-03-01 09:00:00,dossier 123456789\n"
        "c987654321d,intake,2024-03-02 10:30:00,\n",
    )
    report = ingest_file(small_chain, path, partner="a")
    assert (report.status, report.rows_stored) == ("stored", 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("k1,123456782,2024-03-01 09:00:00", "activity"),  # an unknown activity: still sieved
        ("k1,aanmelding,123456782", "timestamp"),  # a timestamp that does not parse: still sieved
    ],
)
def test_a_bsn_in_a_value_that_fails_validation_is_still_found(small_chain, write, row, column):
    small_chain.reject_policy = "quarantine"
    small_chain.save()
    path = write("x.csv", "case_id,activity,timestamp\nk0,intake,2024-03-01 08:00:00\n" + row + "\n")
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "rejected" and report.rows_stored == 0
    assert [(p.code, p.field) for p in report.problems] == [("bsn_found", column)]
    assert "123456782" not in str(report.as_dict())
    assert not active_batch_paths(small_chain)


@pytest.mark.django_db
def test_a_file_that_needs_the_long_way_leaves_no_one_pass_file_behind(small_chain, write):
    path = write(
        "dup.csv",
        "case_id,activity,timestamp\nk1,aanmelding,2024-03-01 09:00:00\nk1,aanmelding,2024-03-01 09:00:00\n",
    )
    small_chain.reject_policy = "quarantine"
    small_chain.repeated_events = "reject"
    small_chain.save()
    report = ingest_file(small_chain, path, partner="a")
    [problem] = report.problems
    assert (problem.code, problem.rows, report.rows_stored) == ("repeated_event", [3], 1)
    assert [p.name for p in chain_dir(small_chain).glob("*.parquet")] == [f"batch={report.batch_id}.parquet"]
    assert not list(chain_dir(small_chain).glob(".tmp-*"))


@pytest.mark.parametrize(
    ("timestamp_format", "longest"),
    [
        ("%Y-%m-%d %H:%M:%S", 4),
        ("%d-%m-%Y %H:%M", 4),
        ("%Y%m%d", 8),
        ("%Y%m%d%H%M", 12),  # nine digits in a row fit: such timestamps are sieved
        ("%Y-%m-%dT%H:%M:%S.%f%z", 6),
        ("%-d/%-m/%Y", 4),
        ("%H:%M:%S.%n", 9),
        ("%Q", 99),  # unknown field: assume the worst
    ],
)
def test_the_longest_digit_run_of_a_timestamp_format(timestamp_format, longest):
    assert longest_digit_run(timestamp_format) == longest


@pytest.mark.django_db
def test_a_bsn_after_the_sampled_rows_of_a_low_cardinality_column_is_found(small_chain, write):
    rows = [f"k{i},aanmelding,2024-03-01 09:00:00,{'ok' if i % 2 else 'goed'}" for i in range(25_000)]
    rows.append("k-last,aanmelding,2024-03-01 09:00:00,bsn 123456782")
    path = write("late.csv", "case_id,activity,timestamp,notitie\n" + "\n".join(rows) + "\n")
    report = ingest_file(small_chain, path, partner="a")
    assert [(p.code, p.field, p.count) for p in report.problems] == [("bsn_found", "notitie", 1)]
    assert not active_batch_paths(small_chain)
