"""Filters and the ordered, enriched events every metric starts from.

Reading of the filters (the same for every metric):

- `start` / `end`: keep the cases whose FIRST event falls in [start, end). Dates and naive
  datetimes are read as wall-clock time in the chain's time zone; aware datetimes as given.
  Cohort reading: a case belongs to the period in which it entered the chain.
- `partner`: keep the cases in which that partner has at least one event (the whole case
  stays, so an analyst sees the chain around their own work).
- `attribute`: `(key, value)`: keep the cases with at least one event whose JSON
  `attributes` has `key` equal to `value` (compared as text).
- `grain`: `day`, `week` (ISO, Monday) or `month`; periods are calendar periods in the
  chain's time zone and are reported as the ISO date of their first day.
- `as_of`: the moment "now" for open cases (dropout, late norms, WIP). Default: the last
  event timestamp in the (unfiltered) store, so results are reproducible.

Events are ordered within a case by timestamp, ties broken by `event_id`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.datatypes as dt
from ibis import _

from keten.analytics.engine import (
    backend_name,
    json_value,
    local_time,
    materialise,
    microseconds_between,
    to_arrow,
)
from keten.analytics.model import ChainSpec

GRAINS: dict[str, str] = {"day": "D", "week": "W", "month": "M"}
SECONDS_PER_DAY = 86400.0

DateLike = _dt.date | _dt.datetime | str | None


@dataclass(frozen=True)
class Filters:
    grain: str = "month"
    start: _dt.datetime | None = None  # UTC
    end: _dt.datetime | None = None  # UTC
    partner: str | None = None
    attribute: tuple[str, str] | None = None
    as_of: _dt.datetime | None = None  # UTC; None: last event in the store

    def key(self) -> dict[str, Any]:
        """The filters as plain values, for cache keys."""
        return {
            "grain": self.grain,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "partner": self.partner,
            "attribute": list(self.attribute) if self.attribute else None,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


def to_utc(value: DateLike, zone: str) -> _dt.datetime | None:
    """A date, datetime or ISO string as an aware UTC datetime (naive values read in `zone`)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = (
                _dt.datetime.fromisoformat(value)
                if "T" in value or " " in value
                else _dt.date.fromisoformat(value)
            )
        except ValueError as exc:
            raise ValueError(f"Date {value!r}: use YYYY-MM-DD or an ISO date and time.") from exc
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime.combine(value, _dt.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(_dt.UTC)


def make_filters(
    chain: ChainSpec,
    *,
    grain: str = "month",
    start: DateLike = None,
    end: DateLike = None,
    partner: str | None = None,
    attribute: tuple[str, str] | None = None,
    as_of: DateLike = None,
) -> Filters:
    """Validate and normalise the common filter arguments."""
    if grain not in GRAINS:
        raise ValueError(f"Grain {grain!r}: use day, week or month.")
    if attribute is not None:
        if not (isinstance(attribute, tuple | list) and len(attribute) == 2):
            raise ValueError("Attribute filter: give a (key, value) pair.")
        attribute = (str(attribute[0]), str(attribute[1]))
    return Filters(
        grain=grain,
        start=to_utc(start, chain.timezone),
        end=to_utc(end, chain.timezone),
        partner=partner or None,
        attribute=attribute,
        as_of=to_utc(as_of, chain.timezone),
    )


@dataclass
class Prepared:
    """Filtered events with their order and neighbours, and one row per case."""

    chain: ChainSpec
    filters: Filters
    backend: str
    # case_id, partner, activity, ts, seq, prev_partner, prev_activity, prev_ts, next_ts,
    # case_end, stage, stage_order, prev_stage_order, furthest_before, stage_end, period
    # (event_id only orders ties; it is not kept)
    events: ibis.Table
    # case_id, start, end, events, duration_s, goal_at, reached, dropped, open, period
    cases: ibis.Table
    as_of: ibis.Value
    # The same moment as a Python datetime (UTC).
    as_of_utc: _dt.datetime | None = None
    # Derived tables computed once and shared by several metrics (see `shared`).
    _shared: dict[str, ibis.Table] = field(default_factory=dict)
    materialised: bool = False
    # Result frames computed once and reused (e.g. stage flow for WIP KPIs).
    frames: dict[str, Any] = field(default_factory=dict)

    def shared(self, name: str, build: Any) -> ibis.Table:
        """`build(self)` once per preparation (materialised when the preparation is)."""
        if name not in self._shared:
            table = build(self)
            self._shared[name] = materialise(table) if self.materialised else table
        return self._shared[name]

    @property
    def grain(self) -> str:
        return self.filters.grain

    def period(self, ts: ibis.Value) -> ibis.Value:
        """The period (first day, as a date) of a UTC timestamp in the chain's time zone."""
        return period_of(self.backend, ts, self.chain.timezone, self.filters.grain)

    def period_end(self, period: str) -> _dt.date:
        """The first day after the period (ISO date of its first day)."""
        first = _dt.date.fromisoformat(period)
        if self.grain == "day":
            return first + _dt.timedelta(days=1)
        if self.grain == "week":
            return first + _dt.timedelta(days=7)
        return _dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)

    def period_complete(self, period: str) -> bool:
        """True when the period (ISO date of its first day) has ended by `as_of`."""
        if self.as_of_utc is None:
            return True
        return self.as_of_utc.astimezone(ZoneInfo(self.chain.timezone)).date() >= self.period_end(period)

    def period_mature(self, period: str, days: float) -> bool:
        """True when every moment in the period is at least `days` old at `as_of`: the end
        of the period (midnight in the chain's time zone) plus `days` x 24 h <= `as_of`."""
        if self.as_of_utc is None:
            return True
        end = _dt.datetime.combine(self.period_end(period), _dt.time(), ZoneInfo(self.chain.timezone))
        return end + _dt.timedelta(seconds=float(days) * SECONDS_PER_DAY) <= self.as_of_utc

    def ts_literal(self, value: _dt.datetime) -> ibis.Value:
        return ts_literal(self.backend, value)

    def cache(self) -> Prepared:
        """Materialise events and cases once, for running many metrics over them."""
        self.events = materialise(self.events)
        # From the materialised events, so the window query is not run a second time.
        self.cases = materialise(case_rows(self.events, self.chain, self.filters, self.backend, self.as_of))
        self.materialised = True
        return self


