"""Every validation rule, with its message; all problems of a file in one report."""

import csv

import pytest

from keten.chains.models import Chain
from keten.events.actions import ingest_file
from keten.events.models import IngestBatch
from keten.events.store import active_batch_paths

pytestmark = pytest.mark.django_db

HEADER = "case_id,activity,timestamp\n"


def codes(report):
    return {p.code: p for p in report.problems}


def quarantine(chain):
    chain.reject_policy = Chain.RejectPolicy.QUARANTINE
    chain.save()


def test_a_missing_column_is_named_with_the_columns_that_are_there(small_chain, write):
    report = ingest_file(
        small_chain, write("x.csv", "zaak,activity,timestamp\nk1,aanmelding,2024-03-01\n"), partner="a"
    )
    problem = codes(report)["missing_column"]
    assert problem.field == "case_id"
    assert "zaak" in problem.message and "column mapping" in problem.message
    assert report.status == "rejected" and not active_batch_paths(small_chain)


def test_a_mapping_that_names_an_absent_column_is_reported(small_chain, write):
    path = write("x.csv", HEADER + "k1,aanmelding,2024-03-01\n")
    report = ingest_file(small_chain, path, partner="a", mapping={"case_id": "Zaaknummer"})
    assert "Zaaknummer" in codes(report)["missing_column"].message


def test_unparsable_timestamps_give_row_numbers_and_examples(small_chain, write):
    path = write(
        "x.csv", HEADER + "k1,aanmelding,2024-03-01\nk2,aanmelding,gisteren\nk3,aanmelding,31-02-2024\n"
    )
    problem = codes(ingest_file(small_chain, path, partner="a"))["bad_timestamp"]
    assert problem.count == 2 and problem.rows == [3, 4]
    assert set(problem.examples) == {"gisteren", "31-02-2024"}
    assert "timestamp_format" in problem.message


def test_future_timestamps_are_reported(small_chain, write):
    path = write("x.csv", HEADER + "k1,aanmelding,2024-03-01\nk2,aanmelding,2999-01-01 10:00\n")
    problem = codes(ingest_file(small_chain, path, partner="a"))["future_timestamp"]
    assert problem.rows == [3] and "future" in problem.message


@pytest.mark.slow
def test_a_no_date_placeholder_is_a_row_problem_and_the_pages_stay_up(small_chain, write, client, personas):
    path = write(
        "x.csv",
        HEADER + "k1,aanmelding,2024-03-01\nk2,aanmelding,0001-01-01\nk3,aanmelding,1899-12-31 23:00\n",
    )
    quarantine(small_chain)
    report = ingest_file(small_chain, path, partner="a")
    problem = codes(report)["early_timestamp"]
    assert problem.rows == [3, 4] and "1900-01-01" in problem.message and "0001-01-01" in problem.message
    assert problem.field == "timestamp" and sorted(problem.examples) == ["0001-01-01", "1899-12-31 23:00"]
    assert report.rows_stored == 1

    from django.urls import reverse

    client.force_login(personas.coordinator)
    slug = small_chain.slug
    for name, extra in (
        ("monitor-overview", ""),
        ("monitor-cases", ""),
        ("monitor-stages", "?grain=day"),
        ("monitor-stages", ""),
        ("monitor-flow", ""),
    ):
        assert client.get(reverse(name, args=[slug]) + extra).status_code == 200, name


def test_activities_outside_the_chain_model_are_reported_with_the_values(small_chain, write):
    path = write("x.csv", HEADER + "k1,aanmelding,2024-03-01\nk2,koffie,2024-03-01\nk3,koffie,2024-03-02\n")
    problem = codes(ingest_file(small_chain, path, partner="a"))["unknown_activity"]
    assert problem.count == 2 and problem.examples == ["koffie (2x)"]


def test_events_of_another_partner_are_reported(small_chain, write):
    # 'start' is performed by partner b; a 'partner' column naming b is not a's to deliver either
    path = write(
        "x.csv",
        "case_id,activity,timestamp,partner\nk1,aanmelding,2024-03-01,a\nk2,start,2024-03-01,a\nk3,intake,2024-03-01,b\n",
    )
    problem = codes(ingest_file(small_chain, path, partner="a"))["other_partner"]
    assert problem.count == 2 and problem.rows == [3, 4]
    assert "than a, who delivers" in problem.message


def test_repeated_events_within_the_file_are_kept_and_reported(small_chain, write):
    path = write(
        "x.csv", HEADER + "k1,aanmelding,2024-03-01\nk1,aanmelding,2024-03-01\nk2,intake,2024-03-01\n"
    )
    report = ingest_file(small_chain, path, partner="a")
    assert (report.status, report.rows_stored, report.problems) == ("stored", 3, [])
    [notice] = report.notices
    assert (notice.code, notice.count, notice.rows) == ("repeated_events", 1, [3])
    assert "kept as separate events" in notice.message
    assert report.as_dict()["notices"][0]["code"] == "repeated_events"


