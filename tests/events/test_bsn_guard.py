"""The BSN guard refuses a file with any eleven-test number, whole, without echoing the value."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keten.events.actions import ingest_file
from keten.events.bsn import contains_bsn, passes_elfproef
from keten.events.models import IngestBatch

VALID = ["111222333", "123456782", "999999990"]  # 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3-3 = 66, ...
INVALID = ["123456789", "111222334", "000000000", "12345678", "1234567820"]


@pytest.mark.parametrize("value", VALID)
def test_valid_eleven_test_numbers_pass(value):
    assert passes_elfproef(value)


@pytest.mark.parametrize("value", INVALID)
def test_other_numbers_do_not_pass(value):
    assert not passes_elfproef(value)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("klant 123456782 belde", True),
        ("bsn:123456782;", True),
        ("id-123456782x", True),
        ("1234567820", False),  # ten digits: not a BSN
        ("12345678-2", False),
        ("tel 0612345678", False),
    ],
)
def test_numbers_inside_longer_text_are_found(text, found):
    assert contains_bsn(text) is found


@given(st.lists(st.integers(0, 9), min_size=8, max_size=8))
def test_the_check_digit_that_completes_the_eleven_test_is_always_found(digits):
    weighted = sum(w * d for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
    if weighted == 10 or all(d == 0 for d in digits):
        return  # no single check digit makes it divisible by 11
    number = "".join(map(str, digits)) + str(weighted)
    assert passes_elfproef(number) and contains_bsn(f"x{number}y")


@pytest.mark.django_db
def test_it_refuses_a_file_with_a_bsn_and_names_column_and_count_but_never_the_value(small_chain, write):
    path = write(
        "x.csv",
        "case_id,activity,timestamp,notitie\n"
        "k1,aanmelding,2024-03-01,bsn 123456782\n"
        "k2,aanmelding,2024-03-01,belde 111222333 terug\n"
        "k3,aanmelding,2024-03-01,dossier 123456789\n",
    )
    report = ingest_file(small_chain, path, partner="a")
    [problem] = report.problems
    assert (report.status, problem.code, problem.field, problem.count) == (
        "rejected",
        "bsn_found",
        "notitie",
        2,
    )
    text = str(report.as_dict())
    assert "123456782" not in text and "111222333" not in text
    assert not IngestBatch.objects.exists()


@pytest.mark.django_db
def test_a_bsn_as_case_identifier_is_refused_even_under_the_quarantine_policy(small_chain, write):
    small_chain.reject_policy = "quarantine"
    small_chain.save()
    path = write(
        "x.csv", "case_id,activity,timestamp\n123456782,aanmelding,2024-03-01\nk2,aanmelding,2024-03-01\n"
    )
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "rejected" and report.rows_stored == 0
    assert report.problems[0].field == "case_id"


@pytest.mark.django_db
def test_a_bsn_in_a_parquet_integer_column_is_found(small_chain, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "x.parquet"
    pq.write_table(
        pa.table(
            {
                "case_id": ["k1"],
                "activity": ["aanmelding"],
                "timestamp": ["2024-03-01"],
                "nummer": [123456782],
            }
        ),
        path,
    )
    report = ingest_file(small_chain, path, partner="a")
    assert report.problems[0].code == "bsn_found" and report.problems[0].field == "nummer"
