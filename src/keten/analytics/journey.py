"""One case's journey, and the cases behind a figure (drill-down).

`case_journey` reads one case: its events in the case order every metric uses
(`keten.analytics.prepare`: time, stage order, delivery position), its handovers with the wait
between leaving one partner and arriving at the next (`flow.handover_edges`), and its verdict
on each of the chain's agreements (`norms.agreement_cases`). The same expressions as the suite,
over the case's events only, so the case page agrees with the chain's figures by construction.
"Now" is the moment the figures are as of: the `as_of` given, else the last event of the whole
store (as the suite reads it), never the case's own last event.

`drill_cases` gives the cases behind one figure, for the case list: late and still open on an
agreement, one variant, one handover from partner to partner.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from keten.analytics import flow, norms
from keten.analytics.engine import materialise, to_arrow
from keten.analytics.model import ChainSpec
from keten.analytics.prepare import SECONDS_PER_DAY, Prepared, make_filters, prepare, seconds_between

#: A case's verdict on an agreement: the four counts of keten.analytics.norms, and
#: "not_started" for a case whose clock never started (it does not count in the norm).
VERDICTS = ("within", "late", "late_open", "open", "not_started")

#: The figures a case list can be narrowed to (`drill_cases`), with their arguments.
DRILLS = {"late_open": ("agreement",), "variant": ("variant",), "handover": ("from_partner", "to_partner")}


@dataclass
class Journey:
    """One case as of `as_of` (UTC). Partners, activities, stages and agreements are codes."""

    case_id: str
    as_of: _dt.datetime | None
    # reached / dropped / open, as in the case list
    status: str
    start: _dt.datetime
    end: _dt.datetime
    duration_days: float
    # seq (0-based position in the case), ts, partner, activity, stage (None outside every stage)
    events: pd.DataFrame
    # seq (of the arriving event), from_partner, to_partner, left, arrived, days, longest
    handovers: pd.DataFrame
    # agreement, started, stopped (None while running), days (measured, or the age so far),
    # max_days, verdict (VERDICTS), in the chain's order of agreements
    norms: pd.DataFrame


def case_journey(events: ibis.Table, chain: ChainSpec, case_id: str, *, as_of: Any = None) -> Journey | None:
    """The journey of `case_id` in `events` (the chain's whole store), or None when it has no
    event before `as_of`."""
    filters = make_filters(chain, as_of=as_of)
    last = None
    if filters.as_of is None:
        last = to_arrow(events.timestamp.max()).as_py()
        if last is None:
            return None
        if last.tzinfo is None:
            last = last.replace(tzinfo=_dt.UTC)
    # One scan of the store for this case (the filter reaches the Parquet reader); every
    # query after this reads the few rows kept in the engine.
    one = materialise(events.filter(events.case_id == case_id))
    p = prepare(one, chain, filters, last_event=last)
    ev = flow.to_frame(p.events.select("seq", "ts", "partner", "activity", "stage").order_by("seq"))
    if ev.empty:
        return None
    case = flow.to_frame(flow.case_durations_expr(p)).iloc[0]
    return Journey(
        case_id=case_id,
        as_of=p.as_of_utc,
        status=str(case["status"]),
        start=case["start"],
        end=case["end"],
        duration_days=float(case["duration_days"]),
        events=ev.astype({"seq": "int64"}),
        handovers=_handovers(p),
        norms=_norms(p, chain),
    )


def _handovers(p: Prepared) -> pd.DataFrame:
    h = flow.handover_edges(p)
    h = h.select("seq", "from_partner", "to_partner", "left", arrived=h.ts, days=h.seconds / SECONDS_PER_DAY)
    frame = flow.to_frame(h.order_by("seq"))
    frame["longest"] = False
    if len(frame):
        frame.loc[frame["days"].idxmax(), "longest"] = True
    return frame


def _norms(p: Prepared, chain: ChainSpec) -> pd.DataFrame:
    columns = ["agreement", "started", "stopped", "days", "max_days", "verdict"]
    if not chain.agreements:
        return pd.DataFrame(columns=columns)
    parts = []
    for agreement in chain.agreements:
        f = norms.agreement_cases(p, agreement)
        verdict = ibis.cases(
            (f.within == 1, "within"), (f.late == 1, "late"), (f.late_open == 1, "late_open"), else_="open"
        )
        # Measured when the clock stopped; the age at "now" while it runs.
        measured = f.seconds.fill_null(seconds_between(p.as_of, f.t_from))
        parts.append(
            f.select(
                agreement=ibis.literal(agreement.code),
                started=f.t_from,
                stopped=f.t_to,
                days=measured / SECONDS_PER_DAY,
                verdict=verdict,
            )
        )
    found = flow.to_frame(ibis.union(*parts)).set_index("agreement")
    rows = []
    for agreement in chain.agreements:
        row = {"agreement": agreement.code, "max_days": float(agreement.max_days)}
        if agreement.code in found.index:
            row.update(found.loc[agreement.code].to_dict())
        else:
            row.update(started=None, stopped=None, days=None, verdict="not_started")
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def drill_cases(p: Prepared, drill: tuple) -> ibis.Table:
    """case_id of the cases behind one figure: `("late_open", agreement)` (late and still
    open on that agreement as of the moment), `("variant", text)` (following that variant,
    written as `flow.variants` writes it), `("handover", from_partner, to_partner)` (handed over from
    the one partner directly to the other at least once). ValueError for anything else."""
    kind, *args = drill
    if kind not in DRILLS or len(args) != len(DRILLS[kind]):
        raise ValueError(f"Drill-down {drill!r}: use one of {sorted(DRILLS)} with its arguments.")
    if kind == "late_open":
        agreement = next((a for a in p.chain.agreements if a.code == args[0]), None)
        if agreement is None:
            raise ValueError(f"Agreement {args[0]!r}: the chain has no such agreement.")
        f = norms.agreement_cases(p, agreement)
        cases = f.filter(f.late_open == 1).select("case")
    elif kind == "variant":
        cases = flow.variant_cases(p, str(args[0]))
    else:
        h = flow._handover_edges(p)
        pair = (h.from_partner == p.partner_code(args[0])) & (h.to_partner == p.partner_code(args[1]))
        cases = h.filter(pair).select("case").distinct()
    return p.with_case_id(cases).select("case_id")
