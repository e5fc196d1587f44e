"""The filter bar every monitor page shares: period, grain, partner and the moment the
figures are "as of" (the end of a chosen month, as the month's report reads them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from keten import formatting
from keten.periods import add_months, next_month

GRAINS = (("month", _("Month")), ("week", _("Week")), ("day", _("Day")))


# How many finished months the "as at the end of" list offers, latest first.
AS_OF_MONTHS = 36


class MonthInput(forms.TextInput):
    """An <input type=month>. A browser draws an empty one as "---------- ----"; once the form
    knows the period its figures cover it sets `shown`, and an empty field shows that month."""

    input_type = "month"
    shown: str | None = None

    def format_value(self, value):
        return super().format_value(value) or self.shown


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type=month> sends); cleans to the first day of that month."""

    widget = MonthInput(attrs={"placeholder": "2025-01"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return dt.datetime.strptime(value[:7], "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2025-01."), code="month") from exc


@dataclass(frozen=True)
class Filters:
    """Cleaned filters; `end` is exclusive (the first day after the chosen month), and so is
    `as_of` (the figures as they stood at the start of that day, in the chain's time zone)."""

    grain: str = "month"
    start: dt.date | None = None
    end: dt.date | None = None
    partner: str | None = None
    as_of: dt.date | None = None

    def key(self) -> str:
        return f"{self.grain}|{self.start}|{self.end}|{self.partner or ''}|{self.as_of or ''}"

    @property
    def as_of_month(self) -> dt.date | None:
        """The last day of the month the figures are as of."""
        return self.as_of - dt.timedelta(days=1) if self.as_of else None

    def metric_arguments(self) -> dict:
        """The filters as `keten.figures.metrics.chain_metrics` takes them."""
        return {
            "grain": self.grain,
            "start": self.start,
            "end": self.end,
            "partner": self.partner,
            "as_of": self.as_of,
        }

    def query(self) -> dict[str, str]:
        """The filters as GET parameters, to carry them into links and downloads."""
        q = {"grain": self.grain}
        if self.start:
            q["start"] = self.start.strftime("%Y-%m")
        if self.end:
            q["end"] = (self.end - dt.timedelta(days=1)).strftime("%Y-%m")
        if self.partner:
            q["partner"] = self.partner
        if self.as_of:
            q["as_of"] = (self.as_of - dt.timedelta(days=1)).strftime("%Y-%m")
        return q


class FilterForm(forms.Form):
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("Up to and including month"), required=False)
    grain = forms.ChoiceField(label=_("Per"), choices=GRAINS, required=False, initial="month")
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    as_of = MonthField(
        label=_("As at the end of"),
        required=False,
        widget=forms.Select,
        help_text=_("The figures as they stood at the end of this month, as in that month's report."),
    )

    def __init__(self, *args, partners=(), with_partner: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_partner:
            self.fields["partner"].choices = [("", _("All partners")), *[(p.code, p.name) for p in partners]]
        else:
            del self.fields["partner"]

    def show_period(self, first: dt.date | None, last: dt.date | None, today: dt.date | None = None) -> None:
        """Let the empty month fields show the period the figures cover (its first and last
        month: choosing them changes nothing), and offer its finished months as the moment the
        figures are "as at the end of", after "now" (the latest figures, the default)."""
        months: list[dt.date] = []
        if first and last:
            first, last = first.replace(day=1), last.replace(day=1)
            self.fields["start"].widget.shown = first.strftime("%Y-%m")
            self.fields["end"].widget.shown = last.strftime("%Y-%m")
            today = today or dt.date.today()
            month = last
            while month >= first and len(months) < AS_OF_MONTHS:
                if next_month(month) <= today:
                    months.append(month)
                month = add_months(month, -1)
        choices = [("", _("Now (the latest figures)"))]
        choices += [(m.strftime("%Y-%m"), formatting.month_label(m)) for m in months]
        chosen = self.data.get("as_of") if self.is_bound else None
        if chosen and chosen not in dict(choices):
            choices.append((chosen, chosen))  # an older month, asked for by its address
        self.fields["as_of"].widget.choices = choices

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end month lies before the start month."))
        as_of = data.get("as_of")
        if as_of and next_month(as_of) > dt.date.today():
            # Its end is still to come: "now" would lie in the future and count open cases
            # as late that are not.
            message = _("That month is not over yet; choose an earlier month or leave it empty.")
            self.add_error("as_of", message)
        return data

    def filters(self) -> Filters:
        """The valid filters, or the defaults when the form is invalid (the errors are shown)."""
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        end, as_of = data.get("end"), data.get("as_of")
        return Filters(
            grain=data.get("grain") or "month",
            start=data.get("start"),
            end=next_month(end) if end else None,
            partner=data.get("partner") or None,
            as_of=next_month(as_of) if as_of else None,
        )
