"""Vega-Lite chart specifications for the monitor and the report, built with Altair.

Every function takes plain pandas frames (as `keten.figures.metrics` returns them, after
suppression) and returns a Vega-Lite dict. No request objects: the report renders the same
specs to SVG with vl-convert. Text uses gettext and every spec carries `config.locale` of
the active language (Dutch: "okt 2025", 1.234,5), so wrap calls in
`translation.override(lang)` to get another language; the browser and vl-convert then read
the same locale from the spec. Suppressed values are missing (NA) and simply leave a gap;
the table beside every chart says why.

Periods arrive as ISO text ("2025-10-01") and are drawn as UTC dates, labelled by month with
the year ("okt 2025") or, for weeks and days, by day ("6 okt 2025"). A per-period frame may
carry a boolean `mature` column: rows with `mature == False` (the period's cases have not had
the whole window yet) are drawn lighter and labelled "not yet complete"; without the column
every row is mature.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd
from django.utils.translation import gettext as _

from keten import formatting

FONT = "DejaVu Sans"
DEFAULT_ACCENT = "#154273"
SLOW = "#b3261e"
MUTED = "#5f6b75"
TARGET = "#1b1b1b"
#: Opacity of what is complete and of what is not yet (immature periods).
SOLID = 0.9
LIGHT = 0.35

Spec = dict[str, Any]
# Periods are calendar dates where the chain lives: read and show them as UTC so that no
# browser time zone moves 1 January to 31 December.
UTC = alt.Scale(type="utc")


def _finish(chart: alt.TopLevelMixin, *, width: int | str = "container", height: int = 240) -> Spec:
    """Apply the house style (one font, calm axes, the active language) and return the dict."""
    chart = chart.properties(width=width, height=height).configure(font=FONT).configure_view(strokeWidth=0)
    chart = chart.configure_axis(labelFontSize=12, titleFontSize=12, gridColor="#e3e7ea").configure_legend(
        labelFontSize=12, titleFontSize=12, orient="bottom"
    )
    return localise(_clean(chart.to_dict(validate=False)))


def localise(spec: Spec) -> Spec:
    """Put the active language's number and time locale into the spec (`config.locale`)."""
    spec.setdefault("config", {})["locale"] = formatting.vega_locale()
    return spec


def _clean(spec: Spec) -> Spec:
    """Replace NaN (hidden or missing values) by null: browsers' JSON.parse rejects NaN."""
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            for key, value in row.items():
                if isinstance(value, float) and math.isnan(value):
                    row[key] = None
    return spec


#: A timeline shows at most this many periods (a year of days, thirty years of months): one
#: event dated 1900 must not make a chart of 45,000 days. Bounded here, so Altair's row limit
#: (meant for unbounded notebook data) is off.
MAX_CHART_PERIODS = 366
alt.data_transformers.disable_max_rows()


def latest_periods(frame: pd.DataFrame, limit: int = MAX_CHART_PERIODS) -> tuple[pd.DataFrame, str | None]:
    """The rows of the latest `limit` periods, and the first period left out (None: none)."""
    if "period" not in frame.columns or frame["period"].nunique() <= limit:
        return frame, None
    periods = sorted(frame["period"].dropna().unique())
    kept = periods[-limit:]
    return frame[frame["period"].isin(kept)], periods[0]


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


def _monthly(periods: pd.Series) -> bool:
    """True when the periods are months: all first days, at least four weeks apart."""
    days = pd.to_datetime(periods.dropna().drop_duplicates()).sort_values()
    if days.empty or not (days.dt.day == 1).all():
        return False
    return len(days) < 2 or days.diff().dropna().min() >= pd.Timedelta(days=28)


def _time_formats(data: pd.DataFrame) -> tuple[str, str]:
    """(axis label format, tooltip format) for the periods in `data`: months or days."""
    if "period" in data.columns and not _monthly(data["period"]):
        return "%-d %b %Y", "%-d %B %Y"
    return "%b %Y", "%B %Y"


def _period_x(data: pd.DataFrame, title: str | None) -> alt.X:
    """A temporal x axis of periods, labelled by month with the year (or by day)."""
    label, _tip = _time_formats(data)
    # Labels centred on their tick (not pushed inwards at the ends, where they would crowd
    # the next one); overlapping labels are left out.
    options: dict[str, Any] = {"format": label, "labelAngle": 0, "labelOverlap": True, "labelFlush": False}
    if label == "%b %Y":
        count = data["period"].nunique() if "period" in data.columns else 0
        # One tick per month for short runs, every n-th month for long ones.
        step = 1 if count <= 8 else 2 if count <= 16 else 3 if count <= 30 else 6
        options["tickCount"] = {"interval": "month", "step": step}
    return alt.X("period:T", title=title, scale=UTC, axis=alt.Axis(**options))


