"""Charts as a person sees them: every chart spec rendered by vl-convert, its text read back.

Each spec builder of `keten.figures.charts` and `keten.scan.charts` (the report embeds the
monitor's builders) gets realistic frames: periods as ISO text, thousands of cases and some
periods not yet complete. The SVG's axis labels, legends and text marks must read as the
language asks: Dutch month names with the year and 1.234 in Dutch, English in English, never
a millisecond timestamp, and "not yet complete" wherever an immature period is drawn.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc
from django.utils import translation

from keten.figures import charts
from keten.scan import charts as scan_charts

DUTCH_MONTHS = "jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec"
ENGLISH_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
MONTH_WITH_YEAR = {
    "nl": re.compile(rf"^(\d{{1,2}} )?({DUTCH_MONTHS})\.? \d{{4}}$"),
    "en": re.compile(rf"^(\d{{1,2}} )?({ENGLISH_MONTHS}) \d{{4}}$"),
}
# Month words that only exist in the other language (mei/May, okt/Oct, mrt/Mar, ...).
FOREIGN_MONTH = {
    "nl": re.compile(r"\b(Mar|May|Oct|March|October|January|February|June|July|August)\b"),
    "en": re.compile(r"\b(mrt|mei|okt|januari|februari|maart|juni|juli|augustus|oktober)\b"),
}
THOUSANDS = {"nl": re.compile(r"\d\.\d{3}(?!\d)"), "en": re.compile(r"\d,\d{3}(?!\d)")}
EPOCH = re.compile(r"\d{12,13}")
IMMATURE = {"nl": "nog niet volledig", "en": "not yet complete"}
LANGUAGES = ("nl", "en")


def texts(spec: dict) -> list[str]:
    """The text of every <text> element of the chart's SVG, as drawn."""
    spec = json.loads(json.dumps(spec, allow_nan=False))  # strict JSON, as the page embeds it
    if spec.get("width") == "container":
        spec["width"] = 560
    svg = vlc.vegalite_to_svg(spec)
    found = re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in found]


def month_labels(labels: list[str], lang: str) -> list[str]:
    return [t for t in labels if MONTH_WITH_YEAR[lang].match(t)]


def assert_reads_as(labels: list[str], lang: str, *, months: bool, thousands: bool, immature: bool):
    joined = " | ".join(labels)
    assert not EPOCH.search(joined), f"a timestamp in milliseconds is shown: {joined}"
    other = "en" if lang == "nl" else "nl"
    assert not THOUSANDS[other].search(joined), f"{other} thousands separator in {lang}: {joined}"
    assert not FOREIGN_MONTH[lang].search(joined), f"a month of the other language in {lang}: {joined}"
    if months:
        assert month_labels(labels, lang), f"no {lang} month with a year among: {joined}"
    if thousands:
        assert THOUSANDS[lang].search(joined), f"no {lang} thousands separator among: {joined}"
    assert (IMMATURE[lang] in joined) == immature, joined


# --- realistic frames -----------------------------------------------------------------------

PERIODS = pd.date_range("2024-11-01", periods=12, freq="MS").strftime("%Y-%m-%d").tolist()
# The last two months have not had the whole window yet.
MATURE = [True] * 10 + [False] * 2
RNG = np.random.default_rng(16)


def throughput_frame(mature=True) -> pd.DataFrame:
    median = RNG.uniform(30, 60, len(PERIODS))
    frame = pd.DataFrame(
        {
            "period": PERIODS,
            "cases": RNG.integers(900, 2400, len(PERIODS)),
            "p20_days": median * 0.5,
            "median_days": median,
            "p80_days": median * 1.7,
            "p90_days": median * 2.1,
        }
    )
    return frame.assign(mature=MATURE) if mature else frame


def norm_frame(mature=True) -> pd.DataFrame:
    cases = RNG.integers(1000, 1600, len(PERIODS))
    within = (cases * RNG.uniform(0.55, 0.95, len(PERIODS))).astype(int)
    frame = pd.DataFrame(
        {
            "agreement": "intake",
            "period": PERIODS,
            "cases": cases,
            "within": within,
            "late": cases - within,
            "late_open": 0,
            "share": within / cases,
            "target_share": 0.8,
            "meets": within / cases >= 0.8,
        }
    )
    return frame.assign(mature=MATURE) if mature else frame


