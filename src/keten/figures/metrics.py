"""Django glue for `keten.analytics`: a chain's metrics from its event store, cached on disk.

`chain_metrics(chain, ...)` is what views, the API, reports and `keten analyse` call. Results
are cached under `<KETEN_DATA_DIR>/cache/analytics/` keyed by the chain (slug and definition),
the store version (the set of active batches) and the parameters, so gunicorn workers share
them and a new or withdrawn batch invalidates them. Who may see what (small-cell suppression,
case rows) is decided by the monitor views, not here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings

from keten.analytics import cases, engine, suite
from keten.analytics.cache import ResultCache, digest
from keten.analytics.kpis import KpiResult
from keten.analytics.model import ChainSpec
from keten.analytics.prepare import make_filters
from keten.events.store import active_batch_paths
from keten.events.store import store_version as _store_version

_CONNECTIONS: dict[str, Any] = {}


@dataclass
class ChainMetrics:
    """Every metric of one chain for one set of filters (frames documented in keten.analytics.flow)."""

    chain: str
    store_version: str
    parameters: dict[str, Any]
    # The engine that computed the figures ("duckdb" or "pyspark").
    engine: str
    duration_summary: pd.DataFrame
    throughput: pd.DataFrame
    stage_times: pd.DataFrame
    chain_stage_times: pd.DataFrame
    handovers: pd.DataFrame
    handovers_by_period: pd.DataFrame
    dfg_activity: pd.DataFrame
    dfg_partner: pd.DataFrame
    variants: pd.DataFrame
    variant_count: int
    # Cohorts by the partners a case passed through (keten.analytics.routes), the "all" row last.
    routes: pd.DataFrame
    rework: pd.DataFrame
    dropout: pd.DataFrame
    dropout_points: pd.DataFrame
    stage_flow: pd.DataFrame
    norm_compliance: pd.DataFrame
    kpis: list[KpiResult]
    chain_level_share: float | None
    # partner, cases, events: for small-cell suppression and "who delivers".
    cases_per_partner: pd.DataFrame
    # period, partner, events
    partner_periods: pd.DataFrame
    # Data extent of the selection.
    first_event: dt.datetime | None
    last_event: dt.datetime | None
    events: int
    cases: int
    partners_delivering: list[str]
    active_batches: int
    computed_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def is_empty(self) -> bool:
        return self.events == 0


# --- the event store ------------------------------------------------------------------------


def event_paths(chain: Any) -> list[Path]:
    """Parquet files of the chain's active batches."""
    return [Path(p) for p in active_batch_paths(chain)]


def store_version(chain: Any) -> str:
    """A text that changes whenever the set of active batches changes."""
    return str(_store_version(chain))


def connection(kind: str | None = None) -> Any:
    """The process's engine connection (created once)."""
    kind = kind or settings.KETEN_ENGINE
    if kind not in _CONNECTIONS:
        _CONNECTIONS[kind] = engine.connect(
            kind,
            spark_master=settings.KETEN_SPARK_MASTER,
            memory_limit=settings.KETEN_DUCKDB_MEMORY_LIMIT if kind == "duckdb" else None,
            temp_directory=Path(settings.KETEN_DATA_DIR) / "tmp" / "duckdb" if kind == "duckdb" else None,
        )
    return _CONNECTIONS[kind]


def load_events(chain: Any, con: Any = None) -> Any:
    """The chain's active events as an Ibis table."""
    return engine.read_events(con or connection(), event_paths(chain))


def result_cache() -> ResultCache:
    return ResultCache(Path(settings.KETEN_DATA_DIR) / "cache" / "analytics")


# --- public API -----------------------------------------------------------------------------


def _parameters(spec: ChainSpec, kind: str, **filters: Any) -> dict[str, Any]:
    # Validate early (clear ValueError for a bad grain/date) and normalise for the key. The
    # engine is part of it: a DuckDB result must not answer a request for Spark.
    return {
        "kind": kind,
        "engine": settings.KETEN_ENGINE,
        "filters": make_filters(spec, **filters).key(),
        "spec": digest(spec),
    }


