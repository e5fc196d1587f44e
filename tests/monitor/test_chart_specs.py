"""Chart specs are valid Vega-Lite that vl-convert renders, in the house font and chain colour."""

import json

import pandas as pd
import pytest
import vl_convert as vlc

from keten.figures import charts
from keten.monitor.access import Viewer
from keten.monitor.data import MonitorData


@pytest.fixture
def data(monitored):
    return MonitorData(monitored.chain, Viewer("coordinator", "uitvoering", 10))


def specs(data):
    accent = "#00674b"
    handovers = data.handovers()
    trend = pd.DataFrame([{"period": p, "value": v, "mature": m} for p, v, _n, m in data.kpis()[0].trend])
    norms = data.norms()
    variants = data.variants()
    return {
        "sparkline": charts.kpi_sparkline(trend, accent=accent, target=0.6),
        "handovers": charts.handover_chart(handovers, accent=accent),
        "duration": charts.duration_chart(data.throughput(), accent=accent),
        "stage_time": charts.stage_time_chart(
            data.stage_times().rename(columns={"partner_name": "stage_name"})
        ),
        "norm": charts.norm_chart(norms[norms["period"] != "all"], accent=accent),
        "stage_flow": charts.stage_flow_chart(data.stage_flow(), accent=accent),
        "variants": charts.bar_chart(
            variants.assign(label=variants["rank"].astype(str)), "label", "cases", title="n"
        ),
    }


@pytest.mark.slow
def test_every_chart_renders_to_svg_with_the_house_font(data):
    for name, spec in specs(data).items():
        json.dumps(spec, allow_nan=False)  # strict JSON: browsers reject NaN
        assert spec["config"]["font"] == "DejaVu Sans", name
        svg = vlc.vegalite_to_svg(spec)
        assert svg.startswith("<svg"), name
        if name != "sparkline":  # the sparkline has no text at all
            assert "DejaVu Sans" in svg, name


def test_suppressed_values_leave_gaps_instead_of_breaking_the_chart():
    summary = pd.DataFrame(
        {
            "period": ["2025-01-01", "2025-02-01"],
            "median_days": [3.0, None],
            "p20_days": [1.0, None],
            "p80_days": [5.0, None],
        }
    )
    spec = charts.duration_chart(summary)
    json.dumps(spec, allow_nan=False)
    assert vlc.vegalite_to_svg(spec).startswith("<svg")


@pytest.mark.slow
def test_the_pages_load_vega_from_the_app_itself_and_nothing_from_elsewhere(client, monitored):
    client.force_login(monitored.coordinator)
    page = client.get(f"/ketens/{monitored.chain.slug}/monitor/stroom/").content.decode()
    assert "/static/monitor/vega-embed.js" in page
    for marker in ('src="http', "src='http", 'href="http', "cdn."):
        assert marker not in page
    bundle = client.get("/static/monitor/vega-embed.js")
    assert bundle.status_code == 200
    assert b"window.vegaEmbed" in b"".join(bundle.streaming_content)


def test_every_chart_on_a_page_has_a_table_or_a_download(client, monitored):
    client.force_login(monitored.coordinator)
    slug = monitored.chain.slug
    for path in ("stroom/", "doorlooptijden/", "normen/", "werkvoorraad/", "varianten/"):
        page = client.get(f"/ketens/{slug}/monitor/{path}").content.decode()
        figures = page.split('<figure class="card chart-card">')[1:]
        assert figures, path
        for figure in figures:
            body = figure.split("</figure>")[0]
            assert "<table>" in body or ".csv" in body, path


@pytest.mark.slow
def test_the_chart_data_on_every_page_is_strict_json_for_every_role(client, monitored):
    import re

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    for who in ("coordinator", "steering"):
        client.force_login(getattr(monitored, who))
        for path in ("", "stroom/", "doorlooptijden/", "normen/", "werkvoorraad/", "varianten/"):
            html = client.get(f"/ketens/{monitored.chain.slug}/monitor/{path}").content.decode()
            scripts = re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html, re.S)
            assert scripts, path
            for text in scripts:
                json.loads(text, parse_constant=refuse)