def _period_tooltip(data: pd.DataFrame) -> alt.Tooltip:
    _label, tip = _time_formats(data)
    return alt.Tooltip("utcyearmonthdate(period):T", title=_("Period"), format=tip)


# --- periods that are not yet complete -------------------------------------------------------


def _maturity(data: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """`data` with a boolean `mature` (True where absent or unknown), its label
    `completeness` and `tail`: the rows a dashed line runs through (immature rows and the
    mature row just before them)."""
    out = data.copy()
    if "mature" in out.columns:
        out["mature"] = (
            out["mature"].map(lambda v: True if formatting.is_missing(v) else bool(v)).astype(bool)
        )
    else:
        out["mature"] = True
    out["completeness"] = out["mature"].map({True: _("complete"), False: _("not yet complete")})
    groups = out.groupby(by, sort=False)["mature"] if by else None
    following = groups.shift(-1) if groups is not None else out["mature"].shift(-1)
    out["tail"] = (~out["mature"]) | (following.fillna(True).astype(bool) == False)  # noqa: E712
    return out


def _has_immature(data: pd.DataFrame) -> bool:
    return "mature" in data.columns and not bool(data["mature"].all())


def _opacity(data: pd.DataFrame, solid: float = SOLID) -> alt.Opacity | alt.ValueChannelMixin:
    """Lighter for rows not yet complete; a legend says so whenever such a row is drawn."""
    if not _has_immature(data):
        return alt.value(solid)
    return alt.Opacity(
        "completeness:N",
        title=None,
        scale=alt.Scale(domain=[_("complete"), _("not yet complete")], range=[solid, LIGHT]),
        legend=alt.Legend(symbolType="square", symbolFillColor=MUTED, symbolStrokeWidth=0),
    )


def _completeness_tooltip(data: pd.DataFrame) -> list[alt.Tooltip]:
    return [alt.Tooltip("completeness:N", title=_("Status"))] if _has_immature(data) else []


def _lines(data: pd.DataFrame, y: alt.Y, *, x: alt.X, colour: dict, tooltip: list, detail: str | None = None):
    """A line through the complete periods, a dashed lighter one on into the periods not yet
    complete, and a point per period (lighter when not complete) carrying the tooltip."""
    extra = {"detail": detail} if detail else {}
    base = alt.Chart(data)
    layers = [
        base.transform_filter("datum.mature").mark_line(strokeWidth=2).encode(x=x, y=y, **colour, **extra)
    ]
    if _has_immature(data):
        layers.append(
            base.transform_filter("datum.tail")
            .mark_line(strokeWidth=2, strokeDash=[4, 3], opacity=0.6)
            .encode(x=x, y=y, **colour, **extra)
        )
    layers.append(
        base.mark_point(filled=True, size=40).encode(
            x=x, y=y, opacity=_opacity(data, 1.0), tooltip=tooltip + _completeness_tooltip(data), **colour
        )
    )
    return layers


def kpi_sparkline(trend: pd.DataFrame, *, accent: str = DEFAULT_ACCENT, target: float | None = None) -> Spec:
    """A small trend line of a KPI (columns period, value, optionally mature); the target as
    a dashed rule. Periods not yet complete are lighter, dashed and labelled at the end."""
    data = _maturity(_numeric(_periods(trend), ["value"]))
    x = alt.X("period:T", axis=None, scale=UTC)
    y = alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False))
    tooltip = [_period_tooltip(data), alt.Tooltip("value:Q", title=_("Value"), format=",.3~f")]
    base = alt.Chart(data)
    layers = [
        base.transform_filter("datum.mature").mark_line(color=accent, strokeWidth=2).encode(x=x, y=y),
        base.mark_point(filled=True, size=18, color=accent).encode(
            x=x,
            y=y,
            opacity=alt.condition("datum.mature", alt.value(1.0), alt.value(LIGHT)),
            tooltip=tooltip + _completeness_tooltip(data),
        ),
    ]
    if _has_immature(data):
        layers.insert(
            1,
            base.transform_filter("datum.tail")
            .mark_line(color=accent, strokeWidth=2, strokeDash=[3, 2], opacity=LIGHT)
            .encode(x=x, y=y),
        )
        # Too small for a legend: the words sit above the last period instead.
        last = data[~data["mature"]].tail(1)[["period"]].assign(text=_("not yet complete"))
        layers.append(
            alt.Chart(last)
            .mark_text(align="right", baseline="top", fontSize=10, color=MUTED, dy=-4)
            .encode(x=x, y=alt.value(0), text="text:N")
        )
    if target is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"target": [target]}))
            .mark_rule(strokeDash=[3, 3], color=MUTED)
            .encode(y="target:Q")
        )
    return _finish(alt.layer(*layers), width="container", height=50)


