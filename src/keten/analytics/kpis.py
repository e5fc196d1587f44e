"""KPI evaluation for every KPI kind (see docs/kpi-kinds.md for the full reading).

Per kind, the value per period:

- `lead_time` (from_activity, to_activity, statistic median|mean|p80|p90): days from the
  first `from_activity` to the first `to_activity` after it, over the cases that COMPLETED
  in the period (reading by start cohort would make recent periods look fast);
- `share_reached` (from_activity, to_activity, within_days): of the cases that STARTED in the
  period (cohort), the share that reached `to_activity` within `within_days`; cases still
  inside the window are not decided yet and left out;
- `durability` (from_activity, confirm_activity, after_days): of the cases whose
  `from_activity` lies in the period (cohort) and is at least `after_days` old at `as_of`,
  the share with a `confirm_activity` after it;
- for both cohort kinds a period is MATURE once its end plus `within_days` / `after_days`
  lies at or before `as_of`, so every case in it is decided. A younger cohort stays in the
  trend marked immature (its value counts only the cases decided so far: three early
  successes would read as 100 %) and never gives the headline or the status;
- `volume` (activity): number of cases with that activity in the period;
- `wip` (stage): number of cases in the stage at the end of the period.

A KPI with `partners` counts only those partners' events for `volume`; for the other kinds
the partner list only marks it as partner-only production (not chain-level goal realisation).

The KPI's value is the value of the latest MATURE period with data (cases > 0; for `volume`
and `wip` any period); for the kinds counted when something happens (`lead_time`,
`volume`, `wip`) a period is mature once it is over. Without a mature period the KPI has
no value and no status yet.

Status against the target, with `AT_RISK_MARGIN` = 10 %:

- direction "higher": on_target if value >= target; at_risk if value >= target * 0.9;
  otherwise off_target;
- direction "lower": on_target if value <= target; at_risk if value <= target * 1.1;
  otherwise off_target;
- no_data when no period has data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd
from ibis import _

from keten.analytics.flow import as_prepared, stage_flow, to_frame
from keten.analytics.model import KPI_PARAMETERS, ChainSpec, KpiSpec
from keten.analytics.norms import activity_pairs
from keten.analytics.prepare import SECONDS_PER_DAY, Prepared, seconds_between

AT_RISK_MARGIN = 0.10
STATUSES = ("on_target", "at_risk", "off_target", "no_data")
UNITS = {
    "lead_time": "days",
    "share_reached": "share",
    "durability": "share",
    "volume": "cases",
    "wip": "cases",
}
STATISTICS = ("median", "mean", "p80", "p90")
#: Cohort kinds and the parameter that says how long a cohort must be over before it is
#: measurable (see `kpi_series`).
COHORT_WINDOW = {"share_reached": "within_days", "durability": "after_days"}


@dataclass(frozen=True)
class KpiResult:
    code: str
    name: str
    kind: str
    objective: str
    is_chain_level: bool
    direction: str
    target: float
    unit: str
    value: float | None
    status: str
    # (period, value, cases, mature) for every period with data, oldest first.
    trend: list[tuple[str, float | None, int, bool]] = field(default_factory=list)
    # Cases behind `value`.
    cases: int = 0
    # Value of the period before, and the value minus the mean of up to three periods before.
    previous: float | None = None
    change: float | None = None
    period: str | None = None
    error: str = ""


def status_of(value: float | None, target: float, direction: str) -> str:
    """on_target / at_risk / off_target / no_data for `value` against `target`."""
    if value is None or pd.isna(value):
        return "no_data"
    if direction == "higher":
        if value >= target:
            return "on_target"
        return "at_risk" if value >= target * (1 - AT_RISK_MARGIN) else "off_target"
    if value <= target:
        return "on_target"
    return "at_risk" if value <= target * (1 + AT_RISK_MARGIN) else "off_target"


def check_parameters(kpi: KpiSpec) -> str:
    """An error message when the KPI's parameters do not fit its kind, else ''."""
    spec = KPI_PARAMETERS.get(kpi.kind)
    if spec is None:
        return f"KPI {kpi.code}: unknown kind {kpi.kind!r}."
    missing = [k for k in spec["required"] if k not in kpi.parameters]
    if missing:
        return f"KPI {kpi.code}: parameter(s) {', '.join(missing)} missing for kind {kpi.kind}."
    if kpi.kind == "lead_time" and kpi.parameters.get("statistic", "median") not in STATISTICS:
        return f"KPI {kpi.code}: statistic must be one of {', '.join(STATISTICS)}."
    return ""


