"""A second factor at login: a time-based one-time code (TOTP, django-otp) from an
authenticator app. Required for coordinators and administrators (they can change a chain's
definition, withdraw deliveries and see every case), optional for everyone else.

After the password, a user with a confirmed device enters a code before any page opens; a user
who must have one and has none is sent to set one up first. django-otp keeps which device
verified the session and slows down guessing (each wrong code doubles the wait).
"""

from __future__ import annotations

import base64
import math

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from keten.accounts.oidc import came_through_oidc
from keten.chains.models import Membership

# Pages an unverified session may open: the two steps themselves, logging out, the language.
OPEN_VIEWS = {
    "login",
    "logout",
    "set_language",
    "accounts:two-factor",
    "accounts:two-factor-verify",
    "oidc_authentication_init",
    "oidc_authentication_callback",
}


def second_factor_required(user) -> bool:
    """Whether this user may not work without a second factor (KETEN_TOTP_REQUIRED)."""
    rule = settings.KETEN_TOTP_REQUIRED
    if rule == "everyone":
        return True
    if rule == "nobody":
        return False
    return (
        user.is_superuser or Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).exists()
    )


def pending_device(user) -> TOTPDevice:
    """The device being set up (not yet confirmed by a code), made once and kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def confirm_device(device: TOTPDevice) -> None:
    """The code matched: this device is the user's second factor from now on, replacing others."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def code_error(device: TOTPDevice, code: str) -> str | None:
    """Why this code does not verify the device (a message for the user), or None if it does.
    After a wrong code the next try must wait 1, 2, 4, ... seconds, whatever the code."""
    allowed, wait = device.verify_is_allowed()
    if not allowed:
        seconds = max(1, math.ceil((wait["locked_until"] - timezone.now()).total_seconds()))
        return _("Too many wrong codes. Wait %(seconds)s seconds and try again.") % {"seconds": seconds}
    if device.verify_token(code):
        return None
    return _("That code is not right. Check the time on your phone and enter the newest code the app shows.")


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it when typed in by hand (base32, in groups)."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code to scan with the app (drawn here, no CDN)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class SecondFactorMiddleware:
    """Send a logged-in but unverified session to the code (or to set one up) before any page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not came_through_oidc(request)
            and not self._open(request)
        ):
            if user_has_device(user, confirmed=True):
                return self._refuse(request, "accounts:two-factor-verify")
            if second_factor_required(user):
                return self._refuse(request, "accounts:two-factor")
        return self.get_response(request)

    @staticmethod
    def _open(request) -> bool:
        try:
            return resolve(request.path_info).view_name in OPEN_VIEWS
        except Resolver404:
            return False

    @staticmethod
    def _refuse(request, step: str):
        if request.path_info.startswith("/api/"):
            message = _("Enter your second-factor code in the app first, or use an API token.")
            return JsonResponse({"detail": message}, status=403)
        return HttpResponseRedirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
