"""Wide and odd files from real logs, through the real path: ingest_file, then the stored batch.

Hundreds of attributes per event, XES keys that differ only in case, lifecycle transitions,
ISO timestamps with a space before the Z.
"""

import json
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import quoteattr

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.events.actions import ingest_file
from keten.events.store import active_batch_paths

pytestmark = pytest.mark.django_db

WIDE = 300


def xes(
    traces: dict[str, list[dict[str, str]]], trace_attributes: dict[str, dict[str, str]] | None = None
) -> str:
    """An XES log: {case: [{key: value} per event]}; every value a string (dates for time:*)."""

    def attributes(values: dict[str, str]) -> str:
        return "".join(
            f"<{'date' if k.startswith('time:') else 'string'} key={quoteattr(k)} value={quoteattr(v)}/>"
            for k, v in values.items()
        )

    body = "".join(
        "<trace>"
        + attributes({"concept:name": case, **(trace_attributes or {}).get(case, {})})
        + "".join(f"<event>{attributes(e)}</event>" for e in events)
        + "</trace>"
        for case, events in traces.items()
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">{body}</log>'


def event(activity: str, when: str, **extra: str) -> dict[str, str]:
    return {"concept:name": activity, "time:timestamp": when, **extra}


def stored(chain):
    [path] = active_batch_paths(chain)
    return pq.read_table(path).sort_by([("case_id", "ascending"), ("timestamp", "ascending")]).to_pylist()


@pytest.mark.slow
def test_an_xes_with_300_attributes_per_event_ingests_under_the_default_memory(
    small_chain, write, monkeypatch
):
    monkeypatch.delenv("KETEN_INGEST_MEMORY", raising=False)
    wide = {f"Attribuut {i}": f"waarde {i} met wat tekst" for i in range(WIDE)}
    path = write(
        "wide.xes",
        xes(
            {
                "k1": [event("aanmelding", "2024-03-01T09:00:00+01:00", **wide)],
                "k2": [event("intake", "2024-03-02T10:00:00+01:00", **wide)],
            }
        ),
    )
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "stored", [p.message for p in report.problems]
    assert [r["activity"] for r in stored(small_chain)] == ["aanmelding", "intake"]


@pytest.mark.slow
def test_a_csv_with_300_columns_ingests_under_the_default_memory(small_chain, write, monkeypatch):
    monkeypatch.delenv("KETEN_INGEST_MEMORY", raising=False)
    header = ["case_id", "activity", "timestamp"] + [f"kolom_{i}" for i in range(WIDE)]
    rows = [
        ["k1", "aanmelding", "2024-03-01 09:00:00"] + [f"tekst {i} a" for i in range(WIDE)],
        ["k2", "intake", "2024-03-02 10:00:00"] + [f"tekst {i} b" for i in range(WIDE)],
    ]
    path = write("wide.csv", "\n".join(",".join(r) for r in [header, *rows]) + "\n")
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "stored", [p.message for p in report.problems]
    assert report.rows_stored == 2


@pytest.mark.slow
def test_a_log_with_160_trace_attributes_of_few_values_each_ingests_under_the_default_memory(
    small_chain, write, monkeypatch
):
    """Like the BPIC 2020 permit log: many low-cardinality attributes, each a candidate for the
    BSN guard's list of known clean values (a hash join per list in DuckDB)."""
    monkeypatch.delenv("KETEN_INGEST_MEMORY", raising=False)
    traces = {
        f"k{c:04d}": [
            event(("aanmelding", "intake")[n % 2], f"2024-03-01T09:{n:02d}:00+01:00") for n in range(12)
        ]
        for c in range(300)
    }
    per_trace = {
        f"k{c:04d}": {f"Permit {k}": f"w{(c * (k + 1)) % 300}" for k in range(160)} for c in range(300)
    }
    report = ingest_file(small_chain, write("permits.xes", xes(traces, per_trace)), partner="a")
    assert report.status == "stored", [p.message for p in report.problems]
    assert report.rows_stored == 3600


@pytest.mark.slow
def test_a_wide_file_with_a_problem_row_is_validated_the_long_way_under_the_default_memory(
    small_chain, write, monkeypatch
):
    monkeypatch.delenv("KETEN_INGEST_MEMORY", raising=False)
    wide = {f"Attribuut {i}": f"waarde {i}" for i in range(WIDE)}
    path = write(
        "wide-bad.xes",
        xes(
            {
                "k1": [
                    event("aanmelding", "2024-03-01T09:00:00+01:00", **wide),
                    event("onbekend", "2024-03-01T10:00:00+01:00", **wide),
                ]
            }
        ),
    )
    report = ingest_file(small_chain, path, partner="a")
    assert [p.code for p in report.problems] == ["unknown_activity"], report.as_dict()


def test_xes_keys_that_differ_only_in_case_are_both_kept(small_chain, write):
    path = write(
        "case.xes",
        xes(
            {
                "k1": [
                    event(
                        "aanmelding",
                        "2024-03-01T09:00:00+01:00",
                        **{"Permit ID": "P-1", "Permit id": "p-een"},
                    ),
                    event("intake", "2024-03-01T10:00:00+01:00", **{"Permit id": "p-twee"}),
                ]
            },
            {"k1": {"Permit ID": "trace-P", "Permit id": "trace-p"}},
        ),
    )
    mapping = {"attributes": ["Permit ID", "Permit id~2", "case:Permit ID", "case:Permit id~2"]}
    report = ingest_file(small_chain, path, partner="a", mapping=mapping)
    assert report.status == "stored", [p.message for p in report.problems]
    first, second = (json.loads(r["attributes"]) for r in stored(small_chain))
    assert first == {
        "Permit ID": "P-1",
        "Permit id~2": "p-een",
        "case:Permit ID": "trace-P",
        "case:Permit id~2": "trace-p",
    }
    assert second == {
        "Permit ID": None,
        "Permit id~2": "p-twee",
        "case:Permit ID": "trace-P",
        "case:Permit id~2": "trace-p",
    }


def test_the_column_names_of_xes_keys_that_differ_only_in_case_are_predictable():
    from keten.events.readers import xes_column_names

    assert xes_column_names(["Permit ID", "Permit id", "PERMIT ID", "Other", "permit id~2"]) == [
        "Permit ID",
        "Permit id~2",
        "PERMIT ID~3",
        "Other",
        "permit id~2~2",
    ]


@pytest.mark.parametrize("where", ["event", "trace"])
def test_a_bsn_in_one_of_two_keys_that_differ_only_in_case_is_refused(small_chain, write, where):
    hidden = {"Permit ID": "P-1", "Permit id": "klant 123456782"}
    traces = {
        "k1": [event("aanmelding", "2024-03-01T09:00:00+01:00", **(hidden if where == "event" else {}))]
    }
    path = write("bsn.xes", xes(traces, {"k1": hidden} if where == "trace" else None))
    report = ingest_file(small_chain, path, partner="a")
    assert [p.code for p in report.problems] == ["bsn_found"], report.as_dict()
    prefix = "case:" if where == "trace" else ""
    assert report.problems[0].field == f"{prefix}Permit id~2"
    assert not active_batch_paths(small_chain)


def test_lifecycle_transitions_reach_the_lifecycle_column(small_chain, write):
    path = write(
        "lifecycle.xes",
        xes(
            {
                "k1": [
                    event("aanmelding", "2024-03-01T09:00:00+01:00", **{"lifecycle:transition": "schedule"}),
                    event("aanmelding", "2024-03-01T09:05:00+01:00", **{"lifecycle:transition": "start"}),
                    event("aanmelding", "2024-03-01T09:10:00+01:00", **{"lifecycle:transition": "COMPLETE"}),
                    event("intake", "2024-03-01T09:20:00+01:00"),
                ]
            }
        ),
    )
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "stored", [p.message for p in report.problems]
    assert [r["lifecycle"] for r in stored(small_chain)] == ["schedule", "start", "complete", "complete"]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-03-31 14:05:00 Z", datetime(2024, 3, 31, 14, 5, tzinfo=UTC)),
        ("2024-03-31T14:05:00 Z", datetime(2024, 3, 31, 14, 5, tzinfo=UTC)),
        ("2024-03-31T14:05:00.123 Z", datetime(2024, 3, 31, 14, 5, 0, 123000, tzinfo=UTC)),
        ("2024-03-31 14:05:00.123456 Z", datetime(2024, 3, 31, 14, 5, 0, 123456, tzinfo=UTC)),
        ("2024-03-31 14:05:00Z", datetime(2024, 3, 31, 14, 5, tzinfo=UTC)),
    ],
)
def test_iso_timestamps_with_a_space_before_the_z_are_read_as_utc(small_chain, write, text, utc):
    path = write("z.csv", f"case_id,activity,timestamp\nk1,aanmelding,{text}\n")
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "stored", [p.message for p in report.problems]
    [row] = stored(small_chain)
    assert row["timestamp"] == utc


