"""The figures behind one month's report: the chain as it stood at the end of that month.

The report for October is computed over the events dated before 1 November (chain time zone)
with "now" (`as_of`) set to that moment, so the report for a month reads the same whether it
is made on 1 November or a year later — only a delivery that arrives late can change it, and
the data-extent paragraph says when that happened.

One preparation of the events serves the analytics metrics the report shows (from
`keten.analytics.flow`, `norms`, `kpis` and `suite`) and the two month-by-month figures the
suite does not give: handover times by month of arrival and
throughput time by month of completion. Results are cached like `chain_metrics`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow.parquet as pq

from keten.analytics import flow, kpis, norms, suite
from keten.analytics.cache import digest
from keten.analytics.engine import backend_name
from keten.analytics.kpis import KpiResult
from keten.analytics.prepare import SECONDS_PER_DAY, make_filters, prepare, ts_literal
from keten.monitor import metrics

# A delivery counts as late when it arrives more than this many days after the end of the
# month of its earliest event (the usual agreement: deliver by the 5th of the next month).
DELIVERY_GRACE_DAYS = 5
# How many months the trend charts and tables look back.
TREND_MONTHS = 12


@dataclass(frozen=True)
class Month:
    """A calendar month in the chain's time zone."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-10' -> Month(2026, 10); a clear ValueError otherwise."""
        try:
            first = dt.date.fromisoformat(f"{text.strip()}-01")
        except ValueError:
            raise ValueError(f"Month {text!r}: use YYYY-MM, for example 2026-10.") from None
        return cls(first.year, first.month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def period(self) -> str:
        """The period key analytics uses: the ISO date of the first day."""
        return self.first.isoformat()

    def end_utc(self, zone: str) -> dt.datetime:
        """The first moment after the month, in UTC."""
        return dt.datetime.combine(self.next.first, dt.time(), ZoneInfo(zone)).astimezone(dt.UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


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
    """Every figure of the month's report, before suppression and formatting."""

    month: Month
    store_version: str
    suite: dict[str, Any]
    kpis: list[KpiResult]
    # from_partner, to_partner, period, cases, transitions, median_days, p80_days
    handovers_by_month: pd.DataFrame
    # period, cases (reached the goal in the month), median_days, p20_days, p80_days
    throughput: pd.DataFrame
    # Extent of the events up to the month's end.
    first_event: dt.datetime | None
    last_event: dt.datetime | None
    events: int
    cases: int
    partners_delivering: list[str]
    # Partners with events dated in the month itself.
    partners_in_month: list[str]
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.events == 0


def month_figures(chain: Any, month: Month, *, use_cache: bool = True) -> MonthFigures:
    """The figures for `chain` (a keten.chains Chain) at the end of `month`."""
    spec = chain.to_spec()
    version = metrics.store_version(chain)
    params = {"kind": "report_month", "month": str(month), "spec": digest(spec), "format": 2}

    def compute() -> MonthFigures:
        return _compute(chain, spec, month, version)

    if not use_cache:
        return compute()
    return metrics.result_cache().get_or_compute(chain.slug, version, params, compute)


def _compute(chain: Any, spec: Any, month: Month, version: str) -> MonthFigures:
    end = month.end_utc(spec.timezone)
    events = metrics.load_events(chain)
    events = events.filter(events.timestamp < ts_literal(backend_name(events), end))
    p = prepare(events, spec, make_filters(spec, grain="month", as_of=end)).cache()
    # Only the metrics the report shows (the suite's variants, rework and DFGs would double
    # the time on a large chain for nothing).
    result = {
        "stage_times": flow.stage_times(p, spec),
        "stage_flow": flow.stage_flow(p, spec),
        "norm_compliance": norms.norm_compliance(p, spec),
        "cases_per_partner": suite.cases_per_partner(p),
    }
    kpi_results = kpis.evaluate_kpis(p, spec)
    ext = suite.extent(p)
    in_month = p.events.filter(p.events.period == month.first).select("partner").distinct()
    partners_in_month = sorted(str(x) for x in in_month.to_pyarrow()["partner"].to_pylist())
    return MonthFigures(
        month=month,
        store_version=version,
        suite=result,
        kpis=kpi_results,
        handovers_by_month=_handovers_by_month(p, month),
        throughput=_throughput(p, month),
        first_event=ext["first_event"],
        last_event=ext["last_event"],
        events=ext["events"],
        cases=ext["cases"],
        partners_delivering=ext["partners"],
        partners_in_month=partners_in_month,
        deliveries=deliveries(chain, month, spec.timezone),
    )


