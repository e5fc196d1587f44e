"""Shared helpers for comparing Keten's metrics with PM4Py (dev-only oracle)."""

from __future__ import annotations

import pandas as pd

from tests.conftest import SHARED_DATA as DATA


def read_log(name: str) -> pd.DataFrame:
    """A real log as a PM4Py-style frame (case:concept:name, concept:name, time:timestamp UTC,
    org:group), in file order."""
    import pm4py

    path = DATA / name
    if name.endswith(".csv"):
        if name == "sepsis.csv":
            raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
            frame = pd.DataFrame(
                {
                    "case:concept:name": raw["Case ID"],
                    "concept:name": raw["Activity"],
                    # Local times without a zone: read them as UTC (the same for both sides).
                    "time:timestamp": pd.to_datetime(
                        raw["Complete Timestamp"], format="%Y/%m/%d %H:%M:%S.%f", utc=True
                    ),
                    "org:group": raw["org:group"],
                }
            )
        else:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
            frame = pd.DataFrame(
                {
                    "case:concept:name": raw["case:concept:name"],
                    "concept:name": raw["concept:name"],
                    "time:timestamp": pd.to_datetime(raw["time:timestamp"], format="ISO8601", utc=True),
                    "org:group": raw.get("org:group", raw.get("org:resource")),
                }
            )
    else:
        log = pm4py.read_xes(str(path), return_legacy_log_object=False)
        frame = pd.DataFrame(
            {
                "case:concept:name": log["case:concept:name"].astype(str),
                "concept:name": log["concept:name"].astype(str),
                "time:timestamp": pd.to_datetime(log["time:timestamp"], utc=True),
                "org:group": log["org:group"].astype(str) if "org:group" in log else "org",
            }
        )
    frame["org:group"] = frame["org:group"].fillna("onbekend").astype(str)
    return frame.reset_index(drop=True)


def to_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """PM4Py-style frame -> canonical events in file order (`events_from_frame` numbers the rows
    in that order, as a delivery does), for the benchmark's engine-only runs."""
    return pd.DataFrame(
        {
            "case_id": frame["case:concept:name"].astype(str).to_numpy(),
            "partner": frame["org:group"].astype(str).to_numpy(),
            "activity": frame["concept:name"].astype(str).to_numpy(),
            "timestamp": frame["time:timestamp"].to_numpy(),
        }
    )


def pm4py_results(frame: pd.DataFrame) -> dict:
    """PM4Py's DFG counts, performance DFG (mean and median seconds) and case durations."""
    import pm4py

    df = pm4py.format_dataframe(
        frame.copy(), case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp"
    )
    dfg, _, _ = pm4py.discover_dfg(df)
    perf, _, _ = pm4py.discover_performance_dfg(df)
    durations = pm4py.get_all_case_durations(df)
    return {"dfg": dict(dfg), "perf": perf, "durations": sorted(durations)}