def stage_flow_frame() -> pd.DataFrame:
    rows = []
    for stage in ("Aanmelding", "Intake", "Traject"):
        for period, mature in zip(PERIODS, MATURE, strict=True):
            rows.append(
                {
                    "period": period,
                    "stage": stage.lower(),
                    "stage_name": stage,
                    "inflow": int(RNG.integers(800, 1500)),
                    "outflow": int(RNG.integers(800, 1500)),
                    "wip": int(RNG.integers(1000, 2500)),
                    "mature": mature,
                }
            )
    return pd.DataFrame(rows)


def handovers_frame(with_mature: bool = True) -> pd.DataFrame:
    """Three handovers; with `with_mature`, the last one's period is not yet complete."""
    frame = pd.DataFrame(
        {
            "from_partner": ["gem", "uwv", "rib"],
            "to_partner": ["uwv", "rib", "gem"],
            "pair": ["Gemeente → UWV", "UWV → Re-integratiebedrijf", "Re-integratiebedrijf → Gemeente"],
            "cases": [1234, 987, 45],
            "transitions": [1300, 1001, 45],
            "p20_days": [2.0, 4.0, 1.0],
            "median_days": [5.25, 11.5, 3.0],
            "p80_days": [9.0, 20.0, 6.5],
            "slowest": [False, True, False],
        }
    )
    return frame.assign(mature=[True, True, False]) if with_mature else frame


THEMES = [("trust", "Vertrouwen"), ("goals", "Gedeelde doelen"), ("info", "Informatie")]
SCAN_PARTNERS = [("gem", "Gemeente"), ("uwv", "UWV"), ("rib", "Re-integratiebedrijf")]


