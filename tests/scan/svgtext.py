"""Reading a chart's SVG as a person sees it: its texts whole, and where each text is drawn."""

from __future__ import annotations

import html
import json
import re

import vl_convert as vlc

from keten.reports.render import _vl


def svg(spec: dict, width: int = 560) -> str:
    """The chart drawn by vl-convert with the charts' font, as the report and tests see it."""
    _vl()  # registers the shipped DejaVu Sans
    spec = json.loads(json.dumps(spec, allow_nan=False))
    if spec.get("width") == "container":
        spec["width"] = width
    return vlc.vegalite_to_svg(spec)


def texts(drawing: str) -> list[str]:
    """Every <text> of the SVG as read: its lines (tspans) joined by spaces."""
    found = []
    for body in re.findall(r"<text\b[^>]*>(.*?)</text>", drawing, re.S):
        lines = re.findall(r"<tspan\b[^>]*>(.*?)</tspan>", body, re.S) or [body]
        found.append(" ".join(html.unescape(re.sub(r"<[^>]+>", "", line)).strip() for line in lines).strip())
    return [t for t in found if t]


def _squeezed(text: str) -> str:
    # a name broken after a hyphen reads "Re- integratiebedrijf" when its lines are joined
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def reads_whole(name: str, labels: list[str]) -> bool:
    return any(_squeezed(label) == _squeezed(name) for label in labels)


# Boxes of every text, and of the heatmap's cells, in the page's pixels.
BOXES_JS = """
(root) => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const svg = root.querySelector('svg');
  const read = t => {
    const lines = [...t.querySelectorAll('tspan')].map(s => s.textContent);
    return (lines.length ? lines.join(' ') : t.textContent).trim();
  };
  return {
    svg: box(svg),
    texts: [...svg.querySelectorAll('text')].filter(t => read(t)).map(t => ({
      text: read(t), box: box(t), cell: !!t.closest('.mark-text.role-mark')})),
    cells: [...svg.querySelectorAll('.mark-rect.role-mark path')].map(box),
  };
}
"""


def overlap(a, b, slack: float = 0.5) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


def inside(inner, outer, slack: float = 0.5) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def problems(boxes: dict) -> list[str]:
    """What a person would not be able to read: texts on top of each other, a text outside
    the drawing, a heatmap cell's text running out of its cell."""
    found = []
    items = boxes["texts"]
    for i, a in enumerate(items):
        if "…" in a["text"]:
            found.append(f"cut off: {a['text']!r}")
        if not inside(a["box"], boxes["svg"]):
            found.append(f"outside the chart: {a['text']!r}")
        for b in items[i + 1 :]:
            if overlap(a["box"], b["box"]):
                found.append(f"overlap: {a['text']!r} and {b['text']!r}")
    if boxes["cells"]:
        for a in items:
            if a["cell"]:
                centre = ((a["box"][0] + a["box"][2]) / 2, (a["box"][1] + a["box"][3]) / 2)
                home = [c for c in boxes["cells"] if c[0] <= centre[0] <= c[2] and c[1] <= centre[1] <= c[3]]
                if not home or not inside(a["box"], home[0]):
                    found.append(f"outside its cell: {a['text']!r}")
    return found
