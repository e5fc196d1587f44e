"""The BSN guard refuses a file with any eleven-test number, whole, without echoing the value."""

import decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keten.events.actions import ingest_file
from keten.events.bsn import (
    DATE_LIKE,
    column_holds_short_bsns,
    contains_bsn,
    holds_bsn_sql,
    is_short_bsn,
    might_hold_bsn,
    passes_elfproef,
    row_sieve_sql,
    scan,
    value_holds_bsn,
)
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


# --- the rule: written forms, the short form, typed and nested columns -------------------------

WRITTEN = [
    ("111.222.333", True),
    ("111 222 333", True),
    ("111-222-333", True),
    ("1112.22.333", True),  # 4-2-3, as on a passport
    ("bsn 1234.56.782.", True),
    ("1234 567 890", False),  # 234 567 890 sits inside a longer number
    ("111.222.3334", False),
    ("111.222 333", False),  # mixed separators: no written form
    ("2024-03-01 10:00:00", False),
]


@pytest.mark.parametrize(("text", "found"), WRITTEN)
def test_written_forms_are_found_in_free_text(text, found):
    assert contains_bsn(text) is found


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("12345672", True),  # 012345672 with its leading zero dropped
        ("12345672.0", True),  # as a double prints
        ("20240315", False),  # a date written yyyymmdd, though 020240315 would pass
        ("12345678", False),  # 012345678 fails the eleven-test
        ("order 12345672", False),  # inside text an eight-digit run is a date or a number
    ],
)
def test_an_eight_digit_whole_value_is_a_bsn_without_its_leading_zero(value, found):
    assert value_holds_bsn(value) is found


TEXT = st.text(alphabet="0123456789 .-x\x1f", max_size=40)


@given(TEXT)
def test_the_sql_the_engine_runs_gives_the_same_answer_as_the_python_rule(text):
    con = duckdb.connect()
    in_sql = con.execute(f"SELECT {holds_bsn_sql('$v')}", {"v": text}).fetchone()[0]
    assert in_sql is value_holds_bsn(text)
    if in_sql:  # the cheap sieve never lets a BSN through unchecked
        assert might_hold_bsn(text)
        assert con.execute(f"SELECT {row_sieve_sql(['$v'])}", {"v": text}).fetchone()[0]


@given(st.integers(10_000_000, 999_999_999))
def test_every_number_that_passes_is_found_however_it_is_written(number):
    nine = f"{number:09d}"
    if not passes_elfproef(nine):
        return
    for written in (nine, f"{nine[:3]}.{nine[3:6]}.{nine[6:]}", f"{nine[:3]} {nine[3:6]} {nine[6:]}"):
        assert value_holds_bsn(f"nr {written}.")
    if nine.startswith("0") and not DATE_LIKE.fullmatch(nine[1:]):
        assert value_holds_bsn(nine[1:])


def typed_parquet(tmp_path, name, column):
    path = tmp_path / f"{name}.parquet"
    pq.write_table(
        pa.table(
            {
                "case_id": pa.array(["k1", "k2"]),
                "activity": pa.array(["aanmelding", "aanmelding"]),
                "timestamp": pa.array(["2024-03-01", "2024-03-02"]),
                "extra": column,
            }
        ),
        path,
    )
    return path


TYPED = {
    "decimal": pa.array([decimal.Decimal("123456782"), decimal.Decimal("5")], pa.decimal128(9, 0)),
    "double": pa.array([123456782.0, 5.5], pa.float64()),
    "short_double": pa.array([12345672.0, 5.5], pa.float64()),
    "binary": pa.array([b"nr 123456782", b"x"], pa.binary()),
    "list": pa.array([[1, 123456782], [2]], pa.list_(pa.int64())),
    "short_list": pa.array([[12345672], [2]], pa.list_(pa.int64())),
    "struct": pa.array([{"n": 123456782, "s": "a"}, {"n": 1, "s": "b"}]),
    "nested_text": pa.array([{"s": "klant 111.222.333"}, {"s": "b"}]),
    "int32_short": pa.array([12345672, 1], pa.int32()),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(TYPED))
