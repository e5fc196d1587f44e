"""What one viewer may see of a chain's cached metrics: named, ordered and suppressed frames.

`MonitorData` is the single door between `keten.figures.metrics` (raw numbers, cached on disk)
and everything that shows numbers: pages, CSV downloads and the REST API. Every frame leaves
here with partner and stage names filled in and, where the viewer's rule says so
(`Viewer.suppresses`), with small cells hidden. Case rows leave only through `case_rows()`, which
refuses viewers without case rights and narrows an analyst to their partner's cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from django.utils.translation import gettext as _

from keten.analytics.flow import variant_in_words
from keten.analytics.model import ChainSpec
from keten.analytics.routes import ALL_ROUTES
from keten.figures import metrics as metrics_module
from keten.figures.disclosure import disclose
from keten.figures.suppression import suppress_kpi
from keten.monitor.access import Viewer
from keten.monitor.forms import Filters

VARIANT_LIMIT = 10


@dataclass
class MonitorData:
    chain: object  # keten.chains.models.Chain
    viewer: Viewer
    filters: Filters = field(default_factory=Filters)

    # --- sources ---------------------------------------------------------------------------

    @cached_property
    def spec(self) -> ChainSpec:
        from keten.monitor.cache import chain_definition

        return chain_definition(self.chain)[0]

    @cached_property
    def metrics(self) -> metrics_module.ChainMetrics:
        return metrics_module.chain_metrics(self.chain, **self._filter_kwargs())

    def _filter_kwargs(self) -> dict:
        return self.filters.metric_arguments()

    @cached_property
    def partner_names(self) -> dict[str, str]:
        return {p.code: p.name for p in self.spec.partners}

    @cached_property
    def stage_names(self) -> dict[str, str]:
        return {s.code: s.name for s in self.spec.stages}

    @cached_property
    def agreement_names(self) -> dict[str, str]:
        return {a.code: a.name for a in self.spec.agreements}

    @property
    def min_cell(self) -> int:
        return self.viewer.min_cell

    def _disclose(self, dataset: str, frame: pd.DataFrame, other: str = "") -> pd.DataFrame:
        """The frame as this viewer may see it (`keten.figures.disclosure`)."""
        return disclose(dataset, frame, self.min_cell, suppress=self.viewer.suppresses, other=other)

    @staticmethod
    def _periods_only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["period"] != "all"].reset_index(drop=True)

    @staticmethod
    def _all_row(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["period"] == "all"].reset_index(drop=True)

    # --- aggregates --------------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        return self.metrics.is_empty

    def extent(self) -> dict:
        m = self.metrics
        cases = m.cases
        if self.viewer.suppresses and 0 < cases < self.min_cell:
            cases = None
        return {"first_event": m.first_event, "last_event": m.last_event, "cases": cases, "events": m.events}

    def kpis(self) -> list:
        """KPI results in definition order, with small values hidden for this viewer."""
        kpis = self.metrics.kpis
        if self.viewer.suppresses:
            kpis = [suppress_kpi(k, self.min_cell) for k in kpis]
        return kpis

    def chain_level_share(self) -> float | None:
        return self.metrics.chain_level_share

    def handovers(self) -> pd.DataFrame:
        """Handovers between partners with names, in chain order; `slowest` marks the pair with
        the longest median among pairs with enough cases to be shown to anyone."""
        order = {code: i for i, code in enumerate(p.code for p in self.spec.partners)}
        df = self.metrics.handovers.copy()
        df["from_name"] = df["from_partner"].map(self.partner_names).fillna(df["from_partner"])
        df["to_name"] = df["to_partner"].map(self.partner_names).fillna(df["to_partner"])
        df["pair"] = df["from_name"] + " → " + df["to_name"]
        df["_o"] = df["from_partner"].map(order).fillna(99) * 100 + df["to_partner"].map(order).fillna(99)
        df = df.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
        eligible = df[df["cases"] >= self.min_cell]
        df["slowest"] = False
        if len(eligible) and eligible["median_days"].notna().any():
            df.loc[eligible["median_days"].idxmax(), "slowest"] = True
        return self._disclose("handovers", df)

    def dfg_activity(self) -> pd.DataFrame:
        """Directly-follows steps between activities (see keten.analytics.flow.dfg), with small
        cells hidden for this viewer."""
        return self._disclose("dfg_activity", self.metrics.dfg_activity)

    def _throughput(self) -> pd.DataFrame:
        return self._disclose("throughput", self.metrics.throughput)

    def throughput(self) -> pd.DataFrame:
        """Throughput time per period in which the cases reached the goal (see
        keten.analytics.flow.throughput), with the cases still open at each period's end."""
        return self._periods_only(self._throughput())

    def throughput_total(self) -> pd.DataFrame:
        return self._all_row(self._throughput())

    def chain_stage_times(self) -> pd.DataFrame:
        """Time per chain stage, in chain order."""
        df = self.metrics.chain_stage_times.copy()
        df["stage_name"] = df["stage"].map(self.stage_names).fillna(df["stage"])
        return self._disclose("chain_stage_times", df)

    def stage_times(self) -> pd.DataFrame:
        """Time each partner holds a case (a block of its consecutive events), in chain order."""
        order = {code: i for i, code in enumerate(self.spec.producing_partners)}
        df = self.metrics.stage_times.copy()
        df["partner_name"] = df["partner"].map(self.partner_names).fillna(df["partner"])
        df = df.assign(_o=df["partner"].map(order).fillna(99)).sort_values("_o", kind="stable")
        df = df.drop(columns="_o").reset_index(drop=True)
        return self._disclose("stage_times", df)

    def norms(self) -> pd.DataFrame:
        """Compliance per agreement and period (the "all" row last per agreement)."""
        df = self.metrics.norm_compliance.copy()
        df["agreement_name"] = df["agreement"].map(self.agreement_names).fillna(df["agreement"])
        return self._disclose("norm_compliance", df)

    def stage_flow(self) -> pd.DataFrame:
        df = self.metrics.stage_flow.copy()
        df["stage_name"] = df["stage"].map(self.stage_names).fillna(df["stage"])
        return self._disclose("stage_flow", df)

    def variants(self) -> pd.DataFrame:
        df = self.metrics.variants.head(VARIANT_LIMIT * 5).copy()
        df = self._disclose("variants", df, other=_("Other variants (few cases each)"))
        df = df.head(VARIANT_LIMIT + 1).reset_index(drop=True)
        # The activities by name, for people; `variant` keeps the codes (the API, the drill-down).
        df["path"] = [variant_in_words(v, self.spec.activity_names) for v in df["variant"]]
        return df

    def routes(self) -> pd.DataFrame:
        """Goal realisation by route (keten.analytics.routes), the partners by name in `path`;
        routes with few cases folded into one row, the whole chain's row last."""
        df = self.metrics.routes
        per_route = df[df["route"] != ALL_ROUTES].head(VARIANT_LIMIT * 5).reset_index(drop=True)
        per_route = self._disclose("routes", per_route, other=_("Other routes (few cases each)"))
        per_route = per_route.head(VARIANT_LIMIT + 1)
        per_route["path"] = [
            route if hidden else variant_in_words(route, self.partner_names)
            for route, hidden in zip(per_route["route"], per_route["suppressed"], strict=True)
        ]
        total = self._disclose("routes_total", df[df["route"] == ALL_ROUTES].reset_index(drop=True))
        total["path"] = _("Whole chain")
        # Ranked by cases, as the variants are: the chart names a bar by its rank and route.
        per_route.insert(
            0, "rank", [None if hidden else i + 1 for i, hidden in enumerate(per_route["suppressed"])]
        )
        return pd.concat([per_route, total.assign(rank=None)], ignore_index=True)

    def variant_count(self) -> int:
        return self.metrics.variant_count

    def rework(self) -> pd.DataFrame:
        df = self.metrics.rework.copy()
        df["stage_name"] = df["stage"].map(self.stage_names).fillna(_("Whole chain"))
        return self._disclose("rework", df)

    def _dropout(self) -> pd.DataFrame:
        return self._disclose("dropout", self.metrics.dropout)

    def dropout(self) -> pd.DataFrame:
        return self._periods_only(self._dropout())

    def dropout_total(self) -> pd.DataFrame:
        return self._all_row(self._dropout())

    def dropout_points(self) -> pd.DataFrame:
        df = self.metrics.dropout_points.copy()
        df["partner_name"] = df["partner"].map(self.partner_names).fillna(df["partner"])
        df["activity_name"] = df["activity"].map(self.spec.activity_names).fillna(df["activity"])
        return self._disclose("dropout_points", df, other=_("Elsewhere (few cases each)"))

    def cases_per_partner(self) -> pd.DataFrame:
        df = self.metrics.cases_per_partner.copy()
        df["partner_name"] = df["partner"].map(self.partner_names).fillna(df["partner"])
        return self._disclose("cases_per_partner", df)

    # --- case rows ---------------------------------------------------------------------------

    def case_rows(
        self, *, involving: tuple[str, ...] = (), status: str | None = None, drill: tuple = ()
    ) -> CaseSequence:
        """Pseudonymised case rows this viewer may see; PermissionDenied for anyone else.

        An analyst gets only the cases their partner handled (had an event in), whatever
        the filters say; `involving` narrows to cases in which all these partners took part,
        `drill` to the cases behind one figure (keten.analytics.journey.drill_cases).
        Nothing is computed until a page (a slice) or the stream (`batches`) is asked for.
        """
        self.viewer.require_case_rows()
        kwargs = self._filter_kwargs()
        own = self.viewer.case_partner
        if own:
            kwargs["partner"] = own
        if own and self.filters.partner and self.filters.partner != own:
            involving = (*involving, self.filters.partner)
        if own:
            involving = (*involving, own)
        return CaseSequence(
            self,
            metrics_module.case_list(self.chain, **kwargs, involving=involving, status=status, drill=drill),
        )

    def journey(self, case_id: str):
        """One case's journey (keten.analytics.journey.Journey) as of the filters' moment, or
        None when this viewer may not see it: no such case, or (an analyst) a case their
        partner did not handle. PermissionDenied for a viewer without case rows here."""
        self.viewer.require_case_rows()
        journey = metrics_module.case_journey(self.chain, case_id, as_of=self.filters.as_of)
        own = self.viewer.case_partner
        if journey is None or (own and own not in set(journey.events["partner"])):
            return None
        return journey

    def named_cases(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Case rows with the names of their current stage and last partner beside the codes."""
        frame = frame.reset_index(drop=True)
        frame["current_stage_name"] = frame["current_stage"].map(self.stage_names).fillna("")
        frame["current_partner_name"] = frame["current_partner"].map(self.partner_names).fillna("")
        return frame


class CaseSequence:
    """Case rows as a sequence that Django's Paginator and DRF's pagination can slice: its
    length is a count in the engine and a slice is one page computed there (named rows as
    dicts), so no request ever holds the whole list."""

    def __init__(self, data: MonitorData, rows: metrics_module.CaseRows) -> None:
        self.data = data
        self.rows = rows

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("Case rows are read a page (a slice) at a time.")
        start, stop = index.start or 0, index.stop
        if stop is None or stop <= start:
            return []
        return self.data.named_cases(self.rows.page(start, stop - start)).to_dict("records")

    def batches(self, chunk_size: int = 10_000):
        """Every row, in order, as named frames of up to `chunk_size` rows."""
        for batch in self.rows.batches(chunk_size):
            yield self.data.named_cases(batch.to_pandas())
