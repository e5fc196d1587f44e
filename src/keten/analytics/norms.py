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
target_share` (NULL without cases). A period is `mature` once `max_days` have passed since
its end (`Prepared.period_mature`): only then is every case in it decided. An immature
period keeps its counts and share but gets no `meets` (the quick cases decide first, so its
share reads better than it will be); `oldest_open_days` is the age at `as_of` of its oldest
open case. The "all" row sums the mature periods only: it is the figure a status may use.
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd
from ibis import _

from keten.analytics.flow import _all_last, as_prepared, to_frame
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
    "oldest_open_days",
    "mature",
    "days_kind",
]
COUNTS = ("within", "late", "late_open", "open")


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


def _pairs_table(p: Prepared, pairs: list[tuple[str, str]]) -> ibis.Table:
    """Every pair of `pairs` in one table with one row per case (a group-by, a join on the
    case number and a second group-by; no join on time ranges): case, `from_<i>` (first
    event of the i-th distinct from-activity, NULL when the case has none) and `to_<j>`
    (first to-activity of the j-th pair at or after its from-activity, or NULL)."""
    froms = sorted({f for f, _t in pairs})
    codes = {a: p.activity_code(a) for pair in pairs for a in pair}
    ev = p.ev
    relevant = ev.filter(ev.activity.isin(sorted(set(codes.values()))))
    firsts = relevant.group_by("case").agg(
        **{f"from_{i}": relevant.ts.min(where=relevant.activity == codes[f]) for i, f in enumerate(froms)}
    )
    stops = ev.filter(ev.activity.isin(sorted({codes[t] for _f, t in pairs})))
    stops = stops.select("case", "activity", "ts").join(firsts, "case")
    to_first = stops.group_by("case").agg(
        **{
            f"to_{j}": stops.ts.min(
                where=(stops.activity == codes[t]) & (stops.ts >= stops[f"from_{froms.index(f)}"])
            )
            for j, (f, t) in enumerate(pairs)
        }
    )
    return firsts.left_join(to_first, "case").drop("case_right")


def _all_pairs(p: Prepared) -> ibis.Table:
    """`_pairs_table` of every pair in `chain_pairs` (one query for all agreements and KPIs)."""
    return _pairs_table(p, chain_pairs(p.chain))


def activity_pairs(p: Prepared, from_activity: str, to_activity: str) -> ibis.Table:
    """Per case with `from_activity`: case (number), t_from (first one), t_to (first
    `to_activity` at or after t_from, or NULL), seconds (t_to - t_from or NULL)."""
    pair = (from_activity, to_activity)
    pairs = chain_pairs(p.chain)
    if pair in pairs:
        # Computed once per preparation for all of the chain's pairs.
        table = p.shared("activity_pairs", _all_pairs)
    else:
        table, pairs = _pairs_table(p, [pair]), [pair]
    t_from = table[f"from_{sorted({f for f, _t in pairs}).index(from_activity)}"]
    t_to = table[f"to_{pairs.index(pair)}"]
    out = table.filter(t_from.notnull()).select("case", t_from=t_from, t_to=t_to)
    return out.mutate(seconds=seconds_between(out.t_to, out.t_from))


def agreement_cases(p: Prepared, agreement: AgreementSpec) -> ibis.Table:
    """Per case whose clock started (`activity_pairs`): case, t_from, t_to, seconds, period,
    and its verdict as 0/1 columns within, late, late_open, open (see the module's reading),
    open_age (seconds, for open cases). For an agreement in working days, `seconds` and the
    ages are the time on working days (`Prepared.with_working_seconds`)."""
    pairs = activity_pairs(p, agreement.from_activity, agreement.to_activity)
    limit = float(agreement.max_days) * SECONDS_PER_DAY
    if agreement.counts_working_days:
        pairs = pairs.mutate(_as_of=p.as_of)
        pairs = p.with_working_seconds(pairs.drop("seconds"), "t_to", "t_from", "seconds")
        pairs = p.with_working_seconds(pairs, "_as_of", "t_from", "_age").drop("_as_of")
        age = pairs._age
    else:
        age = seconds_between(p.as_of, pairs.t_from)
    done = pairs.t_to.notnull()
    return pairs.mutate(
        period=p.period(pairs.t_from),
        within=(done & (pairs.seconds <= limit)).cast("int64"),
        late=(done & (pairs.seconds > limit)).cast("int64"),
        late_open=(~done & (age > limit)).cast("int64"),
        open=(~done & (age <= limit)).cast("int64"),
        open_age=ibis.ifelse(~done & (age <= limit), age, ibis.null("float64")),
    ).drop(*(["_age"] if agreement.counts_working_days else []))


def _period_mature(p: Prepared, agreement: AgreementSpec, period: str) -> bool:
    """The period's cases have all had the agreement's days (working days when it counts them)."""
    if agreement.counts_working_days:
        return p.period_mature_working(period, float(agreement.max_days))
    return p.period_mature(period, float(agreement.max_days))


def norm_compliance(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Per agreement and period, plus an "all" row per agreement: agreement, period, cases,
    within, late, late_open, open, share, target_share, meets, oldest_open_days, mature,
    days_kind (`calendar` or `working`: what the agreement's days, and `oldest_open_days`,
    count)."""
    p = as_prepared(events, chain, filters)
    frames = []
    if chain.agreements:
        # All agreements in one query (a union of small aggregates over the shared pairs
        # table), not one round trip per agreement.
        parts = []
        for agreement in chain.agreements:
            f = agreement_cases(p, agreement)
            aggs = {k: f[k].sum() for k in COUNTS}
            code = ibis.literal(agreement.code)
            per = f.group_by("period").agg(**aggs, oldest_open_s=f.open_age.max())
            parts.append(per.mutate(period=_.period.cast("string"), agreement=code))
        df = to_frame(ibis.union(*parts))
        for col in COUNTS:
            df[col] = df[col].fillna(0).astype("int64")
        df["oldest_open_days"] = (df.pop("oldest_open_s") / SECONDS_PER_DAY).astype(float)
        by_code = {a.code: a for a in chain.agreements}
        pairs = zip(df["agreement"], df["period"], strict=True)
        mature = [_period_mature(p, by_code[code], str(period)) for code, period in pairs]
        df["mature"] = pd.Series(mature, index=df.index, dtype=bool)
        # Drop periods where nothing started (they only appear when every count is NULL).
        df = df[df[list(COUNTS)].sum(axis=1) > 0]
        totals = df[df["mature"]].groupby("agreement")[list(COUNTS)].sum()
        totals = totals.reindex([a.code for a in chain.agreements], fill_value=0).reset_index()
        totals = totals.assign(period="all", oldest_open_days=float("nan"), mature=True)
        df = pd.concat([df, totals], ignore_index=True)
        targets = {a.code: float(a.target_share) for a in chain.agreements}
        df["target_share"] = df["agreement"].map(targets).astype(float)
        df["days_kind"] = df["agreement"].map({a.code: a.days_kind for a in chain.agreements})
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=NORM_COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    for col in COUNTS:
        df[col] = df[col].fillna(0).astype("int64")
    df["mature"] = df["mature"].astype(bool)
    df["cases"] = df["within"] + df["late"] + df["late_open"]
    df["share"] = (df["within"] / df["cases"].where(df["cases"] > 0)).astype(float)
    df["meets"] = [
        None if pd.isna(s) or not m else bool(s >= t)
        for s, t, m in zip(df["share"], df["target_share"], df["mature"], strict=True)
    ]
    order = {a.code: i for i, a in enumerate(chain.agreements)}
    df = df.assign(_a=df["agreement"].map(order))
    df = _all_last(df, by=["_a"]).drop(columns="_a")
    return df[NORM_COLUMNS].reset_index(drop=True)
