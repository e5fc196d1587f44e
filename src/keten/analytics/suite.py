"""The whole metric suite in one call, over one materialised preparation of the events.

Used by the monitor pages, the CSV downloads, the REST API, `keten analyse` and the monthly
report (all through `keten.figures.metrics.chain_metrics`), the engine-equality test and the
benchmark, so all of them show, measure and compare the same thing.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import ibis
import pandas as pd

from keten.analytics import flow, kpis, norms, routes
from keten.analytics.engine import to_arrow
from keten.analytics.model import ChainSpec
from keten.analytics.prepare import make_filters, prepare

#: Frames in a suite result, in the order they are computed.
FRAMES: tuple[str, ...] = (
    "duration_summary",
    "throughput",
    "stage_times",
    "chain_stage_times",
    "handovers",
    "handovers_by_period",
    "dfg_activity",
    "dfg_partner",
    "variants",
    "routes",
    "rework",
    "dropout",
    "dropout_points",
    "stage_flow",
    "norm_compliance",
    "cases_per_partner",
    "partner_periods",
)


def cases_per_partner(p: flow.Prepared) -> pd.DataFrame:
    """partner, cases (distinct cases with an event of the partner), events."""
    ev = p.ev
    if p.materialised:
        out = ev.group_by("partner").agg(events=ev.count()).join(flow.partner_cases(p), "partner")
        out = out.select("partner", "cases", "events")
    else:
        out = ev.group_by("partner").agg(cases=ev.case.nunique(), events=ev.count())
    return flow.to_frame(p.decode(out, partner="partner"), ["partner"])


def partner_periods(p: flow.Prepared) -> pd.DataFrame:
    """period, partner, events: what each partner delivered per period (by event time)."""
    ev = p.ev
    out = ev.group_by("partner", period=p.period(ev.ts)).agg(events=ev.count())
    return flow.to_frame(p.decode(out, partner="partner"), ["period", "partner"])


def extent(p: flow.Prepared) -> dict[str, Any]:
    """first_event, last_event (UTC), events, cases, partners (codes delivering events)."""
    ev = p.ev
    summary = ev.agg(
        first_event=ev.ts.min(), last_event=ev.ts.max(), events=ev.count(), cases=ev.case.nunique()
    )
    row = to_arrow(summary).to_pylist()[0]
    codes = to_arrow(ev.select("partner").distinct())["partner"].to_pylist()
    partners = sorted(str(p.partners.get(code)) for code in codes)
    for key in ("first_event", "last_event"):
        if row[key] is not None and row[key].tzinfo is None:
            row[key] = row[key].replace(tzinfo=_dt.UTC)
    return {**row, "events": int(row["events"] or 0), "cases": int(row["cases"] or 0), "partners": partners}


def pm4py_metrics(events: ibis.Table, chain: ChainSpec, **filters: Any) -> dict[str, pd.DataFrame]:
    """The three metrics PM4Py's discover_dfg, discover_performance_dfg and
    get_all_case_durations compute: `dfg_activity` (counts and durations per edge, without
    the distinct cases per edge that PM4Py does not count) and `case_durations`. For
    comparing like with like (benchmarks/analytics.py)."""
    p = prepare(events, chain, make_filters(chain, **filters))
    return {
        "dfg_activity": flow.dfg(p, chain, level="activity", with_cases=False),
        "case_durations": flow.case_durations(p, chain),
    }


def run_suite(
    events: ibis.Table,
    chain: ChainSpec,
    *,
    with_case_durations: bool = False,
    materialise: bool = True,
    **filters: Any,
) -> dict[str, Any]:
    """Every metric for `chain` over `events`: the frames in FRAMES, `kpis` (list of
    KpiResult), `chain_level_share`, `variant_count`, `extent` and, when asked,
    `case_durations` (one row per case)."""
    p = prepare(events, chain, make_filters(chain, **filters))
    if materialise:
        p.cache()
    out: dict[str, Any] = {
        "duration_summary": flow.duration_summary(p, chain),
        "throughput": flow.throughput(p, chain),
        "stage_times": flow.stage_times(p, chain),
        "chain_stage_times": flow.chain_stage_times(p, chain),
        "handovers": flow.handovers(p, chain),
        "handovers_by_period": flow.handovers_by_period(p, chain),
        "dfg_activity": flow.dfg(p, chain, level="activity"),
        "dfg_partner": flow.dfg(p, chain, level="partner"),
        "variants": flow.variants(p, chain),
        "variant_count": flow.variant_count(p, chain),
        "routes": routes.routes(p, chain),
        "rework": flow.rework(p, chain),
        "dropout": flow.dropout(p, chain),
        "dropout_points": flow.dropout_points(p, chain),
        "stage_flow": flow.stage_flow(p, chain),
        "norm_compliance": norms.norm_compliance(p, chain),
        "cases_per_partner": cases_per_partner(p),
        "partner_periods": partner_periods(p),
        "extent": extent(p),
    }
    out["kpis"] = kpis.evaluate_kpis(p, chain)
    out["chain_level_share"] = kpis.chain_level_share(out["kpis"])
    if with_case_durations:
        out["case_durations"] = flow.case_durations(p, chain)
    return out
