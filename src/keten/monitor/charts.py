"""Vega-Lite chart specifications for the monitor and the report, built with Altair.

Every function takes plain pandas frames (as `keten.monitor.metrics` returns them, after
suppression) and returns a Vega-Lite dict. No request objects: the report renders the same
specs to SVG with vl-convert. Axis titles use gettext, so wrap calls in
`translation.override(lang)` to get another language. Suppressed values are missing (NA)
and simply leave a gap; the table beside every chart says why.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd
from django.utils import formats
from django.utils.translation import gettext as _

FONT = "DejaVu Sans"
DEFAULT_ACCENT = "#154273"
SLOW = "#b3261e"
MUTED = "#5f6b75"
TARGET = "#1b1b1b"

Spec = dict[str, Any]
# Periods are calendar dates where the chain lives: read and show them as UTC so that no
# browser time zone moves 1 January to 31 December.
UTC = alt.Scale(type="utc")


def _finish(chart: alt.TopLevelMixin, *, width: int | str = "container", height: int = 240) -> Spec:
    """Apply the house style (one font, calm axes) and return the Vega-Lite dict."""
    chart = chart.properties(width=width, height=height).configure(font=FONT).configure_view(strokeWidth=0)
    chart = chart.configure_axis(labelFontSize=12, titleFontSize=12, gridColor="#e3e7ea").configure_legend(
        labelFontSize=12, titleFontSize=12, orient="bottom"
    )
    return _clean(chart.to_dict(validate=False))


def _clean(spec: Spec) -> Spec:
    """Replace NaN (hidden or missing values) by null: browsers' JSON.parse rejects NaN."""
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            for key, value in row.items():
                if isinstance(value, float) and math.isnan(value):
                    row[key] = None
    return spec


def _periods(frame: pd.DataFrame, column: str = "period") -> pd.DataFrame:
    """Periods as ISO date strings: JSON-safe and read as temporal by Vega-Lite."""
    out = frame.copy()
    if column in out.columns:
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out


def _numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce")
    return out


def kpi_sparkline(trend: pd.DataFrame, *, accent: str = DEFAULT_ACCENT, target: float | None = None) -> Spec:
    """A small trend line of a KPI (columns period, value); the target as a dashed rule."""
    data = _numeric(_periods(trend), ["value"])
    line = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=18), color=accent, strokeWidth=2)
        .encode(
            x=alt.X("period:T", axis=None, scale=UTC),
            y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("utcyearmonthdate(period):T", title=_("Period"), format="%Y-%m-%d"),
                alt.Tooltip("value:Q", title=_("Value"), format=",.3~f"),
            ],
        )
    )
    layers = [line]
    if target is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"target": [target]}))
            .mark_rule(strokeDash=[3, 3], color=MUTED)
            .encode(y="target:Q")
        )
    return _finish(alt.layer(*layers), width="container", height=50)