def test_a_bsn_in_a_typed_or_nested_parquet_column_is_refused(small_chain, tmp_path, kind):
    report = ingest_file(small_chain, typed_parquet(tmp_path, kind, TYPED[kind]), partner="a")
    assert report.status == "rejected"
    assert [(p.code, p.field, p.count) for p in report.problems] == [("bsn_found", "extra", 1)]
    assert not IngestBatch.objects.exists()


@pytest.mark.django_db
def test_typed_columns_without_a_bsn_are_stored(small_chain, tmp_path):
    column = pa.array([{"n": 20240315, "s": "12345678"}, {"n": 1, "s": "b"}])
    report = ingest_file(small_chain, typed_parquet(tmp_path, "clean", column), partner="a")
    assert report.status == "stored" and report.rows_stored == 2


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["111.222.333", "111 222 333", "1112.22.333", "12345672"])
def test_a_written_or_short_bsn_in_a_csv_is_refused_by_ingestion(small_chain, write, written):
    path = write(
        "x.csv",
        f"case_id,activity,timestamp,notitie\nk1,aanmelding,2024-03-01,{written}\nk2,aanmelding,2024-03-01,ok\n",
    )
    report = ingest_file(small_chain, path, partner="a")
    assert [(p.code, p.field) for p in report.problems] == [("bsn_found", "notitie")]
    assert written not in str(report.as_dict())


@given(
    st.lists(
        st.one_of(
            st.integers(10_000_000, 99_999_999).map(str),  # eight digits: some pass with a zero
            st.sampled_from(["12345672", "11744364", "20240315", "560429", "5", "tekst"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_engine_decides_an_eight_digit_column_as_the_python_rule_does(values):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (nummer VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    assert ("nummer" in scan(con, "t", {"nummer": "VARCHAR"})) is column_holds_short_bsns(values)


def csv_with(write, column: list[str], case: str = "k"):
    rows = "".join(f"{case}{i},aanmelding,2024-03-01,{v}\n" for i, v in enumerate(column))
    return write("x.csv", "case_id,activity,timestamp,nummer\n" + rows)


@pytest.mark.django_db
def test_a_column_of_bsns_without_their_leading_zero_is_refused(small_chain, write):
    short = [
        n[1:]
        for n in (f"0{i:07d}{d}" for i in range(1234567, 1234600) for d in range(10))
        if passes_elfproef(n)
    ]
    report = ingest_file(small_chain, csv_with(write, short[:20]), partner="a")
    assert [(p.code, p.field, p.count) for p in report.problems] == [("bsn_found", "nummer", 20)]


@pytest.mark.django_db
def test_eight_digit_case_numbers_and_staff_numbers_are_no_bsns(small_chain, write):
    # As in BPIC15: eight-digit ids, of which about one in eleven passes with a leading zero;
    # and a six-digit staff-number column that holds one eight-digit number that passes.
    ids = [str(10_000_000 + 7919 * i) for i in range(60)]
    assert 0 < sum(is_short_bsn(i) for i in ids) < 20
    report = ingest_file(small_chain, csv_with(write, ids), partner="a")
    assert report.status == "stored", report.as_dict()
    staff = ["560429", "560430", "11744364", "560431"]
    assert is_short_bsn("11744364")
    report = ingest_file(small_chain, csv_with(write, staff, case="s"), partner="a")
    assert report.status == "stored", [p.message for p in report.problems]


@pytest.mark.django_db
def test_eight_digit_case_numbers_do_not_hide_a_bsn_or_a_row_problem_further_on(small_chain, write):
    # The eight-digit ids stop the one pass first; the rest of the file is still checked.
    ids = [str(10_000_000 + 7919 * i) for i in range(60)]
    with_bsn = ids[:-1] + ["nummer 111222333"]
    report = ingest_file(small_chain, csv_with(write, with_bsn), partner="a")
    assert [(p.code, p.field, p.count) for p in report.problems] == [("bsn_found", "nummer", 1)]
    assert not IngestBatch.objects.filter(chain=small_chain).exists()

    small_chain.reject_policy = "quarantine"
    small_chain.save()
    rows = "".join(f"k{i},aanmelding,2024-03-01,{v}\n" for i, v in enumerate(ids))
    path = write("y.csv", "case_id,activity,timestamp,nummer\n" + rows + "k99,onbekend,2024-03-02,1\n")
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "stored_with_rejects" and report.rows_stored == 60
    assert [(p.code, p.count) for p in report.problems] == [("unknown_activity", 1)]