def handover_chart(handovers: pd.DataFrame, *, accent: str = DEFAULT_ACCENT) -> Spec:
    """Median handover days per partner pair, the slowest in red; columns pair, median_days,
    slowest, optionally p20_days/p80_days (shown in the tooltip) and mature."""
    data = _maturity(_numeric(handovers, ["median_days", "p20_days", "p80_days", "cases"]))
    if "slowest" not in data.columns:
        data["slowest"] = False
    tooltip = [
        alt.Tooltip("pair:N", title=_("Handover")),
        alt.Tooltip("cases:Q", title=_("Cases"), format=","),
        alt.Tooltip("median_days:Q", title=_("Median days"), format=".1f"),
    ]
    if "p20_days" in data.columns:
        tooltip.append(alt.Tooltip("p20_days:Q", title=_("20th percentile (days)"), format=".1f"))
    if "p80_days" in data.columns:
        tooltip.append(alt.Tooltip("p80_days:Q", title=_("80th percentile (days)"), format=".1f"))
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            # Pairs of full partner names are long; Vega cuts labels at 180 px by default.
            y=alt.Y("pair:N", sort=None, title=None, axis=alt.Axis(labelLimit=480)),
            x=alt.X("median_days:Q", title=_("Median handover time (days)")),
            color=alt.condition("datum.slowest", alt.value(SLOW), alt.value(accent)),
            opacity=_opacity(data),
            tooltip=tooltip + _completeness_tooltip(data),
        )
    )
    return _finish(bars, height=max(80, 28 * len(data)))


