"""Norm compliance: how often the chain keeps the agreements it made.

An agreement says: at least `target_share` of cases go from `from_activity` to `to_activity`
within `max_days`. Per case the clock starts at its FIRST `from_activity` event and stops at
the first `to_activity` event at or after that moment. A case counts in the period (chain
time zone) in which its clock started:

- `within`: stopped within `max_days`;
- `late`: stopped after more than `max_days`;
- `late_open`: not stopped and already more than `max_days` old at `as_of` (counted late);
- `open`: not stopped and still within the norm; left out of the share, it is not decided.

`share = within / cases` with `cases = within + late + late_open`; `meets = share >=
target_share` (NULL without cases).
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd
from ibis import _

from keten.analytics.flow import _all_last, _prepared, to_frame
from keten.analytics.model import AgreementSpec, ChainSpec
from keten.analytics.prepare import SECONDS_PER_DAY, Prepared, seconds_between

NORM_COLUMNS = [
    "agreement",
    "period",
    "cases",
    "within",
    "late",
    "late_open",
    "open",
    "share",
    "target_share",
    "meets",
]


def chain_pairs(chain: ChainSpec) -> list[tuple[str, str]]:
    """Every (from, to) activity pair the chain's agreements and KPIs measure."""
    pairs = [(a.from_activity, a.to_activity) for a in chain.agreements]
    for objective in chain.objectives:
        for kpi in objective.kpis:
            params = kpi.parameters
            to = params.get("confirm_activity") if kpi.kind == "durability" else params.get("to_activity")
            measured = kpi.kind in ("lead_time", "share_reached", "durability")
            if measured and params.get("from_activity") and to:
                pairs.append((str(params["from_activity"]), str(to)))
    return sorted(set(pairs))


def _all_pairs(p: Prepared) -> ibis.Table:
    """`activity_pairs` for every pair in `chain_pairs` in one query (one scan of the events
    instead of one join per agreement and KPI): from_activity, to_activity (codes), case,
    t_from, t_to."""
    pairs = [(p.activity_code(f), p.activity_code(t)) for f, t in chain_pairs(p.chain)]
    ev = p.ev
    starts = (
        ev.filter(ev.activity.isin(sorted({f for f, _t in pairs})))
        .group_by("case", from_activity=ev.activity)
        .agg(t_from=_.ts.min())
    )
    # Fan each start out to the activities it is paired with by unnesting a literal array
    # (an in-memory table would not survive Spark's cached plans).
    targets: dict[int, list[int]] = {}
    for f, t in pairs:
        targets.setdefault(f, []).append(t)
    to_list = ibis.cases(
        *[(starts.from_activity == f, ibis.literal(ts, type="array<int32>")) for f, ts in targets.items()]
    )
    starts = starts.mutate(to_activity=to_list).unnest("to_activity")
    stops = ev.filter(ev.activity.isin(sorted({t for _f, t in pairs}))).select(
        stop_case="case", stop_activity="activity", t_stop="ts"
    )
    joined = starts.left_join(
        stops,
        [
            starts.case == stops.stop_case,
            starts.to_activity == stops.stop_activity,
            stops.t_stop >= starts.t_from,
        ],
    )
    return joined.group_by("from_activity", "to_activity", "case", "t_from").agg(t_to=joined.t_stop.min())


def activity_pairs(p: Prepared, from_activity: str, to_activity: str) -> ibis.Table:
    """Per case with `from_activity`: case (number), t_from (first one), t_to (first
    `to_activity` at or after t_from, or NULL), seconds (t_to - t_from or NULL)."""
    from_code, to_code = p.activity_code(from_activity), p.activity_code(to_activity)
    if (from_activity, to_activity) in chain_pairs(p.chain):
        # Computed once per preparation for all of the chain's pairs.
        shared = p.shared("activity_pairs", _all_pairs)
        pairs = shared.filter((shared.from_activity == from_code) & (shared.to_activity == to_code)).select(
            "case", "t_from", "t_to"
        )
        return pairs.mutate(seconds=seconds_between(pairs.t_to, pairs.t_from))
    ev = p.ev
    starts = ev.filter(ev.activity == from_code).group_by("case").agg(t_from=_.ts.min())
    stops = ev.filter(ev.activity == to_code).select(stop_case="case", t_stop="ts")
    joined = starts.left_join(stops, [starts.case == stops.stop_case, stops.t_stop >= starts.t_from])
    pairs = joined.group_by("case", "t_from").agg(t_to=joined.t_stop.min())
    return pairs.mutate(seconds=seconds_between(pairs.t_to, pairs.t_from))


def _agreement_frame(p: Prepared, agreement: AgreementSpec) -> ibis.Table:
    pairs = activity_pairs(p, agreement.from_activity, agreement.to_activity)
    limit = float(agreement.max_days) * SECONDS_PER_DAY
    done = pairs.t_to.notnull()
    age = seconds_between(p.as_of, pairs.t_from)
    return pairs.mutate(
        period=p.period(pairs.t_from),
        within=(done & (pairs.seconds <= limit)).cast("int64"),
        late=(done & (pairs.seconds > limit)).cast("int64"),
        late_open=(~done & (age > limit)).cast("int64"),
        open=(~done & (age <= limit)).cast("int64"),
    )


def norm_compliance(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Per agreement and period, plus an "all" row per agreement: agreement, period, cases,
    within, late, late_open, open, share, target_share, meets."""
    p = _prepared(events, chain, filters)
    frames = []
    if chain.agreements:
        # All agreements in one query (a union of small aggregates over the shared pairs
        # table), not one round trip per agreement.
        parts = []
        for agreement in chain.agreements:
            f = _agreement_frame(p, agreement)
            aggs = {k: f[k].sum() for k in ("within", "late", "late_open", "open")}
            code = ibis.literal(agreement.code)
            per = f.group_by("period").agg(**aggs).mutate(period=_.period.cast("string"), agreement=code)
            total = f.agg(**aggs).mutate(period=ibis.literal("all"), agreement=code)
            parts += [per, total.select(*per.columns)]
        df = to_frame(ibis.union(*parts))
        targets = {a.code: float(a.target_share) for a in chain.agreements}
        df["target_share"] = df["agreement"].map(targets).astype(float)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=NORM_COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    for col in ("within", "late", "late_open", "open"):
        df[col] = df[col].fillna(0).astype("int64")
    df["cases"] = df["within"] + df["late"] + df["late_open"]
    df["share"] = (df["within"] / df["cases"].where(df["cases"] > 0)).astype(float)
    df["meets"] = [
        None if pd.isna(s) else bool(s >= t) for s, t in zip(df["share"], df["target_share"], strict=True)
    ]
    # Drop periods where nothing started (they only appear when every count is NULL).
    df = df[(df["cases"] + df["open"] > 0) | (df["period"] == "all")]
    order = {a.code: i for i, a in enumerate(chain.agreements)}
    df = df.assign(_a=df["agreement"].map(order))
    df = _all_last(df, by=["_a"]).drop(columns="_a")
    return df[NORM_COLUMNS].reset_index(drop=True)
