"""The report's sections on the soft side of the chain: governance (decisions, escalations,
representation) and the collaboration scan, filled from those apps' month summaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import dateformat
from django.utils.translation import gettext as _

from keten.reports.document import Section, Table, month_label, num, pct


def _level(level: str | None) -> str:
    labels = {"operational": _("operational"), "tactical": _("tactical"), "strategic": _("strategic")}
    return labels.get(level or "", level or "–")


def _date(day: dt.date | None) -> str:
    return dateformat.format(day, "j M Y") if day else "–"


def fill_governance(section: Section, summary: Any, ctx: Any) -> None:
    """Decisions, escalations and the upward-delegation rate from governance's month summary
    (`keten.governance.reporting.GovernanceSummary`)."""
    figures = summary.escalation_figures
    trend = list(summary.escalation_trend)
    anything = (
        summary.decisions
        or summary.open_decisions
        or summary.meetings_held
        or any(p.raised or p.counted or p.open_at_end for p in trend)
        or figures.raised
        or figures.open_at_end
    )
    if not anything:
        section.notice = _(
            "No governance data has been recorded for %(month)s: no meetings, decisions or escalations."
        ) % {"month": month_label(ctx.month.first)}
        for warning in summary.warnings:
            section.bullets.append(warning)
        return
    section.facts.append((_("Meetings held"), num(summary.meetings_held)))
    section.facts.append((_("Decisions taken"), num(len(summary.decisions))))
    section.facts.append(
        (
            _("Open decisions"),
            _("%(open)s, of which %(overdue)s overdue")
            % {"open": num(summary.open_decisions), "overdue": num(summary.overdue_decisions)},
        )
    )
    section.facts.append(
        (
            _("Escalations"),
            _("%(raised)s raised, %(resolved)s resolved, %(open)s open at the end of the month")
            % {
                "raised": num(figures.raised),
                "resolved": num(figures.resolved),
                "open": num(figures.open_at_end),
            },
        )
    )
    if figures.upward_rate is None:
        rate = _("no escalation reached an outcome this month")
    else:
        rate = _("%(rate)s (%(upward)s of %(counted)s escalations)") % {
            "rate": pct(figures.upward_rate),
            "upward": num(figures.upward),
            "counted": num(figures.counted),
        }
    section.facts.append((_("Upward-delegation rate"), rate))
    counted = sum(p.counted for p in trend)
    if counted:
        upward = sum(p.upward for p in trend)
        section.facts.append(
            (
                _("Upward delegation, last twelve months"),
                _("%(rate)s (%(upward)s of %(counted)s escalations)")
                % {"rate": pct(upward / counted), "upward": num(upward), "counted": num(counted)},
            )
        )
    if figures.median_days_to_resolution is not None:
        section.facts.append((_("Median days to resolution"), num(figures.median_days_to_resolution, 1)))
    decisions = list(summary.decisions)
    if decisions:
        columns = [_("Date"), _("Table"), _("Decision"), _("Status")]
        if ctx.detail:
            columns += [_("Owner"), _("Due")]
        rows = []
        for d in decisions if ctx.detail else decisions[:10]:
            row = [
                _date(d.decided_on),
                d.table,
                d.text,
                d.status_label + (" – " + _("overdue") if d.overdue else ""),
            ]
            if ctx.detail:
                row += [d.owner + (f" ({d.owner_partner})" if d.owner_partner else ""), _date(d.due_on)]
            rows.append(row)
        note = ""
        if not ctx.detail and len(decisions) > 10:
            note = _("The first ten of %(n)s decisions; the operations edition lists them all.") % {
                "n": len(decisions)
            }
        section.tables.append(
            Table(_("Decisions taken this month"), columns, rows, [False] * len(columns), note=note)
        )
    # Raised and resolved this month: listed once (the records are frozen, hashable data).
    escalations = dict.fromkeys([*summary.escalations_raised, *summary.escalations_resolved])
    if ctx.detail and escalations:
        rows = [
            [
                e.topic,
                _level(e.raised_level),
                _date(e.raised_on),
                _level(e.resolved_level) if e.resolved_level else "–",
                _date(e.resolved_on),
                _("yes") if e.delegated_upward else _("no"),
            ]
            for e in escalations
        ]
        section.tables.append(
            Table(
                _("Escalations raised or resolved this month"),
                [
                    _("Topic"),
                    _("Raised at"),
                    _("Raised on"),
                    _("Resolved at"),
                    _("Resolved on"),
                    _("Delegated upward"),
                ],
                rows,
                [False] * 6,
            )
        )
    for warning in summary.warnings:
        section.bullets.append(warning)


def _signed(value: float, decimals: int) -> str:
    """A change with its sign; one too small to show reads 0, never -0."""
    shown = round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return ("+" if shown > 0 else "") + num(shown, decimals)


def _score(value: float | None) -> str:
    return "–" if value is None else num(value, 1)


def fill_scan(section: Section, summary: Any, ctx: Any) -> None:
    """Latest scan results with the largest spreads and perception gaps, from
    `keten.scan.reporting.ScanSummary` (small groups already hidden there, as None)."""
    if summary is None:
        section.notice = _("No collaboration-health scan has been held yet.")
        return
    when = dateformat.format(summary.opened_at, "j F Y")
    if summary.is_open:
        period = _("opened %(date)s, still open: results may change") % {"date": when}
    elif summary.closed_at:
        period = _("%(first)s to %(last)s") % {
            "first": when,
            "last": dateformat.format(summary.closed_at, "j F Y"),
        }
    else:
        period = when
    section.facts.append((_("Latest wave"), f"{summary.wave_name} ({period})"))
    section.facts.append((_("Responses"), num(summary.responses_total)))
    if summary.previous_wave_name:
        section.facts.append((_("Compared with"), summary.previous_wave_name))
    if not summary.themes:
        section.notice = _("The latest wave has no results yet.")
        return
    columns = [_("Theme"), _("Chain score"), _("Previous wave"), _("Change")]
    # A partner nobody was asked for has no column: the note names it, so an empty column
    # is never read as a partner that did not answer.
    partners = list(summary.partner_names.items()) if ctx.detail else []
    invited = [(code, name) for code, name in partners if code in summary.invited]
    columns += [name for _code, name in invited]
    rows = []
    for theme in summary.themes:
        change = "–" if theme.delta is None else _signed(theme.delta, 1)
        row = [theme.name, _score(theme.chain), _score(theme.previous), change]
        row += [
            _("hidden") if code in theme.hidden else _score(theme.partners.get(code)) for code, _n in invited
        ]
        rows.append(row)
    note = _("– : no answers; hidden: fewer than %(n)s respondents.") % {"n": summary.min_cell}
    not_invited = [name for code, name in partners if code not in summary.invited]
    if not_invited:
        note += " " + _("Not invited to this wave: %(partners)s.") % {"partners": ", ".join(not_invited)}
    section.tables.append(
        Table(
            _("Scores per theme"),
            columns,
            rows,
            [False] + [True] * (len(columns) - 1),
            note=note,
            turned_headers=bool(invited),
        )
    )
    for spread in summary.largest_spreads:
        section.bullets.append(
            _(
                "%(theme)s: the views differ most between %(low)s (%(low_score)s) and %(high)s "
                "(%(high_score)s), a spread of %(gap)s."
            )
            % {
                "theme": spread.theme_name,
                "low": spread.low,
                "low_score": num(spread.low_score, 1),
                "high": spread.high,
                "high_score": num(spread.high_score, 1),
                "gap": num(spread.gap, 1),
            }
        )
    for gap in summary.perception_gaps:
        section.bullets.append(
            _("%(rater)s thinks %(about)s gains %(perceived)s; %(about)s itself reports %(reported)s.")
            % {"rater": gap.rater, "about": gap.about, "perceived": gap.perceived, "reported": gap.reported}
        )
    if summary.largest_spreads or summary.perception_gaps:
        section.paragraphs.append(
            _(
                "Differences are shown as information, not averaged away: "
                "the largest spreads and perception gaps follow."
            )
        )
