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
- `as_of`: the moment the figures are "as of": the chain as it stood then. Events dated at
  or after it are left out, and it is "now" for open cases (dropout, late norms, WIP) and
  for the maturity of periods (below). Default: the last event timestamp in the
  (unfiltered) store, so results are reproducible. A month's report is the suite as of the
  end of that month; the monitor, API and CLI take the same moment (`as_of`), so one month
  reads the same on every surface.

A period is MATURE for a figure when every case in it has had the whole window the figure
needs by `as_of` (`Prepared.period_mature`: the norm's days, the cohort window, the dropout
horizon; zero days for figures counted when something happens, which only need the period
to be over). Per-period frames carry a `mature` column; an immature period is shown as "not
yet complete" and never gives a status, a trend or a headline.

Events are ordered within a case by timestamp, then by the chain's stage order (events of
activities outside every stage after the staged ones), then by delivery position (the
batch's number, then the row in the delivery): events of one delivery and one stage at the
same moment keep the file's order, as PM4Py and ProM do.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.datatypes as dt
from ibis import _

from keten.analytics import workdays
from keten.analytics.engine import (
    backend_name,
    json_value,
    local_time,
    materialise,
    microseconds_between,
    to_arrow,
)
from keten.analytics.model import ChainSpec
from keten.periods import next_month

GRAINS: dict[str, str] = {"day": "D", "week": "W", "month": "M"}
# The order key of an activity outside every stage: after every stage.
UNSTAGED = 1 << 30
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
    """Filtered events with their order and neighbours, and one row per case.

    The per-event table `ev` is compact: partner, activity and stage are small integer
    codes, and once materialised (`cache`) the case is a number too (a 10M-event table then
    fits in memory instead of spilling, and sorting and grouping on integers is cheaper than
    on text). Before that the case is its case_id: numbering costs a sort of every case id
    and a join of every event, which pays off only for the many metrics of a materialised
    preparation, not for one metric on its own. Metrics group by the codes and decode their
    (small) results with `decode` (a join with the tiny table of names) and `stage_name`;
    `events` is the same table with names, for callers outside the suite."""

    chain: ChainSpec
    filters: Filters
    backend: str
    # case (number, or case_id before `cache`), partner, activity (codes), ts, seq,
    # prev_partner, prev_activity (codes), prev_ts, next_ts, case_end, stage_order (the
    # stage's position in the chain; NULL without one), prev_stage_order, stage_end
    # (the delivery position only orders ties; not kept)
    ev: ibis.Table
    as_of: ibis.Value
    # Code -> name of every activity and partner in the (unfiltered) events, and the same as
    # tables (code, name) under "activity" and "partner".
    activities: dict[int, str]
    partners: dict[int, str]
    names: dict[str, ibis.Table]
    # case, case_id (the same value before `cache`)
    case_ids: ibis.Table
    # The same moment as a Python datetime (UTC).
    as_of_utc: _dt.datetime | None = None
    # Derived tables computed once and shared by several metrics (see `shared`).
    _shared: dict[str, ibis.Table] = field(default_factory=dict)
    materialised: bool = False
    # Result frames computed once and reused (e.g. stage flow for WIP KPIs).
    frames: dict[str, Any] = field(default_factory=dict)
    # Filtered events with codes, before ordering (what `cache` orders once).
    _source: ibis.Table | None = None
    _events_view: ibis.Table | None = None
    # case, case_id, start, end, events, duration_s, goal_at, reached, dropped, open, period
    cases: ibis.Table = field(init=False)

    def __post_init__(self) -> None:
        # Per-case figures need no order: from the unordered events, so a metric on the
        # cases alone (case durations) does not run the window query.
        self.cases = case_rows(self, self._source)

    def shared(self, name: str, build: Any) -> ibis.Table:
        """`build(self)` once per preparation (materialised when the preparation is)."""
        if name not in self._shared:
            table = build(self)
            self._shared[name] = materialise(table) if self.materialised else table
        return self._shared[name]

    @property
    def source(self) -> ibis.Table:
        """The filtered events as `prepare` read them (before materialising)."""
        if self._source is None:
            raise ValueError("Prepared without a source: build it with prepare().")
        return self._source

    @property
    def events(self) -> ibis.Table:
        """The events with names: case_id, partner, activity, ts, seq, prev_partner,
        prev_activity, prev_ts, next_ts, case_end, stage, stage_order, prev_stage_order,
        stage_end, period. Lazy: for callers outside the suite. The same
        expression on every call (so `p.events.filter(p.events.x == ...)` binds)."""
        if self._events_view is not None:
            return self._events_view
        ev = self.decode(
            self.with_case_id(self.ev),
            partner="partner",
            activity="activity",
            prev_partner="partner",
            prev_activity="activity",
        )
        view = ev.select(
            "case_id",
            "partner",
            "activity",
            ts="ts",
            seq="seq",
            prev_partner="prev_partner",
            prev_activity="prev_activity",
            prev_ts="prev_ts",
            next_ts="next_ts",
            case_end="case_end",
            stage=self.stage_name(ev.stage_order),
            stage_order="stage_order",
            prev_stage_order="prev_stage_order",
            stage_end="stage_end",
            period=self.period(ev.ts),
        )
        self._events_view = view
        return view

    def activity_code(self, name: str) -> int:
        """The code of activity `name` (-1, matching nothing, when no event has it)."""
        return _code_of(self.activities, name)

    def partner_code(self, name: str) -> int:
        return _code_of(self.partners, name)

    def with_case_id(self, table: ibis.Table) -> ibis.Table:
        """`table` (with a `case` column) with the case_id of each case beside it."""
        if self.materialised:
            return table.join(self.case_ids, "case")
        return table.mutate(case_id=table.case)

    def decode(self, table: ibis.Table, **columns: str) -> ibis.Table:
        """`table` with the codes in `columns` (column="activity" or "partner") replaced by
        names: a join with the table of names (a CASE with hundreds of activities, as in
        real logs, takes Ibis longer to compile than the query takes to run)."""
        for column, kind in columns.items():
            names = self.names[kind].view()  # a second join of the same table
            names = names.select(_code=names.code, _name=names.name)
            joined = table.left_join(names, table[column] == names._code)
            table = joined.select(
                *[joined._name.name(c) if c == column else joined[c] for c in table.columns]
            )
        return table

    def stage_name(self, order: ibis.Value) -> ibis.Value:
        """The stage code of a stage position."""
        return _decode(order, {i: code for code, i in self.chain.stage_order.items()})

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
        return next_month(first)

    def period_mature(self, period: str, days: float) -> bool:
        """True when every moment in the period is at least `days` old at `as_of`: the end
        of the period (midnight in the chain's time zone) plus `days` x 24 h <= `as_of`."""
        if self.as_of_utc is None:
            return True
        end = _dt.datetime.combine(self.period_end(period), _dt.time(), ZoneInfo(self.chain.timezone))
        return end + _dt.timedelta(seconds=float(days) * SECONDS_PER_DAY) <= self.as_of_utc

    def period_mature_working(self, period: str, days: float) -> bool:
        """`period_mature` with `days` in working days: `days` working days after the end of
        the period have passed by `as_of`."""
        if self.as_of_utc is None:
            return True
        end = _dt.datetime.combine(self.period_end(period), _dt.time(), ZoneInfo(self.chain.timezone))
        return workdays.add_working_days(self.chain, end, days) <= self.as_of_utc

    def working_index(self) -> ibis.Table:
        """The chain's working-day index (`workdays.working_day_index`) over every year from
        the first event to `as_of`; built once per preparation."""
        return self.shared("working_index", _working_index)

    def with_working_seconds(self, table: ibis.Table, later: str, earlier: str, name: str) -> ibis.Table:
        """`table` with `name`: the time between the timestamp columns `earlier` and `later`
        that falls on working days, in seconds (NULL when either is NULL)."""
        index = self.working_index()
        zone = self.chain.timezone
        out = workdays.with_position(table, later, index, self.backend, zone, "_later_pos")
        out = workdays.with_position(out, earlier, index, self.backend, zone, "_earlier_pos")
        seconds = (out._later_pos - out._earlier_pos) * SECONDS_PER_DAY
        return out.select(*table.columns, **{name: seconds})

    def maturity(self, periods: Any, days: float = 0.0) -> list[bool]:
        """`period_mature` of each period (ISO text); "all" is mature when every other
        period in `periods` is."""
        periods = [str(period) for period in periods]
        flags = {period: self.period_mature(period, days) for period in set(periods) if period != "all"}
        whole = all(flags.values())
        return [whole if period == "all" else flags[period] for period in periods]

    def ts_literal(self, value: _dt.datetime) -> ibis.Value:
        return ts_literal(self.backend, value)

    def cache(self) -> Prepared:
        """Materialise events and cases once, for running many metrics over them."""
        if self.materialised:
            return self
        # The case numbers first (the events and the cases both join them), from the filtered
        # events' case ids: `_source` would also run its joins with the names.
        numbers = materialise(_dimension(self.case_ids.case_id, "case_id").rename(case="code"))
        numbered = self.source.rename(case_id="case").join(numbers, "case_id").drop("case_id")
        self.names = {kind: materialise(table) for kind, table in self.names.items()}
        self._events_view = None
        self.case_ids = numbers
        self.ev = _ordered_with_ties_broken(numbered)
        self.materialised = True
        # From the materialised events, so the window query is not run a second time.
        self.cases = materialise(case_rows(self, self.ev))
        return self


def _working_index(p: Prepared) -> ibis.Table:
    zone = ZoneInfo(p.chain.timezone)
    first = to_arrow(p.ev.ts.min()).as_py()
    moments = [m for m in (first, p.as_of_utc) if m is not None]
    moments = [m.replace(tzinfo=_dt.UTC) if m.tzinfo is None else m for m in moments]
    days = [m.astimezone(zone).date() for m in moments] or [_dt.date.today()]
    rows = workdays.calendar_rows(p.chain, min(days), max(days))
    return workdays.working_day_index(p.ev, rows)


def _code_of(names: dict[int, str], name: str) -> int:
    for code, value in names.items():
        if value == name:
            return code
    return -1


def _decode(code: ibis.Value, names: dict[int, str]) -> ibis.Value:
    """Names for codes, as a CASE expression: for small results (a few hundred rows)."""
    if not names:
        return ibis.null(dt.string)
    return code.substitute(names, else_=ibis.null(dt.string))


def _dimension(column: ibis.Column, name: str) -> ibis.Table:
    """The distinct values of `column` numbered 0.. in their order: value `name`, `code`."""
    values = column.name(name).as_table().distinct()
    return values.mutate(code=ibis.row_number().over(order_by=name).cast("int32"))


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


def prepare(
    events: ibis.Table | Prepared,
    chain: ChainSpec,
    filters: Filters | None = None,
    *,
    last_event: _dt.datetime | None = None,
) -> Prepared:
    """Apply the filters and add order, neighbours, stage and period to the events.

    Without an `as_of` filter "now" is the last event of `events`, or `last_event` when
    given: the last event of the whole store, for `events` that are a part of it (one case)."""
    if isinstance(events, Prepared):
        return events
    filters = filters or Filters()
    backend = backend_name(events)

    if filters.as_of is not None:
        as_of = ts_literal(backend, filters.as_of)
        as_of_utc = filters.as_of
    else:
        last = last_event if last_event is not None else to_arrow(events.timestamp.max()).as_py()
        if last is None:
            last = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
        elif last.tzinfo is None:
            last = last.replace(tzinfo=_dt.UTC)
        as_of = ts_literal(backend, last)
        as_of_utc = last

    ev = events.select(
        "case_id", "partner", "activity", "batch_seq", "batch_row", ts=_.timestamp, attributes=_.attributes
    )
    if filters.as_of is not None:
        ev = ev.filter(ev.ts < as_of)

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

    # Codes for activities and partners (numbered in name order, so the same on every run
    # and engine) from the unfiltered events: two small distinct queries.
    activity_dim = _dimension(events.activity, "name")
    partner_dim = _dimension(events.partner, "name")
    activities = _names(activity_dim)
    partners = _names(partner_dim)
    activity_names, partner_names = activity_dim, partner_dim
    order_of_activity = {a: chain.stage_order[s] for a, s in chain.activity_stage.items()}
    stage_order = (
        activity_dim.name.substitute(order_of_activity, else_=ibis.null(dt.int32)).cast("int32")
        if order_of_activity
        else ibis.null(dt.int32)
    )
    # The stage position rides on the (tiny) activity table, not on every event.
    activity_dim = activity_dim.select(activity_name="name", activity="code", stage_order=stage_order)
    partner_dim = partner_dim.select(partner_name="name", partner="code")
    source = ev.select(
        "case_id", "batch_seq", "batch_row", partner_name="partner", activity_name="activity", ts="ts"
    )
    source = source.left_join(activity_dim, "activity_name").left_join(partner_dim, "partner_name")
    source = source.select(
        "partner", "activity", "ts", "stage_order", "batch_seq", "batch_row", case="case_id"
    )

    return Prepared(
        chain=chain,
        filters=filters,
        backend=backend,
        ev=_ordered(source),
        as_of=as_of,
        activities=activities,
        partners=partners,
        names={"activity": activity_names, "partner": partner_names},
        case_ids=ev.select(case="case_id", case_id="case_id").distinct(),
        as_of_utc=as_of_utc,
        _source=source,
    )


def _names(dimension: ibis.Table) -> dict[int, str]:
    rows = to_arrow(dimension.select("code", "name")).to_pylist()
    return {int(r["code"]): r["name"] for r in rows}


def _ordered_with_ties_broken(ev: ibis.Table) -> ibis.Table:
    """`_ordered(ev)`, materialised. Sorting on stage and delivery position as well costs
    about a fifth of the sort, and in many logs no two events of a case share a moment: the
    events are sorted by time alone, and only the cases with such a tie are sorted again with
    the whole key."""
    ordered = materialise(_ordered(ev, tie_break=False))
    tied = ordered.filter(ordered.ts == ordered.prev_ts).select("case").distinct()
    if not to_arrow(tied.count()).as_py():
        return ordered
    resorted = _ordered(ev.semi_join(tied, "case"))
    return materialise(ordered.anti_join(tied, "case").union(resorted))


def _ordered(ev: ibis.Table, *, tie_break: bool = True) -> ibis.Table:
    """The per-event table with every neighbour column the metrics need from ONE window
    specification (one sort): the metrics themselves are plain filters and group-bys.
    Frames with the same partition and order share DuckDB's sort. Without `tie_break`,
    events of a case at the same moment come in any order."""
    # Unstaged activities sort after the staged ones at the same moment, on every engine
    # (DuckDB puts NULLs last, Spark first).
    key = ["ts", _.stage_order.fill_null(UNSTAGED), "batch_seq", "batch_row"] if tie_break else ["ts"]
    order = ibis.window(group_by="case", order_by=key)
    whole_case = ibis.window(group_by="case", order_by=key, rows=(None, None))
    return ev.select(
        "case",
        "partner",
        "activity",
        "ts",
        seq=ibis.row_number().over(order).cast("int32"),
        prev_partner=_.partner.lag().over(order),
        prev_activity=_.activity.lag().over(order),
        prev_ts=_.ts.lag().over(order),
        # NULL for the case's last event.
        next_ts=_.ts.lead().over(order),
        case_end=_.ts.max().over(whole_case),
        stage_order="stage_order",
        # Stage (its position) of the event before (NULL when it has none): stage visits
        # follow from it.
        prev_stage_order=_.stage_order.lag().over(order),
        # Last event with a chain stage (its visit ends there).
        stage_end=ibis.ifelse(_.stage_order.notnull(), _.ts, ibis.null(_.ts.type())).max().over(whole_case),
    )


def case_rows(p: Prepared, ev: ibis.Table) -> ibis.Table:
    """One row per case of the events `ev` (with a case column): case, case_id, start, end,
    events, goal_at, duration_s, reached, dropped, open, period."""
    chain = p.chain
    goals = [p.activity_code(a) for a in chain.goal_activities]
    goal_at = ev.ts.min(where=ev.activity.isin(goals)) if goals else ibis.null(ev.ts.type())
    per_case = ev.group_by("case").agg(start=ev.ts.min(), end=ev.ts.max(), events=ev.count(), goal_at=goal_at)
    per_case = p.with_case_id(per_case)
    horizon_s = float(chain.horizon_days) * SECONDS_PER_DAY
    reached = per_case.goal_at.notnull() & (seconds_between(per_case.goal_at, per_case.start) <= horizon_s)
    per_case = per_case.mutate(
        duration_s=seconds_between(per_case.end, per_case.start),
        reached=reached.fill_null(False),
    )
    per_case = per_case.mutate(
        dropped=~per_case.reached & (seconds_between(p.as_of, per_case.start) > horizon_s),
    ).mutate(
        open=~_.reached & ~_.dropped,
        period=p.period(_.start),
    )
    return per_case
