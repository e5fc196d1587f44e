from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from keten.chains.models import Membership
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
