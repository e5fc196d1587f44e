"""The monthly chain report as plain data: sections in a fixed order, numbers already formatted.

`assemble_report(chain, "2026-10", edition=..., language=...)` returns a `Report`
(`keten.reports.document`) that the HTML template and the typst template both read, so the two
formats cannot tell different stories. One method per section here; the governance and scan
sections are filled in `keten.reports.collaboration`.
Each section either carries its content or a plain notice saying what is missing; a missing
part never stops the report and no figure is ever made up.

Editions (one set of figures, two readings):

- bestuurlijk (steering): aggregates only, small cells always hidden, a few pages;
- uitvoering (operations): more detail per partner and stage, never case rows; small cells
  are hidden unless the reader is the chain coordinator
  (`Membership.report_suppresses_small_cells`).
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from keten import formatting
from keten.analytics.routes import ALL_ROUTES
from keten.figures import charts, processmap
from keten.figures import suppression as sup
from keten.figures.disclosure import disclose
from keten.periods import Month
from keten.reports.changes import Movement, largest_movements
from keten.reports.collaboration import fill_governance, fill_scan
from keten.reports.document import (
    BESTUURLIJK,
    UITVOERING,
    Chart,
    Formatter,
    Report,
    Section,
    Table,
    days,
    edition_label,
    is_missing,
    month_label,
    num,
    pct,
    status_label,
    story_of,
)
from keten.reports.figures import (
    DELIVERY_GRACE_DAYS,
    TREND_MONTHS,
    MonthFigures,
    month_figures,
)

EDITIONS = (BESTUURLIJK, UITVOERING)
LANGUAGES = ("nl", "en")

#: The sections of every report, in reading order.
SECTION_ORDER: tuple[str, ...] = (
    "stories",
    "ambition",
    "norms",
    "flow",
    "wip",
    "governance",
    "scan",
    "changes",
    "colophon",
)
# How many success stories the coordinator may select for one month's report.
MAX_STORIES = 5
# How many slowest handovers are named.
SLOWEST = 3
# How many routes the operations edition lists before the whole chain.
ROUTES_SHOWN = 5


# --- assembly -------------------------------------------------------------------------------


def assemble_report(
    chain: Any,
    month: str | Month,
    *,
    edition: str = BESTUURLIJK,
    language: str = "nl",
    suppress: bool = True,
    figures: MonthFigures | None = None,
) -> Report:
    """The report of `chain` (a keten.chains Chain) for `month` ('YYYY-MM')."""
    if edition not in EDITIONS:
        raise ValueError(f"Edition {edition!r}: use bestuurlijk or uitvoering.")
    if language not in LANGUAGES:
        raise ValueError(f"Language {language!r}: use nl or en.")
    month = Month.parse(month) if isinstance(month, str) else month
    suppress = suppress or edition == BESTUURLIJK
    figures = figures if figures is not None else month_figures(chain, month)
    with translation.override(language):
        generated_at = dateformat.format(dt.datetime.now(ZoneInfo(chain.timezone)), "j F Y H:i")
        ctx = _Context(chain, chain.to_spec(), month, edition, suppress, figures)
        sections = [
            ctx.stories(),
            ctx.ambition(),
            ctx.norms(),
            ctx.flow(),
            ctx.wip(),
            ctx.governance(),
            ctx.scan(),
            ctx.changes(),
            ctx.colophon(generated_at),
        ]
        label = month_label(month.first)
        return Report(
            chain_slug=chain.slug,
            chain_name=chain.name,
            colour=chain.colour,
            month=str(month),
            month_label=label,
            edition=edition,
            edition_label=edition_label(edition),
            language=language,
            title=_("Chain report %(month)s") % {"month": label},
            generated_at=generated_at,
            suppressed=suppress,
            min_cell=settings.KETEN_MIN_CELL,
            sections=sections,
            description=ctx.spec.description or "",
            logo=logo_data_uri(chain),
        )


# The file signatures the identity form accepts (keten.governance.forms.validate_logo).
_LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_data_uri(chain: Any) -> str:
    """The chain's logo as a data: URI, so that a downloaded or archived HTML report carries it
    (and the PDF is made from the same bytes); '' when the chain has none or it cannot be read."""
    if not chain.logo:
        return ""
    try:
        with chain.logo.open("rb") as f:
            content = f.read()
    except (OSError, ValueError):
        return ""
    kind = next((t for sig, t in _LOGO_TYPES.items() if content.startswith(sig)), None)
    if kind is None:
        return ""
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


class _Context:
    """Builds the sections of one report (one method per section, in reading order)."""

    def __init__(
        self, chain: Any, spec: Any, month: Month, edition: str, suppress: bool, figures: MonthFigures
    ):
        self.chain = chain
        self.spec = spec
        self.month = month
        self.edition = edition
        self.detail = edition == UITVOERING
        self.suppress = suppress
        self.min_cell = settings.KETEN_MIN_CELL
        self.f = Formatter(self.min_cell)
        self.fig = figures
        self.partner_names = {p.code: p.name for p in spec.partners}
        self.stage_names = {s.code: s.name for s in spec.stages}
        self.accent = spec.colour or charts.DEFAULT_ACCENT
        self.this = month.period
        self.before = month.previous.period
        self.trend_start = month.shift(1 - TREND_MONTHS).period
        # Figures after suppression: what this edition may print.
        s = figures.suite
        self.kpis = [self._hide_kpi(k) for k in figures.kpis]
        # The same rule per dataset as the monitor's pages (keten.figures.disclosure).
        self.norm_frame = self._disclose("norm_compliance", s["norm_compliance"])
        self.handovers_month = self._disclose("handovers", figures.handovers_by_month)
        self.stage_flow = self._disclose("stage_flow", s["stage_flow"])
        self.throughput = self._disclose("throughput", figures.throughput)
        self.stage_times = self._disclose("stage_times", s["stage_times"])
        self.cases_per_partner = self._disclose("cases_per_partner", s["cases_per_partner"])
        routes = s["routes"]
        self.routes = self._disclose(
            "routes",
            routes[routes["route"] != ALL_ROUTES].head(ROUTES_SHOWN * 3).reset_index(drop=True),
            other=_("Other routes (few cases each)"),
        ).head(ROUTES_SHOWN + 1)
        self.routes_total = self._disclose("routes_total", routes[routes["route"] == ALL_ROUTES])

    # suppression: a no-op for the coordinator's operations edition
    def _hide_kpi(self, kpi: Any) -> Any:
        return sup.suppress_kpi(kpi, self.min_cell) if self.suppress else kpi

    def _disclose(self, dataset: str, frame: pd.DataFrame, other: str = "") -> pd.DataFrame:
        return disclose(dataset, frame, self.min_cell, suppress=self.suppress, other=other)

    def _flow_cell(self, row: Any, column: str) -> str:
        if column in str(getattr(row, sup.PROTECTING, "") or "").split(","):
            return self.f.hidden
        return self.f.cases(getattr(row, column))

    def partner(self, code: str) -> str:
        return self.partner_names.get(code, code)

    def no_events(self) -> str:
        return _(
            "No events have been delivered up to the end of %(month)s, so there is nothing to show here."
        ) % {"month": month_label(self.month.first)}

    def _deliveries_text(self) -> str:
        n = len(self.fig.deliveries)
        if n == 0:
            return _("No deliveries recorded.")
        return ngettext(
            "%(n)s delivery holds events up to this month.",
            "%(n)s deliveries hold events up to this month.",
            n,
        ) % {"n": num(n)}

    def _partners_text(self) -> str:
        producing = list(self.spec.producing_partners)
        present = [self.partner(c) for c in self.fig.partners_in_month]
        missing = [self.partner(c) for c in producing if c not in self.fig.partners_in_month]
        text = _("In %(month)s: %(partners)s.") % {
            "month": month_label(self.month.first),
            "partners": ", ".join(present) if present else _("none"),
        }
        if missing:
            text += " " + _("No events this month from: %(partners)s.") % {"partners": ", ".join(missing)}
        return text

    def _late_text(self) -> str:
        late = [d for d in self.fig.deliveries if d.late]
        if not self.fig.deliveries:
            return _("Not known: no deliveries recorded.")
        if not late:
            return _("None: every delivery arrived within %(n)s days after the end of its month.") % {
                "n": DELIVERY_GRACE_DAYS
            }
        partners = sorted({self.partner(d.partner) if d.partner else _("chain-wide") for d in late})
        return ngettext(
            "%(n)s delivery arrived late (more than %(days)s days after the end of its month): %(partners)s.",
            "%(n)s deliveries arrived late (more than %(days)s days "
            "after the end of their month): %(partners)s.",
            len(late),
        ) % {"n": num(len(late)), "days": DELIVERY_GRACE_DAYS, "partners": ", ".join(partners)}

    # --- 2. success stories ------------------------------------------------------------------

    def stories(self) -> Section:
        section = Section("stories", _("Success stories"))
        try:
            from keten.governance.reporting import success_stories_for_report
        except ImportError:
            section.notice = _("The success-story register is not available yet.")
            return section
        # The register returns the coordinator's selection first; the report shows only that
        # selection (at most five, `keten.governance.actions.select_story`).
        items = success_stories_for_report(self.chain, self.month.year, self.month.month, limit=50)
        chosen = [item for item in items if getattr(item, "selected", False)][:MAX_STORIES]
        section.stories = [story_of(item) for item in chosen]
        waiting = len(items) - len(chosen)
        month = month_label(self.month.first)
        if not chosen and not waiting:
            section.notice = _("No success stories were recorded for %(month)s.") % {"month": month}
        elif not chosen:
            section.notice = ngettext(
                "No success story was selected for %(month)s yet; %(n)s approved story waits "
                "in the register for the coordinator's choice.",
                "No success story was selected for %(month)s yet; %(n)s approved stories wait "
                "in the register for the coordinator's choice.",
                waiting,
            ) % {"month": month, "n": num(waiting)}
        elif len(chosen) < MAX_STORIES:
            section.paragraphs.append(
                ngettext(
                    "%(n)s story was selected for %(month)s (at most %(max)s).",
                    "%(n)s stories were selected for %(month)s (at most %(max)s).",
                    len(chosen),
                )
                % {"n": num(len(chosen)), "month": month, "max": MAX_STORIES}
            )
        return section

    # --- 3. the ambition: every KPI ------------------------------------------------------------

    def ambition(self) -> Section:
        section = Section("ambition", _("Status of the ambition"))
        if self.spec.ambition:
            section.paragraphs.append(self.spec.ambition)
        if not self.kpis:
            section.notice = _("The chain has no KPIs defined yet.")
            return section
        if self.fig.is_empty:
            section.notice = self.no_events()
            return section
        objectives = {o.code: o.name for o in self.spec.objectives}
        columns = [_("KPI"), _("Value"), _("Target"), _("Status"), _("Trend")]
        if self.detail:
            columns += [_("Period"), _("Cases")]
        rows = []
        for k in self.kpis:
            hidden = k.status == sup.SUPPRESSED
            name = k.name if k.is_chain_level else _("%(name)s (partner-only)") % {"name": k.name}
            target = ("≥ " if k.direction == "higher" else "≤ ") + self.f.kpi(k.target, k.unit)
            row = [
                name,
                self.f.kpi(k.value, k.unit, hidden, target=k.target),
                target,
                status_label(k.status, self.min_cell),
                self._trend(k),
            ]
            if self.detail:
                row += [
                    month_label(k.period) if k.period else "–",
                    self.f.cases(k.cases) if not hidden else self.f.small,
                ]
            rows.append(row)
        section.tables.append(
            Table(
                _("KPIs of the objectives: %(objectives)s") % {"objectives": ", ".join(objectives.values())},
                columns,
                rows,
                [False, True, True, False, False] + ([False, True] if self.detail else []),
                note=_(
                    "Value: the latest month with data up to %(month)s. "
                    "Trend: the last four months, oldest first."
                )
                % {"month": month_label(self.month.first)},
            )
        )
        chain_level = sum(k.is_chain_level for k in self.kpis)
        section.paragraphs.append(
            _(
                "%(n)s of %(total)s KPIs measure the chain as a whole; the "
                "others measure one partner's production."
            )
            % {"n": chain_level, "total": len(self.kpis)}
        )
        return section

    def _trend(self, kpi: Any) -> str:
        # Mature periods only: a young cohort is not a step in the trend.
        points = [(p, v) for p, v, _c, mature in kpi.trend if mature and (not kpi.period or p <= kpi.period)]
        points = points[-4:]
        if not points:
            return "–"
        text = " → ".join(self.f.kpi(v, kpi.unit, hidden=v is None) for _p, v in points)
        values = [v for _p, v in points if v is not None]
        # The word describes the last step, month on month; the numbers show the longer run.
        if len(values) >= 2 and values[-1] != values[-2]:
            word = _("rising") if values[-1] > values[-2] else _("falling")
            text = f"{word}: {text}"
        elif len(values) >= 2:
            text = f"{_('steady')}: {text}"
        return text

    # --- 4. norm compliance --------------------------------------------------------------------

    def norms(self) -> Section:
        section = Section("norms", _("Norm compliance per agreement"))
        if not self.spec.agreements:
            section.notice = _("The chain has no agreements (norms) defined yet.")
            return section
        if self.fig.is_empty:
            section.notice = self.no_events()
            return section
        df = self.norm_frame
        rows = []
        for a in self.spec.agreements:
            mine = df[(df["agreement"] == a.code) & ((df["period"] <= self.this) | (df["period"] == "all"))]
            # The verdict comes from the latest month whose cases have all had the norm's
            # days; younger months are shown as they stand, marked not yet complete.
            complete = mine[mine["mature"].astype(bool) & (mine["period"] != "all")]
            latest, before = complete.tail(1), complete.iloc[-2:-1]
            this = mine[(mine["period"] == self.this) & ~mine["mature"].astype(bool)]
            norm = _("%(share)s within %(days)s days") % {
                "share": pct(a.target_share),
                "days": num(a.max_days),
            }
            rows.append(
                [
                    a.name,
                    norm,
                    self._norm_cell(latest, with_month=True),
                    self._norm_cell(before, with_month=True),
                    self._norm_cell(mine[mine["period"] == "all"]),
                    self._meets(latest),
                    self._norm_so_far(this),
                ]
            )
        section.tables.append(
            Table(
                _("Share of cases handled within the norm"),
                [
                    _("Agreement"),
                    _("Norm"),
                    _("Latest complete month"),
                    _("The month before"),
                    _("All complete months"),
                    _("Met in the latest complete month"),
                    _("%(month)s so far (not yet complete)") % {"month": month_label(self.month.first)},
                ],
                rows,
                [False, False, True, True, True, False, True],
                note=_(
                    "Cases count in the month their clock started; cases still within "
                    "the norm are not decided yet and are left out. A month is complete "
                    "once the norm's days have passed since its end."
                ),
            )
        )
        if self.detail:
            for a in self.spec.agreements:
                mine = df[(df["agreement"] == a.code) & (df["period"] != "all")]
                mine = mine[(mine["period"] >= self.trend_start) & (mine["period"] <= self.this)]
                if mine.empty:
                    continue
                section.charts.append(
                    Chart(
                        f"norm-{a.code}",
                        _("%(name)s: share within the norm per month") % {"name": a.name},
                        _(
                            "Bars per month with the share of cases within %(days)s "
                            "days; the dashed line is the agreed %(share)s."
                        )
                        % {"days": num(a.max_days), "share": pct(a.target_share)},
                        charts.norm_chart(mine, accent=self.accent),
                    )
                )
        return section

    def _norm_cell(self, rows: pd.DataFrame, *, with_month: bool = False) -> str:
        if rows.empty:
            return "–"
        r = rows.iloc[0]
        if r[sup.PROTECTING]:
            return self.f.hidden
        if bool(r[sup.SUPPRESSED]):
            return self.f.small
        if self.f.missing(r["share"]):
            return "–"
        share = formatting.share_against(r["share"], r["target_share"])
        text = _("%(share)s of %(cases)s") % {"share": share, "cases": num(r["cases"])}
        if with_month:
            text = f"{month_label(dt.date.fromisoformat(r['period']))}: {text}"
        return text

    def _norm_so_far(self, rows: pd.DataFrame) -> str:
        """The running month's share of the cases decided so far, and how many are open."""
        if rows.empty:
            return "–"
        r = rows.iloc[0]
        if r[sup.PROTECTING]:
            return self.f.hidden
        if bool(r[sup.SUPPRESSED]):
            return self.f.small
        if not r["cases"]:
            return _("none decided yet, %(open)s open") % {"open": num(r["open"])}
        share = "–" if self.f.missing(r["share"]) else pct(r["share"])
        return _("%(share)s of %(cases)s decided, %(open)s open") % {
            "share": share,
            "cases": num(r["cases"]),
            "open": num(r["open"]),
        }

    def _meets(self, rows: pd.DataFrame) -> str:
        if rows.empty or bool(rows.iloc[0][sup.SUPPRESSED]):
            return "–"
        meets = rows.iloc[0]["meets"]
        if meets is None or pd.isna(meets):
            return "–"
        return _("yes") if bool(meets) else _("no")

    # --- 5. chain flow map and the slowest handovers --------------------------------------------

    def _month_handovers(self, period: str) -> pd.DataFrame:
        df = self.handovers_month
        if df.empty:
            return df
        return df[df["period"] == period].reset_index(drop=True)

    def _slowest(self, df: pd.DataFrame) -> pd.DataFrame:
        """The SLOWEST handovers by median (hidden ones cannot be ranked)."""
        shown = df[~df[sup.SUPPRESSED].astype(bool) & df["median_days"].notna()]
        # With few handovers, naming all of them "slowest" says nothing: leave the fastest out.
        count = min(SLOWEST, max(1, len(df) - 1))
        return shown.sort_values("median_days", ascending=False, kind="stable").head(count)

    def flow(self) -> Section:
        section = Section("flow", _("Chain flow and the slowest handovers"))
        df = self._month_handovers(self.this)
        if self.fig.is_empty:
            section.notice = self.no_events()
            return section
        if df.empty:
            section.notice = _("No case passed from one partner to another in %(month)s.") % {
                "month": month_label(self.month.first)
            }
            return section
        slowest = self._slowest(df)
        # The map marks the one slowest handover, as the flow page does; the list below names
        # the next slowest too.
        keys = set(list(zip(slowest["from_partner"], slowest["to_partner"], strict=True))[:1])
        df = df.assign(
            slowest=[(a, b) in keys for a, b in zip(df["from_partner"], df["to_partner"], strict=True)]
        )
        # The flow page's process map, drawn from this month's handovers; no links (the
        # report stands on its own) and no case counts in the boxes (those span all months).
        month_map = processmap.partner_map(
            self.spec,
            df.assign(
                pair=[
                    f"{self.partner(a)} → {self.partner(b)}"
                    for a, b in zip(df["from_partner"], df["to_partner"], strict=True)
                ]
            ),
            pd.DataFrame({"partner": [], "cases": []}),
            min_cell=self.min_cell,
            key="report-flow-map",
        )
        section.charts.append(
            Chart(
                "flow-map",
                _("Handovers between partners in %(month)s") % {"month": month_label(self.month.first)},
                _(
                    "The partners with an arrow per handover, as wide as its number of cases and "
                    "labelled with the cases and the median days; the slowest handover has a "
                    "dark outline."
                ),
                {},
                svg=month_map,
            )
        )
        if slowest.empty:
            section.paragraphs.append(_("Every handover this month rests on too few cases to rank."))
        else:
            section.bullets.extend(
                _("%(from)s → %(to)s: median %(days)s (%(cases)s cases)")
                % {
                    "from": self.partner(r.from_partner),
                    "to": self.partner(r.to_partner),
                    "days": days(r.median_days),
                    "cases": num(r.cases),
                }
                for r in slowest.itertuples(index=False)
            )
        if self.detail:
            rows = []
            for r in df.sort_values(["from_partner", "to_partner"]).itertuples(index=False):
                hidden = bool(getattr(r, sup.SUPPRESSED))
                rows.append(
                    [
                        self.partner(r.from_partner),
                        self.partner(r.to_partner),
                        self.f.cases(r.cases),
                        self.f.days(r.median_days, hidden),
                        self.f.days(r.p80_days, hidden),
                    ]
                )
            section.tables.append(
                Table(
                    _("All handovers in %(month)s") % {"month": month_label(self.month.first)},
                    [_("From"), _("To"), _("Cases"), _("Median"), _("80th percentile")],
                    rows,
                    [False, False, True, True, True],
                    note=_(
                        "Time from the last event at one partner to the first event at "
                        "the next, for handovers that arrived this month."
                    ),
                )
            )
            st = self.stage_times
            if not st.empty:
                section.tables.append(
                    Table(
                        _("Time spent per partner (all cases up to this month)"),
                        [_("Partner"), _("Cases"), _("Median"), _("80th percentile")],
                        [
                            [
                                self.partner(r.partner),
                                self.f.cases(r.cases),
                                self.f.days(r.median_days, bool(getattr(r, sup.SUPPRESSED))),
                                self.f.days(r.p80_days, bool(getattr(r, sup.SUPPRESSED))),
                            ]
                            for r in st.itertuples(index=False)
                        ],
                        [False, True, True, True],
                    )
                )
        return section

    # --- 6. work in progress and throughput --------------------------------------------------------

    def wip(self) -> Section:
        section = Section("wip", _("Work in progress and throughput"))
        if self.fig.is_empty:
            section.notice = self.no_events()
            return section
        sf = self.stage_flow
        sf = sf[(sf["period"] >= self.trend_start) & (sf["period"] <= self.this)]
        if not sf.empty:
            data = sf.assign(stage_name=sf["stage"].map(lambda c: self.stage_names.get(c, c)))
            section.charts.append(
                Chart(
                    "stage-flow",
                    _("Inflow, outflow and work in progress per stage"),
                    _(
                        "One small panel per stage with the cases entering, leaving and still in the "
                        "stage at the end of each month, over the last twelve months."
                    ),
                    charts.stage_flow_chart(data, accent=self.accent),
                )
            )
            this = sf[sf["period"] == self.this]
            rows = []
            for r in this.itertuples(index=False):
                rows.append(
                    [
                        self.stage_names.get(r.stage, r.stage),
                        self._flow_cell(r, "inflow"),
                        self._flow_cell(r, "outflow"),
                        self._flow_cell(r, "wip"),
                    ]
                )
            if self.detail or len(rows) <= 8:
                section.tables.append(
                    Table(
                        _("Stages in %(month)s") % {"month": month_label(self.month.first)},
                        [_("Stage"), _("Inflow"), _("Outflow"), _("In progress at month end")],
                        rows,
                        [False, True, True, True],
                    )
                )
        tp = self.throughput
        if tp.empty:
            section.paragraphs.append(
                _(
                    "No case reached the chain's goal in the last twelve "
                    "months, so there is no throughput time to show."
                )
            )
        else:
            section.charts.append(
                Chart(
                    "throughput",
                    _("Throughput time of cases that reached the goal"),
                    _(
                        "Median days from entry to goal per month of reaching it, with "
                        "the band from the 20th to the 80th percentile."
                    ),
                    charts.duration_chart(tp, accent=self.accent),
                )
            )
            now = tp[tp["period"] == self.this]
            if not now.empty:
                r = now.iloc[0]
                if r[sup.PROTECTING]:
                    section.paragraphs.append(
                        _(
                            "The figures of %(month)s are hidden, so that a smaller figure "
                            "cannot be worked out from them."
                        )
                        % {"month": month_label(self.month.first)}
                    )
                elif bool(r[sup.SUPPRESSED]):
                    section.paragraphs.append(
                        _("Fewer than %(n)s cases reached the goal in %(month)s.")
                        % {"n": self.min_cell, "month": month_label(self.month.first)}
                    )
                else:
                    section.paragraphs.append(
                        _(
                            "In %(month)s %(cases)s cases reached the goal, with a "
                            "median throughput time of %(days)s."
                        )
                        % {
                            "month": month_label(self.month.first),
                            "cases": num(r["cases"]),
                            "days": days(r["median_days"]),
                        }
                    )
            if self.detail:
                section.tables.append(
                    Table(
                        _("Throughput time per month"),
                        [_("Month"), _("Cases reaching the goal"), _("Median"), _("80th percentile")],
                        [
                            [
                                month_label(r.period),
                                self.f.cases(r.cases),
                                self.f.days(r.median_days, bool(getattr(r, sup.SUPPRESSED))),
                                self.f.days(r.p80_days, bool(getattr(r, sup.SUPPRESSED))),
                            ]
                            for r in tp.itertuples(index=False)
                        ],
                        [False, True, True, True],
                    )
                )
        if self.detail and not self.cases_per_partner.empty:
            section.tables.append(
                Table(
                    _("Cases per partner (up to this month)"),
                    [_("Partner"), _("Cases"), _("Events")],
                    [
                        [
                            self.partner(r.partner),
                            self.f.cases(r.cases),
                            self.f.cases(r.events) if not getattr(r, sup.SUPPRESSED) else self.f.small,
                        ]
                        for r in self.cases_per_partner.itertuples(index=False)
                    ],
                    [False, True, True],
                )
            )
        if self.detail and not self.routes.empty:
            section.tables.append(self._routes_table())
        return section

    def _routes_table(self) -> Table:
        """Which routes lead to the goal: the most frequent, then the whole chain."""
        rows = []
        for r in [*self.routes.itertuples(index=False), *self.routes_total.itertuples(index=False)]:
            hidden = bool(getattr(r, sup.SUPPRESSED))
            if r.route == ALL_ROUTES:
                name = _("Whole chain")
            elif hidden:
                # The folded row: its own label and its cases; its rates cannot be combined.
                name, hidden = str(r.route), False
            else:
                name = " → ".join(self.partner(code) for code in str(r.route).split(" > "))
            rows.append(
                [
                    name,
                    self.f.cases(r.cases),
                    self.f.share(r.reached_share, hidden),
                    self.f.days(r.median_days_to_goal, hidden),
                    self.f.share(r.dropout_share, hidden),
                ]
            )
        return Table(
            _("Routes to the goal (up to this month)"),
            [
                _("Route (partners in order)"),
                _("Cases"),
                _("Reached the goal"),
                _("Median days"),
                _("Dropped out"),
            ],
            rows,
            [False, True, True, True, True],
            note=_(
                "A route is the order in which a case passed the partners; the last row is the whole chain."
            ),
        )

    # --- 7. governance ------------------------------------------------------------------------------

    def governance(self) -> Section:
        section = Section("governance", _("Governance"))
        try:
            from keten.governance.reporting import month_summary
        except ImportError:
            section.notice = _("The governance register is not available yet.")
            return section
        summary = month_summary(self.chain, self.month.year, self.month.month)
        fill_governance(section, summary, self)
        return section

    # --- 8. collaboration health ---------------------------------------------------------------------

    def scan(self) -> Section:
        section = Section("scan", _("Collaboration health"))
        try:
            from keten.scan.reporting import latest_scan_summary
        except ImportError:
            section.notice = _("The collaboration-health scan is not available yet.")
            return section
        # Never the open answers: a report travels further than the scan's own pages.
        summary = latest_scan_summary(self.chain, audience="steering")
        fill_scan(section, summary, self)
        return section

    # --- 9. what changed since last month ------------------------------------------------------------

    def changes(self) -> Section:
        section = Section("changes", _("What changed since last month"))
        if self.fig.is_empty:
            section.notice = self.no_events()
            return section
        candidates = self._movements()
        top = largest_movements(candidates)
        if not top:
            section.notice = _("There is no earlier month to compare with, or nothing moved.")
            return section
        section.paragraphs.append(
            _("The largest relative movements between %(before)s and %(this)s, computed from the data.")
            % {"before": month_label(self.month.previous.first), "this": month_label(self.month.first)}
        )
        for m in top:
            section.bullets.append(self._movement_text(m))
        return section

    def _movements(self) -> list[Any]:
        out: list[tuple[Movement, str]] = []
        for k in self.kpis:
            if k.status == sup.SUPPRESSED or k.value is None or not k.period:
                continue
            previous = [(p, v) for p, v, _c, mature in k.trend if mature and p < k.period]
            if not previous or previous[-1][1] is None:
                continue
            out.append((Movement(k.name, previous[-1][1], k.value, k.direction), k.unit))
        df = self.norm_frame
        for a in self.spec.agreements:
            # The two latest complete months: a young month's share is not a movement.
            mine = df[(df["agreement"] == a.code) & df["mature"].astype(bool) & (df["period"] != "all")]
            complete = list(mine[mine["period"] <= self.this].itertuples(index=False))
            before, now = ([None, None] + complete)[-2:]
            if (
                now is None
                or before is None
                or getattr(now, sup.SUPPRESSED)
                or getattr(before, sup.SUPPRESSED)
            ):
                continue
            if pd.isna(now.share) or pd.isna(before.share):
                continue
            out.append(
                (
                    Movement(
                        _("Norm %(name)s") % {"name": a.name}, float(before.share), float(now.share), "higher"
                    ),
                    "share",
                )
            )
        now_h, before_h = self._month_handovers(self.this), self._month_handovers(self.before)
        if not now_h.empty and not before_h.empty:
            merged = now_h.merge(before_h, on=["from_partner", "to_partner"], suffixes=("", "_before"))
            for r in merged.itertuples(index=False):
                if getattr(r, sup.SUPPRESSED) or getattr(r, f"{sup.SUPPRESSED}_before"):
                    continue
                if pd.isna(r.median_days) or pd.isna(r.median_days_before):
                    continue
                label = _("Handover %(from)s → %(to)s") % {
                    "from": self.partner(r.from_partner),
                    "to": self.partner(r.to_partner),
                }
                out.append(
                    (Movement(label, float(r.median_days_before), float(r.median_days), "lower"), "days")
                )
        sf = self.stage_flow
        for code in self.stage_names:
            rows = {r.period: r for r in sf[sf["stage"] == code].itertuples(index=False)}
            now, before = rows.get(self.this), rows.get(self.before)
            if now is None or before is None or is_missing(now.wip) or is_missing(before.wip):
                continue
            label = _("Work in progress in %(stage)s") % {"stage": self.stage_names[code]}
            out.append((Movement(label, float(before.wip), float(now.wip), ""), "cases"))
        self._units = {m.label: unit for m, unit in out}
        return [m for m, _unit in out]

    def _movement_text(self, m: Movement) -> str:
        unit = self._units.get(m.label, "")
        values = {
            "label": m.label,
            "before": self.f.kpi(m.before, unit),
            "after": self.f.kpi(m.after, unit),
            "relative": pct(m.relative),
        }
        if m.rose:
            text = _("%(label)s rose by %(relative)s, from %(before)s to %(after)s") % values
        else:
            text = _("%(label)s fell by %(relative)s, from %(before)s to %(after)s") % values
        if m.improved is True:
            text += " " + _("(better)")
        elif m.improved is False:
            text += " " + _("(worse)")
        return text

    # --- last: the colophon: what the figures rest on ------------------------------------

    def colophon(self, generated_at: str) -> Section:
        """The report's metadata: edition, data extent, deliveries, the small-number rule."""
        spec, fig = self.spec, self.fig
        section = Section("colophon", _("Colophon"))
        if spec.ambition:
            section.facts.append((_("Shared ambition"), spec.ambition))
        if spec.administrative_ambition:
            section.facts.append((_("Administrative ambition"), spec.administrative_ambition))
        section.facts.append((_("Month"), month_label(self.month.first)))
        section.facts.append((_("Edition"), edition_label(self.edition)))
        # The data extent: enough for a reader to judge how complete the picture is.
        if fig.is_empty:
            section.facts.append((_("Data"), self.no_events()))
        else:
            zone = ZoneInfo(spec.timezone)
            first = dateformat.format(fig.first_event.astimezone(zone), "j F Y")
            last = dateformat.format(fig.last_event.astimezone(zone), "j F Y")
            section.facts.append(
                (_("Events from"), _("%(first)s to %(last)s") % {"first": first, "last": last})
            )
            section.facts.append(
                (
                    _("Volume"),
                    _("%(events)s events in %(cases)s cases")
                    % {"events": num(fig.events), "cases": num(fig.cases)},
                )
            )
        section.facts.append((_("Deliveries"), self._deliveries_text()))
        section.facts.append((_("Partners delivering"), self._partners_text()))
        section.facts.append((_("Late deliveries"), self._late_text()))
        if self.suppress:
            small = _(
                "Figures that rest on fewer than %(n)s cases are hidden and shown as %(mark)s; "
                "a figure from which one of them could be worked out is hidden too (%(hidden)s)."
            ) % {"n": self.min_cell, "mark": self.f.small, "hidden": self.f.hidden}
        else:
            small = _(
                "Small numbers are not hidden in this edition: it is meant for the chain coordinator only."
            )
        section.facts.append((_("Small numbers"), small))
        section.facts.append(
            (
                _("Reading"),
                _(
                    "Figures describe the chain as it stood at the end of the month; norms and KPIs "
                    "count cases in the month they started, unless the KPI says otherwise."
                ),
            )
        )
        if fig.store_version:
            section.facts.append((_("Store version"), fig.store_version))
        section.facts.append((_("Made on"), generated_at))
        return section
