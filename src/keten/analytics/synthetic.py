"""Synthetic canonical event logs for tests and benchmarks, fully vectorised (NumPy/Arrow).

Not the demo generator (`keten.demo`), which tells a realistic story; this one makes logs of
any size fast and reproducibly: every case walks the chain's activities in order, some stop
early (dropout), some go back to an earlier stage (rework), a few events share a timestamp.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from keten.analytics.engine import EVENT_SCHEMA
from keten.analytics.model import ChainSpec

REGIONS = ("noord", "oost", "zuid", "west")


def _templates(n: int) -> tuple[list[list[int]], np.ndarray]:
    """Activity-index paths and their probabilities."""
    full = list(range(n))
    paths: list[list[int]] = [full]
    weights = [0.55]
    for k in range(1, n):  # stop after k activities
        paths.append(full[:k])
        weights.append(0.25 / (n - 1))
    for j, k in [(0, 2), (1, 4), (2, 6), (3, 8), (5, 9)]:  # go back from k to j once
        if k < n:
            paths.append(full[: k + 1] + full[j : k + 1] + full[k + 1 :])
            weights.append(0.04)
    w = np.asarray(weights)
    return paths, w / w.sum()


def synthetic_events(
    chain: ChainSpec,
    events: int,
    *,
    seed: int = 7,
    start: str = "2023-01-01",
    span_days: int = 730,
    batch_id: str = "synthetic",
) -> pa.Table:
    """About `events` canonical events for `chain`, ordered by case and time (`batch_row` numbers
    that order, as a delivery of this file would)."""
    activities = np.asarray(chain.activities)
    if len(activities) == 0:
        raise ValueError(f"Chain {chain.slug!r} has no activities to generate events for.")
    partner_of = np.asarray([chain.activity_partner[a] for a in activities])
    rng = np.random.default_rng(seed)
    paths, probs = _templates(len(activities))
    lengths = np.asarray([len(p) for p in paths])
    mean_len = float((lengths * probs).sum())
    n_cases = max(1, int(round(events / mean_len)))

    choice = rng.choice(len(paths), size=n_cases, p=probs)
    case_len = lengths[choice]
    total = int(case_len.sum())
    flat_paths = np.concatenate([np.asarray(p) for p in paths])
    path_offset = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    case_of_event = np.repeat(np.arange(n_cases), case_len)
    first_event = np.concatenate([[0], np.cumsum(case_len)[:-1]])
    pos = np.arange(total) - np.repeat(first_event, case_len)
    act_idx = flat_paths[path_offset[choice][case_of_event] + pos]

    # Gaps: exponential with an activity-dependent mean (hours to weeks); 3 % are zero so
    # equal timestamps occur; first events get gap 0 (the case start is added below).
    mean_gap_s = (1 + (act_idx * 7) % 23) * 86400.0 / 2
    gaps = rng.exponential(mean_gap_s).astype("int64")
    gaps[rng.random(total) < 0.03] = 0
    gaps[pos == 0] = 0
    within = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first_event] - gaps[first_event], case_len)
    t0 = np.datetime64(start, "s").astype("int64")
    case_start = t0 + rng.integers(0, span_days * 86400, size=n_cases)
    # Microsecond timestamps with a sub-second part, to test exact durations.
    micros = (np.repeat(case_start, case_len) + within) * 1_000_000 + rng.integers(0, 1_000_000, size=total)

    # Cases ordered by start; rows follow (case, time) order.
    order_cases = np.argsort(case_start, kind="stable")
    rank = np.empty(n_cases, dtype="int64")
    rank[order_cases] = np.arange(n_cases)
    event_order = np.lexsort((pos, rank[case_of_event]))
    case_rank = rank[case_of_event][event_order]
    act_sorted = act_idx[event_order]
    micros = micros[event_order]

    case_ids = pc.binary_join_element_wise("c", pc.cast(pa.array(case_rank), pa.string()), "")
    regions = np.asarray([f'{{"regio": "{r}"}}' for r in REGIONS])
    region_of_case = rng.integers(0, len(REGIONS), size=n_cases)
    return pa.table(
        {
            "event_id": pa.nulls(total, pa.string()),
            "chain": pa.array(np.full(total, chain.slug)),
            "case_id": case_ids,
            "partner": pa.array(partner_of[act_sorted]),
            "activity": pa.array(activities[act_sorted]),
            "timestamp": pa.array(micros, pa.timestamp("us", tz="UTC")),
            "lifecycle": pa.array(np.full(total, "complete")),
            "attributes": pa.array(regions[region_of_case[case_rank]]),
            "batch_id": pa.array(np.full(total, batch_id)),
            "batch_seq": pa.array(np.ones(total, dtype="int64")),
            "batch_row": pa.array(np.arange(1, total + 1, dtype="int64")),
            "occurrence": pa.array(np.ones(total, dtype="int32")),
        },
        schema=EVENT_SCHEMA,
    )
