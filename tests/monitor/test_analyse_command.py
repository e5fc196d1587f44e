"""`keten analyse CHAIN` prints the metrics as tables, JSON or CSV and refuses bad input clearly."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from keten.monitor.management.commands.analyse import parse_period
from tests.analytics.conftest import log
from tests.figures.test_metrics_cache import write_batch

ROWS = log(
    ("c1", "a", "aanmelding", "2024-01-01 10:00"),
    ("c1", "a", "intake", "2024-01-02 10:00"),
    ("c1", "b", "start", "2024-01-03 10:00"),
    ("c1", "a", "afgerond", "2024-01-05 10:00"),
    ("c2", "a", "aanmelding", "2024-02-10 10:00"),
)


@pytest.fixture
def stored(small_chain, tmp_path):
    with override_settings(KETEN_DATA_DIR=tmp_path):
        write_batch(small_chain, ROWS, "1")
        yield small_chain


def run(*args):
    out = StringIO()
    call_command("analyse", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_prints_rich_tables(stored):
    text = run("klein")
    assert "Kleine keten" in text
    assert "handovers" in text and "kpis" in text
    assert "binnen_maand" in text


@pytest.mark.django_db
def test_it_prints_json_with_the_period_filter(stored):
    doc = json.loads(run("klein", "--format", "json", "--period", "2024-01"))
    assert doc["extent"]["cases"] == 1
    assert {"from_partner": "a", "to_partner": "b"}.items() <= doc["handovers"][0].items()
    assert doc["kpis"][0]["code"] == "binnen_maand"


@pytest.mark.django_db
def test_it_prints_one_metric_as_csv(stored):
    text = run("klein", "--format", "csv", "--metric", "handovers")
    assert text.splitlines()[0].startswith("from_partner,to_partner,cases,transitions")


@pytest.mark.django_db
def test_it_names_the_known_chains_for_an_unknown_one(stored):
    with pytest.raises(CommandError, match="No chain 'nope'. Known chains: klein"):
        run("nope")


@pytest.mark.django_db
def test_it_explains_a_bad_period(stored):
    with pytest.raises(CommandError, match="--period '2024-13'"):
        run("klein", "--period", "2024-13")


def test_periods_cover_whole_years_months_days_and_ranges():
    import datetime as dt

    assert parse_period("2024") == (dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert parse_period("2024-12") == (dt.date(2024, 12, 1), dt.date(2025, 1, 1))
    assert parse_period("2024-02-29") == (dt.date(2024, 2, 29), dt.date(2024, 3, 1))
    assert parse_period("2024-01:2024-03") == (dt.date(2024, 1, 1), dt.date(2024, 4, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [("2024-13", "use YYYY-MM"), ("oktober", "use YYYY-MM"), ("2999-01", "not over yet")],
)
def test_a_bad_as_of_month_is_a_clear_message(stored, text, message):
    with pytest.raises(CommandError, match=message):
        run("klein", "--as-of", text)


def test_as_of_gives_the_figures_at_the_end_of_that_month(stored):
    doc = json.loads(run("klein", "--as-of", "2024-01", "--format", "json", "--metric", "kpis"))
    assert doc["as_of"] == "2024-02-01" and doc["engine"] == "duckdb"
    assert doc["extent"]["last_event"] < "2024-02-01" and doc["extent"]["events"] == 4
