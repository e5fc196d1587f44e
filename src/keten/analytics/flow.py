"""Flow metrics: how cases move through the chain.

Every public function takes `(events, chain, *, grain="month", start=None, end=None,
partner=None, attribute=None, as_of=None)` (see `keten.analytics.prepare` for how the
filters read) or an already `Prepared` table as `events`, and returns a pandas DataFrame
with the columns listed in its docstring. Durations are in days (float). `period` is the ISO
date (text) of the first day of the period, in the chain's time zone; a row with period
`"all"` summarises the whole selection where the docstring says so.

Definitions:

- case duration: last event minus first event of the case;
- stage (partner block): a maximal run of consecutive events of one partner in a case; its
  time is its last event minus its first;
- handover: two consecutive events of a case with different partners; its time is the gap.
  Per case, the stage times plus the handover times add up to the case duration;
- directly-follows: two consecutive events of a case (at activity or partner level);
- variant: the case's sequence of activities;
- rework: a case entering a chain stage that comes earlier in the chain than a stage it has
  already been in;
- dropout: a case that has not reached a goal activity within the chain's horizon
  (`horizon_days` after its first event) while the horizon has passed by `as_of`;
  `open` cases still have time left;
- stage flow: a visit to a chain stage starts (inflow) with its first event and ends
  (outflow) when the case's next stage starts, or, for the last visit, at its last event once
  the case is closed (goal reached or dropped out); WIP is the number of visits started and
  not ended at the end of the period.
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd
from ibis import _

from keten.analytics.engine import backend_name, to_arrow
from keten.analytics.model import ChainSpec
from keten.analytics.prepare import (
    SECONDS_PER_DAY,
    Prepared,
    make_filters,
    prepare,
    seconds_between,
)

VARIANT_SEPARATOR = " > "


def variant_in_words(variant: str, names: dict[str, str]) -> str:
    """A variant (activity codes joined by VARIANT_SEPARATOR) as its activities' names, in order."""
    return " → ".join(names.get(step, step) for step in variant.split(VARIANT_SEPARATOR))


#: The order variants are ranked in: most cases first, ties by their text.
VARIANT_ORDER = (ibis.desc("cases"), ibis.asc("variant"))


def as_prepared(events: ibis.Table | Prepared, chain: ChainSpec, filters: dict[str, Any]) -> Prepared:
    if isinstance(events, Prepared):
        return events
    return prepare(events, chain, make_filters(chain, **filters))


_QUANTILES = "_quantiles"
#: The quantile columns of `day_stats`: p20 and p80 bound the band the charts draw.
QUANTILES = {"p20_days": 0.2, "median_days": 0.5, "p80_days": 0.8, "p90_days": 0.9}


def day_stats(seconds: ibis.Value, *, extended: bool = False) -> dict[str, ibis.Value]:
    """Mean, p20, median, p80 and p90 (and with `extended` min, max, sum) of seconds, in
    days. Aggregate with `stats_table`, which unpacks the quantiles on DuckDB."""
    days = seconds / SECONDS_PER_DAY
    stats = {"mean_days": days.mean()}
    if backend_name(seconds) == "duckdb":
        # One aggregate for the quantiles: DuckDB then orders each group's values once
        # instead of once per quantile (exactly the same values; 0.58 -> 0.32 s for the
        # activity DFG at 10M events). Ibis cannot compile this for Spark.
        stats[_QUANTILES] = days.quantile(list(QUANTILES.values()))
    else:
        stats |= {
            "p20_days": days.quantile(0.2),
            "median_days": days.median(),
            "p80_days": days.quantile(0.8),
            "p90_days": days.quantile(0.9),
        }
    if extended:
        stats |= {"min_days": days.min(), "max_days": days.max(), "sum_days": days.sum()}
    return stats


def stats_table(table: ibis.Table) -> ibis.Table:
    """`table` (aggregated with `day_stats`) with the QUANTILES columns."""
    if _QUANTILES not in table.columns:
        return table
    columns: list[ibis.Value] = []
    for name in table.columns:
        if name == _QUANTILES:
            q = table[name]
            columns += [q[i].name(column) for i, column in enumerate(QUANTILES)]
        else:
            columns.append(table[name])
    return table.select(*columns)


