"""The process map: partners or activities as boxes, handovers or directly-follows steps as
arrows, laid out by Graphviz `dot` and rendered to SVG on the server.

The same SVG text serves the flow page (inline, no JavaScript) and the report (HTML and the
typst PDF), so both show one picture, offline. Everything here takes plain frames as
`keten.monitor.data.MonitorData` gives them, after small-cell suppression, and returns text:

- an arrow's width grows with its cases (square root, so a rare path stays visible beside a
  main road); a suppressed arrow is thin, dashed and grey and never shows a count;
- its colour says how its median time compares with the chain's norm for that step where
  there is one (`NORM_BANDS`), or where it falls among the map's medians otherwise
  (`NEUTRAL_BANDS`); the label says the same in words, so colour is never the only sign;
- the slowest handover is drawn with a dark outline and named in its label;
- `keep_paths` leaves out the rarest arrows so the main roads stand out.

Names come from chain definitions that users write: they reach DOT only as escaped text in
HTML-like labels (never as node names, which are generated), and titles and links are put
into the SVG afterwards with ElementTree, which escapes them again. Graphviz's SVG carries
presentation attributes only (no `style`), so the page's Content-Security-Policy holds.
"""

from __future__ import annotations

import html
import logging
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _

from keten import formatting
from keten.analytics.model import ChainSpec
from keten.figures.suppression import SUPPRESSED

logger = logging.getLogger(__name__)

FONT = "DejaVu Sans"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

#: The path shares the filter offers, in percent of the cases' steps.
PATH_SHARES = (100, 90, 80, 50)
MIN_WIDTH = 1.5
MAX_WIDTH = 9.0
SUPPRESSED_COLOUR = "#aab2b9"
OUTLINE = "#1b1b1b"
TEXT = "#1b1b1b"


@dataclass(frozen=True)
class Band:
    """One colour of the edge scale: edges whose ratio is at most `upto` get `colour`."""

    key: str
    upto: float
    colour: str

    def label(self, kind: str) -> str:
        return BAND_LABELS[kind][self.key]()


# Median / norm. Colour-blind safe (blue to vermilion, Okabe-Ito-like), and dark enough for
# the arrows to read on white.
NORM_BANDS = (
    Band("well_within", 0.75, "#0f6e9e"),
    Band("within", 1.0, "#5a9f3c"),
    Band("over", 1.5, "#d27d00"),
    Band("far_over", math.inf, "#b3261e"),
)
# Median / the map's longest median, for steps without a norm.
NEUTRAL_BANDS = (
    Band("short", 0.25, "#b4bcc3"),
    Band("middle", 0.5, "#8a949d"),
    Band("long", 0.75, "#5f6b75"),
    Band("longest", math.inf, "#343c44"),
)
BAND_LABELS = {
    "norm": {
        "well_within": lambda: _("median well within the norm (at most 75%)"),
        "within": lambda: _("median within the norm"),
        "over": lambda: _("median over the norm (up to 1.5 times)"),
        "far_over": lambda: _("median far over the norm"),
    },
    "neutral": {
        "short": lambda: _("among the shortest medians"),
        "middle": lambda: _("shorter than most"),
        "long": lambda: _("longer than most"),
        "longest": lambda: _("among the longest medians"),
    },
}


def legend() -> list[dict]:
    """What the colours mean, for a legend beside the map: kind ("norm" or "neutral"), key
    (CSS class `pm-band-<key>` carries the colour) and label."""
    return [
        {"kind": kind, "key": b.key, "label": b.label(kind)}
        for kind, bands in (("norm", NORM_BANDS), ("neutral", NEUTRAL_BANDS))
        for b in bands
    ]


# --- the tables the map draws ---------------------------------------------------------------


def _cases(frame: pd.DataFrame) -> pd.Series:
    """Visible case counts, 0 where hidden."""
    return pd.to_numeric(frame["cases"], errors="coerce").fillna(0)


def keep_paths(edges: pd.DataFrame, share: float) -> pd.DataFrame:
    """The most frequent edges that together carry at least `share` (0-1] of the cases on all
    edges; all of them at 1. Ranked by the counts the viewer may see, so a hidden count (a
    suppressed edge ranks as 0) cannot be guessed from what is left out."""
    if share >= 1 or edges.empty:
        return edges
    cases = _cases(edges)
    total = cases.sum()
    if not total:  # every count hidden: nothing to rank by
        return edges
    order = cases.sort_values(ascending=False, kind="stable").index
    kept, running = [], 0.0
    for index in order:  # one row per edge of the map, not per event
        if running >= share * total:
            break
        kept.append(index)
        running += cases[index]
    return edges.loc[sorted(kept)]


