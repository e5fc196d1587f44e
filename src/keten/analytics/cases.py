"""The case list for drill-down: the (pseudonymised) cases of a selection, computed in the
engine and leaving it a page (or a stream of record batches) at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from keten.analytics.engine import to_arrow, to_arrow_batches
from keten.analytics.flow import as_prepared, case_durations_expr, to_frame
from keten.analytics.model import ChainSpec
from keten.analytics.prepare import (
    UNSTAGED,
    Prepared,
)

#: The order of the case list: newest first (by first event), ties by case id, so every page
#: of a list holds the next cases and no case is on two pages.
CASE_ORDER = (ibis.desc("first_event"), ibis.asc("case_id"))
CASE_COLUMNS = (
    "case_id",
    "first_event",
    "last_event",
    "events",
    "duration_days",
    "current_stage",
    "current_partner",
    "partners",
    "status",
)


@dataclass
class CaseList:
    """The (pseudonymised) cases of a selection, computed in the engine a page at a time.

    Columns (`CASE_COLUMNS`): case_id, first_event, last_event, events, duration_days,
    current_stage (stage of the latest event that has one), current_partner (partner of the
    latest event), partners (codes, comma-separated, sorted), status (reached / dropped /
    open); in `CASE_ORDER`. Only a page (`page`) or a stream of record batches (`batches`)
    ever leaves the engine, never the whole list, so a list of millions of cases costs the
    web process no more memory than a page.
    """

    prepared: Prepared
    # case_id, first_event, last_event, events, duration_days, status: one row per selected case.
    cases: ibis.Table

    def count(self) -> int:
        return int(to_arrow(self.cases.count()).as_py())

    def page(self, offset: int, limit: int) -> pd.DataFrame:
        """`limit` cases from position `offset` (0-based) in `CASE_ORDER`."""
        page = to_arrow(self.cases.order_by(CASE_ORDER).limit(limit, offset=offset))
        ids = page["case_id"].to_pylist()
        if not ids:
            return to_frame(self._with_details(self.cases.limit(0)))
        # The details (latest partner and stage) for these cases only: a scan of the events,
        # not an aggregate of every case.
        details = to_frame(self._details(ids))
        frame = page.to_pandas().merge(details, on="case_id", how="left")
        return frame[list(CASE_COLUMNS)]

    def batches(self, chunk_size: int = 10_000) -> Iterator[Any]:
        """Every case in `CASE_ORDER`, as a stream of Arrow record batches."""
        return to_arrow_batches(self._with_details(self.cases).order_by(CASE_ORDER), chunk_size)

    def _details(self, ids: list[str] | None = None) -> ibis.Table:
        """case_id, current_stage, current_partner, partners (of the cases `ids`, or all)."""
        p = self.prepared
        ev = p.decode(p._source, partner="partner")
        if ids is not None:
            ev = ev.filter(ev.case.isin(ids))
        # The latest event by the case order of keten.analytics.prepare (time, stage, delivery
        # position: unique within a case): a hash aggregate, no sort of the events.
        key = ibis.struct(
            {
                "ts": ev.ts,
                "stage": ev.stage_order.fill_null(UNSTAGED),
                "batch_seq": ev.batch_seq,
                "batch_row": ev.batch_row,
            }
        )
        per_case = ev.group_by(case_id=ev.case).agg(
            current_partner=ev.partner.argmax(key),
            current_stage_order=ev.stage_order.argmax(key, where=ev.stage_order.notnull()),
            partner_list=ev.partner.collect(distinct=True),
        )
        return per_case.select(
            "case_id",
            current_stage=p.stage_name(per_case.current_stage_order),
            current_partner="current_partner",
            partners=per_case.partner_list.sort().join(","),
        )

    def _with_details(self, cases: ibis.Table) -> ibis.Table:
        joined = cases.left_join(self._details(), "case_id").drop("case_id_right")
        return joined.select(*CASE_COLUMNS)


def case_list(
    events: ibis.Table | Prepared,
    chain: ChainSpec,
    *,
    involving: tuple[str, ...] = (),
    status: str | None = None,
    drill: tuple = (),
    **filters: Any,
) -> CaseList:
    """The cases of the selection (see `CaseList`); `involving` keeps the cases in which every
    one of these partners has an event, `status` those with that status, `drill` the cases
    behind one figure (`keten.analytics.journey.drill_cases`)."""
    p = as_prepared(events, chain, filters)
    c = case_durations_expr(p)
    cases = c.select(
        "case_id",
        first_event=c.start,
        last_event=c.end,
        events=c.events,
        duration_days=c.duration_days,
        status=c.status,
    )
    for code in dict.fromkeys(involving):
        source = p.source
        with_partner = source.filter(source.partner == p.partner_code(code)).select(case_id="case")
        cases = cases.semi_join(with_partner, "case_id")
    if status:
        cases = cases.filter(cases.status == status)
    if drill:
        from keten.analytics.journey import drill_cases  # journey builds on this module

        cases = cases.semi_join(drill_cases(p, tuple(drill)), "case_id")
    return CaseList(p, cases)


def case_table(events: ibis.Table | Prepared, chain: ChainSpec, **filters: Any) -> pd.DataFrame:
    """Every row of `case_list` as one frame: for tests and notebooks, not for web requests."""
    cases = case_list(events, chain, **filters)
    return to_frame(cases._with_details(cases.cases).order_by(CASE_ORDER))
