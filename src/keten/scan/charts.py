"""Vega-Lite charts of the scan, built with Altair: radar, heatmap, spread and trend.

Each function takes plain lists (scores already hidden where groups are small) and returns a
Vega-Lite dict; the page renders it with the vega-embed bundle the monitor serves, and always
shows a table with the same numbers beside it. Hidden scores are None and never drawn. Every
spec carries `config.locale` of the active language (scores read 3,4 in Dutch), like the
monitor's charts.
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
MUTED = "#5f6b75"
GRID = "#d9dde0"
LOW = "#b3261e"
HIDDEN_FILL = "#eef1f3"

Spec = dict[str, Any]


def _finish(chart, *, width: int | str = "container", height: int = 300) -> Spec:
    """House style: one font, calm axes, the active language; return the Vega-Lite dict."""
    chart = chart.properties(width=width, height=height).configure(font=FONT).configure_view(strokeWidth=0)
    chart = chart.configure_axis(labelFontSize=12, titleFontSize=12, gridColor="#e3e7ea").configure_legend(
        labelFontSize=12, titleFontSize=12, orient="bottom"
    )
    spec = chart.to_dict(validate=False)
    spec.setdefault("config", {})["locale"] = formatting.vega_locale()
    return spec


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

    `themes`: (code, name) in bank order; scores by theme code, None where hidden.
    """
    n = max(len(themes), 1)

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
    labels = pd.DataFrame(
        [(name, *point(i, 5.7)) for i, (_c, name) in enumerate(themes)], columns=["theme", "x", "y"]
    )
    series = []
    for label, scores in ((chain_label, chain), (partner_label, partner)):
        shown = [(i, code, name, scores.get(code)) for i, (code, name) in enumerate(themes)]
        shown = [s for s in shown if s[3] is not None]
        for order, (i, _code, name, score) in enumerate([*shown, *shown[:1]]):
            x, y = point(i, score)
            series.append((label, order, name, round(score, 2), x, y))
    data = pd.DataFrame(series, columns=["series", "order", "theme", "score", "x", "y"])
    scale = alt.Scale(domain=[-7.5, 7.5])
    x = alt.X("x:Q", scale=scale, axis=None)
    y = alt.Y("y:Q", scale=scale, axis=None)
    colour = alt.Color(
        "series:N", title=None, scale=alt.Scale(domain=[chain_label, partner_label], range=[MUTED, accent])
    )
    layers = [
        alt.Chart(rings)
        .mark_line(color=GRID, strokeWidth=1)
        .encode(x=x, y=y, detail="ring:N", order="order:Q"),
        alt.Chart(spokes)
        .mark_line(color=GRID, strokeWidth=1)
        .encode(x=x, y=y, detail="spoke:N", order="order:Q"),
        alt.Chart(labels).mark_text(fontSize=11, color="#1b1b1b", limit=140).encode(x=x, y=y, text="theme:N"),
    ]
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
    return _finish(alt.layer(*layers), width=420, height=420)


def heatmap(
    themes: list[tuple[str, str]],
    partners: list[tuple[str, str]],
    scores: dict[tuple[str, str], float | None],
    *,
    hidden_label: str,
    accent: str = DEFAULT_ACCENT,
) -> Spec:
    """Theme x partner: colour from low (red) through neutral to high (accent); hidden cells grey."""
    rows = []
    for t_code, t_name in themes:
        for p_code, p_name in partners:
            score = scores.get((t_code, p_code))
            rows.append(
                (
                    t_name,
                    p_name,
                    None if score is None else round(score, 2),
                    hidden_label if score is None else formatting.number(score, 1),
                )
            )
    data = pd.DataFrame(rows, columns=["theme", "partner", "score", "label"])
    base = alt.Chart(data).encode(
        x=alt.X(
            "partner:N", title=None, sort=[p for _c, p in partners], axis=alt.Axis(labelAngle=0, orient="top")
        ),
        y=alt.Y("theme:N", title=None, sort=[t for _c, t in themes], axis=alt.Axis(labelLimit=220)),
    )
    cells = base.mark_rect(stroke="#fff", strokeWidth=2).encode(
        color=alt.condition(
            "datum.score === null",
            alt.value(HIDDEN_FILL),
            alt.Color(
                "score:Q",
                title=_("Score (1-5)"),
                scale=alt.Scale(domain=[1, 3, 5], range=[LOW, "#f4f1ea", accent], interpolate="rgb"),
            ),
        ),
        tooltip=[
            alt.Tooltip("theme:N", title=_("Theme")),
            alt.Tooltip("partner:N", title=_("Partner")),
            alt.Tooltip("label:N", title=_("Score")),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        text="label:N",
        color=alt.condition(
            "datum.score !== null && (datum.score < 1.8 || datum.score > 4.2)",
            alt.value("#fff"),
            alt.value("#1b1b1b"),
        ),
    )
    return _finish(alt.layer(cells, text), width="container", height=28 * max(len(themes), 1))


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
    rows = [
        (t_name, g_name, round(scores[(t, g)], 2))
        for t, t_name in themes
        for g, g_name in groups
        if scores.get((t, g)) is not None
    ]
    data = pd.DataFrame(rows, columns=["theme", "group", "score"])
    chain_rows = pd.DataFrame(
        [(name, round(chain[c], 2)) for c, name in themes if chain.get(c) is not None],
        columns=["theme", "score"],
    )
    order = [t for _c, t in themes]
    x = alt.X("score:Q", title=_("Score (1-5)"), scale=alt.Scale(domain=[1, 5]))
    y = alt.Y("theme:N", title=None, sort=order, axis=alt.Axis(labelLimit=220))
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
                shape=alt.Shape("group:N", title=None, legend=alt.Legend(columns=2, labelLimit=160)),
                color=alt.Color(
                    "group:N",
                    title=None,
                    scale=alt.Scale(scheme="dark2"),
                    legend=alt.Legend(columns=2, labelLimit=160),
                ),
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
    return _finish(alt.layer(*layers), height=26 * max(len(themes), 1))


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
    rows = []
    for code, name in themes:
        for label, scores in ((previous_label, previous), (current_label, current)):
            if scores.get(code) is not None:
                rows.append((name, label, round(scores[code], 2)))
    data = pd.DataFrame(rows, columns=["theme", "wave", "score"])
    order = [t for _c, t in themes]
    x = alt.X("score:Q", title=_("Score (1-5)"), scale=alt.Scale(domain=[1, 5]))
    y = alt.Y("theme:N", title=None, sort=order, axis=alt.Axis(labelLimit=220))
    line = alt.Chart(data).mark_line(color=GRID, strokeWidth=3).encode(x=x, y=y, detail="theme:N")
    dots = (
        alt.Chart(data)
        .mark_point(filled=True, size=80)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "wave:N",
                title=None,
                scale=alt.Scale(domain=[previous_label, current_label], range=[MUTED, accent]),
            ),
            tooltip=[
                alt.Tooltip("wave:N", title=_("Wave")),
                alt.Tooltip("score:Q", title=_("Score"), format=".2f"),
            ],
        )
    )
    return _finish(alt.layer(line, dots), height=26 * max(len(themes), 1))