# Each case: (name, builder, expects month labels, expects thousands, expects the immature label).
def cases():
    tp = throughput_frame()
    stage_tp = pd.concat(
        [throughput_frame().assign(stage=s) for s in ("Intake", "Traject")], ignore_index=True
    )
    dropout = pd.DataFrame(
        {
            "period": [p[:7] for p in PERIODS],
            "dropout_share": RNG.uniform(0.05, 0.3, len(PERIODS)),
            "mature": MATURE,
        }
    )
    variants = pd.DataFrame(
        {
            "label": ["1. Aanmelding → Intake", "2. Aanmelding → Uitval", "3. Intake"],
            "cases": [2345, 1200, 40],
        }
    )
    rework = pd.DataFrame({"stage_name": ["Intake", "Traject"], "share": [0.369, 0.35]})
    kpi = pd.DataFrame({"period": PERIODS, "value": RNG.uniform(0.4, 0.7, len(PERIODS)), "mature": MATURE})
    return [
        ("kpi_sparkline", lambda: charts.kpi_sparkline(kpi, target=0.6), False, False, True),
        (
            "kpi_sparkline, all mature",
            lambda: charts.kpi_sparkline(kpi.drop(columns="mature")),
            False,
            False,
            False,
        ),
        ("handover_chart", lambda: charts.handover_chart(handovers_frame()), False, False, True),
        (
            "handover_chart, no mature column",
            lambda: charts.handover_chart(handovers_frame(False)),
            False,
            False,
            False,
        ),
        ("duration_chart", lambda: charts.duration_chart(tp), True, False, True),
        (
            "duration_chart, all mature",
            lambda: charts.duration_chart(throughput_frame(mature=False)),
            True,
            False,
            False,
        ),
        (
            "duration_chart per stage",
            lambda: charts.duration_chart(stage_tp, series="stage"),
            True,
            False,
            True,
        ),
        (
            "stage_time_chart",
            lambda: charts.stage_time_chart(
                pd.DataFrame(
                    {"stage_name": ["Intake", "Traject"], "median_days": [12.5, 40.25], "cases": [1234, 99]}
                )
            ),
            False,
            False,
            False,
        ),
        ("norm_chart", lambda: charts.norm_chart(norm_frame()), True, False, True),
        ("norm_chart, all mature", lambda: charts.norm_chart(norm_frame(mature=False)), True, False, False),
        ("stage_flow_chart", lambda: charts.stage_flow_chart(stage_flow_frame()), True, True, True),
        (
            "bar_chart of variants",
            lambda: charts.bar_chart(variants, "label", "cases", title="n"),
            False,
            True,
            False,
        ),
        (
            "bar_chart of rework",
            lambda: charts.bar_chart(rework, "stage_name", "share", title="%", percent=True),
            False,
            False,
            False,
        ),
        (
            "bar_chart of dropout per period",
            lambda: charts.bar_chart(dropout, "period", "dropout_share", title="%", percent=True),
            True,
            False,
            True,
        ),
        (
            "scan radar",
            lambda: scan_charts.radar(
                THEMES,
                {"trust": 3.4, "goals": 2.9, "info": 4.1},
                {"trust": 3.9, "goals": None, "info": 3.2},
                chain_label="Keten",
                partner_label="UWV",
            ),
            False,
            False,
            False,
        ),
        (
            "scan heatmap",
            lambda: scan_charts.heatmap(
                THEMES,
                SCAN_PARTNERS,
                {
                    (t, p): 1.5 + i * 0.45
                    for i, (t, p) in enumerate((t, p) for t, _n in THEMES for p, _m in SCAN_PARTNERS)
                },
            ),
            False,
            False,
            False,
        ),
        (
            "scan spread",
            lambda: scan_charts.spread(
                THEMES,
                SCAN_PARTNERS,
                {("trust", "gem"): 3.25, ("trust", "uwv"): 4.5, ("goals", "rib"): 2.0},
                {"trust": 3.6, "goals": 2.5, "info": None},
            ),
            False,
            False,
            False,
        ),
        (
            "scan trend",
            lambda: scan_charts.trend(
                THEMES,
                {"trust": 3.6, "goals": 2.5},
                {"trust": 3.1, "goals": 2.75},
                current_label="Meting 2",
                previous_label="Meting 1",
            ),
            False,
            False,
            False,
        ),
    ]


CASES = cases()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("name", "build", "months", "thousands", "immature"), CASES, ids=[c[0] for c in CASES]
)
def test_every_chart_reads_in_the_language_of_the_page(name, build, months, thousands, immature, lang):
    with translation.override(lang):
        spec = build()
    assert spec["config"]["locale"]["number"]["decimal"] == ("," if lang == "nl" else "."), name
    assert_reads_as(texts(spec), lang, months=months, thousands=thousands, immature=immature)


def test_a_norm_chart_labels_each_month_by_name_and_year_not_by_timestamp():
    with translation.override("nl"):
        labels = texts(charts.norm_chart(norm_frame()))
    assert month_labels(labels, "nl")[:3] == ["nov 2024", "dec 2024", "jan 2025"]
    with translation.override("en"):
        labels = texts(charts.norm_chart(norm_frame()))
    assert month_labels(labels, "en")[:3] == ["Nov 2024", "Dec 2024", "Jan 2025"]


def test_a_throughput_chart_draws_the_20_80_band_and_shows_both_bounds_on_hover():
    spec = charts.duration_chart(throughput_frame())
    areas = [layer for layer in spec["layer"] if layer["mark"]["type"] == "area"]
    assert areas, "no band drawn"
    assert all(
        a["encoding"]["y"]["field"] == "p20_days" and a["encoding"]["y2"]["field"] == "p80_days"
        for a in areas
    )
    tips = {t["field"] for layer in spec["layer"] for t in layer.get("encoding", {}).get("tooltip", [])}
    assert {"p20_days", "p80_days", "median_days"} <= tips


def test_without_the_band_columns_the_throughput_chart_draws_only_the_median():
    spec = charts.duration_chart(throughput_frame().drop(columns=["p20_days"]))
    assert not [layer for layer in spec["layer"] if layer["mark"]["type"] == "area"]


