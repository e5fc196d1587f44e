"""A period whose cases have not had the full window never looks like success.

The log is built on purpose: in March a 7-day norm is kept for half the cases; in April
(the last month) only the quick cases have started so far, the rest are still open. As of the
end of April, April's share reads 100 % of the decided cases. It must not yield "meets", nor a
KPI status, nor a report headline; the throughput of April counts only cases that reached the
goal and says how many are open. Delivered through `ingest_file`, read back through the store.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from keten.events.actions import ingest_file
from keten.figures.metrics import chain_metrics
from keten.reports.assemble import assemble_report

pytestmark = pytest.mark.django_db


def _log(tmp_path):
    a_rows, b_rows = ["case_id,activity,timestamp"], ["case_id,activity,timestamp"]
    at = dt.datetime(2024, 3, 1, 9)
    for i in range(20):  # March: half within 7 days, half after 15; all reach the goal
        case, start = f"m{i}", at + dt.timedelta(days=i)
        a_rows += [f"{case},aanmelding,{start:%Y-%m-%d %H:%M:%S}", f"{case},intake,{start:%Y-%m-%d %H:%M:%S}"]
        b_rows.append(f"{case},start,{start + dt.timedelta(days=2 if i % 2 else 15):%Y-%m-%d %H:%M:%S}")
        a_rows.append(f"{case},afgerond,{start + dt.timedelta(days=25):%Y-%m-%d %H:%M:%S}")
    at = dt.datetime(2024, 4, 1, 9)
    for i in range(20):  # April: 12 quick starts so far, 8 late in the month not started yet
        case = f"p{i}"
        late = dt.datetime(2024, 4, 24, 9) + dt.timedelta(hours=12 * (i - 12))
        start = at + dt.timedelta(days=i) if i < 12 else late
        a_rows += [f"{case},aanmelding,{start:%Y-%m-%d %H:%M:%S}", f"{case},intake,{start:%Y-%m-%d %H:%M:%S}"]
        if i < 12:
            b_rows.append(f"{case},start,{start + dt.timedelta(days=1):%Y-%m-%d %H:%M:%S}")
            a_rows.append(f"{case},afgerond,{start + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S}")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("\n".join(a_rows) + "\n")
    b.write_text("\n".join(b_rows) + "\n")
    return a, b


@pytest.fixture
def chain(small_chain, tmp_path, settings):
    settings.KETEN_DATA_DIR = tmp_path / "data"
    a, b = _log(tmp_path)
    for path, partner in ((a, "a"), (b, "b")):
        report = ingest_file(small_chain, path, partner=partner)
        assert report.status == "stored" and report.rows_stored > 0, report
    return small_chain


def test_an_immature_month_gives_no_verdict_status_or_headline(chain):
    end_of_april = dt.date(2024, 5, 1)
    m = chain_metrics(chain, as_of=end_of_april)
    norms = m.norm_compliance.set_index("period")
    march, april = norms.loc["2024-03-01"], norms.loc["2024-04-01"]
    assert (march["share"], march["meets"], bool(march["mature"])) == (0.5, False, True)
    # April: the 12 quick cases are decided (all within), 8 are open: 100 % so far.
    assert april["share"] == 1.0 and april["open"] == 8
    assert not april["mature"] and april["meets"] is None
    assert 6 < april["oldest_open_days"] <= 7
    # The whole-period row, the one a status may use, holds March only.
    assert norms.loc["all", "cases"] == march["cases"]

    # KPI "within a month": April's cohort is young; March (mature on 1 May) gives the status.
    share = next(k for k in m.kpis if k.code == "binnen_maand")
    assert share.period == "2024-03-01"
    assert ("2024-04-01", False) in [(p, mature) for p, _v, _c, mature in share.trend]

    # Throughput by the month the goal was reached; April says how many are still open.
    tp = m.throughput.set_index("period")
    assert tp.loc["2024-04-01", "open"] == 8
    assert tp.loc["2024-03-01", "cases"] + tp.loc["2024-04-01", "cases"] == tp.loc["all", "cases"]

    # Dropout: no cohort is past the 90-day horizon yet, so none is complete.
    assert not m.dropout["mature"].any()

    with override_settings(KETEN_MIN_CELL=5):
        report = assemble_report(chain, "2024-04", edition="bestuurlijk", language="en")
    [row] = report.section("norms").tables[0].rows
    assert row[2].startswith("March 2024: 50%") and row[5] == "no"
    assert row[6].startswith("100% of 12 decided, 8 open")
    # The young month is no movement: no "norm rose from 50% to 100%".
    assert not any(b.startswith("Norm") for b in report.section("changes").bullets)
    assert "to 100%" not in " ".join(report.section("changes").bullets)