def duration_chart(summary: pd.DataFrame, *, accent: str = DEFAULT_ACCENT, series: str | None = None) -> Spec:
    """Throughput distribution over time: median line inside the 20-80 percentile band.

    Columns: period, median_days, and when present p20_days/p80_days (the band, both in the
    tooltip) and mature (periods not yet complete lighter and dashed); `series` names a
    column (e.g. stage) to draw one line per value.
    """
    data = _numeric(_periods(summary), ["median_days", "p20_days", "p80_days", "mean_days", "cases"])
    data = _maturity(data, by=series)
    x = _period_x(data, _("Period"))
    tooltip = [_period_tooltip(data), alt.Tooltip("median_days:Q", title=_("Median days"), format=".1f")]
    if "cases" in data.columns:
        tooltip.append(alt.Tooltip("cases:Q", title=_("Cases"), format=","))
    if series:
        tooltip.insert(0, alt.Tooltip(f"{series}:N", title=_("Stage")))
        colour = {"color": alt.Color(f"{series}:N", title=_("Stage"))}
        layers = _lines(
            data, alt.Y("median_days:Q", title=_("Median days")), x=x, colour=colour, tooltip=tooltip
        )
        return _finish(alt.layer(*layers), height=260)
    layers = []
    band = {"p20_days", "p80_days"} <= set(data.columns)
    if band:
        tooltip += [
            alt.Tooltip("p20_days:Q", title=_("20th percentile (days)"), format=".1f"),
            alt.Tooltip("p80_days:Q", title=_("80th percentile (days)"), format=".1f"),
        ]
        band_y = alt.Y("p20_days:Q", title=_("Days"))
        layers.append(
            alt.Chart(data)
            .transform_filter("datum.mature")
            .mark_area(opacity=0.18, color=accent)
            .encode(x=x, y=band_y, y2="p80_days:Q")
        )
        if _has_immature(data):
            layers.append(
                alt.Chart(data)
                .transform_filter("datum.tail")
                .mark_area(opacity=0.08, color=accent)
                .encode(x=x, y=band_y, y2="p80_days:Q")
            )
    elif "p80_days" in data.columns:
        tooltip.append(alt.Tooltip("p80_days:Q", title=_("80th percentile (days)"), format=".1f"))
    layers += _lines(
        data,
        alt.Y("median_days:Q", title=_("Days")),
        x=x,
        colour={"color": alt.value(accent)},
        tooltip=tooltip,
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

    Columns: period, share, target_share, meets, optionally mature (periods whose cases
    are not all decided yet: lighter bars, "not yet complete" in the legend).
    """
    data = _maturity(_numeric(_periods(compliance), ["share", "target_share", "cases", "late_open"]))
    label, _tip = _time_formats(data)
    # Bars per period read best on a band scale. The time unit makes Vega-Lite read the ISO
    # text as a date and label it by month ("okt 2025"); a bare `period:O` beside a temporal
    # tooltip showed the parsed dates as milliseconds (1733011200000).
    unit = "utcyearmonth" if label == "%b %Y" else "utcyearmonthdate"
    x = alt.X("period:O", timeUnit=unit, title=_("Period"), axis=alt.Axis(format=label, labelAngle=-45))
    bars = (
        alt.Chart(data)
        .mark_bar(color=accent)
        .encode(
            x=x,
            y=alt.Y(
                "share:Q",
                title=_("Share within the norm"),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            opacity=_opacity(data, 0.85),
            tooltip=[
                _period_tooltip(data),
                alt.Tooltip("share:Q", title=_("Share within the norm"), format=".1%"),
                alt.Tooltip("cases:Q", title=_("Cases"), format=","),
                alt.Tooltip("late_open:Q", title=_("Late open cases"), format=","),
                *_completeness_tooltip(data),
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

    Columns: period, stage_name, inflow, outflow, wip, optionally mature (lighter points).
    """
    data = _maturity(_numeric(_periods(flow), ["inflow", "outflow", "wip"]))
    long = data.melt(
        id_vars=["period", "stage_name", "mature", "completeness"],
        value_vars=["inflow", "outflow", "wip"],
        var_name="measure",
        value_name="cases",
    )
    labels = {"inflow": _("Inflow"), "outflow": _("Outflow"), "wip": _("Work in progress")}
    long["measure"] = long["measure"].map(labels)
    colours = alt.Scale(domain=list(labels.values()), range=[accent, "#8fa3b1", "#1b1b1b"])
    x = _period_x(data, None)
    base = alt.Chart().encode(
        x=x,
        y=alt.Y("cases:Q", title=_("Cases")),
        color=alt.Color("measure:N", title=None, scale=colours),
    )
    line = base.mark_line().encode(
        strokeDash=alt.condition(alt.datum.measure == labels["wip"], alt.value([4, 2]), alt.value([1, 0]))
    )
    points = base.mark_point(filled=True, size=14).encode(
        opacity=_opacity(long, 1.0),
        tooltip=[
            alt.Tooltip("stage_name:N", title=_("Stage")),
            _period_tooltip(data),
            alt.Tooltip("measure:N", title=_("Measure")),
            alt.Tooltip("cases:Q", title=_("Cases"), format=","),
            *_completeness_tooltip(long),
        ],
    )
    chart = (
        alt.layer(line, points, data=long)
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
    spec = (
        chart.configure(font=FONT)
        .configure_view(strokeWidth=0)
        .configure_legend(orient="bottom")
        .to_dict(validate=False)
    )
    return localise(_clean(spec))


def _month_or_text(period: Any) -> str:
    try:
        return formatting.month_label(period, short=True)
    except ValueError:  # e.g. "all" or a label that is no period
        return str(period)


def bar_chart(
    frame: pd.DataFrame,
    label: str,
    value: str,
    *,
    title: str,
    accent: str = DEFAULT_ACCENT,
    percent: bool = False,
) -> Spec:
    """Horizontal bars of `value` per `label`, in the frame's order (variants, rework, dropout).

    A `label` column named "period" holds periods (ISO text, "2025-10" or "2025-10-01") and
    is shown as months with the year ("okt 2025"); a `mature` column lightens the bars of
    periods not yet complete.
    """
    data = _maturity(_numeric(frame, [value]))
    if label == "period":
        data[label] = [_month_or_text(p) for p in data[label]]
    axis = alt.Axis(format="%") if percent else alt.Axis()
    bars = (
        alt.Chart(data)
        .mark_bar(color=accent)
        .encode(
            y=alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)),
            x=alt.X(f"{value}:Q", title=title, axis=axis),
            opacity=_opacity(data),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=_("Label")),
                alt.Tooltip(f"{value}:Q", title=title, format=".1%" if percent else ","),
                *_completeness_tooltip(data),
            ],
        )
    )
    return _finish(bars, height=max(80, 26 * len(data)))
