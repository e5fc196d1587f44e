from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from keten.chains.actions import import_chain_definition
from keten.chains.definition import DefinitionError, parse_chain_definition
from keten.chains.forms import ConfirmImportForm, UploadDefinitionForm
from keten.chains.models import Membership
from keten.chains.permissions import chain_and_membership
from keten.chains.query import chains_visible_to, membership_of


@login_required
def home(request):
    roles = {m.chain_id: m for m in Membership.objects.filter(user=request.user).select_related("partner")}
    chains = [(chain, roles.get(chain.id)) for chain in chains_visible_to(request.user)]
    return render(request, "chains/home.html", {"chains": chains})


@login_required
def chain_detail(request, slug):
    """The chain's definition as its members see it: ambition, partners, stages, norms and goals."""
    chain = get_object_or_404(chains_visible_to(request.user), slug=slug)
    return render(
        request,
        "chains/chain_detail.html",
        {
            "chain": chain,
            "membership": membership_of(request.user, chain),
            "partners": chain.partners.all(),
            "stages": chain.stages.select_related("partner").prefetch_related("activities"),
            "agreements": chain.agreements.prefetch_related("owners"),
            "objectives": chain.objectives.prefetch_related("kpis__partners"),
        },
    )


@login_required
def chain_import(request, slug):
    """A new version of the chain's definition, in two steps: upload a file and read the plan
    (what would be created, changed and deleted); then confirm it, ticking a box when records
    elsewhere would be deleted with what the file leaves out. Coordinators only."""
    chain, membership = chain_and_membership(request, slug, (Membership.Role.COORDINATOR,))
    context = {"chain": chain, "membership": membership, "upload": UploadDefinitionForm()}
    if request.method != "POST":
        return render(request, "chains/chain_import.html", context)

    if "definition" not in request.POST:  # step 1: a file to plan
        upload = UploadDefinitionForm(request.POST, request.FILES)
        if not upload.is_valid():
            return render(request, "chains/chain_import.html", {**context, "upload": upload})
        filename = request.FILES["file"].name
        text, allow_deletions, expected = upload.cleaned_data["file"], False, None
    else:  # step 2: the confirmation of a plan that was shown
        confirm = ConfirmImportForm(request.POST)
        if not confirm.is_valid():
            return render(
                request, "chains/chain_import.html", {**context, "errors": [_("Upload the file again.")]}
            )
        data = confirm.cleaned_data
        filename = request.POST.get("filename", "")[:200]
        text, allow_deletions, expected = (
            data["definition"],
            data.get("allow_deletions", False),
            data["digest"],
        )

    try:
        spec, keys = parse_chain_definition(text, filename)
        if spec.slug != chain.slug:
            raise DefinitionError(
                [
                    _("This file defines chain '%(file)s'; this page imports the definition of '%(chain)s'.")
                    % {"file": spec.slug, "chain": chain.slug}
                ]
            )
        plan = import_chain_definition(
            spec,
            keys,
            user=request.user,
            source=filename,
            apply=expected is not None,
            allow_deletions=allow_deletions,
            expected_digest=expected,
        )
    except DefinitionError as e:
        return render(request, "chains/chain_import.html", {**context, "errors": e.errors})

    if plan.applied:
        messages.success(request, _("The chain definition was imported."))
        return redirect("chain-detail", chain.slug)
    confirm = ConfirmImportForm(
        initial={"definition": text, "digest": plan.digest()},
        needs_allow_deletions=plan.needs_allow_deletions,
    )
    return render(
        request,
        "chains/chain_import.html",
        {
            **context,
            "plan": plan,
            "form": confirm,
            "digest": plan.digest(),
            "filename": filename,
            "stale": plan.stale,
            "refused": expected is not None and not plan.stale,
        },
    )