def flow_map(
    partners: pd.DataFrame,
    handovers: pd.DataFrame,
    *,
    accent: str = DEFAULT_ACCENT,
    width: int | str = "container",
) -> Spec:
    """Partners in chain order with an arrow per handover, labelled with cases and median days.

    `partners`: code, name (in chain order). `handovers`: from_partner, to_partner, cases,
    median_days, optionally `slowest` (bool) and `href` (a link to open on click). Handovers
    between neighbours run along the middle; longer or backward ones get their own lane.
    """
    order = {code: i for i, code in enumerate(partners["code"])}
    nodes = partners.assign(x=[order[c] * 3 for c in partners["code"]], y=0)
    edges = handovers[handovers["from_partner"].isin(order) & handovers["to_partner"].isin(order)].copy()
    edges = _numeric(edges, ["cases", "median_days"])
    if "slowest" not in edges.columns:
        edges["slowest"] = False
    if "href" not in edges.columns:
        edges["href"] = None
    gap = 1.0  # keep arrows clear of the partner boxes
    rows = []
    lanes: dict[int, int] = {}
    for edge in edges.itertuples(index=False):  # one row per partner pair, not per event
        a, b = order[edge.from_partner] * 3, order[edge.to_partner] * 3
        forward = b > a
        span = abs(b - a) // 3
        if forward and span == 1:
            lane = 0
        else:
            key = 1 if forward else -1
            lanes[key] = lanes.get(key, 0) + 1
            lane = key * lanes[key]
        start, end = (a + gap, b - gap) if forward else (a - gap, b + gap)
        cases = "–" if pd.isna(edge.cases) else formats.number_format(int(edge.cases), 0, force_grouping=True)
        days = "–" if pd.isna(edge.median_days) else formats.number_format(edge.median_days, 1)
        rows.append(
            {
                "x": start,
                "x2": end,
                "y": lane,
                "mid": (start + end) / 2,
                "label": _("%(cases)s cases · %(days)s d") % {"cases": cases, "days": days},
                "cases": edge.cases,
                "slowest": bool(edge.slowest),
                "href": edge.href,
                "shape": "triangle-right" if forward else "triangle-left",
                "from_partner": edge.from_partner,
                "to_partner": edge.to_partner,
                "median_days": edge.median_days,
            }
        )
    edge_data = pd.DataFrame(
        rows,
        columns=[
            "x",
            "x2",
            "y",
            "mid",
            "label",
            "cases",
            "slowest",
            "href",
            "shape",
            "from_partner",
            "to_partner",
            "median_days",
        ],
    )
    colour = alt.condition("datum.slowest", alt.value(SLOW), alt.value(accent))
    tooltip = [
        alt.Tooltip("from_partner:N", title=_("From")),
        alt.Tooltip("to_partner:N", title=_("To")),
        alt.Tooltip("cases:Q", title=_("Cases"), format=","),
        alt.Tooltip("median_days:Q", title=_("Median days"), format=".1f"),
    ]
    lane_max = int(edge_data["y"].max()) if len(edge_data) else 0
    lane_min = int(edge_data["y"].min()) if len(edge_data) else 0
    # One shared, axis-less scale per direction for every layer (Vega-Lite merges them).
    xs = alt.Scale(domain=[-1.0, (len(nodes) - 1) * 3 + 1.0])
    ys = alt.Scale(domain=[min(-1, lane_min - 1), max(1, lane_max + 1)])

    def X(field):  # noqa: N802 - reads like alt.X
        return alt.X(field, axis=None, scale=xs)

    def Y(field):  # noqa: N802
        return alt.Y(field, axis=None, scale=ys)

    base_edges = alt.Chart(edge_data)
    lines = base_edges.mark_rule(strokeWidth=3).encode(
        x=X("x:Q"), x2="x2:Q", y=Y("y:Q"), color=colour, href="href:N", tooltip=tooltip
    )
    heads = base_edges.mark_point(filled=True, size=120, opacity=1).encode(
        x=X("x2:Q"),
        y=Y("y:Q"),
        shape=alt.Shape("shape:N", scale=None),
        color=colour,
        href="href:N",
        tooltip=tooltip,
    )
    labels = base_edges.mark_text(dy=-10, fontSize=11).encode(
        x=X("mid:Q"),
        y=Y("y:Q"),
        text="label:N",
        color=alt.condition("datum.slowest", alt.value(SLOW), alt.value(TARGET)),
    )
    boxes = (
        alt.Chart(nodes)
        .transform_calculate(x1="datum.x - 0.9", x2="datum.x + 0.9", y1="datum.y - 0.35", y2="datum.y + 0.35")
        .mark_rect(cornerRadius=4, color=accent, opacity=0.12, stroke=accent)
        .encode(
            x=X("x1:Q"), x2="x2:Q", y=Y("y1:Q"), y2="y2:Q", tooltip=alt.Tooltip("name:N", title=_("Partner"))
        )
    )
    names = (
        alt.Chart(nodes)
        .mark_text(fontWeight="bold", fontSize=11, limit=150)
        .encode(x=X("x:Q"), y=Y("y:Q"), text="name:N")
    )
    height = 50 * (lane_max - lane_min + 3)
    return _finish(alt.layer(boxes, names, lines, heads, labels), width=width, height=height)