def to_frame(expr: ibis.Table, sort: list[str] | None = None) -> pd.DataFrame:
    """Execute `expr`; periods become ISO text, rows sorted by `sort`, a fresh index."""
    if "period" in expr.columns and expr.schema()["period"].is_date():
        # ISO text in the engine (both write dates as YYYY-MM-DD), not per row in Python.
        expr = expr.mutate(period=expr.period.cast("string"))
    # Through Arrow: Ibis' own pandas conversion warns under pandas 3 (future.infer_string).
    df = to_arrow(expr).to_pandas()
    if "period" in df.columns:
        period = df["period"].astype(object)
        df["period"] = period.where(period.notna(), None)
    for col in df.columns:
        if pd.api.types.is_integer_dtype(df[col].dtype) and not isinstance(df[col].dtype, pd.ArrowDtype):
            df[col] = df[col].astype("int64")
    if sort:
        df = df.sort_values(sort, kind="stable")
    return df.reset_index(drop=True)


# --- case durations -------------------------------------------------------------------------


def case_durations(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """One row per case: case_id, start, end (UTC), events, duration_days, period (of the
    first event), status (reached / dropped / open)."""
    p = as_prepared(events, chain, filters)
    # Sorted in the engine: at 10M events pandas' sort of the case ids took 0.6 s, DuckDB's
    # less than 0.1 s (case ids are unique, so the order is the same).
    return to_frame(case_durations_expr(p).order_by(["start", "case_id"]))


def case_durations_expr(p: Prepared) -> ibis.Table:
    c = p.cases
    status = ibis.cases((c.reached, "reached"), (c.dropped, "dropped"), else_="open")
    return c.select(
        "case_id",
        "start",
        "end",
        "events",
        duration_days=c.duration_s / SECONDS_PER_DAY,
        period="period",
        status=status,
    )


def duration_summary(
    events: ibis.Table | Prepared, chain: ChainSpec, *, closed_only: bool = False, **filters: Any
) -> pd.DataFrame:
    """Per period of the first event, plus an "all" row: period, cases, closed, mean_days,
    median_days, p80_days, p90_days (end-to-end case duration). With `closed_only`, only
    cases that reached a goal or dropped out count."""
    p = as_prepared(events, chain, filters)
    c = p.cases
    if closed_only:
        c = c.filter(~c.open)
    aggs = {"cases": c.count(), "closed": (~c.open).sum(), **day_stats(c.duration_s)}
    per = stats_table(c.group_by("period").agg(**aggs)).mutate(period=_.period.cast("string"))
    total = stats_table(c.agg(**aggs)).mutate(period=ibis.literal("all"))
    out = _all_last(to_frame(per.union(total.select(*per.columns))))
    # A start cohort is complete once the horizon has passed: every case in it is closed.
    return out.assign(mature=p.maturity(out["period"], chain.horizon_days))


def throughput(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Throughput time (doorlooptijd): days from a case's first event to the chain goal, for
    the cases that reached it, counted in the period they reached it. Per period, plus an
    "all" row: period, cases (reached the goal in the period), mean_days, p20_days,
    median_days, p80_days, p90_days, open (cases still open at the end of the period; for
    "all", at `as_of`), mature (the period is over).

    Counted when the goal is reached, not by start cohort: a recent start cohort holds only
    its quick cases and would read as fast (right-censoring)."""
    p = as_prepared(events, chain, filters)
    c = p.cases
    done = c.filter(c.reached)
    days = {"cases": done.count(), **day_stats(seconds_between(done.goal_at, done.start))}
    per = stats_table(done.group_by(period=p.period(done.goal_at)).agg(**days))
    per = per.mutate(period=_.period.cast("string"))
    total = stats_table(done.agg(**days)).mutate(period=ibis.literal("all"))
    df = _all_last(to_frame(per.union(total.select(*per.columns))))
    df["cases"] = df["cases"].fillna(0).astype("int64")
    df["open"] = _open_at_period_ends(p, df["period"])
    return df.assign(mature=p.maturity(df["period"]))


def _open_at_period_ends(p: Prepared, periods: pd.Series) -> list[int]:
    """Cases open at the end of each period: started before it and neither at the goal nor
    past the horizon by then. A running count over three small group-bys (cases by period
    of start, of reaching the goal and of dropping out), not a join of cases and periods."""
    c = p.cases
    horizon = ibis.interval(seconds=int(float(p.chain.horizon_days) * SECONDS_PER_DAY))
    reached, dropped = c.filter(c.reached), c.filter(c.dropped)
    moves = [
        c.group_by(period=p.period(c.start)).agg(n=c.count()),
        reached.group_by(period=p.period(reached.goal_at)).agg(n=-reached.count()),
        dropped.group_by(period=p.period(dropped.start + horizon)).agg(n=-dropped.count()),
    ]
    steps = to_frame(ibis.union(*[m.mutate(n=_.n.cast("int64")) for m in moves]))
    steps = steps.groupby("period")["n"].sum()
    index = sorted(set(steps.index) | {period for period in periods if period != "all"})
    running = steps.reindex(index, fill_value=0).cumsum()
    open_now = int(steps.sum())
    return [open_now if period == "all" else int(running[period]) for period in periods]


def _all_last(df: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Sort rows by (`by`, period) with the "all" rows last."""
    df = df.assign(_all=df["period"] == "all")
    return (
        df.sort_values([*(by or []), "_all", "period"], kind="stable")
        .drop(columns="_all")
        .reset_index(drop=True)
    )


# --- stages (partner blocks) and handovers --------------------------------------------------


def stage_blocks(p: Prepared) -> ibis.Table:
    """Partner blocks: case (number), block (0-based), partner (code), start, end, seconds."""
    ev = p.ev
    # A block starts where the partner changes; it ends just before the next block starts
    # (that event's prev_ts), the last one at the case's end. Only the block starts are
    # ordered again, not every event.
    starts = ev.filter(ev.prev_partner.isnull() | (ev.prev_partner != ev.partner))
    w = ibis.window(group_by="case", order_by="seq")
    blocks = starts.select(
        "case",
        block=ibis.row_number().over(w),
        partner="partner",
        start="ts",
        end=starts.prev_ts.lead().over(w).fill_null(starts.case_end),
    )
    return blocks.mutate(seconds=seconds_between(blocks.end, blocks.start))


def stage_times(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Time per stage (contiguous block of one partner's events): partner, blocks, cases,
    mean_days, median_days, p80_days, p90_days, total_days."""
    p = as_prepared(events, chain, filters)
    b = stage_blocks(p)
    stats = {**day_stats(b.seconds), "total_days": b.seconds.sum() / SECONDS_PER_DAY}
    if p.materialised:
        # A case has a block of a partner exactly when it has an event of that partner.
        out = stats_table(b.group_by("partner").agg(blocks=b.count(), **stats))
        out = _join_cases(out, partner_cases(p), ["partner"], ["partner", "blocks", "cases"])
    else:
        out = stats_table(b.group_by("partner").agg(blocks=b.count(), cases=b.case.nunique(), **stats))
    return to_frame(p.decode(out, partner="partner"), ["partner"])


def _join_cases(stats: ibis.Table, cases: ibis.Table, keys: list[str], leading: list[str]) -> ibis.Table:
    """`stats` with the `cases` column of `cases` (joined on `keys`): the `leading` columns
    in that order, then the other columns of `stats`."""
    joined = stats.join(cases, keys)
    return joined.select(*leading, *[c for c in stats.columns if c not in leading])


def partner_cases(p: Prepared) -> ibis.Table:
    """partner (code), cases (with an event of the partner), from one case per trace
    weighted by its cases (see `_edge_cases`); for a materialised preparation."""
    ev = p.shared("trace_events", _trace_events)
    involved = ev.select("case", "weight", "partner").distinct()
    return involved.group_by("partner").agg(cases=involved.weight.sum())


def handover_edges(p: Prepared) -> ibis.Table:
    """Every handover: case_id, from_partner, to_partner, left (the last event at the
    partner handing over), ts (arrival: the first event at the next), seconds (the wait),
    seq (the arriving event's position in its case)."""
    h = p.with_case_id(_handover_edges(p))
    h = p.decode(h, from_partner="partner", to_partner="partner")
    return h.select("case_id", "from_partner", "to_partner", "left", "ts", "seconds", "seq")


def _handover_edges(p: Prepared) -> ibis.Table:
    """`handover_edges` with case numbers and partner codes."""
    ev = p.ev
    h = ev.filter(ev.prev_partner.notnull() & (ev.prev_partner != ev.partner))
    return h.select(
        "case",
        "seq",
        from_partner=h.prev_partner,
        to_partner=h.partner,
        left=h.prev_ts,
        ts=h.ts,
        seconds=seconds_between(h.ts, h.prev_ts),
    )


def handovers(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Handover time per partner pair: from_partner, to_partner, cases, transitions,
    mean_days, p20_days, median_days, p80_days, p90_days, median_working_days (the median of
    the time on working days, `keten.analytics.workdays`)."""
    p = as_prepared(events, chain, filters)
    h = p.with_working_seconds(_handover_edges(p), "ts", "left", "working_seconds")
    working = {"median_working_days": (h.working_seconds / SECONDS_PER_DAY).median()}
    if p.materialised:
        # A handover is a partner-level directly-follows edge between two partners.
        cases = _edge_cases(p, "partner").rename(from_partner="source", to_partner="target")
        out = stats_table(
            h.group_by("from_partner", "to_partner").agg(
                transitions=h.count(), **day_stats(h.seconds), **working
            )
        )
        keys = ["from_partner", "to_partner"]
        out = _join_cases(out, cases, keys, [*keys, "cases", "transitions"])
    else:
        out = stats_table(
            h.group_by("from_partner", "to_partner").agg(
                cases=h.case.nunique(), transitions=h.count(), **day_stats(h.seconds), **working
            )
        )
    out = p.decode(out, from_partner="partner", to_partner="partner")
    return to_frame(out, ["from_partner", "to_partner"])


def handovers_by_period(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Handover time per partner pair and period of arrival at the receiving partner:
    period, from_partner, to_partner, cases, transitions, mean_days, p20_days, median_days,
    p80_days, p90_days, mature (the period is over)."""
    p = as_prepared(events, chain, filters)
    h = _handover_edges(p)
    h = h.mutate(period=p.period(h.ts))
    out = stats_table(
        h.group_by("period", "from_partner", "to_partner").agg(
            cases=h.case.nunique(), transitions=h.count(), **day_stats(h.seconds)
        )
    )
    out = p.decode(out, from_partner="partner", to_partner="partner")
    df = to_frame(out, ["period", "from_partner", "to_partner"])
    return df.assign(mature=p.maturity(df["period"]))


def chain_stage_times(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Time per chain stage: stage, visits, cases, mean_days, p20_days, median_days,
    p80_days, p90_days. A visit lasts from its first event until the case's next stage
    starts, or, for its last visit, until its last event in the stage (see `stage_visits`).
    Stages in chain order; a stage no case visited is left out."""
    p = as_prepared(events, chain, filters)
    v = stage_visits(p)
    seconds = seconds_between(v.next_start.fill_null(v.end), v.start)
    out = stats_table(
        v.group_by("stage_order").agg(visits=v.count(), cases=v.case.nunique(), **day_stats(seconds))
    )
    df = to_frame(out.mutate(stage=p.stage_name(out.stage_order)), ["stage_order"])
    columns = ["stage", "visits", "cases", "mean_days", *QUANTILES]
    return df[columns].reset_index(drop=True)


# --- directly-follows graph and variants ----------------------------------------------------


def dfg(
    events: ibis.Table | Prepared,
    chain: ChainSpec,
    *,
    level: str = "activity",
    with_cases: bool = True,
    **filters: Any,
) -> pd.DataFrame:
    """Directly-follows graph at `level` "activity" or "partner": source, target, frequency,
    cases, mean_days, median_days, p80_days, p90_days, min_days, max_days, sum_days.
    Self-loops (a -> a) are kept, as PM4Py does. Without `with_cases` there is no `cases`
    column: counting the distinct cases per edge is a second aggregation over every edge
    (a third of the query on its own), which a caller that needs only frequencies and
    durations, as PM4Py computes them, is spared."""
    if level not in ("activity", "partner"):
        raise ValueError(f"DFG level {level!r}: use activity or partner.")
    p = as_prepared(events, chain, filters)
    ev = p.ev
    prev = ev.prev_activity if level == "activity" else ev.prev_partner
    cur = ev.activity if level == "activity" else ev.partner
    e = ev.filter(ev.seq > 0).select(
        "case", source=prev, target=cur, seconds=seconds_between(ev.ts, ev.prev_ts)
    )
    cases = {}
    if with_cases and not p.materialised:
        cases = {"cases": e.case.nunique()}
    out = stats_table(
        e.group_by("source", "target").agg(
            frequency=e.count(), **cases, **day_stats(e.seconds, extended=True)
        )
    )
    if with_cases and p.materialised:
        # Cases per edge from one case per trace (`_edge_cases`) instead of a distinct
        # count over every event.
        keys = ["source", "target"]
        out = _join_cases(out, _edge_cases(p, level), keys, [*keys, "frequency", "cases"])
    return to_frame(p.decode(out, source=level, target=level), ["source", "target"])


def _edge_cases(p: Prepared, level: str) -> ibis.Table:
    """source, target, cases (number of cases with that directly-follows edge at `level`).

    Cases with the same trace (sequence of activity and partner) have the same edges, so
    the distinct edges of ONE case per trace, weighted by the trace's number of cases, give
    the count: a distinct count over a few thousand cases instead of every event."""
    ev = p.shared("trace_events", _trace_events)
    ev = ev.filter(ev.seq > 0)
    prev = ev.prev_activity if level == "activity" else ev.prev_partner
    cur = ev.activity if level == "activity" else ev.partner
    edges = ev.select("case", "weight", source=prev, target=cur).distinct()
    return edges.group_by("source", "target").agg(cases=edges.weight.sum())


def _trace_events(p: Prepared) -> ibis.Table:
    """The events of one case per trace (the lowest case number), weight: the trace's cases."""
    cv = case_variants(p)
    reps = cv.group_by(sequence_keys(cv, "trace")).agg(weight=cv.count(), case=cv.case.min())
    return p.ev.join(reps.select("case", "weight"), "case")


def case_variants(p: Prepared) -> ibis.Table:
    """Per case (computed once per preparation): case (number), length, and keys that are
    equal exactly when two cases have the same variant (`variant_*` columns: sequence of
    activities) or the same trace (`trace_*` columns: sequence of activity and partner).
    Group by the keys and `length`."""
    return p.shared("case_variants", _case_variants)


def sequence_keys(cv: ibis.Table, kind: str) -> list[str]:
    """The columns of `case_variants` that identify a case's `kind` ("variant" or "trace")."""
    return [c for c in cv.columns if c.startswith(f"{kind}_")] + ["length"]


#: Most integer columns a sequence may be packed into (see `_case_variants`); longer cases
#: are collected into arrays instead.
MAX_KEY_COLUMNS = 12


def _case_variants(p: Prepared) -> ibis.Table:
    ev = p.ev
    partners = max(len(p.partners), 1)
    activity = ev.activity.cast("int64")
    trace = activity * partners + ev.partner
    longest = int(to_arrow(p.cases.events.max()).as_py() or 0)
    packed_activity = _packed(ev.seq, activity, len(p.activities), longest, "variant_")
    packed_trace = _packed(ev.seq, trace, len(p.activities) * partners, longest, "trace_")
    if packed_activity is not None and packed_trace is not None:
        # Sums need no order and no arrays: about three times cheaper than collecting.
        return ev.group_by("case").agg(length=ev.count(), **packed_activity, **packed_trace)
    # Ordered aggregation is not available on every engine: collect (seq, activity, trace)
    # and sort the array instead.
    step = ibis.struct({"seq": ev.seq, "activity": activity, "trace": trace})
    per_case = ev.group_by("case").agg(steps=step.collect())
    steps = per_case.steps.sort()
    return per_case.select(
        "case",
        length=per_case.steps.length(),
        variant_0=steps.map(lambda s: s.activity),
        trace_0=steps.map(lambda s: s.trace),
    )


def _packed(
    position: ibis.Value, code: ibis.Value, codes: int, longest: int, prefix: str
) -> dict[str, ibis.Value] | None:
    """A sequence of integer `code`s (0 <= code < `codes`) at 0-based `position`s packed
    exactly into int64 sums: column j holds positions j*m .. j*m+m-1, digit code+1 in the
    `bits` bits at place position - j*m (digits are never 0, so together with the length the
    columns identify the sequence). Shifts, not powers looked up per position: half the
    cost. None when more than MAX_KEY_COLUMNS columns would be needed."""
    if codes < 1:
        return None
    bits = codes.bit_length()  # enough for the digits 1 .. codes
    per_column = 62 // bits
    columns = max(1, -(-longest // per_column))
    if columns > MAX_KEY_COLUMNS:
        return None
    digit = (code + 1).cast("int64")
    packed = {}
    for j in range(columns):
        first = j * per_column
        mine = (position >= first) & (position < first + per_column)
        # `position % per_column`, not `position - first`: engines shift every row before
        # the filter, and a shift must stay within 64 bits even where its row is not summed.
        place = (position % per_column) * bits
        packed[f"{prefix}{j}"] = (digit << place).sum(where=mine).fill_null(0)
    return packed


def variants(
    events: ibis.Table | Prepared, chain: ChainSpec, *, limit: int | None = 100, **filters: Any
) -> pd.DataFrame:
    """Variants, most frequent first: rank (1-based), variant, length, cases, share (of all
    cases in the selection), median_days, mean_days. At most `limit` rows (None: all)."""
    p = as_prepared(events, chain, filters)
    total = p.cases.count()
    out = _variant_table(p)
    out = out.select(
        "variant",
        "length",
        "cases",
        share=out.cases / total.as_scalar(),
        median_days="median_days",
        mean_days="mean_days",
    )
    out = out.order_by(VARIANT_ORDER)
    if limit is not None:
        out = out.limit(limit)
    df = to_frame(out)
    df.insert(0, "rank", range(1, len(df) + 1))
    return df[["rank", "variant", "length", "cases", "share", "median_days", "mean_days"]]


def _variant_table(p: Prepared) -> ibis.Table:
    """One row per variant: its `sequence_keys`, cases, median_days, mean_days, rep (one of
    its cases) and variant (the activities as text); `VARIANT_ORDER` ranks them."""
    cv = case_variants(p)
    v = cv.join(p.cases.select("case", "duration_s"), "case")
    out = v.group_by(sequence_keys(cv, "variant")).agg(
        cases=v.count(),
        median_days=(v.duration_s / SECONDS_PER_DAY).median(),
        mean_days=(v.duration_s / SECONDS_PER_DAY).mean(),
        rep=v.case.min(),
    )
    # The text of one case per variant.
    ev = p.decode(p.ev.join(out.select(case="rep"), "case"), activity="activity")
    text = ev.group_by("case").agg(steps=ibis.struct({"seq": ev.seq, "activity": ev.activity}).collect())
    text = text.select(
        rep="case", variant=text.steps.sort().map(lambda s: s.activity).join(VARIANT_SEPARATOR)
    )
    return out.join(text, "rep")


def variant_cases(p: Prepared, variant: str) -> ibis.Table:
    """case (number or case_id, as in `p.ev`) of every case that follows `variant` (its text,
    as `variants` writes it); no rows for a variant no case follows."""
    cv = case_variants(p)
    keys = sequence_keys(cv, "variant")
    table = _variant_table(p)
    return cv.semi_join(table.filter(table.variant == variant).select(*keys), keys).select("case")


def variant_count(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> int:
    """Number of distinct variants in the selection."""
    p = as_prepared(events, chain, filters)
    cv = case_variants(p)
    return int(to_arrow(cv.select(*sequence_keys(cv, "variant")).distinct().count()).as_py() or 0)


# --- chain stages: rework, stage flow -------------------------------------------------------


def stage_visits(p: Prepared) -> ibis.Table:
    """Visits to chain stages (computed once per preparation); see `_stage_visits`."""
    return p.shared("stage_visits", _stage_visits)


def _stage_visits(p: Prepared) -> ibis.Table:
    """Visits to chain stages: case (number), visit (0-based), stage_order (the stage's
    position, which identifies it), start, end, next_start (start of the case's next visit
    or NULL), reentry (bool).

    A visit is a maximal run of a case's events (those with a chain stage) in one stage;
    events without a stage do not break it. It re-enters when its stage lies before the
    furthest stage of the events before it."""
    staged = p.ev.filter(p.ev.stage_order.notnull())
    if p.materialised and not _stage_gaps(p):
        # No event without a stage sits between two with one, so the previous event's
        # stage and time (from the one sort in `prepare`) are those of the previous staged
        # event.
        staged = staged.mutate(prev_staged=staged.prev_stage_order, prev_staged_ts=staged.prev_ts)
    else:
        w = ibis.window(group_by="case", order_by="seq")
        staged = staged.mutate(
            prev_staged=staged.stage_order.lag().over(w), prev_staged_ts=staged.ts.lag().over(w)
        )
    # A stage's position in the chain identifies it.
    starts = staged.filter(staged.prev_staged.isnull() | (staged.prev_staged != staged.stage_order))
    # A visit ends just before the next one starts; the last one at the case's last staged
    # event.
    w = ibis.window(group_by="case", order_by="seq")
    before = ibis.window(group_by="case", order_by="seq", rows=(None, -1))
    return starts.select(
        "case",
        visit=ibis.row_number().over(w),
        stage_order="stage_order",
        start="ts",
        end=starts.prev_staged_ts.lead().over(w).fill_null(starts.stage_end),
        next_start=starts.ts.lead().over(w),
        # The visits before hold every staged event before: the furthest stage among them.
        reentry=(starts.stage_order < starts.stage_order.max().over(before)).fill_null(False),
    )


def _stage_gaps(p: Prepared) -> bool:
    """True when some case has an event without a chain stage between two with one: a case
    with two runs of staged events (a run starts at a staged event whose previous event has
    no stage or that has no previous event)."""
    ev = p.ev
    runs = ev.filter(ev.stage_order.notnull() & ev.prev_stage_order.isnull())
    return bool(to_arrow(runs.count() > runs.case.nunique()).as_py())


def rework(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Re-entry into an earlier stage: stage, cases_visiting, cases_reentering, reentries,
    share (cases_reentering / cases_visiting); a last row stage "all" counts cases with any
    re-entry against all cases in the selection. Stages in chain order."""
    p = as_prepared(events, chain, filters)
    v = stage_visits(p)
    if p.materialised:
        # Visits and re-entries follow from the sequence of activities: count them on one
        # case per trace, weighted by its cases.
        trace_events = p.shared("trace_events", _trace_events)
        v = v.join(trace_events.select("case", "weight").distinct(), "case")
    else:
        v = v.mutate(weight=ibis.literal(1, type="int64"))
    # Per (stage, case) first, then per stage: cheaper than two distinct counts per stage.
    per_case = v.group_by("stage_order", "case", "weight").agg(reentries=v.reentry.cast("int64").sum())
    per = per_case.group_by("stage_order").agg(
        cases_visiting=per_case.weight.sum(),
        cases_reentering=ibis.ifelse(per_case.reentries > 0, per_case.weight, 0).sum(),
        reentries=(per_case.reentries * per_case.weight).sum(),
    )
    df = to_frame(per.mutate(stage=p.stage_name(per.stage_order)).drop("stage_order"))
    order = chain.stage_order
    df = df.assign(_o=df["stage"].map(order)).sort_values("_o").drop(columns="_o")
    total_cases = int(to_arrow(p.cases.count()).as_py())
    reentering = v.filter(v.reentry).select("case", "weight").distinct()
    any_cases = int(to_arrow(reentering.weight.sum()).as_py() or 0)
    all_row = pd.DataFrame(
        [
            {
                "stage": "all",
                "cases_visiting": total_cases,
                "cases_reentering": any_cases,
                "reentries": int(df["reentries"].sum()) if len(df) else 0,
            }
        ]
    )
    df = pd.concat([df, all_row], ignore_index=True)
    df["share"] = (df["cases_reentering"] / df["cases_visiting"].where(df["cases_visiting"] > 0)).astype(
        float
    )
    return df[["stage", "cases_visiting", "cases_reentering", "reentries", "share"]].reset_index(drop=True)


def dropout(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Per period of the first event, plus an "all" row: period, cases, reached, dropped,
    open, dropout_share (dropped / (reached + dropped); NaN when none is closed)."""
    p = as_prepared(events, chain, filters)
    c = p.cases
    aggs = {
        "cases": c.count(),
        "reached": c.reached.cast("int64").sum(),
        "dropped": c.dropped.cast("int64").sum(),
        "open": c.open.cast("int64").sum(),
    }
    per = c.group_by("period").agg(**aggs).mutate(period=_.period.cast("string"))
    total = c.agg(**aggs).mutate(period=ibis.literal("all")).select(*per.columns)
    df = to_frame(per.union(total))
    df = _all_last(df)
    for col in ("cases", "reached", "dropped", "open"):
        df[col] = df[col].fillna(0).astype("int64")
    closed = df["reached"] + df["dropped"]
    df["dropout_share"] = (df["dropped"] / closed.where(closed > 0)).astype(float)
    # Until the horizon has passed, a cohort's open cases may still drop out: its share is
    # not yet the cohort's dropout.
    return df.assign(mature=p.maturity(df["period"], chain.horizon_days))


def dropout_points(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Where dropped-out cases stopped: partner, activity (of their last event), cases."""
    p = as_prepared(events, chain, filters)
    ev = p.ev
    # The case's last event (in event order) is the one without a next one.
    last = ev.filter(ev.next_ts.isnull()).semi_join(p.cases.filter(p.cases.dropped), "case")
    out = last.group_by("partner", "activity").agg(cases=last.count())
    out = p.decode(out, partner="partner", activity="activity")
    return to_frame(out.order_by([ibis.desc("cases"), "partner", "activity"]))


def stage_flow(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Inflow, outflow and WIP per stage and period: period, stage, inflow, outflow, wip
    (visits open at the end of the period). Every period between the first and last event
    appears for every stage, in chain order."""
    p = as_prepared(events, chain, filters)
    if "stage_flow" not in p.frames:
        p.frames["stage_flow"] = _stage_flow(p, chain)
    return p.frames["stage_flow"].copy()


def _stage_flow(p: Prepared, chain: ChainSpec) -> pd.DataFrame:
    v = stage_visits(p).join(p.cases.select("case", closed=~p.cases.open), "case")
    exit_ts = ibis.ifelse(v.next_start.notnull(), v.next_start, ibis.ifelse(v.closed, v.end, ibis.null()))
    v = v.mutate(exit_ts=exit_ts)
    inflow = v.group_by(stage=v.stage_order, period=p.period(v.start)).agg(inflow=v.count())
    outs = v.filter(v.exit_ts.notnull())
    outflow = outs.group_by(stage=outs.stage_order, period=p.period(outs.exit_ts)).agg(outflow=outs.count())
    fin = to_frame(inflow.mutate(stage=p.stage_name(inflow.stage)))
    fout = to_frame(outflow.mutate(stage=p.stage_name(outflow.stage)))
    stages = [s.code for s in chain.stages]
    columns = ["period", "stage", "inflow", "outflow", "wip"]
    if fin.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c not in ("period", "stage") else object) for c in columns}
        )
    periods = _period_range(sorted(set(fin["period"]) | set(fout["period"])), p.grain)
    grid = pd.MultiIndex.from_product([stages, periods], names=["stage", "period"]).to_frame(index=False)
    df = grid.merge(fin, on=["stage", "period"], how="left").merge(fout, on=["stage", "period"], how="left")
    df[["inflow", "outflow"]] = df[["inflow", "outflow"]].fillna(0).astype("int64")
    df["wip"] = (df.groupby("stage")["inflow"].cumsum() - df.groupby("stage")["outflow"].cumsum()).astype(
        "int64"
    )
    return df[columns].reset_index(drop=True)


def _period_range(present: list[str], grain: str) -> list[str]:
    """Every period start from the first to the last present one."""
    first, last = pd.Timestamp(present[0]), pd.Timestamp(present[-1])
    freq = {"day": "D", "week": "W-MON", "month": "MS"}[grain]
    return [d.date().isoformat() for d in pd.date_range(first, last, freq=freq)]
