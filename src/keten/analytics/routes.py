"""Goal realisation by route: cohorts of cases by the partners they passed through, in order.

A case's route is the sequence of its partner blocks (`flow.stage_blocks`: a partner's
consecutive events are one block), written "politie > om > rechtspraak". Per route: how many
cases took it, how many reached the chain's goal within the horizon, how fast, how many
dropped out and how many are still open, beside the chain as a whole. Every case has exactly
one route, so the routes' cases add up to the selection's cases.
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from keten.analytics.flow import VARIANT_SEPARATOR, as_prepared, stage_blocks, to_frame
from keten.analytics.model import ChainSpec
from keten.analytics.prepare import SECONDS_PER_DAY, Prepared, seconds_between

#: Most frequent route first, ties by its text.
ROUTE_ORDER = (ibis.desc("cases"), ibis.asc("route"))
ROUTE_COLUMNS = (
    "route",
    "steps",
    "cases",
    "share",
    "reached",
    "reached_share",
    "median_days_to_goal",
    "dropped",
    "dropout_share",
    "open",
)
#: The row for the whole selection, after the routes.
ALL_ROUTES = "all"


def case_routes(p: Prepared) -> ibis.Table:
    """Per case (number): route (partner codes joined by " > ") and steps (partner blocks)."""
    blocks = p.decode(stage_blocks(p), partner="partner")
    step = ibis.struct({"block": blocks.block, "partner": blocks.partner})
    per_case = blocks.group_by("case").agg(steps=step.collect())
    # Ordered aggregation is not available on every engine: collect, then sort the array.
    ordered = per_case.steps.sort()
    return per_case.select(
        "case",
        route=ordered.map(lambda s: s.partner).join(VARIANT_SEPARATOR),
        steps=per_case.steps.length(),
    )


def _cohort_figures(table: ibis.Table) -> dict[str, ibis.Value]:
    # NULL for the cases that did not reach the goal: a median ignores them. (Spark refuses a
    # median with a `where`.)
    to_goal = ibis.ifelse(
        table.reached, seconds_between(table.goal_at, table.start) / SECONDS_PER_DAY, ibis.null("float64")
    )
    return {
        "cases": table.count(),
        "reached": table.reached.sum(),
        "median_days_to_goal": to_goal.median(),
        "dropped": table.dropped.sum(),
        "open": table.open.sum(),
    }


def routes(
    events: ibis.Table | Prepared, chain: ChainSpec, *, limit: int | None = 100, **filters: Any
) -> pd.DataFrame:
    """The routes, most frequent first (at most `limit`; None: all), then the `ALL_ROUTES` row
    for the whole selection: route, steps, cases, share (of all cases), reached,
    reached_share, median_days_to_goal (of the cases that reached it), dropped,
    dropout_share, open."""
    p = as_prepared(events, chain, filters)
    cohorts = p.cases.join(case_routes(p), "case")
    per_route = cohorts.group_by("route", "steps").agg(**_cohort_figures(cohorts)).order_by(ROUTE_ORDER)
    if limit is not None:
        per_route = per_route.limit(limit)
    whole = p.cases.agg(**_cohort_figures(p.cases))
    df = to_frame(per_route)
    total = to_frame(whole).assign(route=ALL_ROUTES, steps=pd.NA)
    df = pd.concat([df, total[df.columns]], ignore_index=True) if len(df) else total
    for column in ("cases", "reached", "dropped", "open"):
        df[column] = pd.to_numeric(df[column]).fillna(0).astype("int64")
    all_cases = int(df["cases"].iloc[-1])
    df["share"] = df["cases"] / all_cases if all_cases else float("nan")
    df["reached_share"] = (df["reached"] / df["cases"]).where(df["cases"] > 0)
    df["dropout_share"] = (df["dropped"] / df["cases"]).where(df["cases"] > 0)
    return df[list(ROUTE_COLUMNS)]
