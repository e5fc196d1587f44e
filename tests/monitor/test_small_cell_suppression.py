"""Aggregates over fewer than KETEN_MIN_CELL cases are hidden from roles without case rights."""

import dataclasses

import numpy as np
import pandas as pd
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from keten.analytics.kpis import KpiResult
from keten.figures.suppression import (
    PROTECTING,
    fold_small_rows,
    hide_period_rows,
    hide_small_counts,
    hide_small_rows,
    hide_stage_flow,
    is_small,
    solvable_flow_cells,
    suppress_kpi,
)
from keten.monitor.access import Viewer, viewer_for

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


# --- secondary suppression: no hidden cell can be worked out from the visible ones -----------


def flow_matrix(periods: int) -> np.ndarray:
    """The stage-flow identities WIP(t) - WIP(t-1) - in(t) + out(t) = 0 (WIP before the first
    period zero) as rows over the cells (t, inflow), (t, outflow), (t, wip)."""
    matrix = np.zeros((periods, 3 * periods))
    for t in range(periods):
        matrix[t, 3 * t + 2] = 1
        matrix[t, 3 * t] = -1
        matrix[t, 3 * t + 1] = 1
        if t:
            matrix[t, 3 * (t - 1) + 2] = -1
    return matrix


def determined(matrix: np.ndarray, hidden: list[int]) -> set[int]:
    """The hidden cells a reader can compute exactly from the identities and the visible cells:
    those whose direction is not in the null space of the identities restricted to the hidden
    cells (linear algebra, independent of the code under test)."""
    if not hidden:
        return set()
    restricted = matrix[:, hidden]
    _u, singular, vt = np.linalg.svd(restricted)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:]
    return {cell for k, cell in enumerate(hidden) if null.shape[0] == 0 or np.allclose(null[:, k], 0)}


FLOW_CELLS = ("inflow", "outflow", "wip")


def cell_index(t: int, column: str) -> int:
    return 3 * t + FLOW_CELLS.index(column)


@given(st.integers(min_value=1, max_value=8), st.data())
def test_the_structural_check_finds_exactly_the_cells_linear_algebra_can_solve(periods, data):
    cells = [(t, c) for t in range(periods) for c in FLOW_CELLS]
    hidden = data.draw(st.sets(st.sampled_from(cells), max_size=len(cells)))
    expected = determined(flow_matrix(periods), sorted(cell_index(*c) for c in hidden))
    assert {cell_index(*c) for c in solvable_flow_cells(periods, hidden)} == expected


def random_flow(draw_counts: list[int], periods: int) -> pd.DataFrame:
    """A stage's periods with WIP that follows from the flows (never below zero)."""
    rows, wip = [], 0
    for t in range(periods):
        inflow = draw_counts[2 * t]
        outflow = min(draw_counts[2 * t + 1], wip + inflow)
        wip = wip + inflow - outflow
        rows.append(
            {"stage": "s", "period": f"2025-{t + 1:02d}-01", "inflow": inflow, "outflow": outflow, "wip": wip}
        )
    return pd.DataFrame(rows)


@given(
    st.integers(min_value=1, max_value=10),
    st.lists(st.integers(min_value=0, max_value=30), min_size=20, max_size=20),
    st.integers(min_value=2, max_value=15),
)
def test_after_stage_flow_suppression_no_hidden_cell_can_be_solved(periods, flows, min_cell):
    frame = random_flow(flows, periods)
    out = hide_stage_flow(frame, min_cell)
    hidden = [cell_index(t, c) for t in range(periods) for c in FLOW_CELLS if pd.isna(out.at[t, c])]
    assert determined(flow_matrix(periods), hidden) == set()
    for t in range(periods):
        for c in FLOW_CELLS:
            value = frame.at[t, c]
            if 0 < value < min_cell:
                assert pd.isna(out.at[t, c])  # every small cell stays hidden
            if not pd.isna(out.at[t, c]):
                assert out.at[t, c] == value  # and nothing visible changes
            elif c in str(out.at[t, PROTECTING]).split(","):
                assert not 0 < value < min_cell  # a cover is labelled as one


@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12),
    st.integers(min_value=2, max_value=15),
)
def test_after_period_suppression_the_total_gives_no_hidden_row_back(cases, min_cell):
    periods = [f"2025-{i + 1:02d}-01" for i in range(len(cases))]
    frame = pd.DataFrame({"period": [*periods, "all"], "cases": [*cases, sum(cases)]})
    frame["median_days"] = frame["cases"] * 1.5
    out = hide_period_rows(frame, "cases", ["median_days"], min_cell)
    parts = out.iloc[:-1]
    hidden_parts = [i for i in parts.index if out.at[i, "suppressed"]]
    total_hidden = bool(out.iloc[-1]["suppressed"])
    # The total minus the visible rows is the sum of the hidden ones: it must not be one of them.
    assert total_hidden or len(hidden_parts) != 1
    assert not pd.isna(out.at[len(cases) - 1, "cases"]) or 0 < cases[-1] < min_cell  # latest: no cover


def steering_and_raw(client, monitored, url):
    client.force_login(monitored.coordinator)
    raw = client.get(url).json()
    client.force_login(monitored.steering)
    return client.get(url).json(), raw


def test_what_steering_reads_through_the_api_gives_no_small_cell_back(client, monitored, settings):
    """Delivered events, read as a steering member: for every threshold tried, no hidden
    stage-flow cell can be computed from the WIP identity and no hidden norm row from its
    total; without the cover cells the same data does give some back."""
    slug = monitored.chain.slug
    leaked_without_covers = 0
    for min_cell in (5, 10, 20, 40):
        settings.KETEN_MIN_CELL = min_cell
        shown, raw = steering_and_raw(client, monitored, reverse("api-flow", args=[slug]))
        raw_flow = pd.DataFrame(raw["stage_flow"])
        shown_flow = pd.DataFrame(shown["stage_flow"])
        for stage, rows in raw_flow.groupby("stage"):
            rows = rows.sort_values("period").reset_index(drop=True)
            seen = shown_flow[shown_flow["stage"] == stage].sort_values("period").reset_index(drop=True)
            periods = len(rows)
            # The identity holds on the coordinator's figures, so the check below can bite.
            wip_before = rows["wip"].shift(fill_value=0)
            assert (rows["wip"] == wip_before + rows["inflow"] - rows["outflow"]).all()
            hidden = [cell_index(t, c) for t in range(periods) for c in FLOW_CELLS if pd.isna(seen.at[t, c])]
            assert determined(flow_matrix(periods), hidden) == set()
            small = [
                cell_index(t, c) for t in range(periods) for c in FLOW_CELLS if 0 < rows.at[t, c] < min_cell
            ]
            leaked_without_covers += len(determined(flow_matrix(periods), small))

        shown, raw = steering_and_raw(client, monitored, reverse("api-norms", args=[slug]))
        for agreement, rows in pd.DataFrame(shown["norms"]).groupby("agreement"):
            raw_rows = pd.DataFrame(raw["norms"])
            raw_rows = raw_rows[raw_rows["agreement"] == agreement]
            mature = raw_rows[(raw_rows["period"] != "all") & raw_rows["mature"]]
            assert raw_rows.query("period == 'all'")["cases"].item() == mature["cases"].sum()
            total = rows[rows["period"] == "all"].iloc[0]
            hidden = rows[(rows["period"] != "all") & rows["mature"] & rows["suppressed"]]
            assert total["suppressed"] or len(hidden) != 1
            small = mature[(mature["cases"] > 0) & (mature["cases"] < min_cell)]
            leaked_without_covers += len(small) == 1
    assert leaked_without_covers > 0