def handover_chart(handovers: pd.DataFrame, *, accent: str = DEFAULT_ACCENT) -> Spec:
    """Median handover days per partner pair, the slowest in red; columns pair, median_days, slowest."""
    data = _numeric(handovers, ["median_days", "p80_days", "cases"])
    if "slowest" not in data.columns:
        data["slowest"] = False
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("pair:N", sort=None, title=None),
            x=alt.X("median_days:Q", title=_("Median handover time (days)")),
            color=alt.condition("datum.slowest", alt.value(SLOW), alt.value(accent)),
            tooltip=[
                alt.Tooltip("pair:N", title=_("Handover")),
                alt.Tooltip("cases:Q", title=_("Cases"), format=","),
                alt.Tooltip("median_days:Q", title=_("Median days"), format=".1f"),
                alt.Tooltip("p80_days:Q", title=_("80th percentile (days)"), format=".1f"),
            ],
        )
    )
    return _finish(bars, height=max(80, 28 * len(data)))


def duration_chart(summary: pd.DataFrame, *, accent: str = DEFAULT_ACCENT, series: str | None = None) -> Spec:
    """Throughput distribution over time: median line inside the 20-80 percentile band.

    Columns: period, median_days, and when present p20_days/p80_days; `series` names a column
    (e.g. stage) to draw one line per value.
    """
    data = _numeric(_periods(summary), ["median_days", "p20_days", "p80_days", "mean_days", "cases"])
    x = alt.X("period:T", title=_("Period"), scale=UTC)
    tooltip = [
        alt.Tooltip("utcyearmonthdate(period):T", title=_("Period"), format="%Y-%m-%d"),
        alt.Tooltip("median_days:Q", title=_("Median days"), format=".1f"),
    ]
    if series:
        tooltip.insert(0, alt.Tooltip(f"{series}:N", title=_("Stage")))
        line = (
            alt.Chart(data)
            .mark_line(point=True)
            .encode(
                x=x,
                y=alt.Y("median_days:Q", title=_("Median days")),
                color=alt.Color(f"{series}:N", title=_("Stage")),
                tooltip=tooltip,
            )
        )
        return _finish(line, height=260)
    layers = []
    if {"p20_days", "p80_days"} <= set(data.columns):
        layers.append(
            alt.Chart(data)
            .mark_area(opacity=0.18, color=accent)
            .encode(x=x, y=alt.Y("p20_days:Q", title=_("Days")), y2="p80_days:Q")
        )
        tooltip.append(alt.Tooltip("p80_days:Q", title=_("80th percentile (days)"), format=".1f"))
    layers.append(
        alt.Chart(data)
        .mark_line(point=True, color=accent, strokeWidth=2)
        .encode(x=x, y=alt.Y("median_days:Q", title=_("Days")), tooltip=tooltip)
    )
    return _finish(alt.layer(*layers), height=260)


def stage_time_chart(stages: pd.DataFrame, *, accent: str = DEFAULT_ACCENT) -> Spec:
    """Median days spent per stage, in chain order; columns stage_name, median_days."""
    data = _numeric(stages, ["median_days", "p80_days", "cases"])
    bars = (
        alt.Chart(data)
        .mark_bar(color=accent)
        .encode(
            y=alt.Y("stage_name:N", sort=None, title=None),
            x=alt.X("median_days:Q", title=_("Median days in stage")),
            tooltip=[
                alt.Tooltip("stage_name:N", title=_("Stage")),
                alt.Tooltip("median_days:Q", title=_("Median days"), format=".1f"),
                alt.Tooltip("cases:Q", title=_("Cases"), format=","),
            ],
        )
    )
    return _finish(bars, height=max(80, 28 * len(data)))


