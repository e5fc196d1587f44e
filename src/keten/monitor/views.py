"""Monitor pages: thin views over `MonitorData`; the role rules live in `access`, the
numbers in `data`, the chart specs in `charts`, the tables and CSV columns in `tables`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keten import formatting
from keten.chains.actions import record_audit
from keten.chains.models import AuditEntry
from keten.chains.permissions import chain_and_membership
from keten.chains.roles import COORDINATOR
from keten.figures import charts
from keten.monitor import mapview
from keten.monitor.access import VIEW_LABELS, viewer_for
from keten.monitor.cache import page_cache
from keten.monitor.data import MonitorData
from keten.monitor.forms import FilterForm
from keten.monitor.journey import add_case_links, cases_url, drill_from_query
from keten.monitor.tables import DATASETS, csv_chunks, html_table, to_csv

CASE_PAGE_SIZE = 50
# Rows per piece of a streamed case CSV (one Arrow batch from the engine).
CSV_BATCH_ROWS = 10_000


def _case_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[c.key for c in DATASETS["cases"].columns])


def _day(moment) -> dt.date | None:
    """The calendar day of a moment from the analytics (a datetime or a pandas Timestamp)."""
    return None if moment is None or pd.isna(moment) else pd.Timestamp(moment).date()


def _view_key(chain) -> str:
    return f"monitor_view:{chain.pk}"


def _monitor(request, slug: str, roles: tuple[str, ...] | None = None, *, with_partner: bool = True):
    """Check membership and role, read the chosen view and the filters; return the page context."""
    chain, membership = chain_and_membership(request, slug, roles)
    viewer = viewer_for(membership, request.session.get(_view_key(chain)), settings.KETEN_MIN_CELL)
    partners = chain.partners.filter(kind="producing")
    form = FilterForm(request.GET or None, partners=partners, with_partner=with_partner)
    filters = form.filters() if request.GET else FilterForm(partners=partners).filters()
    data = MonitorData(chain, viewer, filters)
    extent = {} if data.is_empty else data.extent()
    form.show_period(_day(extent.get("first_event")), _day(extent.get("last_event")))
    query = urlencode(filters.query())
    return {
        "chain": chain,
        "membership": membership,
        "viewer": viewer,
        "views": [(v, VIEW_LABELS[v]) for v in membership.views()],
        "view_label": VIEW_LABELS[viewer.view],
        "form": form,
        "filters": filters,
        "query": query,
        "data": data,
        "min_cell": viewer.min_cell,
    }


def _chart(name: str, spec: dict, title: str, table: dict | None = None, csv_url: str | None = None) -> dict:
    return {"id": f"chart-{name}", "spec": spec, "title": title, "table": table, "csv_url": csv_url}


def _timeline(ctx: dict, name: str, draw, frame: pd.DataFrame, title: str, dataset: str) -> dict:
    """A chart over periods with its table, both of the latest periods only when there are
    very many (a long history at day grain); the CSV keeps them all and the page says so."""
    shown, first = charts.latest_periods(frame)
    chart = _chart(name, draw(shown), title, _table(ctx, dataset, shown), _csv_url(ctx, dataset))
    if first is not None:
        chart["note"] = _(
            "The chart and the table show the latest %(shown)s periods; the CSV holds them all, "
            "from %(first)s. Choose a start month or a coarser grain to see earlier ones here."
        ) % {"shown": charts.MAX_CHART_PERIODS, "first": formatting.date_label(first)}
    return chart


def _csv_url(ctx: dict, dataset: str) -> str:
    return reverse("monitor-csv", args=[ctx["chain"].slug, dataset]) + (
        f"?{ctx['query']}" if ctx["query"] else ""
    )


def _table(ctx: dict, dataset: str, frame=None, limit: int | None = None) -> dict:
    d = DATASETS[dataset]
    frame = d.frame(ctx["data"]) if frame is None else frame
    return html_table(frame, d.columns, ctx["min_cell"], limit)


def _page(
    request, ctx: dict, page: str, heading: str, build, *parts, show_filters: bool | tuple = True, extra=None
):
    """Render a monitor page whose body (numbers, tables, charts) comes from the page cache.

    The body is rendered once per data version, filters, suppression rule and language; only
    the frame around it (user, view switch, filter form, CSRF tokens) is rendered per request.
    `show_filters` is True, False or the names of the filter fields to show.
    """
    data: MonitorData = ctx["data"]
    viewer = ctx["viewer"]
    key = [
        page,
        *parts,
        data.filters.key(),
        viewer.suppresses,
        viewer.min_cell,
        viewer.sees_case_rows,
        get_language(),
    ]
    body = page_cache(data, key, lambda: render_to_string(f"monitor/body/{page}.html", {**ctx, **build(ctx)}))
    context = {
        **ctx,
        "heading": heading,
        "body": mark_safe(body),  # noqa: S308 - our own template, rendered above
        "show_filters": bool(show_filters),
        "filter_fields": show_filters if isinstance(show_filters, tuple) else (),
    }
    return render(request, "monitor/page.html", {**context, **(extra or {})})


# --- pages ----------------------------------------------------------------------------------


def _overview(ctx: dict) -> dict:
    data: MonitorData = ctx["data"]
    accent = ctx["chain"].colour
    kpis = data.kpis()
    objectives = []
    for objective in data.spec.objectives:
        tiles = []
        for k in (k for k in kpis if k.objective == objective.code):
            trend = [{"period": p, "value": v, "mature": mature} for p, v, _n, mature in k.trend]
            spark = None
            if trend:
                spark = charts.kpi_sparkline(pd.DataFrame(trend), accent=accent, target=k.target)
            tiles.append({"kpi": k, "sparkline": spark})
        objectives.append({"objective": objective, "tiles": tiles})
    share = data.chain_level_share()
    chain_level = sum(1 for k in kpis if k.is_chain_level)
    return {
        "objectives": objectives,
        "chain_level_share": share,
        "chain_level_count": chain_level,
        "kpi_count": len(kpis),
        "extent": data.extent(),
        "kpi_table": _table(ctx, "kpis"),
        "kpi_csv": _csv_url(ctx, "kpis"),
    }


@login_required
def overview(request, slug):
    ctx = _monitor(request, slug)
    # The KPIs read the whole chain; only the moment they are "as of" can be chosen.
    return _page(request, ctx, "overview", _("Overview"), _overview, show_filters=("as_of",))


def _flow(ctx: dict, choice: mapview.MapChoice) -> dict:
    data: MonitorData = ctx["data"]
    accent = ctx["chain"].colour
    handovers = data.handovers()
    slug = ctx["chain"].slug
    q = f"?{ctx['query']}" if ctx["query"] else ""
    handovers["href"] = [
        reverse("monitor-handover", args=[slug, a, b]) + q
        for a, b in zip(handovers["from_partner"], handovers["to_partner"], strict=True)
    ]
    producing = [p for p in data.spec.partners if p.kind == "producing"]
    table = _table(ctx, "handovers", handovers)
    for row in table["rows"]:
        row["href"] = row["record"]["href"]
        row["slowest"] = bool(row["record"]["slowest"])
    slowest = handovers[handovers["slowest"]]
    return {
        "handover_table": table,
        "handover_csv": _csv_url(ctx, "handovers"),
        "handover_chart": _chart(
            "handover-times",
            charts.handover_chart(handovers.dropna(subset=["median_days"]), accent=accent),
            _("Median handover time per partner pair"),
            None,
            _csv_url(ctx, "handovers"),
        ),
        "slowest": slowest.iloc[0].to_dict() if len(slowest) else None,
        "partners": producing,
        "network_partners": [p for p in data.spec.partners if p.kind == "network"],
        "process_map": mapview.process_map(ctx, choice, handovers),
    }


@login_required
def flow(request, slug):
    ctx = _monitor(request, slug)
    choice = mapview.MapChoice.from_query(request.GET)
    return _page(request, ctx, "flow", _("Chain flow"), lambda ctx: _flow(ctx, choice), choice.key())


@login_required
def handover(request, slug, from_partner, to_partner):
    ctx = _monitor(request, slug)
    data: MonitorData = ctx["data"]
    names = data.partner_names
    if from_partner not in names or to_partner not in names:
        raise Http404("No such partner.")

    def build(ctx):
        h = data.handovers()
        pair = h[
            ((h["from_partner"] == from_partner) & (h["to_partner"] == to_partner))
            | ((h["from_partner"] == to_partner) & (h["to_partner"] == from_partner))
        ]
        return {
            "pair_table": _table(ctx, "handovers", pair),
            "from_name": names[from_partner],
            "to_name": names[to_partner],
            "from_partner": from_partner,
            "to_partner": to_partner,
        }

    extra = {}
    if ctx["viewer"].sees_case_rows:
        # Case rows are never cached with the page: each view is checked and audited.
        cases = data.case_rows(involving=(from_partner, to_partner))
        rows = cases[:CASE_PAGE_SIZE]
        count = cases.count()
        table = add_case_links(_table(ctx, "cases", _case_frame(rows)), ctx["chain"].slug, ctx["query"])
        table["truncated"] = count > len(rows)
        slug, names_of = ctx["chain"].slug, data.partner_names
        pair_links = [
            (
                _("Cases handed over from %(from)s to %(to)s.") % {"from": names_of[a], "to": names_of[b]},
                cases_url(slug, ctx["query"], **{"from": a, "to": b}),
            )
            for a, b in ((from_partner, to_partner), (to_partner, from_partner))
        ]
        extra = {"case_table": table, "case_count": count, "pair_links": pair_links}
        record_audit(
            request.user,
            ctx["chain"],
            "cases.viewed",
            page="handover",
            pair=[from_partner, to_partner],
            filters=ctx["filters"].query(),
            rows=len(rows),
            format="html",
        )
    heading = f"{names[from_partner]} ⇄ {names[to_partner]}"
    return _page(request, ctx, "handover", heading, build, from_partner, to_partner, extra=extra)


def _throughput(ctx: dict) -> dict:
    data: MonitorData = ctx["data"]
    accent = ctx["chain"].colour
    summary = data.throughput()
    stages = data.stage_times()
    chain_stages = data.chain_stage_times()
    return {
        "duration_chart": _timeline(
            ctx,
            "throughput",
            lambda frame: charts.duration_chart(frame, accent=accent),
            summary,
            _("Throughput time per month the goal was reached (median, 20th to 80th percentile band)"),
            "throughput",
        ),
        "chain_stage_chart": _chart(
            "chain-stage-times",
            charts.stage_time_chart(chain_stages, accent=accent),
            _("Median time a case spends in each chain stage"),
            _table(ctx, "chain_stage_times", chain_stages),
            _csv_url(ctx, "chain_stage_times"),
        ),
        "stage_chart": _chart(
            "stage-times",
            charts.stage_time_chart(stages.rename(columns={"partner_name": "stage_name"}), accent=accent),
            _("Median time a partner holds a case"),
            _table(ctx, "stage_times", stages),
            _csv_url(ctx, "stage_times"),
        ),
        "total": _table(ctx, "throughput", data.throughput_total()),
    }


@login_required
def throughput(request, slug):
    ctx = _monitor(request, slug)
    return _page(request, ctx, "throughput", _("Throughput"), _throughput)


def _norms(ctx: dict) -> dict:
    data: MonitorData = ctx["data"]
    accent = ctx["chain"].colour
    frame = data.norms()
    items = []
    for agreement in data.spec.agreements:
        rows = frame[frame["agreement"] == agreement.code]
        periods = rows[rows["period"] != "all"]
        total = rows[rows["period"] == "all"]
        late_open = None
        if ctx["viewer"].sees_case_rows:
            # Every period's, not only the complete ones': the cases to act on now.
            count = int(periods["late_open"].sum())
            url = cases_url(ctx["chain"].slug, ctx["query"], late_open=agreement.code)
            late_open = {"count": count, "url": url} if count else None
        items.append(
            {
                "late_open_cases": late_open,
                "agreement": agreement,
                "total": _none_for_nan(total.iloc[0].to_dict()) if len(total) else None,
                "chart": _timeline(
                    ctx,
                    f"norm-{agreement.code}",
                    lambda frame: charts.norm_chart(frame, accent=accent),
                    periods,
                    agreement.name,
                    "norms",
                ),
            }
        )
    return {"agreements": items}


def _none_for_nan(row: dict) -> dict:
    return {k: None if isinstance(v, float) and pd.isna(v) else v for k, v in row.items()}


@login_required
def norms(request, slug):
    ctx = _monitor(request, slug)
    return _page(request, ctx, "norms", _("Norms"), _norms)


def _stages(ctx: dict) -> dict:
    data: MonitorData = ctx["data"]
    frame = data.stage_flow()
    latest = frame[frame["period"] == frame["period"].max()] if len(frame) else frame
    return {
        "flow_chart": _timeline(
            ctx,
            "stage-flow",
            lambda frame: charts.stage_flow_chart(frame, accent=ctx["chain"].colour),
            frame,
            _("Inflow, outflow and work in progress per stage"),
            "stage_flow",
        ),
        "latest": _table(ctx, "stage_flow", latest),
    }


@login_required
def stages(request, slug):
    ctx = _monitor(request, slug)
    return _page(request, ctx, "stages", _("Work in progress, inflow and outflow"), _stages)


def _ranked(frame: pd.DataFrame) -> list[str]:
    """Bar labels "1. path": a ranked row by its rank and its path, an unranked one (the
    folded row, the whole chain) by its text alone."""
    return [
        path if rank != rank or rank is None else f"{int(rank)}. {path}"
        for rank, path in zip(frame["rank"], frame["path"], strict=True)
    ]


def _variants(ctx: dict) -> dict:
    data: MonitorData = ctx["data"]
    accent = ctx["chain"].colour
    variants = data.variants()
    rework = data.rework()
    dropout = data.dropout()
    points = data.dropout_points()
    # A bar reads as its rank and its activities; the axis shortens a long one, the tooltip
    # and the table beside the chart give it whole.
    labelled = variants.assign(label=_ranked(variants))
    total = data.dropout_total()
    routes = data.routes()
    variant_table = _table(ctx, "variants", variants)
    if ctx["viewer"].sees_case_rows:
        for row in variant_table["rows"]:
            if not row["suppressed"]:
                row["href"] = cases_url(ctx["chain"].slug, ctx["query"], variant=row["record"]["variant"])
                row["link_text"] = _("View cases")
    return {
        "variant_count": data.variant_count(),
        "variants_chart": _chart(
            "variants",
            charts.bar_chart(
                labelled.dropna(subset=["cases"]), "label", "cases", title=_("Cases"), accent=accent
            ),
            _("Most frequent variants"),
            variant_table,
            _csv_url(ctx, "variants"),
        ),
        "routes_chart": _chart(
            "routes",
            charts.bar_chart(
                routes[~routes["suppressed"].astype(bool)]
                .dropna(subset=["reached_share"])
                .assign(label=_ranked),
                "label",
                "reached_share",
                title=_("Share that reached the goal"),
                accent=accent,
                percent=True,
            ),
            _("Routes to the goal: share of each route's cases that reached it"),
            _table(ctx, "routes", routes),
            _csv_url(ctx, "routes"),
        ),
        "rework_chart": _chart(
            "rework",
            charts.bar_chart(
                rework[rework["stage"] != "all"].dropna(subset=["share"]),
                "stage_name",
                "share",
                title=_("Share returning"),
                accent=accent,
                percent=True,
            ),
            _("Rework: share of cases returning to an earlier stage"),
            _table(ctx, "rework", rework),
            _csv_url(ctx, "rework"),
        ),
        "dropout_chart": _chart(
            "dropout",
            charts.bar_chart(
                dropout.dropna(subset=["dropout_share"]).assign(period=lambda d: d["period"].str[:7]),
                "period",
                "dropout_share",
                title=_("Dropout share"),
                accent=accent,
                percent=True,
            ),
            _("Dropout share per period (of closed cases)"),
            _table(ctx, "dropout", dropout),
            _csv_url(ctx, "dropout"),
        ),
        "dropout_total": _table(ctx, "dropout", total),
        "points_table": _table(ctx, "dropout_points", points),
        "points_csv": _csv_url(ctx, "dropout_points"),
    }


@login_required
def variants(request, slug):
    ctx = _monitor(request, slug)
    return _page(request, ctx, "variants", _("Variants, rework and dropout"), _variants)


@login_required
def partner(request, slug, code):
    ctx = _monitor(request, slug, with_partner=False)
    data: MonitorData = ctx["data"]
    spec_partner = next((p for p in data.spec.partners if p.code == code), None)
    if spec_partner is None:
        raise Http404("No such partner.")

    def build(ctx):
        h = data.handovers()
        stage_times = data.stage_times()
        kpi_codes = {k.code for k in data.spec.kpis if code in k.partners}
        return {
            "incoming": _table(ctx, "handovers", h[h["to_partner"] == code]),
            "outgoing": _table(ctx, "handovers", h[h["from_partner"] == code]),
            "time": _table(ctx, "stage_times", stage_times[stage_times["partner"] == code]),
            "kpis": [k for k in data.kpis() if k.code in kpi_codes],
            "norms": _table(
                ctx,
                "norms",
                (
                    lambda n: n[
                        (n["period"] == "all")
                        & n["agreement"].isin([a.code for a in data.spec.agreements if code in a.owners])
                    ]
                )(data.norms()),
            ),
            "partner": spec_partner,
            "partner_stages": [s for s in data.spec.stages if s.partner == code],
        }

    return _page(request, ctx, "partner", spec_partner.name, build, code, show_filters=False)


@login_required
def cases(request, slug):
    """Pseudonymised case rows: operations view only; an analyst sees their partner's cases."""
    ctx = _monitor(request, slug)
    viewer = ctx["viewer"]
    if not viewer.has_case_rights:
        raise PermissionDenied
    if not viewer.sees_case_rows:
        # A member with case rights in the steering view: show the page with the switch hint.
        return render(request, "monitor/cases.html", {**ctx, "needs_switch": True})
    status = request.GET.get("status") or None
    if status not in (None, "open", "reached", "dropped"):
        status = None
    drill, drill_said, drill_query = drill_from_query(request.GET, ctx["data"].spec)
    # The paginator counts in the engine and asks it for this page only.
    rows_of = ctx["data"].case_rows(status=status, drill=drill)
    page = Paginator(rows_of, CASE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = page.object_list
    record_audit(
        request.user,
        ctx["chain"],
        "cases.viewed",
        page="cases",
        filters={**ctx["filters"].query(), **drill_query},
        status=status or "",
        page_number=page.number,
        rows=len(rows),
        format="html",
    )
    # The filters and the drill-down, carried into the pager and the status form.
    keep = urlencode({**ctx["filters"].query(), **drill_query})
    return render(
        request,
        "monitor/cases.html",
        {
            **ctx,
            "case_table": add_case_links(
                _table(ctx, "cases", _case_frame(rows)), ctx["chain"].slug, ctx["query"]
            ),
            "drill_said": drill_said,
            "drill_query": drill_query,
            "keep": keep,
            "case_count": page.paginator.count,
            "case_range": {
                "first": formatting.count(page.start_index()),
                "last": formatting.count(page.end_index()),
                "total": formatting.count(page.paginator.count),
            },
            "page_obj": page,
            "status": status or "",
            "csv_url": reverse("monitor-csv", args=[ctx["chain"].slug, "cases"])
            + "?"
            + urlencode({**ctx["filters"].query(), **drill_query, **({"status": status} if status else {})}),
        },
    )


@login_required
def download_csv(request, slug, dataset):
    """The dataset behind a chart or table as CSV, with the same rules as the page."""
    d = DATASETS.get(dataset)
    if d is None:
        raise Http404("No such dataset.")
    ctx = _monitor(request, slug)
    data: MonitorData = ctx["data"]
    filename = f'attachment; filename="{ctx["chain"].slug}-{dataset}.csv"'
    if d.case_rows:
        status = request.GET.get("status") or None
        drill, _said, drill_query = drill_from_query(request.GET, data.spec)
        cases = data.case_rows(
            status=status if status in ("open", "reached", "dropped") else None, drill=drill
        )
        record_audit(
            request.user,
            ctx["chain"],
            "cases.downloaded",
            filters={**ctx["filters"].query(), **drill_query},
            rows=cases.count(),
            format="csv",
        )
        # Written while DuckDB hands over its batches: a list of millions of cases never sits
        # in memory whole.
        response = StreamingHttpResponse(
            csv_chunks(cases.batches(CSV_BATCH_ROWS), d.columns), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = filename
        return response
    response = HttpResponse(to_csv(d.frame(data), d.columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = filename
    return response


@require_POST
@login_required
def switch_view(request, slug):
    chain, membership = chain_and_membership(request, slug)
    view = request.POST.get("view")
    if view in membership.views():
        request.session[_view_key(chain)] = view
    target = request.POST.get("next") or reverse("monitor-overview", args=[chain.slug])
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("monitor-overview", args=[chain.slug])
    return redirect(target)


@login_required
def audit_log(request, slug):
    """Every audit entry of the chain, newest first: coordinators only."""
    chain, membership = chain_and_membership(request, slug, roles=(COORDINATOR,))
    entries = chain.audit_entries.all()
    action = request.GET.get("action")
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    codes = chain.audit_entries.order_by("action").values_list("action", flat=True).distinct()
    partner_names = dict(chain.partners.values_list("code", "name"))
    actions = sorted(((code, AuditEntry.action_label(code)) for code in codes), key=lambda a: a[1])
    return render(
        request,
        "monitor/audit.html",
        {
            "chain": chain,
            "membership": membership,
            "page_obj": page,
            "rows": [(e, e.detail_items(partner_names)) for e in page],
            "actions": actions,
            "action": action or "",
        },
    )
