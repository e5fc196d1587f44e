from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keten.chains.models import Membership, Partner


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the delivery system"), max_length=100, help_text=_("e.g. Nightly export from Suite")
    )
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    expires_on = forms.DateField(
        label=_("Valid until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        if partners.count() == 1:
            self.initial.setdefault("partner", partners.get())
        if not self.is_bound:
            self.initial.setdefault("expires_on", timezone.localdate() + dt.timedelta(days=90))

    def clean_expires_on(self) -> dt.date:
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        days = settings.KETEN_API_TOKEN_MAX_DAYS
        if value < today:
            raise forms.ValidationError(_("The expiry date is in the past."))
        if value > today + dt.timedelta(days=days):
            raise forms.ValidationError(
                _("A token is valid for at most %(days)s days: choose %(last)s or earlier.")
                % {"days": days, "last": (today + dt.timedelta(days=days)).isoformat()}
            )
        return value


class MemberForm(forms.Form):
    """Add someone to the chain: an existing account by username, or a new one (invited)."""

    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False, help_text=_("analysts only")
    )

    def __init__(self, *args, chain, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = chain
        self.fields["partner"].queryset = chain.partners.all()

    def clean(self):
        data = super().clean()
        role, partner = data.get("role"), data.get("partner")
        if role == Membership.Role.ANALYST and not partner:
            self.add_error("partner", _("A partner analyst needs a partner."))
        if role and role != Membership.Role.ANALYST and partner:
            self.add_error("partner", _("Only partner analysts belong to a partner."))
        username = data.get("username")
        if username and self.chain.memberships.filter(user__username=username).exists():
            self.add_error("username", _("%(user)s is already a member of this chain.") % {"user": username})
        return data


class CodeForm(forms.Form):
    """The six digits an authenticator app shows; spaces as some apps group them are allowed."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Enter the six digits the app shows."))
        return code