def _first_periods(month: Month, count: int) -> list[dt.date]:
    out = [month]
    while len(out) < count:
        out.append(out[-1].previous)
    return [m.first for m in reversed(out)]


def _handovers_by_month(p: Any, month: Month) -> pd.DataFrame:
    """Handover times of this month and the month before, by month of arrival."""
    h = flow.handover_edges(p)
    h = h.mutate(period=p.period(h.ts))
    h = h.filter(h.period.isin([month.previous.first, month.first]))
    days = h.seconds / SECONDS_PER_DAY
    out = h.group_by("period", "from_partner", "to_partner").agg(
        cases=h.case_id.nunique(),
        transitions=h.count(),
        median_days=days.median(),
        p80_days=days.quantile(0.8),
    )
    return flow.to_frame(out, ["period", "from_partner", "to_partner"])


def _throughput(p: Any, month: Month) -> pd.DataFrame:
    """End-to-end days of the cases that reached the goal, by month of reaching it (12 months)."""
    c = p.cases.filter(p.cases.reached)
    c = c.mutate(period=p.period(c.goal_at))
    c = c.filter(c.period.isin(_first_periods(month, TREND_MONTHS)))
    from keten.analytics.prepare import seconds_between

    days = seconds_between(c.goal_at, c.start) / SECONDS_PER_DAY
    out = c.group_by("period").agg(
        cases=c.count(),
        median_days=days.median(),
        p20_days=days.quantile(0.2),
        p80_days=days.quantile(0.8),
    )
    return flow.to_frame(out, ["period"])


def deliveries(chain: Any, month: Month, zone: str) -> list[Delivery]:
    """The chain's active batches with events up to the month's end, each marked late or not."""
    try:
        from keten.events.models import IngestBatch
        from keten.events.store import batch_path
    except ImportError:  # the ingest app is not there yet
        return []
    end = month.end_utc(zone)
    batches = IngestBatch.objects.filter(
        chain__slug=chain.slug, status=IngestBatch.Status.ACTIVE, rows_stored__gt=0
    ).select_related("partner")
    out = []
    for batch in batches.order_by("created_at", "id"):  # one row per delivery, not per event
        first = _first_timestamp(batch_path(chain.slug, batch.batch_id))
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


def _first_timestamp(path: Any) -> dt.datetime | None:
    """The earliest event time in a batch file, from the Parquet statistics when present."""
    try:
        parquet = pq.ParquetFile(path)
    except (FileNotFoundError, OSError):
        return None
    index = parquet.schema_arrow.get_field_index("timestamp")
    values = []
    for i in range(parquet.metadata.num_row_groups):
        stats = parquet.metadata.row_group(i).column(index).statistics
        if stats is None or not stats.has_min_max:
            values = None
            break
        values.append(stats.min)
    if values is None:
        column = parquet.read(columns=["timestamp"])["timestamp"]
        values = [pd.Timestamp(column.to_pandas().min()).to_pydatetime()] if len(column) else []
    values = [v for v in values if v is not None]
    if not values:
        return None
    first = min(pd.Timestamp(v) for v in values)
    if first.tzinfo is None:
        first = first.tz_localize("UTC")
    return first.to_pydatetime()