def period_of(backend: str, ts: ibis.Value, zone: str, grain: str) -> ibis.Value:
    return local_time(backend, ts, zone).truncate(GRAINS[grain]).cast("date")


def ts_literal(backend: str, value: _dt.datetime) -> ibis.Value:
    """A UTC instant as a literal comparable with the event timestamps on `backend`."""
    value = value.astimezone(_dt.UTC)
    if backend == "pyspark":
        # Spark timestamps are naive, in the session's zone (UTC).
        return ibis.literal(value.replace(tzinfo=None), type=dt.timestamp)
    return ibis.literal(value, type=dt.Timestamp(timezone="UTC"))


def seconds_between(later: ibis.Value, earlier: ibis.Value) -> ibis.Value:
    """`later - earlier` in seconds, exact to the microsecond, as float64."""
    return microseconds_between(later, earlier).cast("float64") / 1_000_000


def prepare(events: ibis.Table | Prepared, chain: ChainSpec, filters: Filters | None = None) -> Prepared:
    """Apply the filters and add order, neighbours, stage and period to the events."""
    if isinstance(events, Prepared):
        return events
    filters = filters or Filters()
    backend = backend_name(events)
    zone = chain.timezone

    if filters.as_of is not None:
        as_of = ts_literal(backend, filters.as_of)
        as_of_utc = filters.as_of
    else:
        last = to_arrow(events.timestamp.max()).as_py()
        if last is None:
            last = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
        elif last.tzinfo is None:
            last = last.replace(tzinfo=_dt.UTC)
        as_of = ts_literal(backend, last)
        as_of_utc = last

    ev = events.select("event_id", "case_id", "partner", "activity", ts=_.timestamp, attributes=_.attributes)

    cases = ev.group_by("case_id").agg(start=_.ts.min())
    if filters.start is not None:
        cases = cases.filter(cases.start >= ts_literal(backend, filters.start))
    if filters.end is not None:
        cases = cases.filter(cases.start < ts_literal(backend, filters.end))
    selected = cases.select("case_id")
    if filters.partner is not None:
        with_partner = ev.filter(ev.partner == filters.partner).select("case_id").distinct()
        selected = selected.semi_join(with_partner, "case_id")
    if filters.attribute is not None:
        key, value = filters.attribute
        with_attr = ev.filter(json_value(backend, ev.attributes, key) == value).select("case_id").distinct()
        selected = selected.semi_join(with_attr, "case_id")
    if filters.start is not None or filters.end is not None or filters.partner or filters.attribute:
        ev = ev.semi_join(selected, "case_id")

    # ONE window specification (one sort): every per-event neighbour column the metrics need
    # is computed here, so the metrics themselves are plain filters and group-bys. Frames
    # with the same partition and order share DuckDB's sort.
    key = ["ts", "event_id"]
    order = ibis.window(group_by="case_id", order_by=key)
    before = ibis.window(group_by="case_id", order_by=key, rows=(None, -1))
    whole_case = ibis.window(group_by="case_id", order_by=key, rows=(None, None))
    stage_map = chain.activity_stage
    stage = (
        ev.activity.substitute(stage_map, else_=ibis.null(dt.string)) if stage_map else ibis.null(dt.string)
    )
    order_of_activity = {a: chain.stage_order[s] for a, s in stage_map.items()}
    stage_order = (
        ev.activity.substitute(order_of_activity, else_=ibis.null(dt.int64)).cast("int64")
        if stage_map
        else ibis.null(dt.int64)
    )
    ev = ev.mutate(stage=stage, stage_order=stage_order)
    ev = ev.select(
        "case_id",
        "partner",
        "activity",
        "ts",
        seq=ibis.row_number().over(order),
        prev_partner=_.partner.lag().over(order),
        prev_activity=_.activity.lag().over(order),
        prev_ts=_.ts.lag().over(order),
        # NULL for the case's last event.
        next_ts=_.ts.lead().over(order),
        case_end=_.ts.max().over(whole_case),
        stage="stage",
        stage_order="stage_order",
        # Stage (its position) of the event before (NULL when it has none) and the furthest
        # chain stage of all events before: stage visits and re-entries follow from these.
        prev_stage_order=_.stage_order.lag().over(order),
        furthest_before=_.stage_order.max().over(before),
        # Last event with a chain stage (its visit ends there).
        stage_end=ibis.ifelse(_.stage.notnull(), _.ts, ibis.null(_.ts.type())).max().over(whole_case),
        period=period_of(backend, _.ts, zone, filters.grain),
    )

    return Prepared(
        chain=chain,
        filters=filters,
        backend=backend,
        events=ev,
        cases=case_rows(ev, chain, filters, backend, as_of),
        as_of=as_of,
        as_of_utc=as_of_utc,
    )


def case_rows(
    ev: ibis.Table, chain: ChainSpec, filters: Filters, backend: str, as_of: ibis.Value
) -> ibis.Table:
    """One row per case of the prepared events `ev`: case_id, start, end, events, goal_at,
    duration_s, reached, dropped, open, period."""
    goals = list(chain.goal_activities)
    goal_at = ev.ts.min(where=ev.activity.isin(goals)) if goals else ibis.null(ev.ts.type())
    per_case = ev.group_by("case_id").agg(
        start=ev.ts.min(), end=ev.ts.max(), events=ev.count(), goal_at=goal_at
    )
    horizon_s = float(chain.horizon_days) * SECONDS_PER_DAY
    reached = per_case.goal_at.notnull() & (seconds_between(per_case.goal_at, per_case.start) <= horizon_s)
    per_case = per_case.mutate(
        duration_s=seconds_between(per_case.end, per_case.start),
        reached=reached.fill_null(False),
    )
    per_case = per_case.mutate(
        dropped=~per_case.reached & (seconds_between(as_of, per_case.start) > horizon_s),
    ).mutate(
        open=~_.reached & ~_.dropped,
        period=period_of(backend, _.start, chain.timezone, filters.grain),
    )
    return per_case
