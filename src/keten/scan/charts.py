"""Vega-Lite charts of the scan, built with Altair: radar, heatmap, spread and trend.

Each function takes plain lists (scores already hidden where groups are small) and returns a
Vega-Lite dict; the page renders it with the vega-embed bundle the monitor serves, and always
shows a table with the same numbers beside it. Hidden scores are None and never drawn. Every
spec carries `config.locale` of the active language (scores read 3,4 in Dutch), like the
monitor's charts.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd
from django.utils.translation import gettext as _

from keten import formatting

FONT = "DejaVu Sans"
DEFAULT_ACCENT = "#154273"
MUTED = "#5f6b75"
GRID = "#d9dde0"
LOW = "#b3261e"
HIDDEN_FILL = "#e6e9ec"

Spec = dict[str, Any]

# Advance widths of DejaVu Sans, the charts' one font, for the characters 32-126 (space to
# "~"), in thousandths of the font size. Labels are wrapped to a width here, before Vega
# draws them: a Vega label that does not fit is cut off with "…", and a long one overlaps
# its neighbour.
_ADVANCE = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
    575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
    611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
    278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
LINE_BREAK = "\n"
# A Vega expression that draws a label holding LINE_BREAK on several lines.
LINES_EXPR = "split(datum.label, '\\n')"


def text_width(text: str, size: float) -> float:
    """Return the drawn width in px of `text` in DejaVu Sans at `size` px (accents as their
    letter; anything else outside ASCII as wide as an "M", to be safe)."""
    total = 0
    for char in text:
        code = ord(unicodedata.normalize("NFD", char)[0])
        total += _ADVANCE[code - 32] if 32 <= code < 127 else 1000
    return total * size / 1000


def wrap(text: str, width: float, size: float) -> list[str]:
    """Return `text` as lines no wider than `width` px, broken at spaces and after hyphens.

    A single word wider than `width` keeps a line of its own: the caller makes room for it
    (see `lines_width`) rather than cut a name in two.
    """
    pieces = []  # (text, glue): glue is what joins the piece to the one before on a line
    for word in text.split():
        parts = re.findall(r"[^-]+-*|-+", word)
        pieces += [(part, " " if i == 0 else "") for i, part in enumerate(parts)]
    lines: list[str] = []
    for piece, glue in pieces:
        if lines and text_width(lines[-1] + glue + piece, size) <= width:
            lines[-1] += glue + piece
        else:
            lines.append(piece)
    return lines or [""]


def lines_width(lines: list[str], size: float) -> float:
    return max((text_width(line, size) for line in lines), default=0.0)


def _labelled(names: list[str], width: float, size: float) -> dict[str, str]:
    """Each name wrapped to `width` px, its lines joined by LINE_BREAK (for LINES_EXPR)."""
    return {name: LINE_BREAK.join(wrap(name, width, size)) for name in names}


def _finish(chart, *, width: int | str | dict = "container", height: int | dict = 300) -> Spec:
    """House style: one font, calm axes, the active language; return the Vega-Lite dict."""
    chart = chart.properties(width=width, height=height).configure(font=FONT).configure_view(strokeWidth=0)
    # Legends list their entries under each other, never cut off: names of partners and waves
    # are long, and a phone has no room for two side by side.
    chart = chart.configure_axis(labelFontSize=12, titleFontSize=12, gridColor="#e3e7ea").configure_legend(
        labelFontSize=12, titleFontSize=12, orient="bottom", labelLimit=0, columns=1
    )
    spec = chart.to_dict(validate=False)
    spec.setdefault("config", {})["locale"] = formatting.vega_locale()
    return spec


RADAR_RADIUS = 130  # px from the centre to score 5
RADAR_LABEL_WIDTH = 120  # px: theme names around the radar wrap at this width
RADAR_LABEL_SIZE = 11
RADAR_LINE = 13


def radar(
    themes: list[tuple[str, str]],
    chain: dict[str, float | None],
    partner: dict[str, float | None],
    *,
    chain_label: str,
    partner_label: str,
    accent: str = DEFAULT_ACCENT,
) -> Spec:
    """A radar of theme scores (1-5): one partner (accent) against the chain (grey, dashed).

    `themes`: (code, name) in bank order; scores by theme code, None where hidden. Theme
    names wrap over lines and sit outside the rings, left of the radar right-aligned and
    right of it left-aligned, so none is cut off or runs into another; the chart is as large
    as the names need. A phone shows `radar_as_dots` instead.
    """
    n = max(len(themes), 1)
    unit = RADAR_RADIUS / 5  # px per score point

    def point(i: int, r: float) -> tuple[float, float]:
        angle = 2 * math.pi * i / n
        return r * math.sin(angle), r * math.cos(angle)

    rings = pd.DataFrame(
        [(k, j, *point(j % n, k)) for k in range(1, 6) for j in range(n + 1)],
        columns=["ring", "order", "x", "y"],
    )
    spokes = pd.DataFrame(
        [(i, k, *(point(i, 5) if k else (0.0, 0.0))) for i in range(n) for k in (0, 1)],
        columns=["spoke", "order", "x", "y"],
    )
    labels = []
    for i, (_c, name) in enumerate(themes):
        lines = wrap(name, RADAR_LABEL_WIDTH, RADAR_LABEL_SIZE)
        x, y = point(i, 5.5)
        side = "left" if x > 0.9 else "right" if x < -0.9 else "center"
        # Vega draws the first line at the anchor: lift labels of several lines to centre them
        # beside the radar, or to end them just above it at the top.
        extra = (len(lines) - 1) * RADAR_LINE
        dy = -extra / 2 if side != "center" else (-extra - 4 if y > 0 else 8)
        labels.append((name, LINE_BREAK.join(lines), x, y, side, dy, lines_width(lines, RADAR_LABEL_SIZE)))
    labels = pd.DataFrame(labels, columns=["theme", "text", "x", "y", "side", "dy", "width"])
    reach_x = max([RADAR_RADIUS + 20] + [abs(r.x) * unit + r.width + 8 for r in labels.itertuples()])
    tallest = max((len(t.split(LINE_BREAK)) for t in labels["text"]), default=1) * RADAR_LINE
    reach_y = RADAR_RADIUS + 0.5 * unit + tallest + 12
    series = []
    for label, scores in ((chain_label, chain), (partner_label, partner)):
        shown = [(i, code, name, scores.get(code)) for i, (code, name) in enumerate(themes)]
        shown = [s for s in shown if s[3] is not None]
        for order, (i, _code, name, score) in enumerate([*shown, *shown[:1]]):
            x, y = point(i, score)
            series.append((label, order, name, round(score, 2), x, y))
    data = pd.DataFrame(series, columns=["series", "order", "theme", "score", "x", "y"])
    x = alt.X("x:Q", scale=alt.Scale(domain=[-reach_x / unit, reach_x / unit], nice=False), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[-reach_y / unit, reach_y / unit], nice=False), axis=None)
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=[chain_label, partner_label], range=[MUTED, accent]),
        legend=alt.Legend(columns=1, labelLimit=0),
    )
    layers = [
        alt.Chart(rings)
        .mark_line(color=GRID, strokeWidth=1)
        .encode(x=x, y=y, detail="ring:N", order="order:Q"),
        alt.Chart(spokes)
        .mark_line(color=GRID, strokeWidth=1)
        .encode(x=x, y=y, detail="spoke:N", order="order:Q"),
    ]
    for side in ("left", "right", "center"):
        subset = labels[labels["side"] == side]
        if not subset.empty:
            layers.append(
                alt.Chart(subset)
                .mark_text(
                    fontSize=RADAR_LABEL_SIZE,
                    color="#1b1b1b",
                    align=side,
                    baseline="middle",
                    lineBreak=LINE_BREAK,
                    lineHeight=RADAR_LINE,
                    dy=alt.ExprRef("datum.dy"),
                )
                .encode(x=x, y=y, text="text:N")
            )
    if not data.empty:
        layers.append(
            alt.Chart(data)
            .mark_line(strokeWidth=2.5, point=True)
            .encode(
                x=x,
                y=y,
                color=colour,
                detail="series:N",
                order="order:Q",
                strokeDash=alt.StrokeDash(
                    "series:N",
                    scale=alt.Scale(domain=[chain_label, partner_label], range=[[5, 4], [1, 0]]),
                    legend=None,
                ),
                tooltip=[
                    alt.Tooltip("series:N", title=_("Group")),
                    alt.Tooltip("theme:N", title=_("Theme")),
                    alt.Tooltip("score:Q", title=_("Score"), format=".2f"),
                ],
            )
        )
    return _finish(alt.layer(*layers), width=round(2 * reach_x), height=round(2 * reach_y))


def radar_as_dots(
    themes: list[tuple[str, str]],
    chain: dict[str, float | None],
    partner: dict[str, float | None],
    *,
    chain_label: str,
    partner_label: str,
    accent: str = DEFAULT_ACCENT,
) -> Spec:
    """The radar's numbers for a phone: per theme a row, the chain (grey) and the partner
    (accent) as dots on the 1-5 line, as wide as the screen."""
    return _dots(themes, chain, partner, grey_label=chain_label, accent_label=partner_label, accent=accent)


AXIS_SIZE = 12  # the house axis label size (see `_finish`)
AXIS_LINE = 15
CELL_SIZE = 11
CELL_LINE = 13
THEME_LABEL_WIDTH = 170  # px: theme names beside the rows wrap at this width
HEADER_WIDTH = 96  # px: partner names above the columns wrap at this width
HEADER_SIZE = 11  # a size smaller than the house's, so that long names keep columns narrow


# The number of lines of a label, for the offsets that keep a label of several lines where a
# label of one line would be (Vega draws the first line there and the others below it).
_EXTRA_LINES = "(length(split(datum.label, '\\n')) - 1)"


def _wrapped_axis(*, above: bool = False, **kwargs) -> alt.Axis:
    """An axis that draws each label whole, over the lines LINE_BREAK marks: centred on its
    row, or for a header axis `above` the plot, ending just above it."""
    if above:
        kwargs["labelPadding"] = alt.ExprRef(f"4 + {_EXTRA_LINES} * {AXIS_LINE}")
    else:
        kwargs["labelOffset"] = alt.ExprRef(f"-{_EXTRA_LINES} * {AXIS_LINE / 2}")
    return alt.Axis(labelExpr=LINES_EXPR, labelLineHeight=AXIS_LINE, labelLimit=0, **kwargs)


def heatmap(
    themes: list[tuple[str, str]],
    partners: list[tuple[str, str]],
    cells: Mapping[tuple[str, str], float | str | None],
    *,
    accent: str = DEFAULT_ACCENT,
) -> Spec:
    """Theme x partner: colour from low (red) through neutral to high (accent).

    `cells` by (theme code, partner code): the score, or the words that say why there is none
    ("hidden", "not invited"), drawn on a grey cell; missing or None reads "–". Partner names
    wrap over lines above the columns and theme names beside the rows, so every label is
    whole; columns are as wide as their longest word or cell text, and the chart as wide as
    its columns (on a phone it scrolls inside its card).
    """
    headers = _labelled([p for _c, p in partners], HEADER_WIDTH, HEADER_SIZE)
    rows_labels = _labelled([t for _c, t in themes], THEME_LABEL_WIDTH, AXIS_SIZE)
    rows = []
    for t_code, t_name in themes:
        for p_code, p_name in partners:
            value = cells.get((t_code, p_code))
            if isinstance(value, int | float):
                score, label = round(value, 2), formatting.number(value, 1)
            else:
                score, label = None, value or "–"
            rows.append((t_name, rows_labels[t_name], p_name, headers[p_name], score, label))
    data = pd.DataFrame(rows, columns=["theme", "row", "partner", "column", "score", "label"])
    words = {label for label in data["label"] if label}
    column = max(
        [84.0]
        + [lines_width(h.split(LINE_BREAK), HEADER_SIZE) + 12 for h in headers.values()]
        + [lines_width(wrap(w, HEADER_WIDTH, CELL_SIZE), CELL_SIZE) + 12 for w in words]
    )
    data["text"] = [LINE_BREAK.join(wrap(w, column - 10, CELL_SIZE)) for w in data["label"]]
    cell_lines = max((len(w.split(LINE_BREAK)) for w in data["text"]), default=1)
    theme_lines = max((len(r.split(LINE_BREAK)) for r in rows_labels.values()), default=1)
    row = max(32, theme_lines * AXIS_LINE + 6, cell_lines * CELL_LINE + 8)
    base = alt.Chart(data).encode(
        x=alt.X(
            "column:N",
            title=None,
            sort=[headers[p] for _c, p in partners],
            axis=_wrapped_axis(
                above=True, labelAngle=0, labelFontSize=HEADER_SIZE, orient="top", domain=False, ticks=False
            ),
        ),
        y=alt.Y(
            "row:N",
            title=None,
            sort=[rows_labels[t] for _c, t in themes],
            axis=_wrapped_axis(domain=False, ticks=False),
        ),
    )
    tooltip = [
        alt.Tooltip("theme:N", title=_("Theme")),
        alt.Tooltip("partner:N", title=_("Partner")),
        alt.Tooltip("label:N", title=_("Score")),
    ]
    # Two layers: Vega-Lite leaves out a mark whose colour field is empty, and a cell without
    # a score must still be drawn (grey) around the words that say why.
    empty_cells = (
        base.transform_filter("datum.score === null")
        .mark_rect(stroke="#fff", strokeWidth=2, color=HIDDEN_FILL)
        .encode(tooltip=tooltip)
    )
    scored_cells = (
        base.transform_filter("datum.score !== null")
        .mark_rect(stroke="#fff", strokeWidth=2)
        .encode(
            color=alt.Color(
                "score:Q",
                title=_("Score (1-5)"),
                scale=alt.Scale(domain=[1, 3, 5], range=[LOW, "#f4f1ea", accent], interpolate="rgb"),
            ),
            tooltip=tooltip,
        )
    )
    text = base.mark_text(
        fontSize=CELL_SIZE,
        lineBreak=LINE_BREAK,
        lineHeight=CELL_LINE,
        dy=alt.ExprRef(f"-(length(split(datum.text, '\\n')) - 1) * {CELL_LINE / 2}"),
    ).encode(
        text="text:N",
        color=alt.condition(
            "datum.score !== null && (datum.score < 1.8 || datum.score > 4.2)",
            alt.value("#fff"),
            alt.value("#1b1b1b"),
        ),
    )
    return _finish(
        alt.layer(empty_cells, scored_cells, text),
        width={"step": round(column)},
        height={"step": row},
    )


# Whole points only: at a card's width Vega would put a label at every 0,2, on top of each other.
SCORE_AXIS = alt.Axis(values=[1, 2, 3, 4, 5], format="d")
ROW_LABEL_WIDTH = 130  # px: theme names of the dot charts wrap at this width (a phone's third)


LEGEND_LABEL_WIDTH = 130  # px: names in a dot chart's legend wrap at this width (a phone's)


def _theme_rows(themes: list[tuple[str, str]]) -> tuple[dict[str, str], alt.Axis, dict]:
    """Theme names wrapped for the y axis of a dot chart: name -> label, the axis, and the
    chart height that gives every row room for its lines."""
    labels = _labelled([t for _c, t in themes], ROW_LABEL_WIDTH, AXIS_SIZE)
    lines = max((len(v.split(LINE_BREAK)) for v in labels.values()), default=1)
    return labels, _wrapped_axis(), {"step": max(26, lines * AXIS_LINE + 6)}


def _legend(names: list[str]) -> alt.Legend:
    """A legend under the plot that lists `names` under each other, each wrapped over lines:
    on a phone it starts where the plot does, under a third of the screen's width."""
    expr = "datum.label"
    for name in names:
        lines = wrap(name, LEGEND_LABEL_WIDTH, AXIS_SIZE)
        if len(lines) > 1:
            expr = f"datum.label === {json.dumps(name)} ? {json.dumps(lines)} : ({expr})"
    return alt.Legend(columns=1, labelLimit=0, labelExpr=expr)


