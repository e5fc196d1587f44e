"""Pages of the monthly report: make one, read it, download it, publish it, the archive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keten.chains import roles
from keten.chains.permissions import chain_and_membership
from keten.reports.actions import make_report, publish_report
from keten.reports.assemble import BESTUURLIJK, EDITIONS
from keten.reports.forms import ReportForm, last_complete_month
from keten.reports.models import PublishedReport, report_filename
from keten.reports.query import published_visible_to
from keten.reports.render import chart_svgs, render_html

MAKERS = (roles.COORDINATOR, roles.ANALYST)


def _choice(request, month: str):
    """The form's values from the query string, checked against what this member may make."""
    form = ReportForm(
        {
            "month": month,
            "edition": request.GET.get("edition", BESTUURLIJK),
            "language": request.GET.get("language", (get_language() or "nl")[:2]),
        },
        editions=EDITIONS,
    )
    if not form.is_valid():
        raise Http404("No such report.")
    return form.cleaned_data


@login_required
def report_index(request, slug):
    """Make a report (coordinators and analysts) and the archive of published reports (everyone)."""
    chain, membership = chain_and_membership(request, slug)
    form = None
    if membership.makes_reports():
        form = ReportForm(
            request.GET or None,
            initial={
                "month": str(last_complete_month()),
                "edition": BESTUURLIJK,
                "language": (get_language() or "nl")[:2],
            },
        )
        if request.GET and form.is_valid():
            data = form.cleaned_data
            url = reverse("report-view", args=[chain.slug, data["month"]])
            return redirect(f"{url}?{urlencode({'edition': data['edition'], 'language': data['language']})}")
    archive = published_visible_to(chain, membership)
    return render(
        request,
        "reports/report_index.html",
        {"chain": chain, "membership": membership, "form": form, "archive": archive},
    )


@login_required
def report_view(request, slug, month):
    """The report as a page of the app, with download and publish buttons."""
    chain, membership = chain_and_membership(request, slug, roles=MAKERS)
    choice = _choice(request, month)
    rendered = make_report(
        chain,
        choice["month"],
        edition=choice["edition"],
        language=choice["language"],
        suppress=membership.report_suppresses_small_cells(choice["edition"]),
        formats=(),
    )
    svgs = chart_svgs(rendered.report)
    body = render_html(rendered.report, svgs=svgs, standalone=False)
    query = urlencode({"edition": choice["edition"], "language": choice["language"]})
    return render(
        request,
        "reports/report_page.html",
        {
            "chain": chain,
            "membership": membership,
            "report": rendered.report,
            "body": body,
            "query": query,
            "can_publish": membership.is_coordinator,
            "published": PublishedReport.objects.filter(
                chain=chain,
                month=f"{choice['month']}-01",
                edition=choice["edition"],
                language=choice["language"],
            )
            .only("id", "published_at")
            .first(),
        },
    )


@login_required
def report_download(request, slug, month, fmt):
    """The report as a PDF or a self-contained HTML file."""
    chain, membership = chain_and_membership(request, slug, roles=MAKERS)
    if fmt not in ("pdf", "html"):
        raise Http404("No such format.")
    choice = _choice(request, month)
    rendered = make_report(
        chain,
        choice["month"],
        edition=choice["edition"],
        language=choice["language"],
        suppress=membership.report_suppresses_small_cells(choice["edition"]),
        formats=(fmt,),
    )
    name = report_filename(chain.slug, choice["month"], choice["edition"], choice["language"], fmt)
    if fmt == "pdf":
        response = HttpResponse(rendered.pdf, content_type="application/pdf")
    else:
        response = HttpResponse(rendered.html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def report_publish(request, slug, month):
    """Publish the month's report to the archive (coordinator only)."""
    chain, membership = chain_and_membership(request, slug, roles=(roles.COORDINATOR,))
    edition = request.POST.get("edition", BESTUURLIJK)
    language = request.POST.get("language", "nl")
    form = ReportForm({"month": month, "edition": edition, "language": language})
    if not form.is_valid():
        raise Http404("No such report.")
    data = form.cleaned_data
    publish_report(
        chain, data["month"], edition=data["edition"], language=data["language"], user=request.user
    )
    messages.success(request, _("The report has been published in the archive."))
    return redirect("report-index", chain.slug)


@login_required
def published_report(request, slug, pk, fmt):
    """A published report from the archive, exactly as it was published."""
    chain, membership = chain_and_membership(request, slug)
    published = get_object_or_404(published_visible_to(chain, membership).defer(None), pk=pk)
    if fmt == "pdf":
        response = HttpResponse(bytes(published.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{published.filename("pdf")}"'
        return response
    if fmt == "html":
        return HttpResponse(published.html, content_type="text/html; charset=utf-8")
    raise Http404("No such format.")
