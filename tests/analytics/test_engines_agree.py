"""One expression set, two engines: the whole suite gives equal results on DuckDB and PySpark."""

import pandas as pd
import pytest

from keten.analytics import engine, suite
from keten.analytics.synthetic import synthetic_events

pytestmark = pytest.mark.spark


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            ts = pd.to_datetime(frame[col])
            frame[col] = ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts.dt.tz_convert("UTC")
        elif pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].astype("float64")
        else:
            frame[col] = frame[col].astype(object)
    return frame.reset_index(drop=True)


def assert_same_suite(left: dict, right: dict) -> None:
    for name in suite.FRAMES:
        pd.testing.assert_frame_equal(
            _normalise(left[name]), _normalise(right[name]), check_dtype=False, rtol=1e-9, obj=name
        )
    if "case_durations" in left:  # only when the suite was asked for them
        pd.testing.assert_frame_equal(
            _normalise(left["case_durations"]), _normalise(right["case_durations"]), rtol=1e-9
        )
    assert left["variant_count"] == right["variant_count"]
    assert [k.value for k in left["kpis"]] == pytest.approx([k.value for k in right["kpis"]], rel=1e-9)
    for a, b in zip(left["kpis"], right["kpis"], strict=True):
        assert (a.code, a.status, a.period, a.cases) == (b.code, b.status, b.period, b.cases)
        assert [t[0] for t in a.trend] == [t[0] for t in b.trend]
        assert [t[1] for t in a.trend] == pytest.approx([t[1] for t in b.trend], rel=1e-9)
    le, re_ = left["extent"], right["extent"]
    assert (le["events"], le["cases"], le["partners"]) == (re_["events"], re_["cases"], re_["partners"])
    assert pd.Timestamp(le["first_event"]) == pd.Timestamp(re_["first_event"])


@pytest.fixture(scope="module")
def werk():
    from keten.chains.definition import load_chain_definition, reference_chain_files

    return load_chain_definition(next(p for p in reference_chain_files() if p.stem == "werk"))


@pytest.mark.parametrize(
    "filters", [{}, {"grain": "week", "partner": "uwv", "attribute": ("regio", "noord")}]
)
@pytest.mark.slow
def test_duckdb_and_pyspark_give_equal_results(spark, duck, werk, filters):
    table = synthetic_events(werk, 1_500, seed=3)
    on_duckdb = suite.run_suite(
        engine.events_from_frame(duck, table), werk, with_case_durations=True, **filters
    )
    on_spark = suite.run_suite(
        engine.events_from_frame(spark, table), werk, with_case_durations=True, **filters
    )
    assert on_duckdb["extent"]["events"] > 0
    assert_same_suite(on_duckdb, on_spark)


@pytest.mark.slow
def test_pyspark_reads_the_parquet_store(spark, duck, werk, tmp_path):
    import pyarrow.parquet as pq

    table = synthetic_events(werk, 800, seed=4)
    paths = [tmp_path / "batch=1.parquet", tmp_path / "batch=2.parquet"]
    pq.write_table(table.slice(0, 1000), paths[0])
    pq.write_table(table.slice(1000), paths[1])
    on_duckdb = suite.run_suite(engine.read_events(duck, paths), werk, with_case_durations=True)
    on_spark = suite.run_suite(engine.read_events(spark, paths), werk, with_case_durations=True)
    assert_same_suite(on_duckdb, on_spark)
