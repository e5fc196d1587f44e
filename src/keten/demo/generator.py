"""Synthetic, realistic and reproducible event logs for a chain definition.

`generate_events(spec, cases=..., seed=...)` simulates cases walking through the chain
according to its profile (`keten.demo.profiles`) and streams canonical events to Parquet.

How it stays fast and bounded: cases are simulated a chunk at a time as NumPy arrays of
shape (cases, steps): per step one vector draw decides who takes it, who drops out and how
long it takes; the loop runs over steps and chunks, never over cases or events. Each chunk
becomes one Arrow table written by a `ParquetWriter`, so memory depends on the chunk size,
not on the number of events.

Reproducible: the same spec, `cases`, `seed`, `end` and `chunk_cases` give the same file,
byte for byte. Each chunk draws from its own stream `(seed, chunk number)`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from keten.analytics.engine import EVENT_SCHEMA
from keten.analytics.model import ChainSpec
from keten.demo.profiles import Profile, profile_for

DAY_US = 86_400 * 1_000_000
HOUR_US = 3_600 * 1_000_000
MINUTE_US = 60 * 1_000_000
# Case starts spread over this many days before the end of the generated period.
WINDOW_DAYS = 730
DEFAULT_CHUNK_CASES = 50_000
# Office hours in UTC (08:30-17:30 in Amsterdam in winter; close enough in summer).
OFFICE_START_US = 7 * HOUR_US + 30 * MINUTE_US
OFFICE_LENGTH_US = 9 * HOUR_US
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_LETTERS = np.frombuffer(b"abcdef", dtype=np.uint8)


@dataclass(frozen=True)
class GenerationSummary:
    path: Path
    cases: int
    events: int


def default_end(today: dt.date | None = None) -> dt.date:
    """The first day of the current month: a fixed end for a whole month, so runs agree."""
    today = today or dt.date.today()
    return today.replace(day=1)


def generate_events(
    spec: ChainSpec,
    *,
    cases: int,
    seed: int,
    out_dir: str | Path | None = None,
    out_path: str | Path | None = None,
    end: dt.date | None = None,
    chunk_cases: int = DEFAULT_CHUNK_CASES,
    batch_id: str | None = None,
) -> GenerationSummary:
    """Simulate `cases` cases of `spec` and write their events to Parquet (canonical schema).

    The file is `out_path`, or `<out_dir>/<chain slug>.parquet`. Case starts spread over two
    years before `end` (default: the first day of this month); events after `end` are not yet
    there, so recent cases are still open. The file appears only when complete.
    """
    if cases < 1:
        raise ValueError("cases must be at least 1.")
    if seed < 0:
        raise ValueError("seed must be zero or more.")
    if chunk_cases < 1:
        raise ValueError("chunk_cases must be at least 1.")
    if out_path is None:
        if out_dir is None:
            raise ValueError("Give out_dir or out_path.")
        out_path = Path(out_dir) / f"{spec.slug}.parquet"
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    simulator = _Simulator(spec, profile_for(spec), seed, end or default_end(), batch_id or f"demo-{seed}")

    temp = path.with_name(f".{path.name}.part")
    events = 0
    try:
        with pq.ParquetWriter(temp, EVENT_SCHEMA, compression="zstd") as writer:
            for chunk, first in enumerate(range(0, cases, chunk_cases)):
                table = simulator.chunk_table(chunk, first, min(chunk_cases, cases - first), events)
                writer.write_table(table)
                events += table.num_rows
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return GenerationSummary(path=path, cases=cases, events=events)


def estimate_events_per_case(spec: ChainSpec, *, seed: int = 0, end: dt.date | None = None) -> float:
    """How many events a case of `spec` has on average (a small simulation; for event budgets)."""
    simulator = _Simulator(spec, profile_for(spec), seed, end or default_end(), "estimate")
    present, _, _ = simulator.simulate(np.random.default_rng([seed, 1 << 30]), 5_000)
    return float(present.sum()) / 5_000


def cases_for_events(spec: ChainSpec, events: int, *, seed: int = 0, end: dt.date | None = None) -> int:
    """The number of cases that gives about `events` events."""
    return max(1, round(events / estimate_events_per_case(spec, seed=seed, end=end)))


class _Simulator:
    def __init__(self, spec: ChainSpec, profile: Profile, seed: int, end: dt.date, batch_id: str) -> None:
        self.spec = spec
        self.profile = profile
        self.seed = seed
        self.batch_id = batch_id
        # Different chains (or seeds) get different pseudonyms for case number k.
        self.case_key = seed * 0x9E3779B1 + zlib.crc32(spec.slug.encode())
        self.end_us = int(np.datetime64(end, "us").astype("int64"))
        self.end_day = int(np.datetime64(end, "D").astype("int64"))
        steps = profile.steps
        self.activities = pa.array([s.activity for s in steps], pa.string())
        self.partners = pa.array([spec.activity_partner[s.activity] for s in steps], pa.string())
        # Every combination of attribute values as JSON text once; cases point at one.
        combos = itertools.product(*(a.values for a in profile.attributes))
        names = [a.name for a in profile.attributes]
        self.attribute_texts = pa.array(
            [json.dumps(dict(zip(names, c, strict=True)), ensure_ascii=False) for c in combos], pa.string()
        )
        self.start_cdf = self._start_cdf()

    # -- case starts ----------------------------------------------------------------------

    def _start_cdf(self) -> np.ndarray:
        """Cumulative intake over the window's days: seasons, weekends and slow growth."""
        days = np.arange(self.end_day - WINDOW_DAYS, self.end_day)
        month = _month_of_day(days)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        weight = np.asarray(self.profile.monthly_intake)[month - 1]
        weight = weight * np.where(weekday >= 5, self.profile.weekend_intake, 1.0)
        weight = weight * (1 + self.profile.yearly_growth) ** ((days - days[0]) / 365.25)
        cdf = np.cumsum(weight)
        return cdf / cdf[-1]

    def _starts(self, rng: np.random.Generator, n: int) -> np.ndarray:
        day = self.end_day - WINDOW_DAYS + np.searchsorted(self.start_cdf, rng.random(n), side="right")
        day = np.minimum(day, self.end_day - 1)
        first = self.profile.steps[0]
        if first.office:
            clock = OFFICE_START_US + (rng.random(n) * OFFICE_LENGTH_US).astype("int64")
        else:
            clock = (rng.random(n) * DAY_US).astype("int64")
        return day.astype("int64") * DAY_US + clock

    # -- the walk through the chain ---------------------------------------------------------

    def simulate(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(present, times, attribute combination) for `n` cases: present[c, s] says whether case c
        took step s before the end, times[c, s] when (microseconds since 1970, UTC)."""
        profile = self.profile
        attrs = {a.name: rng.choice(len(a.values), size=n, p=a.probabilities) for a in profile.attributes}
        combo = np.zeros(n, dtype=np.int64)
        for a in profile.attributes:
            combo = combo * len(a.values) + attrs[a.name]
        flags = profile.flags(rng, attrs)

        steps = profile.steps
        present = np.zeros((n, len(steps)), dtype=bool)
        times = np.zeros((n, len(steps)), dtype=np.int64)
        alive = np.ones(n, dtype=bool)
        last = self._starts(rng, n)
        latest: dict[str, np.ndarray] = {}
        holiday = np.asarray(profile.holiday_months)
        for s, step in enumerate(steps):
            takes = np.ones(n, dtype=bool)
            for condition in step.when:
                takes &= ~flags[condition[1:]] if condition.startswith("!") else flags[condition]
            if step.stop:
                alive &= ~(takes & (rng.random(n) < step.stop))
            takes &= alive
            if s == 0:
                t = last
            else:
                base = latest.get(step.anchor, last) if step.anchor else last
                days = rng.lognormal(np.log(step.days), step.spread, n) if step.days else np.zeros(n)
                if step.office:
                    days = np.where(np.isin(_month_of_us(base), holiday), days * profile.holiday_factor, days)
                for slow in step.slowdowns:
                    lo = self.end_us - slow.from_days_before_end * DAY_US
                    hi = self.end_us - slow.to_days_before_end * DAY_US
                    days = np.where((base >= lo) & (base < hi), days * slow.factor, days)
                t = base + (days * DAY_US).astype(np.int64)
                t = self._clock(rng, t, step.office)
                # Strictly after the previous event: a case's events stay in order.
                t = np.where(t <= last, last + MINUTE_US + (rng.random(n) * 2 * HOUR_US).astype(np.int64), t)
            present[:, s] = takes
            times[:, s] = t
            last = np.where(takes, t, last)
            latest[step.activity] = np.where(takes, t, latest.get(step.activity, t))
        present &= times < self.end_us  # not happened yet: the case is still open
        return present, times, combo

    @staticmethod
    def _clock(rng: np.random.Generator, t: np.ndarray, office: bool) -> np.ndarray:
        """Move office work to a working day, within office hours."""
        if not office:
            return t
        day = t // DAY_US
        weekday = (day + 3) % 7
        day = day + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
        return day * DAY_US + OFFICE_START_US + (rng.random(len(t)) * OFFICE_LENGTH_US).astype(np.int64)

    # -- one chunk as canonical events --------------------------------------------------------

    def chunk_table(self, chunk: int, first_case: int, n: int, rows_before: int) -> pa.Table:
        rng = np.random.default_rng([self.seed, chunk])
        present, times, combo = self.simulate(rng, n)
        # Row-major order of the (case, step) matrix: case by case, each case's steps in time order.
        case_index, step_index = np.nonzero(present)
        rows = len(case_index)
        case_ids = _case_ids(self.case_key, first_case + np.arange(n, dtype=np.uint64))
        take = pa.array(case_index)
        steps = pa.array(step_index)
        # No event ids: the store identifies events by their content and position. The
        # delivery position is the row in this file (1-based), as ingestion numbers it.
        return pa.table(
            {
                "event_id": pa.nulls(rows, pa.string()),
                "chain": pa.repeat(pa.scalar(self.spec.slug, pa.string()), rows),
                "case_id": case_ids.take(take),
                "partner": self.partners.take(steps),
                "activity": self.activities.take(steps),
                "timestamp": pa.array(times[present], pa.timestamp("us", tz="UTC")),
                "lifecycle": pa.repeat(pa.scalar("complete", pa.string()), rows),
                "attributes": self.attribute_texts.take(pa.array(combo[case_index])),
                "batch_id": pa.repeat(pa.scalar(self.batch_id, pa.string()), rows),
                "batch_seq": pa.repeat(pa.scalar(0, pa.int64()), rows),
                "batch_row": pa.array(np.arange(rows_before + 1, rows_before + rows + 1), pa.int64()),
                "occurrence": pa.repeat(pa.scalar(1, pa.int32()), rows),
            },
            schema=EVENT_SCHEMA,
        )


def _month_of_day(days: np.ndarray) -> np.ndarray:
    """Calendar month (1-12) of day numbers since 1970-01-01."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months % 12 + 1


def _month_of_us(us: np.ndarray) -> np.ndarray:
    return _month_of_day(us // DAY_US)


def _mix56(x: np.ndarray) -> np.ndarray:
    """A bijection on 56-bit numbers that scatters neighbours (odd multiplications and xor-shifts)."""
    mask = np.uint64((1 << 56) - 1)
    x = x & mask
    for multiplier in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9):
        x = (x * np.uint64(multiplier | 1)) & mask
        x = x ^ (x >> np.uint64(29))
    return x


def _case_ids(key: int, numbers: np.ndarray) -> pa.Array:
    """Pseudonym-like case ids: 16 lowercase hex characters, unique per case number for a key.

    Two 7-digit halves of a 56-bit bijection, each led by a letter: never nine digits in a
    row, so the BSN guard of the event store cannot mistake a pseudonym for a citizen number.
    """
    offset = np.uint64((key * 0x2545F4914F6CDD1D) & ((1 << 56) - 1))
    with np.errstate(over="ignore"):
        value = _mix56(numbers + offset)
        # The leading letters come from another mix of the number: ids look less regular.
        letters = _mix56(numbers ^ offset)
    n = len(numbers)
    out = np.empty((n, 16), dtype=np.uint8)
    for half, position in ((value >> np.uint64(28), 0), (value, 8)):
        out[:, position] = _LETTERS[(letters >> np.uint64(position)) % np.uint64(6)]
        for k in range(7):
            nibble = (half >> np.uint64(4 * (6 - k))) & np.uint64(0xF)
            out[:, position + 1 + k] = _HEX[nibble]
    offsets = np.arange(0, 16 * (n + 1), 16, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out.tobytes())])
