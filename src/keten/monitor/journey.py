"""A case's journey (the case page) and the drill-downs from a figure to its cases.

The case page shows one pseudonymised case across partners: its events on one timeline in the
order every metric uses, the handovers and the waits between partners, its verdict on each
agreement and its status. Case rows are never cached with a page: each view is checked
(`Viewer.require_case_rows`, an analyst only for cases their partner handled) and audited.

Case ids are pseudonyms that may hold any character, so they travel in the path through
`CaseIdConverter`: plain ids as they are, any other id encoded, so that no "/", "..", "?" or
"%" ever changes where a link leads.
"""

from __future__ import annotations

import base64
import binascii
import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from keten import formatting
from keten.analytics.flow import variant_in_words
from keten.chains.actions import record_audit


class CaseIdConverter:
    """A case id in a URL: plain ids (letters, digits, "-", "_" and dots, not first) as they
    are; any other as "~" and its UTF-8 in unpadded base64url."""

    regex = r"[A-Za-z0-9_.~-]+"
    PLAIN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
    MARK = "~"

    def to_python(self, value: str) -> str:
        if value.startswith(self.MARK):
            try:
                text = value[1:]
                return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
                raise ValueError("Not an encoded case id.") from exc
        if not self.PLAIN.fullmatch(value):
            raise ValueError("Not a case id.")
        return value

    def to_url(self, value: str) -> str:
        value = str(value)
        if self.PLAIN.fullmatch(value):
            return value
        return self.MARK + base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("=")


def case_url(slug: str, case_id: str, query: str = "") -> str:
    """The case page of `case_id`, with the monitor's filter query (its moment) carried on."""
    return reverse("monitor-case", args=[slug, case_id]) + (f"?{query}" if query else "")


def add_case_links(table: dict, slug: str, query: str = "") -> dict:
    """`table` (monitor.tables.html_table of case rows) with each row linking to its case page."""
    for row in table["rows"]:
        row["href"] = case_url(slug, row["record"]["case_id"], query)
        row["link_text"] = _("View case")
    return table


# --- drill-downs: from a figure to the case list --------------------------------------------

#: GET parameters of the case list that narrow it to the cases behind one figure.
DRILL_PARAMETERS = ("late_open", "variant", "from", "to")


def drill_from_query(get: QueryDict, spec) -> tuple[tuple, str, dict[str, str]]:
    """The drill-down the case list's GET parameters ask for: (drill for
    `MonitorData.case_rows`, a sentence saying what is listed, the parameters to keep in links).
    Unknown agreements or partners are ignored, as an unknown status is."""
    agreement = next((a for a in spec.agreements if a.code == get.get("late_open")), None)
    if agreement is not None:
        said = _("Cases late and still open on the agreement “%(name)s”.") % {"name": agreement.name}
        return ("late_open", agreement.code), said, {"late_open": agreement.code}
    variant = get.get("variant")
    if variant:
        steps = variant_in_words(variant, spec.activity_names)
        said = _("Cases that followed the path: %(steps)s.") % {"steps": steps}
        return ("variant", variant), said, {"variant": variant}
    partners = {p.code: p.name for p in spec.partners}
    source, target = get.get("from"), get.get("to")
    if source in partners and target in partners and source != target:
        said = _("Cases handed over from %(from)s to %(to)s.") % {
            "from": partners[source],
            "to": partners[target],
        }
        return ("handover", source, target), said, {"from": source, "to": target}
    return (), "", {}


def cases_url(slug: str, query: str, **drill: str) -> str:
    """The case list narrowed by `drill` (DRILL_PARAMETERS), with the filter query."""
    params = QueryDict(query, mutable=True)
    for key, value in drill.items():
        params[key] = value
    return reverse("monitor-cases", args=[slug]) + "?" + params.urlencode()


# --- the case page --------------------------------------------------------------------------