def kpi_series(p: Prepared, kpi: KpiSpec) -> pd.DataFrame:
    """Per period: period, value, cases, mature (periods without data left out, except
    volume/wip)."""
    params = kpi.parameters
    if kpi.kind == "lead_time":
        pairs = activity_pairs(p, params["from_activity"], params["to_activity"])
        pairs = pairs.filter(pairs.t_to.notnull())
        days = pairs.seconds / SECONDS_PER_DAY
        stat = params.get("statistic", "median")
        agg = {
            "median": days.median(),
            "mean": days.mean(),
            "p80": days.quantile(0.8),
            "p90": days.quantile(0.9),
        }[stat]
        expr = pairs.group_by(period=p.period(pairs.t_to)).agg(value=agg, cases=pairs.count())
    elif kpi.kind == "share_reached":
        pairs = activity_pairs(p, params["from_activity"], params["to_activity"])
        limit = float(params["within_days"]) * SECONDS_PER_DAY
        reached = pairs.t_to.notnull() & (pairs.seconds <= limit)
        decided = reached | (seconds_between(p.as_of, pairs.t_from) > limit)
        pairs = pairs.mutate(reached=reached.cast("int64")).filter(decided)
        expr = pairs.group_by(period=p.period(pairs.t_from)).agg(
            reached=pairs.reached.sum(), cases=pairs.count()
        )
        expr = expr.select("period", value=expr.reached.cast("float64") / expr.cases, cases=expr.cases)
    elif kpi.kind == "durability":
        pairs = activity_pairs(p, params["from_activity"], params["confirm_activity"])
        after = float(params["after_days"]) * SECONDS_PER_DAY
        pairs = pairs.filter(seconds_between(p.as_of, pairs.t_from) >= after)
        pairs = pairs.mutate(durable=pairs.t_to.notnull().cast("int64"))
        expr = pairs.group_by(period=p.period(pairs.t_from)).agg(
            durable=pairs.durable.sum(), cases=pairs.count()
        )
        expr = expr.select("period", value=expr.durable.cast("float64") / expr.cases, cases=expr.cases)
    elif kpi.kind == "volume":
        ev = p.ev.filter(p.ev.activity == p.activity_code(params["activity"]))
        if kpi.partners:
            ev = ev.filter(ev.partner.isin([p.partner_code(code) for code in kpi.partners]))
        expr = (
            ev.group_by(period=p.period(ev.ts))
            .agg(cases=ev.case.nunique())
            .mutate(value=_.cases.cast("float64"))
        )
    elif kpi.kind == "wip":
        flow = stage_flow(p, p.chain)
        flow = flow[flow["stage"] == params["stage"]]
        df = pd.DataFrame(
            {
                "period": flow["period"],
                "value": flow["wip"].astype(float),
                "cases": flow["wip"].astype("int64"),
            }
        ).reset_index(drop=True)
        return df.assign(mature=p.maturity(df["period"]))
    else:  # pragma: no cover - check_parameters rejects unknown kinds first
        raise ValueError(kpi.kind)
    df = to_frame(expr.select("period", "value", "cases"), ["period"])
    df["cases"] = df["cases"].fillna(0).astype("int64")
    if kpi.kind == "volume":
        df = _fill_periods(df, p)
    # A start cohort is only measurable once ALL its cases are old enough: before that it
    # holds only the cases that already succeeded (or only the oldest ones).
    days = float(params[COHORT_WINDOW[kpi.kind]]) if kpi.kind in COHORT_WINDOW else 0.0
    return df.assign(mature=p.maturity(df["period"], days))


def _fill_periods(df: pd.DataFrame, p: Prepared) -> pd.DataFrame:
    """Volume: periods without the activity count as zero, between the first and last event."""
    from keten.analytics.flow import _period_range

    # The period of the first (last) event is the first (last) period.
    bounds = to_frame(
        p.ev.agg(first=p.period(p.ev.ts.min()), last=p.period(p.ev.ts.max())).mutate(period=ibis.literal("x"))
    )
    if bounds.empty or pd.isna(bounds["first"].iloc[0]):
        return df
    first = pd.Timestamp(bounds["first"].iloc[0]).date().isoformat()
    last = pd.Timestamp(bounds["last"].iloc[0]).date().isoformat()
    spine = pd.DataFrame({"period": _period_range([first, last], p.grain)})
    out = spine.merge(df, on="period", how="left")
    out["value"] = out["value"].fillna(0.0)
    out["cases"] = out["cases"].fillna(0).astype("int64")
    return out


def evaluate_kpi(p: Prepared, kpi: KpiSpec, objective: str = "", *, trend_periods: int = 12) -> KpiResult:
    """Value per period, target, status and trend for one KPI."""
    base: dict[str, Any] = {
        "code": kpi.code,
        "name": kpi.name,
        "kind": kpi.kind,
        "objective": objective,
        "is_chain_level": kpi.is_chain_level,
        "direction": kpi.direction,
        "target": float(kpi.target),
        "unit": UNITS.get(kpi.kind, ""),
    }
    error = check_parameters(kpi)
    if error:
        return KpiResult(**base, value=None, status="no_data", error=error)
    series = kpi_series(p, kpi)
    if kpi.kind not in ("volume", "wip"):
        series = series[series["cases"] > 0]
    series = series.tail(trend_periods).reset_index(drop=True)
    trend = [
        (str(r.period), None if pd.isna(r.value) else float(r.value), int(r.cases), bool(r.mature))
        for r in series.itertuples(index=False)
    ]
    mature = [i for i, point in enumerate(trend) if point[3]]
    if not mature:
        return KpiResult(**base, value=None, status="no_data", trend=trend)
    # The headline is the latest mature period (a half month would read as a drop in
    # volume, a young cohort as a success).
    last = mature[-1]
    period, value, cases, _mature = trend[last]
    before = [v for _p, v, _c, m in trend[:last] if v is not None and m]
    previous = before[-1] if before else None
    change = None if value is None or not before else value - sum(before[-3:]) / len(before[-3:])
    return KpiResult(
        **base,
        value=value,
        status=status_of(value, float(kpi.target), kpi.direction),
        trend=trend,
        cases=cases,
        previous=previous,
        change=change,
        period=period,
    )


def evaluate_kpis(
    events: ibis.Table | Prepared, chain: ChainSpec, *, trend_periods: int = 12, **filters: Any
) -> list[KpiResult]:
    """Every KPI of the chain, in objective order."""
    p = as_prepared(events, chain, filters)
    return [
        evaluate_kpi(p, kpi, objective.code, trend_periods=trend_periods)
        for objective in chain.objectives
        for kpi in objective.kpis
    ]


def chain_level_share(results: list[KpiResult]) -> float | None:
    """Share of the KPIs that measure chain-level goal realisation (None without KPIs)."""
    if not results:
        return None
    return sum(r.is_chain_level for r in results) / len(results)
