"""The flow page's process map: which map the GET parameters ask for, and the map with its
links for one viewer (the drawing itself is `keten.figures.processmap`)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keten.figures import processmap
from keten.monitor.data import MonitorData

LEVELS = (("partner", gettext_lazy("Partners")), ("activity", gettext_lazy("Activities")))


class ProcessMapForm(forms.Form):
    """What the map shows: partners or activities, and the share of the cases' paths."""

    level = forms.ChoiceField(label=gettext_lazy("Show"), choices=LEVELS, required=False)
    paths = forms.TypedChoiceField(
        label=gettext_lazy("Paths shown"),
        choices=[(p, f"{p}%") for p in processmap.PATH_SHARES],
        coerce=int,
        required=False,
        help_text=gettext_lazy("The most frequent paths that together cover this share of the cases."),
    )


@dataclass(frozen=True)
class MapChoice:
    level: str = "partner"
    paths: int = 100

    @classmethod
    def from_query(cls, query) -> MapChoice:
        """The choice in the GET parameters; anything unknown falls back to the default."""
        form = ProcessMapForm(query)
        if not form.is_valid():
            return cls()
        return cls(form.cleaned_data.get("level") or "partner", form.cleaned_data.get("paths") or 100)

    def key(self) -> str:
        return f"{self.level}|{self.paths}"


def process_map(ctx: dict, choice: MapChoice, handovers) -> dict:
    """The map for the flow page's body: SVG text, the form (with the page's filters carried
    along as hidden fields) and the legend. `handovers`: `MonitorData.handovers()` with an
    `href` column (the flow page's table has the same links)."""
    data: MonitorData = ctx["data"]
    slug = ctx["chain"].slug
    q = f"?{ctx['query']}" if ctx["query"] else ""

    def partner_href(code: str) -> str:
        return reverse("monitor-partner", args=[slug, code]) + q

    def handover_href(a: str, b: str) -> str:
        return reverse("monitor-handover", args=[slug, a, b]) + q

    share = choice.paths / 100
    if choice.level == "activity":
        svg = processmap.activity_map(
            data.spec,
            data.dfg_activity(),
            min_cell=data.min_cell,
            share=share,
            partner_href=partner_href,
            handover_href=handover_href,
        )
    else:
        svg = processmap.partner_map(
            data.spec,
            handovers,
            data.cases_per_partner(),
            min_cell=data.min_cell,
            share=share,
            partner_href=partner_href,
        )
    form = ProcessMapForm(initial={"level": choice.level, "paths": choice.paths})
    return {
        "svg": svg,
        "form": form,
        "hidden": sorted(ctx["filters"].query().items()),
        "legend": processmap.legend(),
        "level": choice.level,
        "title": (
            _("Process map of the activities")
            if choice.level == "activity"
            else _("Process map of the partners")
        ),
    }