def test_weekly_periods_are_labelled_by_day_month_and_year():
    weeks = pd.date_range("2025-09-01", periods=8, freq="W-MON").strftime("%Y-%m-%d")
    frame = pd.DataFrame({"period": weeks, "median_days": np.linspace(3, 9, 8)})
    with translation.override("nl"):
        labels = texts(charts.duration_chart(frame))
    assert any(re.fullmatch(rf"\d{{1,2}} ({DUTCH_MONTHS}) 2025", t) for t in labels), labels
    assert not EPOCH.search(" ".join(labels))


def test_immature_rows_are_drawn_lighter_than_mature_ones():
    spec = charts.norm_chart(norm_frame())
    [bars] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "bar"]
    opacity = bars["encoding"]["opacity"]
    assert opacity["field"] == "completeness"
    solid, light = opacity["scale"]["range"]
    assert light < solid


def test_the_scan_heatmap_writes_scores_with_a_dutch_decimal_comma():
    with translation.override("nl"):
        labels = texts(scan_charts.heatmap(THEMES[:1], SCAN_PARTNERS[:1], {("trust", "gem"): 3.45}))
    assert "3,5" in labels  # rounded, never cut off to 3,4


# --- the specs a real page embeds -------------------------------------------------------------

PAGES = ("", "stroom/", "doorlooptijden/", "normen/", "werkvoorraad/", "varianten/")


def page_specs(client, monitored, path: str, lang: str) -> list[dict]:
    client.force_login(monitored.coordinator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    response = client.get(f"/ketens/{monitored.chain.slug}/monitor/{path}")
    assert response.status_code == 200, path
    body = response.content.decode()
    scripts = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', body, re.S)
    return [(sid, json.loads(text)) for sid, text in scripts if sid.endswith("-spec")]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.slow
def test_the_charts_of_every_monitor_page_read_in_its_language(client, monitored, lang):
    seen_months = False
    for path in PAGES:
        specs = page_specs(client, monitored, path, lang)
        assert specs, path
        for sid, spec in specs:
            assert spec["config"]["locale"]["number"]["decimal"] == ("," if lang == "nl" else "."), sid
            labels = texts(spec)
            joined = " | ".join(labels)
            assert not EPOCH.search(joined), f"{path}{sid}: {joined}"
            other = "en" if lang == "nl" else "nl"
            assert not THOUSANDS[other].search(joined), f"{path}{sid}: {joined}"
            assert not FOREIGN_MONTH[lang].search(joined), f"{path}{sid}: {joined}"
            seen_months = seen_months or bool(month_labels(labels, lang))
            if path == "normen/":
                assert month_labels(labels, lang), f"{sid}: {joined}"
    assert seen_months


def test_the_handover_chart_shows_every_partner_pair_in_full():
    pairs = [
        "Werkgevers (via Werkgeversservicepunt) → Gemeente (Werk en Inkomen)",
        "Openbaar Ministerie → Rechtspraak",
        "Re-integratiebedrijf → Werkgevers (via Werkgeversservicepunt)",
    ]
    frame = pd.DataFrame(
        {
            "pair": pairs,
            "median_days": [11.0, 74.5, 34.9],
            "cases": [29, 744, 25],
            "slowest": [False, True, False],
        }
    )
    labels = texts(charts.handover_chart(frame))
    assert not [t for t in labels if t.endswith("…")], labels
    assert set(pairs) <= set(labels)


def test_the_variants_chart_names_each_bar_by_its_rank_and_activities(client, monitored):
    [(_, spec)] = [
        (sid, s) for sid, s in page_specs(client, monitored, "varianten/", "nl") if "variants" in sid
    ]
    names = set(monitored.chain.to_spec().activity_names.values())
    bars = [row["label"] for row in next(iter(spec["datasets"].values()))]
    ranked = [label.split(". ", 1) for label in bars if re.match(r"\d+\. ", label)]
    assert ranked, bars
    assert [int(rank) for rank, _ in ranked] == list(range(1, len(ranked) + 1))
    assert all(set(path.split(" → ")) <= names for _, path in ranked), bars
    assert not [label for label in bars if label.startswith("#")]
