"""What one viewer may see of a chain's cached metrics: named, ordered and suppressed frames.

`MonitorData` is the single door between `keten.monitor.metrics` (raw numbers, cached on disk)
and everything that shows numbers: pages, CSV downloads and the REST API. Every frame leaves
here with partner and stage names filled in and, where the viewer's rule says so
(`Viewer.suppresses`), with small cells hidden. Case rows leave only through `cases()`, which
refuses viewers without case rights and narrows an analyst to their partner's cases.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from django.utils.translation import gettext as _

from keten.analytics.model import ChainSpec
from keten.monitor import metrics as metrics_module
from keten.monitor.access import Viewer
from keten.monitor.forms import Filters
from keten.monitor.suppression import (
    SUPPRESSED,
    fold_small_rows,
    hide_small_counts,
    hide_small_rows,
    suppress_kpi,
)

VARIANT_LIMIT = 10
# Case tables of recent requests, per process: loading one from the disk cache costs about
# as much as rendering a page (a 1M-event chain has ~70,000 case rows).
_CASE_TABLES: OrderedDict[str, pd.DataFrame] = OrderedDict()
CASE_TABLES_KEPT = 8


def _case_rows(chain, kwargs: dict) -> pd.DataFrame:
    from keten.monitor.cache import data_version

    key = f"{chain.pk}|{data_version(chain)}|{sorted(kwargs.items())}"
    frame = _CASE_TABLES.get(key)
    if frame is None:
        frame = metrics_module.case_list(chain, **kwargs)
        _CASE_TABLES[key] = frame
        while len(_CASE_TABLES) > CASE_TABLES_KEPT:
            _CASE_TABLES.popitem(last=False)
    else:
        _CASE_TABLES.move_to_end(key)
    return frame


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

    def _rows(self, frame: pd.DataFrame, count: str, values: list[str]) -> pd.DataFrame:
        if self.viewer.suppresses:
            return hide_small_rows(frame, count, values, self.min_cell)
        return frame.assign(**{SUPPRESSED: False})

    def _counts(self, frame: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
        if self.viewer.suppresses:
            return hide_small_counts(frame, counts, self.min_cell)
        return frame.assign(**{SUPPRESSED: False})

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
        return self._rows(df, "cases", ["transitions", "mean_days", "median_days", "p80_days", "p90_days"])

    THROUGHPUT_VALUES = ["mean_days", "p20_days", "median_days", "p80_days", "p90_days"]

    def throughput(self) -> pd.DataFrame:
        """Throughput time per period in which the cases reached the goal (see
        keten.analytics.flow.throughput), with the cases still open at each period's end."""
        df = self._periods_only(self.metrics.throughput)
        return self._rows(df, "cases", self.THROUGHPUT_VALUES)

    def throughput_total(self) -> pd.DataFrame:
        df = self._all_row(self.metrics.throughput)
        return self._rows(df, "cases", self.THROUGHPUT_VALUES)

    def chain_stage_times(self) -> pd.DataFrame:
        """Time per chain stage, in chain order."""
        df = self.metrics.chain_stage_times.copy()
        df["stage_name"] = df["stage"].map(self.stage_names).fillna(df["stage"])
        return self._rows(df, "cases", ["visits", *self.THROUGHPUT_VALUES])

    def stage_times(self) -> pd.DataFrame:
        """Time each partner holds a case (a block of its consecutive events), in chain order."""
        order = {code: i for i, code in enumerate(self.spec.producing_partners)}
        df = self.metrics.stage_times.copy()
        df["partner_name"] = df["partner"].map(self.partner_names).fillna(df["partner"])
        df = df.assign(_o=df["partner"].map(order).fillna(99)).sort_values("_o", kind="stable")
        df = df.drop(columns="_o").reset_index(drop=True)
        return self._rows(
            df, "cases", ["blocks", "mean_days", "median_days", "p80_days", "p90_days", "total_days"]
        )

    def norms(self) -> pd.DataFrame:
        """Compliance per agreement and period (the "all" row last per agreement)."""
        df = self.metrics.norm_compliance.copy()
        df["agreement_name"] = df["agreement"].map(self.agreement_names).fillna(df["agreement"])
        return self._rows(df, "cases", ["within", "late", "late_open", "open", "share", "meets"])

    def stage_flow(self) -> pd.DataFrame:
        df = self.metrics.stage_flow.copy()
        df["stage_name"] = df["stage"].map(self.stage_names).fillna(df["stage"])
        return self._counts(df, ["inflow", "outflow", "wip"])

    def variants(self) -> pd.DataFrame:
        df = self.metrics.variants.head(VARIANT_LIMIT * 5).copy()
        if self.viewer.suppresses:
            df = fold_small_rows(df, "cases", "variant", _("Other variants (few cases each)"), self.min_cell)
        else:
            df = df.assign(**{SUPPRESSED: False})
        return df.head(VARIANT_LIMIT + 1).reset_index(drop=True)

    def variant_count(self) -> int:
        return self.metrics.variant_count

    def rework(self) -> pd.DataFrame:
        df = self.metrics.rework.copy()
        df["stage_name"] = df["stage"].map(self.stage_names).fillna(_("Whole chain"))
        return self._rows(df, "cases_visiting", ["cases_reentering", "reentries", "share"])

    def dropout(self) -> pd.DataFrame:
        df = self._periods_only(self.metrics.dropout)
        return self._rows(df, "cases", ["reached", "dropped", "open", "dropout_share"])

    def dropout_total(self) -> pd.DataFrame:
        df = self._all_row(self.metrics.dropout)
        return self._rows(df, "cases", ["reached", "dropped", "open", "dropout_share"])

    def dropout_points(self) -> pd.DataFrame:
        df = self.metrics.dropout_points.copy()
        df["partner_name"] = df["partner"].map(self.partner_names).fillna(df["partner"])
        names = {a.code: a.name for s in self.spec.stages for a in s.activities}
        df["activity_name"] = df["activity"].map(names).fillna(df["activity"])
        if self.viewer.suppresses:
            return fold_small_rows(
                df, "cases", "activity_name", _("Elsewhere (few cases each)"), self.min_cell
            )
        return df.assign(**{SUPPRESSED: False})

    def cases_per_partner(self) -> pd.DataFrame:
        df = self.metrics.cases_per_partner.copy()
        df["partner_name"] = df["partner"].map(self.partner_names).fillna(df["partner"])
        return (
            self._counts(df, ["cases", "events"])
            if self.viewer.suppresses
            else df.assign(**{SUPPRESSED: False})
        )

    # --- case rows ---------------------------------------------------------------------------

    def cases(self, *, involving: tuple[str, ...] = (), status: str | None = None) -> pd.DataFrame:
        """Pseudonymised case rows this viewer may see; PermissionDenied for anyone else.

        An analyst gets only the cases their partner handled (had an event in), whatever
        the filters say; `involving` narrows to cases in which all these partners took part.
        """
        self.viewer.require_case_rows()
        kwargs = self._filter_kwargs()
        own = self.viewer.case_partner
        if own:
            kwargs["partner"] = own
        df = _case_rows(self.chain, kwargs)
        if own and self.filters.partner and self.filters.partner != own:
            involving = (*involving, self.filters.partner)
        if own:
            involving = (*involving, own)
        for code in dict.fromkeys(involving):
            df = df[("," + df["partners"].fillna("") + ",").str.contains(f",{code},", regex=False)]
        if status:
            df = df[df["status"] == status]
        df = df.reset_index(drop=True)
        df["current_stage_name"] = df["current_stage"].map(self.stage_names).fillna("")
        df["current_partner_name"] = df["current_partner"].map(self.partner_names).fillna("")
        return df
