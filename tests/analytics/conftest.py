"""Fixtures for the analytics tests: hand-written logs and a DuckDB connection.

The PySpark session is created once per test session (start-up takes seconds) and only when
a `spark` test asks for it; those tests are skipped when pyspark is not importable.
"""

from __future__ import annotations

import pandas as pd
import pytest

from keten.analytics import engine


def log(*rows: tuple) -> pd.DataFrame:
    """Canonical events from (case_id, partner, activity, 'YYYY-MM-DD HH:MM[:SS]' UTC[, attributes]) rows."""
    records = []
    for i, row in enumerate(rows):
        case_id, partner, activity, ts, *rest = row
        records.append(
            {
                "event_id": f"e{i:06d}",
                "chain": "klein",
                "case_id": case_id,
                "partner": partner,
                "activity": activity,
                "timestamp": pd.Timestamp(ts, tz="UTC"),
                "lifecycle": "complete",
                "attributes": rest[0] if rest else "{}",
                "batch_id": "b1",
            }
        )
    return pd.DataFrame.from_records(records)


@pytest.fixture(scope="session")
def duck():
    return engine.connect("duckdb")


@pytest.fixture
def events_of(duck):
    """Turn `log(...)` rows into an Ibis events table on DuckDB."""

    def make(*rows):
        return engine.events_from_frame(duck, log(*rows))

    return make


@pytest.fixture(scope="session")
def spark():
    """One Ibis PySpark connection for the whole session (local[2], UTC, Arrow)."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (uv sync --extra spark)")
    con = engine.connect("pyspark", spark_master="local[2]")
    yield con
    con._session.stop()
