from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keten.chains.models import Partner


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the delivery system"), max_length=100, help_text=_("e.g. Nightly export from Suite")
    )
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    expires_on = forms.DateField(
        label=_("Valid until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, chain, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = chain.partners.all()
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