def partner_norms(spec: ChainSpec) -> dict[tuple[str, str], float]:
    """(from partner, to partner) -> the shortest norm (days) of an agreement that starts at
    an activity of the one and stops at an activity of the other."""
    partner_of = activity_partners(spec)
    out: dict[tuple[str, str], float] = {}
    for a in spec.agreements:
        pair = (partner_of.get(a.from_activity), partner_of.get(a.to_activity))
        if None in pair or pair[0] == pair[1]:
            continue
        out[pair] = min(out.get(pair, math.inf), float(a.max_days))
    return out


def activity_norms(spec: ChainSpec) -> dict[tuple[str, str], float]:
    """(from activity, to activity) -> the shortest norm (days) agreed for that step."""
    out: dict[tuple[str, str], float] = {}
    for a in spec.agreements:
        key = (a.from_activity, a.to_activity)
        out[key] = min(out.get(key, math.inf), float(a.max_days))
    return out


def activity_partners(spec: ChainSpec) -> dict[str, str]:
    """Activity code -> the partner whose stage holds it (the first such stage)."""
    out: dict[str, str] = {}
    for stage in spec.stages:
        for activity in stage.activities:
            out.setdefault(activity.code, stage.partner)
    return out


# --- drawing --------------------------------------------------------------------------------


def _band(median, norm, longest) -> Band | None:
    """The colour band of a median against its norm (days), or against the map's longest
    median without one; None without a median."""
    if formatting.is_missing(median):
        return None
    if not formatting.is_missing(norm) and norm > 0:
        ratio, bands = float(median) / float(norm), NORM_BANDS
    else:
        ratio, bands = (float(median) / longest if longest else 0.0), NEUTRAL_BANDS
    return next(b for b in bands if ratio <= b.upto)


def stroke_width(cases, most: float) -> float:
    """Arrow width for `cases` on a map whose busiest arrow has `most` cases."""
    if formatting.is_missing(cases) or not most:
        return MIN_WIDTH
    return round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * math.sqrt(float(cases) / most), 2)


def _text(value: object) -> str:
    """User text for an HTML-like DOT label: escaped, without control characters, and with
    each backslash doubled (dot expands `\\N`, `\\G`... even inside HTML-like labels, after
    decoding entities, and reads `\\\\` as one backslash)."""
    text = html.escape(re.sub(r"[\x00-\x1f\x7f]", " ", str(value)), quote=True)
    return text.replace("\\", "\\\\")


def _label_beside(text: str, width: float) -> str:
    """An edge label kept clear of its own (wide) line: dot puts the label's left side
    against the line's middle, so an empty cell half the line's width comes first. The text
    sits on white, so it stays readable where another arrow passes under it."""
    pad = round(width / 2 + 5)
    return (
        f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
        f'<TD WIDTH="{pad}"></TD><TD ALIGN="LEFT" BALIGN="LEFT" BGCOLOR="#ffffff" CELLPADDING="1">{text}</TD>'
        f"</TR></TABLE>>"
    )


def _edge_text(edge, min_cell: int) -> tuple[str, str]:
    """(label lines for the arrow, the same as one sentence for its title)."""
    if bool(edge.get(SUPPRESSED, False)):
        small = _("fewer than %(n)s cases") % {"n": min_cell}
        return small, small
    cases = _("%(n)s cases") % {"n": formatting.count(edge["cases"])}
    parts = [cases]
    if not formatting.is_missing(edge.get("median_days")):
        parts.append(_("median %(d)s") % {"d": formatting.days(edge["median_days"], unit=True)})
    norm = edge.get("norm_days")
    if not formatting.is_missing(norm):
        parts.append(_("norm %(d)s") % {"d": formatting.days(norm, unit=True)})
    return " · ".join(parts), ", ".join(parts)


