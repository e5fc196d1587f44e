"""The reference profiles tell the chains' stories: branches, rework, durability, seasons, a backlog,
and agreements and KPIs that are neither all met nor all missed."""

import datetime as dt

import duckdb
import pytest

from keten.analytics import engine
from keten.analytics.kpis import evaluate_kpis
from keten.analytics.norms import norm_compliance
from tests.demo.conftest import END


def _sql(path, query: str):
    return duckdb.sql(query.replace("events", f"read_parquet('{path}')")).fetchall()


def _per_case(path, select: str, where: str = "true"):
    """Run `select` over one row per case with a list of its activities (`acts`) and attributes."""
    return _sql(
        path,
        f"SELECT {select} FROM (SELECT case_id, list(activity ORDER BY timestamp) AS acts, "
        f"any_value(attributes) AS attributes, min(timestamp) AS start FROM events GROUP BY case_id) "
        f"WHERE {where}",
    )[0]


def test_werk_confirms_durable_work_six_months_after_the_contract(reference_logs):
    path = reference_logs["werk"].path
    gaps = _sql(
        path,
        "SELECT min(gap), max(gap), count(*) FROM (SELECT case_id, "
        "date_diff('day', min(timestamp) FILTER (activity = 'arbeidsovereenkomst'), "
        "min(timestamp) FILTER (activity = 'werkend_na_zes_maanden')) AS gap FROM events GROUP BY case_id) "
        "WHERE gap IS NOT NULL",
    )[0]
    assert gaps[0] >= 182 and gaps[1] <= 183 and gaps[2] > 100
    # Of the placements at least half a year old, about 70 % are durable.
    durable = _sql(
        path,
        "SELECT avg(CASE WHEN confirmed THEN 1 ELSE 0 END) FROM (SELECT case_id, "
        "min(timestamp) FILTER (activity = 'arbeidsovereenkomst') AS contract, "
        "bool_or(activity = 'werkend_na_zes_maanden') AS confirmed FROM events GROUP BY case_id) "
        f"WHERE contract < TIMESTAMPTZ '{END} 00:00:00+00' - INTERVAL 183 DAY",
    )[0][0]
    assert 0.6 < durable < 0.8


def test_werk_has_an_optional_uwv_stage_and_rework_back_to_the_diagnosis(reference_logs):
    path = reference_logs["werk"].path
    uwv, rework = _per_case(
        path,
        "avg(CASE WHEN list_contains(acts, 'beoordeling_afgerond') THEN 1 ELSE 0 END), "
        "avg(CASE WHEN len(list_filter(acts, lambda a: a = 'brede_diagnose')) > 1 THEN 1 ELSE 0 END)",
    )
    assert 0.1 < uwv < 0.3
    assert 0.05 < rework < 0.2


def test_werk_intake_dips_in_summer(reference_logs):
    per_month = dict(
        _sql(
            reference_logs["werk"].path,
            "SELECT month(timestamp), count(*) FROM events WHERE activity = 'aanmelding_bijstand' GROUP BY 1",
        )
    )
    summer = (per_month[7] + per_month[8]) / 2
    spring = (per_month[3] + per_month[4] + per_month[5]) / 3
    assert summer < 0.8 * spring


def test_strafrecht_sends_only_juveniles_to_halt_and_a_finished_halt_case_ends_there(reference_logs):
    path = reference_logs["strafrecht"].path
    halt_ages = {
        age
        for (age,) in _sql(
            path,
            "SELECT DISTINCT json_extract_string(attributes, '$.leeftijdsgroep') FROM events "
            "WHERE activity = 'halt_aanmelding'",
        )
    }
    assert halt_ages == {"12-17"}
    after_halt = _per_case(
        path,
        "count(*), count(*) FILTER (acts[-1] = 'halt_afgerond' AND NOT list_contains(acts, 'pv_ingezonden'))",
        "list_contains(acts, 'halt_afgerond')",
    )
    assert after_halt[0] > 50 and after_halt[0] == after_halt[1]


def test_strafrecht_dismisses_some_cases_and_sends_some_back_to_the_police(reference_logs):
    path = reference_logs["strafrecht"].path
    dismissed_end_there = _per_case(
        path,
        "count(*), count(*) FILTER (acts[-1] = 'sepot')",
        "list_contains(acts, 'sepot')",
    )
    assert dismissed_end_there[0] > 300 and dismissed_end_there[0] == dismissed_end_there[1]
    returned = _per_case(
        path,
        "count(*)",
        "len(list_filter(acts, lambda a: a = 'zaak_ingeschreven')) = 2 "
        "AND len(list_filter(acts, lambda a: a = 'verdachte_verhoord')) = 2",
    )[0]
    assert 150 < returned < 600
    supervised_after_sentence = _per_case(
        path,
        "count(*), "
        "count(*) FILTER (list_position(acts, 'uitspraak') < list_position(acts, 'toezicht_gestart'))",
        "list_contains(acts, 'toezicht_gestart')",
    )
    assert supervised_after_sentence[0] > 100 and supervised_after_sentence[0] == supervised_after_sentence[1]


@pytest.fixture(scope="module")
def analysed(reference_specs, reference_logs):
    con = engine.connect()
    result = {}
    for slug, summary in reference_logs.items():
        events = engine.read_events(con, [summary.path])
        spec = reference_specs[slug]
        result[slug] = (norm_compliance(events, spec), evaluate_kpis(events, spec))
    return result


def test_the_prosecutors_backlog_quarter_shows_in_the_decision_norm(analysed):
    norms, _ = analysed["strafrecht"]
    decision = norms[norms.agreement == "beslissing_binnen_maand"].set_index("period")["share"]
    backlog = [decision[m] for m in ("2024-08-01", "2024-09-01", "2024-10-01")]
    year_before = [decision[m] for m in ("2023-08-01", "2023-09-01", "2023-10-01")]
    assert max(backlog) < 0.5
    assert min(year_before) > 0.65


@pytest.mark.parametrize("slug", ["werk", "strafrecht"])
def test_agreements_are_neither_all_met_nor_all_missed(analysed, slug):
    norms, _ = analysed[slug]
    overall = norms[norms.period == "all"]
    assert overall.meets.any()
    assert not overall.meets.all()


def test_kpi_statuses_are_mixed(analysed):
    statuses = {r.status for slug in analysed for r in analysed[slug][1]}
    assert {"on_target", "off_target"} <= statuses
    assert dt.date.fromisoformat(END.isoformat()) == END  # the window is the one the fixture asked for
