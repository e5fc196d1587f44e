"""Account pages: a chain's members for its coordinator (lockouts, invitations, roles)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from keten.accounts.actions import add_member, create_api_token, remove_member, revoke_api_token
from keten.accounts.forms import ApiTokenForm, CodeForm, MemberForm
from keten.accounts.lockout import locked_usernames, unlock
from keten.accounts.oidc import oidc_enabled
from keten.accounts.two_factor import (
    code_error,
    confirm_device,
    confirmed_device,
    pending_device,
    qr_svg,
    safe_next,
    second_factor_required,
    secret_text,
)
from keten.chains.actions import record_audit
from keten.chains.permissions import Role, chain_and_membership

COORDINATOR_ONLY = (Role.COORDINATOR,)


@login_required
def members(request, slug):
    """The chain's members with their role and lockout; adding one (a new account gets a link)."""
    chain, membership = chain_and_membership(request, slug, COORDINATOR_ONLY)
    form = MemberForm(request.POST or None, chain=chain)
    link = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        added, created = add_member(
            chain,
            data["username"],
            data["role"],
            data["partner"],
            request.user,
            full_name=data["full_name"],
            email=data["email"],
        )
        if not created:
            messages.success(request, _("%(user)s is now a member.") % {"user": added.user.username})
            return redirect("accounts:members", slug=chain.slug)
        link = invitation_link(request, added.user)
        form = MemberForm(chain=chain)
    rows = list(
        chain.memberships.filter(user__api_token__isnull=True)  # tokens are listed on their own page
        .select_related("user", "partner")
        .order_by("user__username")
    )
    locked = locked_usernames(m.user.username for m in rows)
    with_device = set(
        TOTPDevice.objects.filter(user__in=[m.user for m in rows], confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    return render(
        request,
        "accounts/members.html",
        {
            "chain": chain,
            "membership": membership,
            "members": [(m, m.user.username in locked, m.user_id in with_device) for m in rows],
            "form": form,
            "invitation_link": link,
            "invitation_days": settings.KETEN_INVITATION_DAYS,
        },
    )


def chain_and_member(request, slug, user_id):
    """The coordinator's chain and the membership of the member a change is about (or 404)."""
    chain, _membership = chain_and_membership(request, slug, COORDINATOR_ONLY)
    member = chain.memberships.select_related("user").filter(user_id=user_id).first()
    if member is None:
        raise Http404("No such member.")
    return chain, member


@login_required
@require_POST
def unlock_member(request, slug, user_id):
    chain, member = chain_and_member(request, slug, user_id)
    unlock(member.user.username)
    record_audit(request.user, chain, "member.unlocked", member=member.user.username)
    messages.success(request, _("%(user)s can log in again.") % {"user": member.user.username})
    return redirect("accounts:members", slug=chain.slug)


@login_required
@require_POST
def reset_two_factor(request, slug, user_id):
    """A member lost their phone: remove their second factor; they set up a new one at login."""
    chain, member = chain_and_member(request, slug, user_id)
    TOTPDevice.objects.filter(user=member.user).delete()
    record_audit(request.user, chain, "member.second_factor_removed", member=member.user.username)
    messages.success(
        request, _("%(user)s sets up a new second factor at the next login.") % {"user": member.user.username}
    )
    return redirect("accounts:members", slug=chain.slug)


def _token_partners(request, slug):
    """The chain, the member and the partners whose tokens they manage: a coordinator all of
    the chain's, a partner analyst their own partner's (the partners they deliver for)."""
    chain, membership = chain_and_membership(request, slug)
    partners = membership.deliverable_partners()
    if not partners.exists():
        raise PermissionDenied
    return chain, membership, partners


@login_required
def api_tokens(request, slug):
    """The API tokens of the partners this member delivers for; creating one shows its key once."""
    chain, membership, partners = _token_partners(request, slug)
    form = ApiTokenForm(request.POST or None, partners=partners)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = create_api_token(
            chain,
            form.cleaned_data["partner"],
            form.cleaned_data["name"],
            form.cleaned_data["expires_on"],
            request.user,
        )
        form = ApiTokenForm(partners=partners)
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "chain": chain,
            "membership": membership,
            "form": form,
            "new_key": new_key,
            "tokens": chain.api_tokens.filter(partner__in=partners).select_related("partner", "created_by"),
        },
    )


@login_required
@require_POST
def revoke_token(request, slug, token_id):
    chain, _membership, partners = _token_partners(request, slug)
    managed = chain.api_tokens.filter(partner__in=partners).select_related("user")
    token = get_object_or_404(managed, pk=token_id)
    revoke_api_token(token, request.user)
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("accounts:api-tokens", slug=chain.slug)


@login_required
@require_POST
def remove_member_view(request, slug, user_id):
    chain, membership = chain_and_membership(request, slug, COORDINATOR_ONLY)
    member = get_object_or_404(chain.memberships.select_related("user"), user_id=user_id)
    if member.pk == membership.pk:
        messages.error(request, _("You cannot remove yourself; ask another coordinator."))
    else:
        remove_member(member, request.user)
        messages.success(request, _("%(user)s is no longer a member.") % {"user": member.user.username})
    return redirect("accounts:members", slug=chain.slug)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link of an invitation: choose a password, then log in."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set. Log in with it."))
        return super().form_valid(form)


def invitation_link(request, user) -> str:
    """The absolute one-time link for `user` to set a password (valid KETEN_INVITATION_DAYS)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("accounts:set-password", args=[uid, token]))


@login_required
def two_factor(request):
    """Set up the second factor (scan the code, confirm with one code), or see and remove it."""
    user = request.user
    required = second_factor_required(user)
    device = confirmed_device(user)
    if device and not user.is_verified():
        return redirect(f"{reverse('accounts:two-factor-verify')}?{urlencode({'next': safe_next(request)})}")
    if device:
        if request.method == "POST" and request.POST.get("action") == "remove" and not required:
            TOTPDevice.objects.filter(user=user).delete()
            messages.success(
                request, _("The second factor is off. Your next login asks only for the password.")
            )
            return redirect("accounts:two-factor")
        return render(request, "accounts/two_factor.html", {"device": device, "required": required})
    pending = pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = code_error(pending, form.cleaned_data["code"])
        if error is None:
            confirm_device(pending)
            otp_login(request, pending)
            messages.success(
                request, _("The second factor is on. Every login now asks for a code from the app.")
            )
            return redirect(safe_next(request, reverse("home")))
        form.add_error("code", error)
    context = {
        "form": form,
        "required": required,
        "qr": qr_svg(pending),
        "secret": secret_text(pending),
        "next": safe_next(request, ""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def two_factor_verify(request):
    """The second step of logging in: a code from the app the user set up."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("accounts:two-factor")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = code_error(device, form.cleaned_data["code"])
        if error is None:
            otp_login(request, device)
            return redirect(safe_next(request, reverse("home")))
        form.add_error("code", error)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": safe_next(request, "")})


class LoginView(auth_views.LoginView):
    """Username and password; and the organisation's own login where one is configured."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            oidc_login=oidc_enabled(), oidc_provider=settings.KETEN_OIDC_PROVIDER_NAME, **kwargs
        )
