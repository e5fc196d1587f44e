"""The result cache knows the engine: after a DuckDB run, asking for Spark really runs Spark
(and gives the same figures), through `chain_metrics` and through `keten analyse`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from keten.analytics import suite
from keten.figures.metrics import chain_metrics
from tests.analytics.test_engines_agree import assert_same_suite

pytestmark = [pytest.mark.django_db, pytest.mark.spark]


def _as_suite(metrics) -> dict:
    out = {name: getattr(metrics, name) for name in suite.FRAMES}
    out |= {"variant_count": metrics.variant_count, "kpis": metrics.kpis}
    out["extent"] = {
        "events": metrics.events,
        "cases": metrics.cases,
        "partners": metrics.partners_delivering,
        "first_event": metrics.first_event,
    }
    return out


def _analyse(slug: str) -> dict:
    out = io.StringIO()
    call_command("analyse", slug, "--format", "json", "--metric", "kpis", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.slow
def test_duckdb_then_pyspark_on_the_same_store_runs_spark_and_agrees(monitored, settings):
    pytest.importorskip("pyspark", reason="pyspark is not installed (uv sync --extra spark)")
    chain = monitored.chain
    settings.KETEN_ENGINE = "duckdb"
    on_duckdb = chain_metrics(chain)
    assert on_duckdb.engine == "duckdb"
    assert _analyse(chain.slug)["engine"] == "duckdb"

    settings.KETEN_ENGINE = "pyspark"
    on_spark = chain_metrics(chain)
    assert on_spark.engine == "pyspark"
    assert _analyse(chain.slug)["engine"] == "pyspark"
    assert_same_suite(_as_suite(on_duckdb), _as_suite(on_spark))

    # Each engine's result stays cached under its own key.
    settings.KETEN_ENGINE = "duckdb"
    assert chain_metrics(chain).engine == "duckdb"