def norm_chart(compliance: pd.DataFrame, *, accent: str = DEFAULT_ACCENT) -> Spec:
    """Share within the norm per period for one agreement, the agreed share as a dashed rule.

    Columns: period, share, target_share, meets.
    """
    data = _numeric(_periods(compliance), ["share", "target_share", "cases", "late_open"])
    # Bars per period read best on a band scale; periods are ISO dates, shown as they are.
    x = alt.X("period:O", title=_("Period"), axis=alt.Axis(labelAngle=-45))
    bars = (
        alt.Chart(data)
        .mark_bar(color=accent, opacity=0.85)
        .encode(
            x=x,
            y=alt.Y(
                "share:Q",
                title=_("Share within the norm"),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("utcyearmonthdate(period):T", title=_("Period"), format="%Y-%m-%d"),
                alt.Tooltip("share:Q", title=_("Share within the norm"), format=".0%"),
                alt.Tooltip("cases:Q", title=_("Cases"), format=","),
                alt.Tooltip("late_open:Q", title=_("Late open cases"), format=","),
            ],
        )
    )
    rule = (
        alt.Chart(data)
        .mark_rule(color=TARGET, strokeDash=[4, 3], strokeWidth=2)
        .encode(y="mean(target_share):Q")
    )
    return _finish(alt.layer(bars, rule), height=200)


def stage_flow_chart(flow: pd.DataFrame, *, accent: str = DEFAULT_ACCENT) -> Spec:
    """Inflow, outflow and work in progress per period, one small panel per stage.

    Columns: period, stage_name, inflow, outflow, wip.
    """
    data = _numeric(_periods(flow), ["inflow", "outflow", "wip"])
    long = data.melt(
        id_vars=["period", "stage_name"],
        value_vars=["inflow", "outflow", "wip"],
        var_name="measure",
        value_name="cases",
    )
    labels = {"inflow": _("Inflow"), "outflow": _("Outflow"), "wip": _("Work in progress")}
    long["measure"] = long["measure"].map(labels)
    colours = alt.Scale(domain=list(labels.values()), range=[accent, "#8fa3b1", "#1b1b1b"])
    chart = (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("period:T", title=None, scale=UTC),
            y=alt.Y("cases:Q", title=_("Cases")),
            color=alt.Color("measure:N", title=None, scale=colours),
            strokeDash=alt.condition(
                alt.datum.measure == labels["wip"], alt.value([4, 2]), alt.value([1, 0])
            ),
            tooltip=[
                alt.Tooltip("stage_name:N", title=_("Stage")),
                alt.Tooltip("utcyearmonthdate(period):T", title=_("Period"), format="%Y-%m-%d"),
                alt.Tooltip("measure:N", title=_("Measure")),
                alt.Tooltip("cases:Q", title=_("Cases"), format=","),
            ],
        )
        .properties(width=220, height=120)
        .facet(
            facet=alt.Facet(
                "stage_name:N",
                title=None,
                sort=list(dict.fromkeys(data["stage_name"])),  # chain order
                header=alt.Header(labelFontSize=12, labelFontWeight="bold"),
            ),
            columns=3,
        )
        .resolve_scale(y="independent")
    )
    return (
        chart.configure(font=FONT)
        .configure_view(strokeWidth=0)
        .configure_legend(orient="bottom")
        .to_dict(validate=False)
    )


def bar_chart(
    frame: pd.DataFrame,
    label: str,
    value: str,
    *,
    title: str,
    accent: str = DEFAULT_ACCENT,
    percent: bool = False,
) -> Spec:
    """Horizontal bars of `value` per `label`, in the frame's order (variants, rework, dropout)."""
    data = _numeric(frame, [value])
    axis = alt.Axis(format="%") if percent else alt.Axis()
    bars = (
        alt.Chart(data)
        .mark_bar(color=accent)
        .encode(
            y=alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)),
            x=alt.X(f"{value}:Q", title=title, axis=axis),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=_("Label")),
                alt.Tooltip(f"{value}:Q", title=title, format=".0%" if percent else ","),
            ],
        )
    )
    return _finish(bars, height=max(80, 26 * len(data)))
