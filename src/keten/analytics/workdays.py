"""Working days: Monday to Friday, minus Dutch public holidays and the chain's closing days.

The holidays come from the `holidays` library (`country_holidays("NL")`: New Year, Good
Friday, Easter Monday, Koningsdag (26 April when 27 April is a Sunday), Ascension, Whit
Monday, Christmas). Liberation Day (5 May) is a holiday there only in lustrum years (2025,
2030, ...); most government organisations close every year, so a chain's `liberation_day`
is `every_year` by default and `lustrum` to follow the library.

A duration in working days is the time that falls on working days, in days of 24 hours: a
handover from Friday 16:00 to Monday 10:00 took 0.33 + 0.42 = 0.75 working days; the
weekend does not count. It is computed in the engine with a working-day index, one row per
calendar date in the chain's time zone:

- `before`: the number of working days before the date (a running sum in SQL);
- `working`: 1 on a working day, else 0.

The position of a moment is `before + working x (time since local midnight) / 24 h`, and the
working days between two moments are the difference of their positions: two joins with a
table of a few thousand dates, never a loop over events. Time since midnight is wall-clock
time, so the day of a daylight-saving change still counts as one day (in Europe those
changes fall on a Sunday, which is not a working day anyway).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import ibis
import pyarrow as pa

from keten.analytics.engine import local_time
from keten.analytics.model import ChainSpec

SECONDS_PER_DAY = 86400.0
LIBERATION_DAY = (5, 5)


@lru_cache(maxsize=64)
def _public_holidays(years: tuple[int, ...]) -> frozenset[_dt.date]:
    return frozenset(holidays.country_holidays("NL", years=list(years)))


def closed_dates(chain: ChainSpec, years: Iterable[int]) -> frozenset[_dt.date]:
    """The dates in `years` on which the chain does not work apart from weekends: Dutch
    public holidays, Liberation Day (every year or in lustrum years, per the chain) and the
    chain's own closing days."""
    years = tuple(sorted(set(years)))
    closed = set(_public_holidays(years))
    if chain.liberation_day == "every_year":
        closed |= {_dt.date(year, *LIBERATION_DAY) for year in years}
    closed |= {day for day in chain.closing_days if day.year in years}
    return frozenset(closed)


def is_working_day(chain: ChainSpec, day: _dt.date) -> bool:
    """True when `day` is a working day of the chain."""
    return day.weekday() < 5 and day not in closed_dates(chain, [day.year])


def calendar_rows(chain: ChainSpec, first: _dt.date, last: _dt.date) -> pa.Table:
    """One row per date from 1 January of `first`'s year to 31 December of `last`'s: date,
    working (1 or 0). A few thousand rows, however many events there are."""
    start, end = _dt.date(first.year, 1, 1), _dt.date(last.year, 12, 31)
    closed = closed_dates(chain, range(first.year, last.year + 1))
    days = [start + _dt.timedelta(days=i) for i in range((end - start).days + 1)]
    working = [int(d.weekday() < 5 and d not in closed) for d in days]
    return pa.table({"date": pa.array(days, pa.date32()), "working": pa.array(working, pa.int32())})


def working_day_index(con_table: ibis.Table, rows: pa.Table) -> ibis.Table:
    """The calendar `rows` in the engine of `con_table` with the running count: date,
    working, before (working days before the date)."""
    backend = con_table._find_backend(use_default=True)
    if backend.name == "pyspark":
        frame = rows.to_pandas()
        df = backend._session.createDataFrame(frame, schema="date DATE, working INT")
        name = f"keten_calendar_{id(df)}"
        df.createOrReplaceTempView(name)
        calendar = backend.table(name)
    else:
        # A table in the events' own connection: a memtable would belong to the default
        # backend, and Ibis refuses to join tables of two connections.
        # (Ibis' create_table emits a DROP without a name with the installed sqlglot.) Named
        # after its content, so the same calendar replaces itself instead of piling up.
        name = "keten_calendar_" + hashlib.sha256(_content(rows).encode()).hexdigest()[:24]
        backend.con.register(name, rows)
        calendar = backend.table(name)
    whole = ibis.window(order_by="date", rows=(None, 0))
    return calendar.select(
        "date",
        working=calendar.working.cast("int64"),
        before=(calendar.working.sum().over(whole) - calendar.working).cast("int64"),
    )


def _content(rows: pa.Table) -> str:
    """The calendar in short: its first date and its working-day flags."""
    first = rows["date"][0].as_py() if rows.num_rows else None
    flags = "".join(str(v) for v in rows["working"].to_pylist())
    return f"{first}:{flags}"


def with_position(
    table: ibis.Table, column: str, index: ibis.Table, backend: str, zone: str, name: str
) -> ibis.Table:
    """`table` with `name`: the working-day position (in days) of the UTC timestamp
    `column` (NULL when it is NULL)."""
    ts = table[column]
    local = local_time(backend, ts, zone)
    day = local.cast("date")
    fraction = local.delta(local.truncate("D"), unit="microsecond").cast("float64") / (SECONDS_PER_DAY * 1e6)
    key = f"_{name}_date"
    keyed = table.mutate(**{key: day, f"_{name}_fraction": fraction})
    cal = index.view()
    cal = cal.select(**{f"_{name}_d": cal.date, f"_{name}_w": cal.working, f"_{name}_b": cal.before})
    joined = keyed.left_join(cal, keyed[key] == cal[f"_{name}_d"])
    position = (
        joined[f"_{name}_b"].cast("float64")
        + joined[f"_{name}_w"].cast("float64") * joined[f"_{name}_fraction"]
    )
    return joined.select(*table.columns, **{name: position})


def add_working_days(chain: ChainSpec, moment: _dt.datetime, days: float) -> _dt.datetime:
    """The moment `days` working days after `moment` (aware), in the chain's time zone: the
    inverse of the position difference, for the maturity of a period (a date walk, no events)."""
    if days <= 0:
        return moment
    zone = ZoneInfo(chain.timezone)
    local = moment.astimezone(zone)
    remaining = float(days) * SECONDS_PER_DAY
    day = local.date()
    midnight = _dt.datetime.combine(day, _dt.time())
    elapsed = (local.replace(tzinfo=None) - midnight).total_seconds()
    years: dict[int, frozenset[_dt.date]] = {}
    while True:
        closed = years.setdefault(day.year, closed_dates(chain, [day.year]))
        if day.weekday() < 5 and day not in closed:
            left_today = SECONDS_PER_DAY - elapsed
            if remaining <= left_today:
                wall = midnight + _dt.timedelta(seconds=elapsed + remaining)
                return wall.replace(tzinfo=zone).astimezone(_dt.UTC)
            remaining -= left_today
        day += _dt.timedelta(days=1)
        midnight = _dt.datetime.combine(day, _dt.time())
        elapsed = 0.0