def render(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    key: str,
    title: str,
    description: str,
    min_cell: int,
    groups: pd.DataFrame | None = None,
    direction: str = "TB",
) -> str:
    """The map as SVG text ('' when Graphviz is missing or fails: the table beside it tells).

    `nodes`: code, name, optionally detail (a second line), href, group (a code of `groups`).
    `edges`: source, target, cases, median_days, optionally norm_days, slowest, href and the
    `suppressed` flag. `groups` (code, name, href) draws nodes of one group in a labelled box.
    `key` prefixes every id in the SVG, so two maps can share a page.
    """
    import graphviz

    graph = graphviz.Digraph(
        graph_attr={
            "rankdir": direction,
            "bgcolor": "transparent",
            "fontname": FONT,
            "nodesep": "0.35",
            "ranksep": "0.6",
            "pad": "0.1",
            "id": f"{key}-graph",
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": "#f4f6f8",
            "color": "#5f6b75",
            "fontname": FONT,
            "fontsize": "14",
            "fontcolor": TEXT,
            "margin": "0.15,0.08",
        },
        edge_attr={"fontname": FONT, "fontsize": "12", "fontcolor": TEXT, "arrowsize": "0.6"},
    )
    ids = {code: f"{key}-n{i}" for i, code in enumerate(nodes["code"])}
    titles: dict[str, tuple[str, str | None]] = {}
    group_nodes: dict[str, list] = {}
    for row in nodes.to_dict("records"):  # one row per partner or activity, not per event
        label = f"<B>{_text(row['name'])}</B>"
        if row.get("detail"):
            label += f'<BR/><FONT POINT-SIZE="12">{_text(row["detail"])}</FONT>'
        node_id = ids[row["code"]]
        titles[node_id] = (", ".join(x for x in (row["name"], row.get("detail") or "") if x), row.get("href"))
        group = row.get("group") if groups is not None else None
        group_nodes.setdefault(group if isinstance(group, str) else "", []).append(
            (node_id, {"label": f"<{label}>", "id": node_id})
        )
    group_rows = {} if groups is None else {g["code"]: g for g in groups.to_dict("records")}
    for i, (group, members) in enumerate(group_nodes.items()):
        if not group:
            for name, attrs in members:
                graph.node(name, **attrs)
            continue
        g = group_rows.get(group, {"name": group, "href": None})
        cluster_id = f"{key}-g{i}"
        with graph.subgraph(name=f"cluster_{i}") as sub:
            sub.attr(
                label=f"<{_text(g['name'])}>",
                id=cluster_id,
                style="rounded,dashed",
                color="#aab4bd",
                fontsize="12",
                fontcolor="#3d4852",
                labeljust="l",
            )
            for name, attrs in members:
                sub.node(name, **attrs)
        titles[cluster_id] = (g["name"], g.get("href"))

    most = float(_cases(edges).max()) if len(edges) else 0.0
    medians = pd.to_numeric(edges.get("median_days", pd.Series(dtype=float)), errors="coerce")
    longest = float(medians.max()) if medians.notna().any() else 0.0
    classes: dict[str, str] = {}
    names = dict(zip(nodes["code"], nodes["name"], strict=True))
    for i, edge in enumerate(edges.to_dict("records")):
        if edge["source"] not in ids or edge["target"] not in ids:
            continue
        edge_id = f"{key}-e{i}"
        label, sentence = _edge_text(edge, min_cell)
        pair = f"{names[edge['source']]} → {names[edge['target']]}"
        suppressed = bool(edge.get(SUPPRESSED, False))
        band = _band(edge.get("median_days"), edge.get("norm_days"), longest)
        colour = SUPPRESSED_COLOUR if suppressed or band is None else band.colour
        width = stroke_width(None if suppressed else edge["cases"], most)
        text = _text(label)
        attrs = {"id": edge_id, "penwidth": str(width), "color": colour}
        css = ["pm-edge"]
        if suppressed:
            attrs["style"] = "dashed"
            css.append("pm-suppressed")
        elif band is not None:
            css.append(f"pm-band-{band.key}")
        if bool(edge.get("slowest", False)) and not suppressed:
            # Drawn with a dark outline (see `_outline`) and named in its label.
            text = f"<B>{_text(_('Slowest handover'))}</B><BR/>{text}"
            sentence = f"{_('Slowest handover')}: {sentence}"
            css.append("pm-slowest")
        attrs["label"] = _label_beside(text, width)
        graph.edge(ids[edge["source"]], ids[edge["target"]], **attrs)
        titles[edge_id] = (f"{pair}: {sentence}", edge.get("href"))
        classes[edge_id] = " ".join(css)

    try:
        raw = graph.pipe(format="svg", engine="dot", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        logger.exception("The process map could not be laid out")
        return ""
    return _finish(raw, key=key, title=title, description=description, titles=titles, classes=classes)


def _q(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


def _finish(
    raw: str,
    *,
    key: str,
    title: str,
    description: str,
    titles: dict[str, tuple[str, str | None]],
    classes: dict[str, str],
) -> str:
    """Graphviz's SVG made fit for a page: px size from the viewBox, a title and a text
    alternative, our own titles and links on every node and edge, no `style` attributes."""
    root = ET.fromstring(raw)  # noqa: S314 - our own dot output, not user XML
    _x, _y, width, height = (float(v) for v in root.get("viewBox", "0 0 0 0").split())
    root.set("width", f"{width:.0f}")
    root.set("height", f"{height:.0f}")
    root.set("role", "group")
    root.set("class", "process-map-svg")
    root.set("aria-labelledby", f"{key}-title")
    root.set("aria-describedby", f"{key}-desc")
    root.set("font-family", FONT)
    for element in root.iter():
        element.attrib.pop("style", None)
    graph = root.find(_q("g"))
    for old in graph.findall(_q("title")):
        graph.remove(old)
    title_el = ET.Element(_q("title"), {"id": f"{key}-title"})
    title_el.text = title
    desc_el = ET.Element(_q("desc"), {"id": f"{key}-desc"})
    desc_el.text = description
    root.insert(0, desc_el)
    root.insert(0, title_el)
    for g in graph.iter(_q("g")):
        gid = g.get("id", "")
        if gid not in titles:
            continue
        text, href = titles[gid]
        href = href if isinstance(href, str) and href else None
        if gid in classes:
            g.set("class", f"{g.get('class', '')} {classes[gid]}".strip())
        for old in g.findall(_q("title")):
            g.remove(old)
        children = list(g)
        for child in children:
            g.remove(child)
        holder = g
        if href:
            holder = ET.SubElement(g, _q("a"), {"href": href})
        t = ET.SubElement(holder, _q("title"))
        t.text = text
        holder.extend(children)
        if "pm-slowest" in classes.get(gid, ""):
            _outline(holder)
    return ET.tostring(root, encoding="unicode")


def _outline(holder: ET.Element) -> None:
    """A dark halo under the arrow's line and head: a copy of each, wider, drawn first."""
    for shape in list(holder):
        if shape.tag not in (_q("path"), _q("polygon")):
            continue
        width = float(shape.get("stroke-width", "1"))
        for colour, extra in ((OUTLINE, 7), ("#ffffff", 3)):
            halo = ET.Element(shape.tag, dict(shape.attrib))
            halo.set("stroke", colour)
            halo.set("stroke-width", f"{width + extra:.2f}")
            halo.set("stroke-linejoin", "round")
            halo.set("class", "pm-halo")
            holder.insert(list(holder).index(shape), halo)


# --- the two maps ---------------------------------------------------------------------------


def partner_map(
    spec: ChainSpec,
    handovers: pd.DataFrame,
    cases_per_partner: pd.DataFrame,
    *,
    min_cell: int,
    share: float = 1.0,
    partner_href=None,
    key: str = "pm",
) -> str:
    """Partners and the handovers between them (`MonitorData.handovers()`, with an optional
    `href` column), every producing partner shown, the rarest handovers left out down to
    `share` of the cases. `partner_href(code)` links a partner box."""
    partners = [p for p in spec.partners if p.kind == "producing"]
    codes = [p.code for p in partners]
    names = {p.code: p.name for p in spec.partners}
    extra = [
        c for c in pd.unique(handovers[["from_partner", "to_partner"]].to_numpy().ravel()) if c not in codes
    ]
    codes += [str(c) for c in extra]
    visible = cases_per_partner.set_index("partner")["cases"] if len(cases_per_partner) else pd.Series()
    suppressed = (
        cases_per_partner.set_index("partner")[SUPPRESSED] if SUPPRESSED in cases_per_partner else pd.Series()
    )
    details = []
    for code in codes:
        if bool(suppressed.get(code, False)):
            details.append(_("fewer than %(n)s cases") % {"n": min_cell})
        elif not formatting.is_missing(visible.get(code)):
            details.append(_("%(n)s cases") % {"n": formatting.count(visible.get(code))})
        else:
            details.append("")
    nodes = pd.DataFrame(
        {
            "code": codes,
            "name": [names.get(c, c) for c in codes],
            "detail": details,
            "href": [partner_href(c) if partner_href else None for c in codes],
        }
    )
    norms = partner_norms(spec)
    edges = handovers.rename(columns={"from_partner": "source", "to_partner": "target"}).copy()
    edges["norm_days"] = [norms.get((a, b)) for a, b in zip(edges["source"], edges["target"], strict=True)]
    shown = keep_paths(edges, share)
    return render(
        nodes,
        shown,
        key=key,
        title=_("Process map of the partners"),
        description=_describe(nodes, edges, shown, share, _("handovers"), min_cell),
        min_cell=min_cell,
    )


def activity_map(
    spec: ChainSpec,
    dfg: pd.DataFrame,
    *,
    min_cell: int,
    share: float = 1.0,
    partner_href=None,
    handover_href=None,
    key: str = "pm",
) -> str:
    """Activities in a box per partner and the directly-follows steps between them
    (`MonitorData.dfg_activity()`), down to `share` of the cases. An activity links to its
    partner (`partner_href(code)`), a step between two partners to their handover
    (`handover_href(a, b)`); a step within one partner has no page of its own."""
    partner_of = activity_partners(spec)
    activity_names = spec.activity_names
    partner_names = {p.code: p.name for p in spec.partners}
    norms = activity_norms(spec)
    edges = dfg.copy()
    edges["norm_days"] = [norms.get((a, b)) for a, b in zip(edges["source"], edges["target"], strict=True)]
    edges["href"] = [
        handover_href(partner_of[a], partner_of[b])
        if handover_href and a in partner_of and b in partner_of and partner_of[a] != partner_of[b]
        else None
        for a, b in zip(edges["source"], edges["target"], strict=True)
    ]
    shown = keep_paths(edges, share)
    # In chain order; only the activities a shown step touches.
    present = set(shown["source"]) | set(shown["target"])
    order = [a.code for s in spec.stages for a in s.activities]
    codes = [c for c in dict.fromkeys(order) if c in present]
    codes += sorted(str(c) for c in present - set(codes))
    nodes = pd.DataFrame(
        {
            "code": codes,
            "name": [activity_names.get(c, c) for c in codes],
            "group": [partner_of.get(c) for c in codes],
            "href": [
                partner_href(partner_of[c]) if partner_href and c in partner_of else None for c in codes
            ],
        }
    )
    used = [p for p in dict.fromkeys(partner_of.get(c) for c in codes) if p]
    groups = pd.DataFrame(
        {
            "code": used,
            "name": [partner_names.get(p, p) for p in used],
            "href": [partner_href(p) if partner_href else None for p in used],
        }
    )
    all_nodes = pd.DataFrame({"code": sorted(set(edges["source"]) | set(edges["target"]))})
    return render(
        nodes,
        shown,
        key=key,
        title=_("Process map of the activities"),
        description=_describe(all_nodes, edges, shown, share, _("steps between activities"), min_cell),
        min_cell=min_cell,
        groups=groups,
    )


def _describe(
    nodes: pd.DataFrame, edges: pd.DataFrame, shown: pd.DataFrame, share: float, what: str, min_cell: int
) -> str:
    """The map in one or two sentences, for screen readers (the table beside it has the rest)."""
    text = _(
        "%(nodes)s boxes and %(shown)s of %(edges)s %(what)s, "
        "the most frequent paths covering %(share)s of the cases."
    ) % {
        "nodes": formatting.count(len(nodes)),
        "shown": formatting.count(len(shown)),
        "edges": formatting.count(len(edges)),
        "what": what,
        "share": formatting.share(min(share, 1.0)),
    }
    slowest = shown[shown["slowest"].astype(bool)] if "slowest" in shown else shown.iloc[0:0]
    if len(slowest):
        s = slowest.iloc[0]
        text += " " + _("Slowest handover: %(pair)s, median %(days)s.") % {
            "pair": s.get("pair", ""),
            "days": formatting.days(s["median_days"], unit=True),
        }
    return text
