"""Calendar periods as dates: months, quarters and years, and the arithmetic between them.

One place for it, plain Python: the monitor's filters, `keten analyse`, governance figures, the
report, the demo and analytics all count months the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `day` (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after the month of `day`."""
    return add_months(day, 1)


def period_bounds(day: dt.date, grain: str) -> tuple[dt.date, dt.date, str]:
    """Return (first day, last day, label) of the period of `grain` that holds `day`.

    Labels: `2025-03` for a month, `2025-K1` for a quarter (kwartaal), `2025` for a year.
    """
    if grain not in MONTHS_IN:
        raise ValueError(f"Unknown grain {grain!r}: use month, quarter or year.")
    months = MONTHS_IN[grain]
    start = dt.date(day.year, (day.month - 1) // months * months + 1, 1)
    label = {
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-K{(day.month - 1) // 3 + 1}",
        "year": str(day.year),
    }[grain]
    return start, add_months(start, months) - dt.timedelta(days=1), label


def periods_between(first: dt.date, last: dt.date, grain: str) -> list[tuple[dt.date, dt.date, str]]:
    """Return the consecutive periods from the one holding `first` up to the one holding `last`."""
    periods = []
    start, end, label = period_bounds(first, grain)
    while start <= last:
        periods.append((start, end, label))
        start, end, label = period_bounds(end + dt.timedelta(days=1), grain)
    return periods


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month (in the chain's time zone where it meets a moment)."""

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

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def shift(self, months: int) -> Month:
        """The month `months` later (negative: earlier)."""
        return Month.of(add_months(self.first, months))

    @property
    def next(self) -> Month:
        return self.shift(1)

    @property
    def previous(self) -> Month:
        return self.shift(-1)

    @property
    def period(self) -> str:
        """The period key analytics uses: the ISO date of the first day."""
        return self.first.isoformat()

    def end_utc(self, zone: str) -> dt.datetime:
        """The first moment after the month, in UTC."""
        return dt.datetime.combine(self.next.first, dt.time(), ZoneInfo(zone)).astimezone(dt.UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
