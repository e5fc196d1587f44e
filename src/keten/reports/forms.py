"""The form that picks a month, an edition and a language."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keten.periods import Month
from keten.reports.models import PublishedReport


def last_complete_month(today: dt.date | None = None) -> Month:
    """The month before the current one: the usual month to report on."""
    today = today or timezone.localdate()
    return Month(today.year, today.month).previous


class ReportForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("For example 2026-10."),
    )
    edition = forms.ChoiceField(label=_("Edition"), choices=PublishedReport.Edition.choices)
    language = forms.ChoiceField(label=_("Language"), choices=PublishedReport.Language.choices)

    def __init__(self, *args, editions: tuple[str, ...] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if editions is not None:
            self.fields["edition"].choices = [c for c in PublishedReport.Edition.choices if c[0] in editions]

    def clean_month(self) -> str:
        try:
            return str(Month.parse(self.cleaned_data["month"]))
        except ValueError:
            raise forms.ValidationError(_("Give a month as YYYY-MM, for example 2026-10.")) from None