def _timeline(journey, data, zone: str) -> list[dict]:
    """Events and, between them, the handovers: one list in the case's order."""
    activity_names = data.spec.activity_names
    waits = {int(h["seq"]): h for h in journey.handovers.to_dict("records")}
    items = []
    for event in journey.events.to_dict("records"):
        seq = int(event["seq"])
        if seq in waits:
            h = waits[seq]
            items.append({"kind": "handover", **_handover(h, data, zone)})
        items.append(
            {
                "kind": "event",
                "position": seq + 1,
                "moment": formatting.moment(event["ts"], zone),
                "iso": event["ts"].isoformat(),
                "partner": data.partner_names.get(event["partner"], event["partner"]),
                "activity": activity_names.get(event["activity"], event["activity"]),
                "stage": data.stage_names.get(event["stage"], event["stage"]) if event["stage"] else "",
            }
        )
    return items


def _handover(h: dict, data, zone: str) -> dict:
    return {
        "from_name": data.partner_names.get(h["from_partner"], h["from_partner"]),
        "to_name": data.partner_names.get(h["to_partner"], h["to_partner"]),
        "left": formatting.moment(h["left"], zone),
        "arrived": formatting.moment(h["arrived"], zone),
        "days": formatting.days(h["days"], unit=True),
        "longest": bool(h["longest"]),
    }


#: How a verdict on an agreement reads, with the status colour it is shown in.
VERDICT_STYLE = {
    "within": "on_target",
    "late": "off_target",
    "late_open": "off_target",
    "open": "at_risk",
    "not_started": "no_data",
}


def _verdict_words() -> dict[str, str]:
    return {
        "within": _("Met"),
        "late": _("Broken: handled late"),
        "late_open": _("Broken: late, still open"),
        "open": _("Running, within the norm so far"),
        "not_started": _("Not applicable: the clock never started"),
    }


def _norms(journey, data, zone: str) -> list[dict]:
    agreements = {a.code: a for a in data.spec.agreements}
    words = _verdict_words()
    rows = []
    for row in journey.norms.to_dict("records"):
        agreement = agreements[row["agreement"]]
        rows.append(
            {
                "name": agreement.name,
                "norm": (
                    _("Within %(days)s working days")
                    if agreement.counts_working_days
                    else _("Within %(days)s days")
                )
                % {"days": _whole_or_days(agreement.max_days)},
                "started": formatting.moment(row["started"], zone),
                "stopped": formatting.moment(row["stopped"], zone),
                "days": formatting.days(row["days"], unit=True),
                "verdict": words[row["verdict"]],
                "style": VERDICT_STYLE[row["verdict"]],
            }
        )
    return rows


def _whole_or_days(value) -> str:
    """Days as agreements are written: "14", or "0,5" for part of a day."""
    return formatting.count(value) if float(value).is_integer() else formatting.days(value)


@login_required
def case(request, slug, case_id):
    """One case's journey: roles with case rights, in the operations view; audited."""
    from keten.monitor.views import _monitor  # views links to this page: imported late

    ctx = _monitor(request, slug)
    viewer = ctx["viewer"]
    if not viewer.has_case_rights:
        raise PermissionDenied
    context = {**ctx, "case_id": case_id, "cases_url": reverse("monitor-cases", args=[slug])}
    if not viewer.sees_case_rows:
        return render(request, "monitor/case.html", {**context, "needs_switch": True})
    data = ctx["data"]
    journey = data.journey(case_id)
    if journey is None:
        raise Http404("No such case.")
    record_audit(
        request.user,
        ctx["chain"],
        "case.viewed",
        case=case_id,
        filters=ctx["filters"].query(),
        rows=len(journey.events),
        format="html",
    )
    zone = data.spec.timezone
    handovers = [_handover(h, data, zone) for h in journey.handovers.to_dict("records")]
    partners = list(dict.fromkeys(data.partner_names.get(p, p) for p in journey.events["partner"]))
    return render(
        request,
        "monitor/case.html",
        {
            **context,
            "journey": journey,
            "status": formatting.word(journey.status),
            "status_style": {"reached": "on_target", "dropped": "off_target"}.get(journey.status, "at_risk"),
            "first": formatting.moment(journey.start, zone),
            "last": formatting.moment(journey.end, zone),
            "as_of": formatting.moment(journey.as_of, zone),
            "duration": formatting.days(journey.duration_days, unit=True),
            "event_count": formatting.count(len(journey.events)),
            "partners": partners,
            "timeline": _timeline(journey, data, zone),
            "handovers": handovers,
            "longest": next((h for h in handovers if h["longest"]), None),
            "norm_rows": _norms(journey, data, zone),
        },
    )