ISO_FORMS = ("{d}T{t}Z", "{d} {t}Z", "{d}T{t} Z", "{d} {t} Z")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2024, 12, 31)),
    form=st.sampled_from(ISO_FORMS),
    fraction=st.sampled_from(["", ".3", ".123", ".123456"]),
)
@pytest.mark.slow
def test_every_utc_form_is_read_to_the_microsecond(small_chain, write, moment, form, fraction):
    when = moment.replace(microsecond=0) + timedelta(microseconds=int((fraction[1:] or "0").ljust(6, "0")))
    text = form.format(d=moment.strftime("%Y-%m-%d"), t=moment.strftime("%H:%M:%S") + fraction)
    from keten.events.validation import read_canonical

    path = write("z.csv", f"case_id,activity,timestamp\nk1,aanmelding,{text}\n")
    table, problems = read_canonical(path)
    assert not problems, [p.message for p in problems]
    assert table["timestamp"].to_pylist() == [when.replace(tzinfo=UTC)]


def test_a_file_that_needs_more_memory_than_ingestion_may_use_names_the_setting(
    small_chain, write, monkeypatch
):
    monkeypatch.setenv("KETEN_INGEST_MEMORY", "2MB")
    columns = [f"kolom{i}" for i in range(60)]
    rows = "".join(
        f"k{n},aanmelding,2024-03-01 09:00:00,"
        + ",".join(f"waarde {n} {i} met tekst" for i in range(60))
        + "\n"
        for n in range(3000)
    )
    path = write("groot.csv", "case_id,activity,timestamp," + ",".join(columns) + "\n" + rows)
    report = ingest_file(small_chain, path, partner="a")
    assert report.status == "rejected" and report.rows_stored == 0
    [problem] = report.problems
    assert problem.code == "unreadable" and "KETEN_INGEST_MEMORY is 2MB" in problem.message
