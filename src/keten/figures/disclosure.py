"""What a small cell hides, per dataset, in one place: the monitor's pages, CSV and API and the
report read the same rule, so a number hidden on one is hidden on all.

A dataset names the count a cell rests on and the values that go with it; the rule is one of
`keten.figures.suppression`'s: a row hidden with its values, period rows whose "all" row must
not give a hidden one back, the work-in-progress identities of the stage flow, or a list whose
small rows fold into one "other" row.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from keten.figures import suppression as sup

THROUGHPUT_VALUES = ("mean_days", "p20_days", "median_days", "p80_days", "p90_days")
HANDOVER_VALUES = ("transitions", "mean_days", "median_days", "p80_days", "p90_days", "median_working_days")


@dataclass(frozen=True)
class Disclosure:
    rule: str  # "rows", "periods", "stage_flow" or "fold"
    count: str = "cases"
    values: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    summed: str | None = None  # periods: the boolean column of the rows the "all" row adds up
    label: str = ""  # fold: the column that names a row


DATASETS: dict[str, Disclosure] = {
    "handovers": Disclosure("rows", values=HANDOVER_VALUES),
    "dfg_activity": Disclosure(
        "rows",
        values=(
            "frequency",
            "mean_days",
            "median_days",
            "p80_days",
            "p90_days",
            "min_days",
            "max_days",
            "sum_days",
        ),
    ),
    "throughput": Disclosure("periods", values=THROUGHPUT_VALUES),
    "chain_stage_times": Disclosure("rows", values=("visits", *THROUGHPUT_VALUES)),
    "stage_times": Disclosure(
        "rows", values=("blocks", "mean_days", "median_days", "p80_days", "p90_days", "total_days")
    ),
    # The "all" row adds up the mature periods only (keten.analytics.norms).
    "norm_compliance": Disclosure(
        "periods",
        values=("within", "late", "late_open", "open", "share", "meets"),
        group_by=("agreement",),
        summed="mature",
    ),
    "stage_flow": Disclosure("stage_flow"),
    "rework": Disclosure("rows", count="cases_visiting", values=("cases_reentering", "reentries", "share")),
    "dropout": Disclosure("periods", values=("reached", "dropped", "open", "dropout_share")),
    "variants": Disclosure("fold", label="variant"),
    # Routes with few cases fold into one row; the whole selection's row is hidden like a row.
    "routes": Disclosure("fold", label="route"),
    "routes_total": Disclosure(
        "rows", values=("reached", "reached_share", "median_days_to_goal", "dropped", "dropout_share", "open")
    ),
    "dropout_points": Disclosure("fold", label="activity_name"),
    # A partner's events go with its cases: a partner with few cases shows neither.
    "cases_per_partner": Disclosure("rows", values=("events",)),
}


def disclose(
    dataset: str, frame: pd.DataFrame, min_cell: int, *, suppress: bool, other: str = ""
) -> pd.DataFrame:
    """`frame` as a reader may see it: with `suppress`, small cells hidden by the dataset's rule
    (`other` names a folded row); without, every cell shown. Either way the rows say whether
    they are hidden (`suppressed`) and, where a rule can hide a cell to protect another, which
    columns it hid (`hidden_to_protect`)."""
    d = DATASETS[dataset]
    protects = d.rule in ("periods", "stage_flow")
    if not suppress or frame.empty:
        shown = frame.assign(**{sup.SUPPRESSED: False})
        return shown.assign(**{sup.PROTECTING: ""}) if protects else shown
    if d.rule == "rows":
        return sup.hide_small_rows(frame, d.count, d.values, min_cell)
    if d.rule == "periods":
        return sup.hide_period_rows(frame, d.count, d.values, min_cell, d.group_by, d.summed)
    if d.rule == "stage_flow":
        return sup.hide_stage_flow(frame, min_cell)
    return sup.fold_small_rows(frame, d.count, d.label, other, min_cell)
