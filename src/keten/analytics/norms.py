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


def activity_pairs(p: Prepared, from_activity: str, to_activity: str) -> ibis.Table:
    """Per case with `from_activity`: case_id, t_from (first one), t_to (first `to_activity`
    at or after t_from, or NULL), seconds (t_to - t_from or NULL)."""
    ev = p.events
    starts = ev.filter(ev.activity == from_activity).group_by("case_id").agg(t_from=_.ts.min())
    stops = ev.filter(ev.activity == to_activity).select(stop_case="case_id", t_stop="ts")
    joined = starts.left_join(stops, [starts.case_id == stops.stop_case, stops.t_stop >= starts.t_from])
    pairs = joined.group_by("case_id", "t_from").agg(t_to=joined.t_stop.min())
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
    for agreement in chain.agreements:
        f = _agreement_frame(p, agreement)
        aggs = {k: f[k].sum() for k in ("within", "late", "late_open", "open")}
        per = f.group_by("period").agg(**aggs).mutate(period=_.period.cast("string"))
        total = f.agg(**aggs).mutate(period=ibis.literal("all")).select(*per.columns)
        df = to_frame(per.union(total))
        df.insert(0, "agreement", agreement.code)
        df["target_share"] = float(agreement.target_share)
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
