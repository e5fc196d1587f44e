"""Render an assembled report as HTML or PDF.

Charts are rendered once to SVG by vl-convert from the monitor's Vega-Lite specifications and
used by both formats. The PDF is typeset by the `typst` package (no system binaries) from
`templates/reports/report.typ`, with the shipped DejaVu fonts only, so it looks the same on
every machine; typst tags the PDF (headings, tables, figure alt texts) for screen readers.
"""

from __future__ import annotations

import base64
import json
import logging
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from keten.reports.document import Report

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE = PACKAGE_DIR / "templates" / "reports" / "report.typ"
FONT_DIR = PACKAGE_DIR.parent / "static" / "keten" / "fonts"
# Width of a chart in the page body (CSS px; A4 minus margins is about 640).
CHART_WIDTH = 560

logger = logging.getLogger(__name__)


@cache
def _vl() -> Any:
    import vl_convert

    vl_convert.register_font_directory(str(FONT_DIR))
    return vl_convert


def chart_svg(spec: dict[str, Any], width: int = 0) -> str:
    """The chart as SVG text ('' when it cannot be drawn: the section's table still tells);
    a spec sized to its container gets the report's page width."""
    spec = dict(spec)
    if spec.get("width") == "container":
        spec["width"] = width or CHART_WIDTH
    try:
        return _vl().vegalite_to_svg(spec)
    except ValueError:
        pass
    try:
        return _vl().vegalite_to_svg(_hide_axes_everywhere(spec))
    except ValueError:
        logger.exception("Chart could not be rendered to SVG")
        return ""


def _hide_axes_everywhere(spec: dict[str, Any]) -> dict[str, Any]:
    """Vega-Lite 6 fails on layers where one layer hides an axis and another keeps it; hide
    that axis in every layer (a drawing without axes is what the chart meant)."""
    spec = json.loads(json.dumps(spec))
    layers = spec.get("layer", [])
    for channel in ("x", "y"):
        encodings = [layer.get("encoding", {}).get(channel) for layer in layers]
        if any(isinstance(e, dict) and "axis" in e and e["axis"] is None for e in encodings):
            for e in encodings:
                if isinstance(e, dict):
                    e["axis"] = None
    return spec


def chart_svgs(report: Report) -> dict[str, str]:
    """SVG per chart key, in reading order."""
    return {c.key: c.svg or chart_svg(c.spec, c.width) for s in report.sections for c in s.charts}


def _svg_width(svg: str) -> float:
    """The SVG's own width in px (vl-convert writes it on the root element)."""
    head = svg[: svg.find(">")]
    marker = ' width="'
    start = head.find(marker)
    if start < 0:
        return CHART_WIDTH
    start += len(marker)
    return float(head[start : head.find('"', start)])


def render_html(report: Report, *, svgs: dict[str, str] | None = None, standalone: bool = True) -> str:
    """The report as HTML: a whole document (`standalone`) or the body for a page of the app."""
    svgs = chart_svgs(report) if svgs is None else svgs
    with translation.override(report.language):
        return render_to_string(
            "reports/report_document.html" if standalone else "reports/report_body.html",
            {"report": report, "svgs": {k: mark_safe(v) for k, v in svgs.items()}},  # noqa: S308 - vl-convert output
        )


def _labels() -> dict[str, str]:
    return {
        "kind": _("Monthly chain report"),
        "page": _("Page"),
        "of": _("of"),
        "generated": _("Made on"),
    }


def render_pdf(report: Report, *, svgs: dict[str, str] | None = None) -> bytes:
    """The report as PDF bytes, typeset by typst in a scratch directory (the logo from the
    report's own data: URI, so both formats show the same file)."""
    import typst

    svgs = chart_svgs(report) if svgs is None else svgs
    data = report.to_dict()
    with translation.override(report.language):
        data["labels"] = _labels()
    with tempfile.TemporaryDirectory(prefix="keten-report-") as tmp:
        root = Path(tmp)
        data["logo"] = _write_logo(report.logo, root)
        for section in data["sections"]:
            drawn = []
            for i, chart in enumerate(section["charts"]):
                name = f"chart-{section['key']}-{i}.svg"
                svg = svgs.get(chart["key"], "")
                if not svg:
                    continue
                (root / name).write_text(svg, encoding="utf-8")
                chart.pop("spec")
                chart.pop("svg", None)
                chart["file"] = name
                # Never wider than the page body (17 cm), never blown up past its own size.
                chart["width"] = round(min(100.0, _svg_width(svg) / 6.4), 1)
                drawn.append(chart)
            section["charts"] = drawn
        (root / "data.json").write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
        (root / "report.typ").write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
        return typst.compile(
            str(root / "report.typ"),
            root=str(root),
            format="pdf",
            font_paths=[str(FONT_DIR)],
            ignore_system_fonts=True,
        )


def _write_logo(data_uri: str, root: Path) -> str:
    """Write a data: URI logo (PNG or JPEG) into `root`; its file name, or '' without a logo."""
    if not data_uri.startswith("data:image/"):
        return ""
    kind, _sep, encoded = data_uri[len("data:image/") :].partition(";base64,")
    suffix = {"png": ".png", "jpeg": ".jpg"}.get(kind)
    if suffix is None or not encoded:
        return ""
    target = root / f"logo{suffix}"
    target.write_bytes(base64.b64decode(encoded))
    return target.name