def spread(
    themes: list[tuple[str, str]],
    groups: list[tuple[str, str]],
    scores: dict[tuple[str, str], float | None],
    chain: dict[str, float | None],
    *,
    accent: str = DEFAULT_ACCENT,
) -> Spec:
    """Per theme, a dot per group (partner or level) on a line from lowest to highest; the chain
    score as an accent tick. Shows where groups differ instead of averaging it away."""
    rows_labels, axis, height = _theme_rows(themes)
    legend = _legend([g for _c, g in groups])
    rows = [
        (t_name, rows_labels[t_name], g_name, round(scores[(t, g)], 2))
        for t, t_name in themes
        for g, g_name in groups
        if scores.get((t, g)) is not None
    ]
    data = pd.DataFrame(rows, columns=["theme", "row", "group", "score"])
    chain_rows = pd.DataFrame(
        [(name, rows_labels[name], round(chain[c], 2)) for c, name in themes if chain.get(c) is not None],
        columns=["theme", "row", "score"],
    )
    order = [rows_labels[t] for _c, t in themes]
    x = alt.X("score:Q", title=_("Score (1-5)"), scale=alt.Scale(domain=[1, 5]), axis=SCORE_AXIS)
    y = alt.Y("row:N", title=None, sort=order, axis=axis)
    layers = []
    if not data.empty:
        layers += [
            alt.Chart(data)
            .mark_rule(color=GRID, strokeWidth=3)
            .encode(x=alt.X("min(score):Q", scale=alt.Scale(domain=[1, 5])), x2="max(score):Q", y=y),
            alt.Chart(data)
            .mark_point(filled=True, size=70, opacity=0.9)
            .encode(
                x=x,
                y=y,
                shape=alt.Shape("group:N", title=None, legend=legend),
                color=alt.Color("group:N", title=None, scale=alt.Scale(scheme="dark2"), legend=legend),
                tooltip=[
                    alt.Tooltip("group:N", title=_("Group")),
                    alt.Tooltip("theme:N", title=_("Theme")),
                    alt.Tooltip("score:Q", title=_("Score"), format=".2f"),
                ],
            ),
        ]
    if not chain_rows.empty:
        layers.append(
            alt.Chart(chain_rows)
            .mark_tick(color=accent, thickness=3, size=18)
            .encode(x=x, y=y, tooltip=[alt.Tooltip("score:Q", title=_("Chain"), format=".2f")])
        )
    if not layers:
        layers = [alt.Chart(pd.DataFrame({"score": []})).mark_point()]
    return _finish(alt.layer(*layers), height=height)


