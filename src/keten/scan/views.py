"""Pages of the scan. Members log in; respondents only have their one-time link.

Every member page starts with the chain role check (outsiders 404, wrong role 403). What a
page shows is narrowed by `results.Audience`; small groups are hidden in `scoring` already.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from keten import csvsafe
from keten.chains.actions import record_audit
from keten.chains.permissions import chain_and_membership
from keten.scan import actions, charts, forms
from keten.scan.itembank import ItemBankError
from keten.scan.models import Draft, GainsStatement, Invitation, ItemBankVersion, Level, Wave
from keten.scan.results import (
    Audience,
    chart_cell,
    for_viewer,
    gains_csv,
    gains_results,
    level_label,
    open_answers,
    partner_names,
    scores_csv,
    trend,
    wave_scores,
)
from keten.scan.scoring import largest_spreads

COORDINATOR = ("coordinator",)


def _wave(request, slug, pk, roles=None):
    chain, membership = chain_and_membership(request, slug, roles)
    wave = get_object_or_404(Wave.objects.select_related("item_bank", "chain"), chain=chain, pk=pk)
    return chain, membership, wave


def _page(request, template, chain, membership, **context):
    return render(request, template, {"chain": chain, "membership": membership, **context})


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def index(request, slug):
    chain, membership = chain_and_membership(request, slug)
    rows = [
        (w, w.response_count)
        for w in Wave.objects.filter(chain=chain)
        .select_related("item_bank")
        .annotate(response_count=Count("responses"))
        # Meta.ordering does not apply to a query with an aggregate: order explicitly.
        .order_by("-opened_at", "-pk")
    ]
    return _page(request, "scan/index.html", chain, membership, rows=rows)


@login_required
def wave_new(request, slug):
    chain, membership = chain_and_membership(request, slug, COORDINATOR)
    default = actions.ensure_default_bank(chain)
    chosen = ItemBankVersion.objects.filter(chain=chain, pk=request.GET.get("bank") or default.pk).first()
    form = forms.WaveForm(request.POST or None, chain=chain, bank=chosen or default)
    if request.method == "POST" and form.is_valid():
        try:
            wave = actions.open_scan_wave(
                chain,
                name=form.cleaned_data["name"],
                bank=form.cleaned_data["item_bank"],
                item_codes=form.cleaned_data["items"],
                min_cell=form.cleaned_data["min_cell"],
                user=request.user,
            )
        except actions.ScanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The wave is open. Issue invitations per partner and level."))
            return redirect("scan:manage", slug, wave.pk)
    banks = ItemBankVersion.objects.filter(chain=chain)
    return _page(request, "scan/wave_new.html", chain, membership, form=form, banks=banks, chosen=form.bank)


@login_required
def manage(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk, COORDINATOR)
    scores = wave_scores(wave)
    partners = list(chain.partners.all())
    issued = {}
    for row in Invitation.objects.filter(wave=wave).values("partner__code", "level", "status"):
        key = (row["partner__code"], row["level"])
        issued.setdefault(key, {"issued": 0, "revoked": 0})
        issued[key]["issued"] += 1
        issued[key]["revoked"] += row["status"] == Invitation.Status.REVOKED
    table = [
        (p, [(lv, issued.get((p.code, lv), {"issued": 0, "revoked": 0})) for lv in Level.values])
        for p in partners
    ]
    return _page(
        request,
        "scan/manage.html",
        chain,
        membership,
        wave=wave,
        scores=scores,
        table=table,
        levels=Level.choices,
        names=partner_names(wave),
        form=forms.IssueForm(chain=chain),
        drafts=Draft.objects.filter(invitation__wave=wave).count(),
    )


@login_required
@require_POST
@never_cache
def issue(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk, COORDINATOR)
    form = forms.IssueForm(request.POST, chain=chain)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("scan:manage", slug, pk)
    try:
        issued = actions.issue_invitations(
            wave,
            form.cleaned_data["partner"],
            form.cleaned_data["level"],
            form.cleaned_data["count"],
            user=request.user,
        )
    except actions.ScanError as error:
        messages.error(request, str(error))
        return redirect("scan:manage", slug, pk)
    links = [(t, request.build_absolute_uri(reverse("scan:respond", args=[t.token]))) for t in issued]
    if form.cleaned_data["output"] == forms.IssueForm.Output.CSV:
        out = io.StringIO()
        writer = csvsafe.writer(out)
        writer.writerow(["wave", "partner", "level", "link"])
        for t, url in links:
            writer.writerow([wave.name, t.partner_name, level_label(t.level), url])
        first = issued[0]
        return _csv(out.getvalue(), f"uitnodigingen-{chain.slug}-{wave.pk}-{first.partner}-{first.level}.csv")
    return _page(
        request,
        "scan/invitations.html",
        chain,
        membership,
        wave=wave,
        links=links,
        partner=form.cleaned_data["partner"],
        level=level_label(form.cleaned_data["level"]),
    )


@login_required
@require_POST
def revoke(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk, COORDINATOR)
    partner = chain.partners.filter(code=request.POST.get("partner")).first()
    level = request.POST.get("level") if request.POST.get("level") in Level.values else None
    count = actions.revoke_unused_invitations(wave, partner=partner, level=level, user=request.user)
    messages.success(request, _("%(n)s unused links no longer work.") % {"n": count})
    return redirect("scan:manage", slug, pk)


@login_required
@require_POST
def close(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk, COORDINATOR)
    actions.close_scan_wave(wave, user=request.user)
    messages.success(request, _("The wave is closed; its links no longer work."))
    return redirect("scan:results", slug, pk)


def _theme_names(wave) -> list[tuple[str, str]]:
    language = get_language()
    return [(t.code, t.name.get(language)) for t in wave.bank.themes]


@login_required
def results(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk)
    viewer = Audience.of(membership)
    everything = wave_scores(wave)
    scores = for_viewer(everything, viewer)
    previous_wave = wave.previous()
    previous = for_viewer(wave_scores(previous_wave), viewer) if previous_wave else None
    names = partner_names(wave)
    themes = _theme_names(wave)
    theme_name = dict(themes)
    language = get_language()
    shown_partners = [(c, n) for c, n in names.items() if c in scores.counts.partners]
    levels = list(Level.choices)

    # The radar: one partner against the chain. Analysts see only their own partner.
    radar_partner = viewer.partner if not viewer.sees_all_partners else request.GET.get("partner")
    if radar_partner not in dict(shown_partners):
        radar_partner = shown_partners[0][0] if shown_partners else None
    chain_by_theme = {r.code: (r.chain.score if r.chain.shown else None) for r in scores.themes}
    figures = []
    if radar_partner:
        partner_by_theme = {
            r.code: (c.score if (c := r.partners[radar_partner]).shown else None) for r in scores.themes
        }
        radar = {
            "chain_label": chain.name,
            "partner_label": names[radar_partner],
            "accent": chain.colour,
        }
        figures.append(
            {
                "id": "scan-radar",
                "title": _("%(partner)s against the chain") % {"partner": names[radar_partner]},
                "spec": charts.radar(themes, chain_by_theme, partner_by_theme, **radar),
                # A phone has no room for the radar's names around it: the same numbers as dots.
                "narrow_spec": charts.radar_as_dots(themes, chain_by_theme, partner_by_theme, **radar),
                "rows": [(theme_name[r.code], r.partners[radar_partner], r.chain) for r in scores.themes],
                "kind": "radar",
            }
        )
    invited = wave.invited_partner_codes()
    if viewer.sees_all_partners:
        cells = {
            (r.code, p): (c.score if c.shown else None) for r in scores.themes for p, c in r.partners.items()
        }
        heat = {
            (r.code, p): chart_cell(c, invited=p in invited)
            for r in scores.themes
            for p, c in r.partners.items()
        }
        figures.append(
            {
                "id": "scan-heatmap",
                "title": _("Themes by partner"),
                "spec": charts.heatmap(themes, shown_partners, heat, accent=chain.colour),
                "kind": "themes",
                "wide": True,
            }
        )
        figures.append(
            {
                "id": "scan-spread-partners",
                "title": _("Where partners differ"),
                "spec": charts.spread(themes, shown_partners, cells, chain_by_theme, accent=chain.colour),
                "kind": "themes",
            }
        )
    level_cells = {
        (r.code, lv): (c.score if c.shown else None) for r in scores.themes for lv, c in r.levels.items()
    }
    figures.append(
        {
            "id": "scan-spread-levels",
            "title": _("Where levels differ"),
            "spec": charts.spread(
                themes, [(c, str(n)) for c, n in levels], level_cells, chain_by_theme, accent=chain.colour
            ),
            "kind": "themes",
        }
    )
    trend_partner = viewer.partner if not viewer.sees_all_partners else None
    trend_rows = trend(scores, previous, partner=trend_partner)
    if previous is not None:
        figures.append(
            {
                "id": "scan-trend",
                "title": _("Against the previous wave (%(name)s)") % {"name": previous_wave.name},
                "spec": charts.trend(
                    themes,
                    {t.theme: (t.current.score if t.current.shown else None) for t in trend_rows},
                    {
                        t.theme: (t.previous.score if t.previous and t.previous.shown else None)
                        for t in trend_rows
                    },
                    current_label=wave.name,
                    previous_label=previous_wave.name,
                    accent=chain.colour,
                ),
                "kind": "trend",
            }
        )
    spreads = [
        (theme_name[t], dim, s, names.get(s.low, s.low) if dim == "partner" else level_label(s.low),
         names.get(s.high, s.high) if dim == "partner" else level_label(s.high))
        for t, dim, s in largest_spreads(scores)
    ]  # fmt: skip
    theme_rows = [
        (
            theme_name[r.code],
            wave.bank.theme(r.code).why.get(language),
            r,
            t,
            [i for i in scores.items if i.theme == r.code],
        )
        for r, t in zip(scores.themes, trend_rows, strict=True)
    ]
    return _page(
        request,
        "scan/results.html",
        chain,
        membership,
        wave=wave,
        viewer=viewer,
        scores=scores,
        names=names,
        partners=shown_partners,
        levels=levels,
        theme_rows=theme_rows,
        item_text={i.code: i.text.get(language) for i in wave.bank.items},
        reversed_items={i.code for i in wave.bank.items if i.reverse},
        figures=figures,
        spreads=spreads,
        previous_wave=previous_wave,
        radar_partner=radar_partner,
        min_cell=scores.min_cell,
        invited=invited,
    )


@login_required
def results_csv(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk)
    scores = for_viewer(wave_scores(wave), Audience.of(membership))
    record_audit(request.user, chain, "scan.results_exported", wave=wave.pk)
    return _csv(scores_csv(wave, scores), f"scan-{chain.slug}-{wave.pk}.csv")


@login_required
def open_answers_page(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk, COORDINATOR)
    scores = wave_scores(wave)
    record_audit(request.user, chain, "scan.open_answers_viewed", wave=wave.pk)
    return _page(
        request, "scan/open_answers.html", chain, membership, wave=wave, groups=open_answers(wave, scores),
        min_cell=scores.min_cell,
    )  # fmt: skip


@login_required
def gains(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk)
    viewer = Audience.of(membership)
    result = gains_results(wave, viewer)
    names = dict(result.partners)
    rows = result.matrix_rows()
    can_edit = membership.states_gains()
    return _page(
        request,
        "scan/gains.html",
        chain,
        membership,
        wave=wave,
        result=result,
        rows=rows,
        names=names,
        viewer=viewer,
        can_edit=can_edit,
        objectives=list(chain.objectives.values_list("name", flat=True)),
    )


@login_required
def gains_export(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk)
    result = gains_results(wave, Audience.of(membership))
    return _csv(gains_csv(wave, result), f"baten-{chain.slug}-{wave.pk}.csv")


@login_required
def gains_edit(request, slug, pk):
    chain, membership, wave = _wave(request, slug, pk, ("coordinator", "analyst"))
    if not membership.states_gains():
        raise PermissionDenied
    if not membership.is_coordinator:
        partner = membership.partner
    else:
        partner = chain.partners.filter(
            code=request.GET.get("partner") or request.POST.get("partner")
        ).first()
        partner = partner or chain.partners.first()
    if partner is None:
        raise Http404("The chain has no partners.")
    statement = GainsStatement.objects.filter(wave=wave, partner=partner).first()
    form = forms.GainsForm(
        request.POST or None, chain=chain, partner=partner, initial=forms.GainsForm.initial_from(statement)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_gains_statement(wave, partner, user=request.user, **form.values())
        except actions.ScanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved the mutual-gains statement of %(p)s.") % {"p": partner.name})
            return redirect("scan:gains", slug, pk)
    return _page(
        request,
        "scan/gains_edit.html",
        chain,
        membership,
        wave=wave,
        form=form,
        partner=partner,
        partners=chain.partners.all() if membership.is_coordinator else None,
    )


@login_required
def item_banks(request, slug):
    chain, membership = chain_and_membership(request, slug, COORDINATOR)
    actions.ensure_default_bank(chain)
    form = forms.ItemBankUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        try:
            version = actions.add_item_bank(chain, text, user=request.user, name=name)
        except ItemBankError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("Item bank %(bank)s is ready to use.") % {"bank": version})
            return redirect("scan:item-banks", slug)
    banks = ItemBankVersion.objects.filter(chain=chain)
    language = get_language()
    return _page(
        request, "scan/item_banks.html", chain, membership, form=form, banks=banks, language=language
    )


@login_required
def item_bank_download(request, slug, bank_pk):
    chain, membership = chain_and_membership(request, slug, COORDINATOR)
    bank = get_object_or_404(ItemBankVersion, chain=chain, pk=bank_pk)
    response = HttpResponse(bank.source, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{bank.key}-{bank.version}.yaml"'
    return response


# --- respondents: no account, only the link ---------------------------------------------------


@never_cache
def respond(request, token):
    invitation = actions.find_invitation(token)
    if invitation is None:
        return render(request, "scan/respond_closed.html", {"reason": "unknown"}, status=404)
    wave = invitation.wave
    if invitation.status == Invitation.Status.USED:
        return render(request, "scan/respond_closed.html", {"reason": "used", "wave": wave})
    if invitation.status == Invitation.Status.REVOKED or not wave.is_open:
        return render(request, "scan/respond_closed.html", {"reason": "closed", "wave": wave}, status=410)
    draft = Draft.objects.filter(invitation=invitation).first()
    initial = forms.ResponseForm.initial_from(draft.answers, draft.open_answers) if draft else {}
    form = forms.ResponseForm(request.POST or None, bank=wave.bank, initial=initial)
    if request.method == "POST" and form.is_valid():
        answers, texts = form.answers()
        try:
            if "submit" in request.POST:
                actions.submit_response(invitation, answers, texts)
                return redirect("scan:respond", token)
            actions.save_draft(invitation, answers, texts)
        except actions.ScanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your answers are saved. Use the same link to continue later."))
            return redirect("scan:respond", token)
    language = get_language()
    return render(
        request,
        "scan/respond.html",
        {
            # The chain's name and colour, but not its logo: that is behind the login.
            "chain": {"name": wave.chain.name, "colour": wave.chain.colour, "logo": None},
            "wave": wave,
            "form": form,
            "bank": wave.bank,
            "title": wave.bank.title.get(language),
            "intro": wave.bank.intro.get(language),
            "language": language,
            "partner": invitation.partner,
            "level": level_label(invitation.level),
            "saved_at": draft.saved_at if draft else None,
            "answered": len(draft.answers) if draft else 0,
        },
    )