def test_a_chain_that_rejects_repeated_events_reports_the_copies(small_chain, write):
    small_chain.repeated_events = "reject"
    small_chain.save()
    path = write(
        "x.csv", HEADER + "k1,aanmelding,2024-03-01\nk1,aanmelding,2024-03-01\nk2,intake,2024-03-01\n"
    )
    report = ingest_file(small_chain, path, partner="a")
    problem = codes(report)["repeated_event"]
    assert problem.count == 1 and problem.rows == [3] and report.status == "rejected"


def test_a_partner_event_id_twice_in_the_file_is_a_copy(small_chain, write):
    path = write(
        "x.csv",
        "id,case_id,activity,timestamp\n"
        "e1,k1,aanmelding,2024-03-01\ne1,k1,aanmelding,2024-03-01\ne2,k1,aanmelding,2024-03-01\n",
    )
    small_chain.reject_policy = "quarantine"
    small_chain.save()
    report = ingest_file(small_chain, path, partner="a", mapping={"event_id": "id"})
    problem = codes(report)["duplicate_in_file"]
    # e2 is another event at the same moment: the partner's ids say so.
    assert problem.count == 1 and problem.rows == [3] and report.rows_stored == 2


def test_rows_without_a_case_are_reported(small_chain, write):
    path = write("x.csv", HEADER + ",aanmelding,2024-03-01\nk2,intake,2024-03-01\n")
    problem = codes(ingest_file(small_chain, path, partner="a"))["missing_value"]
    assert problem.rows == [2] and "case_id" in problem.message


@pytest.mark.parametrize("content", ["", HEADER, "\ufeff" + HEADER])
def test_an_empty_file_is_reported(small_chain, write, content):
    report = ingest_file(small_chain, write("leeg.csv", content), partner="a")
    assert set(codes(report)) == {"empty_file"} and report.status == "rejected"


def test_all_problems_of_a_file_come_in_one_report(small_chain, write):
    path = write(
        "x.csv",
        HEADER + "k1,aanmelding,nooit\nk2,koffie,2024-03-01\nk3,start,2024-03-01\nk4,intake,2999-01-01\n",
    )
    report = ingest_file(small_chain, path, partner="a")
    assert set(codes(report)) == {"bad_timestamp", "unknown_activity", "other_partner", "future_timestamp"}
    assert report.as_dict()["problems"][0].keys() >= {"code", "message", "field", "rows", "examples"}


def test_the_reject_file_policy_stores_nothing_when_a_row_is_bad(small_chain, write):
    report = ingest_file(
        small_chain, write("x.csv", HEADER + "k1,aanmelding,2024-03-01\nk2,koffie,2024-03-01\n"), partner="a"
    )
    assert report.status == "rejected" and report.rows_stored == 0
    assert not IngestBatch.objects.exists() and not active_batch_paths(small_chain)


def test_the_quarantine_policy_stores_valid_rows_and_keeps_the_rest_downloadable(small_chain, write):
    quarantine(small_chain)
    path = write("x.csv", HEADER + "k1,aanmelding,2024-03-01\nk2,koffie,2024-03-01\nk3,intake,nooit\n")
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "stored_with_rejects"
    assert (report.rows_read, report.rows_stored, report.rows_rejected) == (3, 1, 2)
    batch = IngestBatch.objects.get()
    with open(batch.rejects_path, newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["source_row"], r["problem"], r["case_id"]) for r in rejected] == [
        ("3", "unknown_activity", "k2"),
        ("4", "bad_timestamp", "k3"),
    ]


def test_the_rejects_file_keeps_only_the_columns_the_mapping_reads(small_chain, write):
    quarantine(small_chain)
    path = write(
        "x.csv",
        "case_id,activity,timestamp,naam,adres,geboortedatum,kanaal\n"
        "k1,aanmelding,2024-03-01,Jan Jansen,Dorpsstraat 1,1980-04-02,balie\n"
        "k2,koffie,2024-03-01,Piet de Vries,Kerkweg 2,1975-01-01,post\n",
    )
    report = ingest_file(small_chain, path, partner="a", mapping={"attributes": ["kanaal"]})
    assert report.status == "stored_with_rejects"
    with open(IngestBatch.objects.get().rejects_path, newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert list(row) == ["source_row", "problem", "case_id", "activity", "timestamp", "kanaal"]
    assert (row["case_id"], row["activity"], row["kanaal"]) == ("k2", "koffie", "post")


def test_a_bad_mapping_is_refused_with_its_errors(small_chain, write):
    report = ingest_file(
        small_chain, write("x.csv", HEADER), partner="a", mapping={"kolom": "x", "timezone": "Mars/Olympus"}
    )
    messages = " ".join(p.message for p in report.problems)
    assert "Unknown mapping key 'kolom'" in messages and "Mars/Olympus" in messages
