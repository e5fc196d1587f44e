"""Whatever bytes arrive, the delivery gets a report with clear messages, never a traceback."""

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.events.actions import ingest_file
from keten.events.models import IngestBatch

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
GOOD = (
    b"case_id,activity,timestamp\nk1,aanmelding,2024-03-01 09:00:00\nk1,intake,2024-03-02 10:30:00\n"
    b"k2,aanmelding,01-03-2024 11:00\n"
)
XES = (
    b'<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0"><trace>'
    b'<string key="concept:name" value="k1"/><event><string key="concept:name" value="aanmelding"/>'
    b'<date key="time:timestamp" value="2024-03-01T09:00:00+01:00"/></event>'
    b'<event><string key="concept:name" value="intake"/>'
    b'<date key="time:timestamp" value="2024-03-02T09:00:00+01:00"/></event></trace></log>'
)


def check(report):
    assert report.status in {"stored", "stored_with_rejects", "nothing_new", "rejected", "already_delivered"}
    for problem in report.problems:
        assert problem.message and "Traceback" not in problem.message
    if not report.accepted:
        assert report.problems, "a refused file must say why"
        assert not IngestBatch.objects.filter(batch_id=report.batch_id or "-").exists()


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xes", ".parquet", ".gz", ""]))
@pytest.mark.slow
def test_random_bytes_give_a_report(small_chain, tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    check(ingest_file(small_chain, path, partner="a"))


@FUZZ
@given(cut=st.integers(0, len(GOOD)), which=st.sampled_from(["csv", "xes", "xes.gz"]))
@pytest.mark.slow
def test_truncated_files_give_a_report(small_chain, tmp_path, cut, which):
    content = {"csv": GOOD, "xes": XES, "xes.gz": gzip.compress(XES)}[which]
    path = tmp_path / f"cut.{which}"
    path.write_bytes(content[: max(cut, 0) * len(content) // len(GOOD)])
    check(ingest_file(small_chain, path, partner="a"))


@FUZZ
@given(
    encoding=st.sampled_from(["utf-16", "utf-32", "cp1252", "latin-1", "utf-8"]),
    text=st.text(alphabet=st.characters(codec="latin-1"), max_size=40),
    requested=st.sampled_from([None, "utf-8", "windows-1252"]),
)
@pytest.mark.slow
def test_wrong_encodings_give_a_report(small_chain, tmp_path, encoding, text, requested):
    content = f"case_id,activity,timestamp\nk1,{text},2024-03-01\n".encode(encoding, "replace")
    path = tmp_path / "enc.csv"
    path.write_bytes(content)
    mapping = {"encoding": requested} if requested else {}
    check(ingest_file(small_chain, path, partner="a", mapping=mapping))


@FUZZ
@given(
    rows=st.lists(
        st.lists(st.text(st.characters(blacklist_categories=["Cs"]), max_size=12), min_size=1, max_size=5),
        max_size=6,
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
@pytest.mark.slow
def test_ragged_csv_with_odd_characters_gives_a_report(small_chain, tmp_path, rows, delimiter):
    lines = [delimiter.join(["case_id", "activity", "timestamp"])] + [delimiter.join(r) for r in rows]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    check(ingest_file(small_chain, path, partner="a"))


def test_an_xml_bomb_is_not_expanded(small_chain, write):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<log><trace><string key="concept:name" value="&c;"/>'
        '<event><string key="concept:name" value="aanmelding"/>'
        '<date key="time:timestamp" value="2024-03-01T09:00:00Z"/>'
        "</event></trace></log>"
    )
    report = ingest_file(small_chain, write("bomb.xes", bomb), partner="a")
    check(report)
    assert "aaaaaaaaaa" * 10 not in str(report.as_dict())
