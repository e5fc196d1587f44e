"""The figures behind one month's report: the chain as it stood at the end of that month.

The report for October reads the analytics suite as of 1 November (chain time zone): the
same `keten.figures.metrics.chain_metrics` result (and cache entry) that the overview, the
CSV downloads, the API and `keten analyse` give with `as_of` at the end of October. So the
report for a month reads the same whether it is made on 1 November or a year later (only a
delivery that arrives late can change it, and the data-extent paragraph says when that
happened), and it never contradicts the monitor.

What the report adds here is not a metric: the list of deliveries, for the data-extent
paragraph.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from keten.analytics.kpis import KpiResult
from keten.events.query import stored_batches
from keten.events.store import batch_path, first_event_time
from keten.figures import metrics
from keten.periods import Month

# A delivery counts as late when it arrives more than this many days after the end of the
# month of its earliest event (the usual agreement: deliver by the 5th of the next month).
DELIVERY_GRACE_DAYS = 5
# How many months the trend charts and tables look back.
TREND_MONTHS = 12


@dataclass
class Delivery:
    """One active batch as the data-extent paragraph needs it."""

    batch_id: str
    partner: str  # partner code, '' for a chain-wide delivery
    delivered_at: dt.datetime
    first_event: dt.datetime | None
    rows: int
    late: bool


@dataclass
class MonthFigures:
    """Every figure of the month's report, before suppression and formatting: the suite's
    result as of the month's end (`metrics`), read through the names the report uses."""

    month: Month
    metrics: metrics.ChainMetrics
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def store_version(self) -> str:
        return self.metrics.store_version

    @property
    def suite(self) -> dict[str, pd.DataFrame]:
        m = self.metrics
        return {
            "stage_times": m.stage_times,
            "chain_stage_times": m.chain_stage_times,
            "stage_flow": m.stage_flow,
            "norm_compliance": m.norm_compliance,
            "cases_per_partner": m.cases_per_partner,
            "routes": m.routes,
        }

    @property
    def kpis(self) -> list[KpiResult]:
        return self.metrics.kpis

    @property
    def handovers_by_month(self) -> pd.DataFrame:
        """Handovers of this month and the month before, by month of arrival."""
        h = self.metrics.handovers_by_period
        return h[h["period"].isin([self.month.previous.period, self.month.period])].reset_index(drop=True)

    @property
    def throughput(self) -> pd.DataFrame:
        """Throughput time by month the goal was reached, the last TREND_MONTHS months."""
        t = self.metrics.throughput
        first = self.month.shift(1 - TREND_MONTHS).period
        return t[(t["period"] != "all") & (t["period"] >= first)].reset_index(drop=True)

    @property
    def partners_in_month(self) -> list[str]:
        """Partners with events dated in the month itself."""
        pp = self.metrics.partner_periods
        return sorted(str(x) for x in pp.loc[pp["period"] == self.month.period, "partner"].unique())

    @property
    def first_event(self) -> dt.datetime | None:
        return self.metrics.first_event

    @property
    def last_event(self) -> dt.datetime | None:
        return self.metrics.last_event

    @property
    def events(self) -> int:
        return self.metrics.events

    @property
    def cases(self) -> int:
        return self.metrics.cases

    @property
    def partners_delivering(self) -> list[str]:
        return self.metrics.partners_delivering

    @property
    def is_empty(self) -> bool:
        return self.metrics.is_empty


def month_figures(chain: Any, month: Month) -> MonthFigures:
    """The figures for `chain` (a keten.chains Chain) at the end of `month`."""
    spec = chain.to_spec()
    result = metrics.chain_metrics(chain, grain="month", as_of=month.end_utc(spec.timezone))
    return MonthFigures(month=month, metrics=result, deliveries=deliveries(chain, month, spec.timezone))


def deliveries(chain: Any, month: Month, zone: str) -> list[Delivery]:
    """The chain's active batches with events up to the month's end, each marked late or not."""
    end = month.end_utc(zone)
    out = []
    for batch in stored_batches(chain):  # one row per delivery, not per event
        first = first_event_time(batch_path(chain.slug, batch.batch_id))
        if first is None or first >= end:
            continue
        first_local = first.astimezone(ZoneInfo(zone))
        due = dt.datetime.combine(
            Month(first_local.year, first_local.month).next.first, dt.time(), ZoneInfo(zone)
        ) + dt.timedelta(days=DELIVERY_GRACE_DAYS)
        out.append(
            Delivery(
                batch_id=batch.batch_id,
                partner=batch.partner.code if batch.partner_id else "",
                delivered_at=batch.created_at,
                first_event=first,
                rows=int(batch.rows_stored),
                late=batch.created_at > due,
            )
        )
    return out
