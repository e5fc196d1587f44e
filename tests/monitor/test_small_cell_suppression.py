"""Aggregates over fewer than KETEN_MIN_CELL cases are hidden from roles without case rights."""

import dataclasses

import pandas as pd
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from keten.analytics.kpis import KpiResult
from keten.monitor.access import Viewer, viewer_for
from keten.monitor.suppression import (
    fold_small_rows,
    hide_small_counts,
    hide_small_rows,
    is_small,
    suppress_kpi,
)

counts = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30)


@given(counts, st.integers(min_value=1, max_value=20))
def test_no_visible_row_rests_on_fewer_than_min_cell_cases(cases, min_cell):
    frame = pd.DataFrame({"cases": cases, "median_days": [float(c) * 1.5 for c in cases]})
    out = hide_small_rows(frame, "cases", ["median_days"], min_cell)
    visible = out[~out["suppressed"]]
    assert not any(0 < c < min_cell for c in visible["cases"])
    hidden = out[out["suppressed"]]
    assert hidden["cases"].isna().all() and hidden["median_days"].isna().all()
    # Nothing else changes.
    assert list(visible["cases"]) == [c for c in cases if not 0 < c < min_cell]


@given(counts, st.integers(min_value=1, max_value=20))
def test_small_counts_are_hidden_one_by_one(cases, min_cell):
    frame = pd.DataFrame({"inflow": cases, "wip": list(reversed(cases))})
    out = hide_small_counts(frame, ["inflow", "wip"], min_cell)
    for column in ("inflow", "wip"):
        shown = out[column].dropna()
        assert not any(0 < v < min_cell for v in shown)


def test_an_empty_cell_reveals_nobody_and_stays_visible():
    assert not is_small(0, 10) and is_small(1, 10) and is_small(9, 10) and not is_small(10, 10)


@given(counts, st.integers(min_value=2, max_value=20))
def test_folded_variants_never_show_a_small_count(cases, min_cell):
    frame = pd.DataFrame({"variant": [f"v{i}" for i in range(len(cases))], "cases": cases})
    out = fold_small_rows(frame, "cases", "variant", "other", min_cell)
    shown = out["cases"].dropna()
    assert not any(0 < v < min_cell for v in shown)
    assert (out["variant"] == "other").sum() <= 1


def test_a_kpi_on_few_cases_is_hidden_with_its_small_trend_points():
    kpi = KpiResult(
        "k",
        "K",
        "lead_time",
        "o",
        True,
        "lower",
        10.0,
        "days",
        4.0,
        "on_target",
        trend=[("2025-01-01", 3.0, 40, True), ("2025-02-01", 4.0, 3, True)],
        cases=3,
    )
    hidden = suppress_kpi(kpi, 10)
    assert hidden.value is None and hidden.status == "suppressed" and hidden.cases is None
    assert hidden.trend == [("2025-01-01", 3.0, 40, True), ("2025-02-01", None, None, True)]
    assert suppress_kpi(dataclasses.replace(kpi, cases=12), 10).value == 4.0


def test_the_rule_hides_for_steering_and_in_the_steering_view_only():
    assert Viewer("steering", "bestuurlijk", 10).suppresses
    assert Viewer("coordinator", "bestuurlijk", 10).suppresses
    assert Viewer("analyst", "bestuurlijk", 10, partner="a").suppresses
    assert not Viewer("coordinator", "uitvoering", 10).suppresses
    assert not Viewer("analyst", "uitvoering", 10, partner="a").suppresses
    # An analyst without a partner has no case rights, so aggregates are suppressed and rows refused.
    assert Viewer("analyst", "uitvoering", 10).suppresses
    assert not Viewer("analyst", "uitvoering", 10).sees_case_rows


def test_a_steering_member_asking_for_the_operations_view_still_gets_the_steering_view(personas):
    from keten.chains.models import Membership

    membership = Membership.objects.get(user=personas.steering)
    assert viewer_for(membership, "uitvoering", 10).view == "bestuurlijk"


def small_handovers(raw, min_cell):
    return {(r["from_partner"], r["to_partner"]) for r in raw if 0 < r["cases"] < min_cell}


def test_steering_sees_small_handovers_hidden_and_the_coordinator_sees_them(client, monitored, settings):
    slug = monitored.chain.slug
    url = reverse("api-flow", args=[slug])
    client.force_login(monitored.coordinator)
    raw = client.get(url).json()["handovers"]
    # Put the threshold between the rarest and the most frequent handover.
    sizes = sorted(r["cases"] for r in raw)
    assert sizes[0] < sizes[-1]
    settings.KETEN_MIN_CELL = sizes[0] + 1
    small = small_handovers(raw, settings.KETEN_MIN_CELL)
    assert small and len(small) < len(raw)
    client.force_login(monitored.steering)
    shown = client.get(url).json()
    assert shown["viewer"]["suppressed_below"] == settings.KETEN_MIN_CELL
    for row in shown["handovers"]:
        pair = (row["from_partner"], row["to_partner"])
        if pair in small:
            assert row["suppressed"] and row["cases"] is None and row["median_days"] is None
        else:
            assert not row["suppressed"] and row["cases"] >= settings.KETEN_MIN_CELL


def test_the_threshold_follows_the_setting(client, monitored, settings):
    settings.KETEN_MIN_CELL = 100_000
    client.force_login(monitored.steering)
    data = client.get(reverse("api-norms", args=[monitored.chain.slug])).json()
    assert data["norms"] and all(
        r["suppressed"] and r["share"] is None for r in data["norms"] if r["cases"] != 0
    )
    page = client.get(reverse("monitor-flow", args=[monitored.chain.slug])).content.decode()
    assert "100000" in page.replace(".", "") and 'data-suppressed="true"' in page


def test_steering_csv_has_empty_cells_and_a_suppressed_flag(client, monitored, settings):
    settings.KETEN_MIN_CELL = 100_000
    client.force_login(monitored.steering)
    text = client.get(reverse("monitor-csv", args=[monitored.chain.slug, "handovers"])).content.decode()
    header, *rows = text.strip().splitlines()
    assert header.endswith(",suppressed")
    hidden = [r for r in rows if r.endswith(",true")]
    assert hidden and len(hidden) == len(rows) and all(",," in r for r in hidden)
    # The coordinator's file for the same selection has the numbers.
    client.force_login(monitored.coordinator)
    text = client.get(reverse("monitor-csv", args=[monitored.chain.slug, "handovers"])).content.decode()
    assert all(r.endswith(",false") for r in text.strip().splitlines()[1:])