def chain_metrics(
    chain: Any,
    *,
    grain: str = "month",
    start: Any = None,
    end: Any = None,
    partner: str | None = None,
    attribute: tuple[str, str] | None = None,
    as_of: Any = None,
    use_cache: bool = True,
) -> ChainMetrics:
    """Every metric for `chain` (a keten.chains Chain) over its active batches, as of `as_of`
    (default: the last event; see keten.analytics.prepare). Every surface asks this one
    function, so the same filters and moment give the same figures everywhere."""
    spec = chain.to_spec()
    filters = {
        "grain": grain,
        "start": start,
        "end": end,
        "partner": partner,
        "attribute": attribute,
        "as_of": as_of,
    }
    version = store_version(chain)
    params = _parameters(spec, "chain_metrics", **filters)

    def compute() -> ChainMetrics:
        paths = event_paths(chain)
        events = load_events(chain)
        result = suite.run_suite(events, spec, **filters)
        ext = result.pop("extent")
        return ChainMetrics(
            chain=chain.slug,
            store_version=version,
            parameters=params,
            engine=engine.backend_name(events),
            first_event=ext["first_event"],
            last_event=ext["last_event"],
            events=ext["events"],
            cases=ext["cases"],
            partners_delivering=ext["partners"],
            active_batches=len(paths),
            **result,
        )

    if not use_cache:
        return compute()
    return result_cache().get_or_compute(chain.slug, version, params, compute)


@dataclass
class CaseRows:
    """A chain's pseudonymised case rows for one selection (columns and order:
    keten.analytics.cases.CaseList): the count and any page computed in the engine and cached
    on disk like every metric, or every row as a stream of Arrow batches (CSV downloads).
    Who may see them is decided by the monitor (`MonitorData.case_rows`), not here."""

    chain: Any
    filters: dict[str, Any]
    involving: tuple[str, ...] = ()
    status: str | None = None
    # The figure the list drills into (keten.analytics.journey.drill_cases), or ().
    drill: tuple = ()

    @cached_property
    def spec(self) -> ChainSpec:
        return self.chain.to_spec()

    def _parameters(self, what: str, **extra: Any) -> dict[str, Any]:
        params = _parameters(self.spec, "case_list", **self.filters)
        return {
            **params,
            "involving": sorted(self.involving),
            "status": self.status,
            "drill": [str(v) for v in self.drill],
            "what": what,
            **extra,
        }

    def _cases(self) -> cases.CaseList:
        return cases.case_list(
            load_events(self.chain),
            self.spec,
            involving=self.involving,
            status=self.status,
            drill=self.drill,
            **self.filters,
        )

    def _cached(self, params: dict[str, Any], compute: Any) -> Any:
        return result_cache().get_or_compute(self.chain.slug, store_version(self.chain), params, compute)

    def count(self) -> int:
        return self._cached(self._parameters("count"), lambda: self._cases().count())

    def page(self, offset: int, limit: int) -> pd.DataFrame:
        """`limit` rows from position `offset` (0-based)."""
        params = self._parameters("page", offset=offset, limit=limit)
        return self._cached(params, lambda: self._cases().page(offset, limit))

    def batches(self, chunk_size: int = 10_000) -> Any:
        """Every row, in order, as a `pyarrow.RecordBatchReader`."""
        return self._cases().batches(chunk_size)


def case_list(
    chain: Any,
    *,
    grain: str = "month",
    start: Any = None,
    end: Any = None,
    partner: str | None = None,
    attribute: tuple[str, str] | None = None,
    as_of: Any = None,
    involving: tuple[str, ...] = (),
    status: str | None = None,
    drill: tuple = (),
) -> CaseRows:
    """Pseudonymised case rows for drill-down (see `CaseRows`). With `partner`, only the cases
    in which that partner has events; with `involving`, the cases in which all these partners
    have events; with `status` (reached, dropped, open), the cases with that status; with
    `drill`, the cases behind one figure (keten.analytics.journey.drill_cases)."""
    filters = {
        "grain": grain,
        "start": start,
        "end": end,
        "partner": partner,
        "attribute": attribute,
        "as_of": as_of,
    }
    # Validates the filters now (a clear ValueError), not when the first page is asked for.
    make_filters(chain.to_spec(), **filters)
    return CaseRows(chain, filters, tuple(dict.fromkeys(involving)), status, tuple(drill))


def case_journey(chain: Any, case_id: str, *, as_of: Any = None) -> Any:
    """One case's journey (keten.analytics.journey.Journey) as of `as_of` (default: the last
    event in the store, as every figure), or None for a case without events. Computed per
    request, not cached: one case's events are few, and each view is checked and audited."""
    from keten.analytics.journey import case_journey as journey

    return journey(load_events(chain), chain.to_spec(), case_id, as_of=as_of)