def _dots(
    themes: list[tuple[str, str]],
    grey: dict[str, float | None],
    coloured: dict[str, float | None],
    *,
    grey_label: str,
    accent_label: str,
    accent: str,
    title: str | None = None,
) -> Spec:
    """Per theme, two scores as dots joined by a line: `grey` in grey, `coloured` in the accent."""
    rows_labels, axis, height = _theme_rows(themes)
    legend = _legend([grey_label, accent_label])
    rows = []
    for code, name in themes:
        for label, scores in ((grey_label, grey), (accent_label, coloured)):
            if scores.get(code) is not None:
                rows.append((name, rows_labels[name], label, round(scores[code], 2)))
    data = pd.DataFrame(rows, columns=["theme", "row", "series", "score"])
    order = [rows_labels[t] for _c, t in themes]
    x = alt.X("score:Q", title=_("Score (1-5)"), scale=alt.Scale(domain=[1, 5]), axis=SCORE_AXIS)
    y = alt.Y("row:N", title=None, sort=order, axis=axis)
    line = alt.Chart(data).mark_line(color=GRID, strokeWidth=3).encode(x=x, y=y, detail="theme:N")
    dots = (
        alt.Chart(data)
        .mark_point(filled=True, size=80)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=[grey_label, accent_label], range=[MUTED, accent]),
                legend=legend,
            ),
            tooltip=[
                alt.Tooltip("series:N", title=title or _("Group")),
                alt.Tooltip("theme:N", title=_("Theme")),
                alt.Tooltip("score:Q", title=_("Score"), format=".2f"),
            ],
        )
    )
    return _finish(alt.layer(line, dots), height=height)


def trend(
    themes: list[tuple[str, str]],
    current: dict[str, float | None],
    previous: dict[str, float | None],
    *,
    current_label: str,
    previous_label: str,
    accent: str = DEFAULT_ACCENT,
) -> Spec:
    """Per theme, the previous wave (grey) and this wave (accent) joined by a line."""
    return _dots(
        themes,
        previous,
        current,
        grey_label=previous_label,
        accent_label=current_label,
        accent=accent,
        title=_("Wave"),
    )
