from django import forms
from django.utils.translation import gettext_lazy as _


class DeliveryForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=None, label=_("Delivering partner"), empty_label=None)
    file = forms.FileField(
        label=_("Event file"),
        help_text=_(
            "CSV, XES, gzipped XES, Parquet or a spreadsheet (.xlsx, .xls, .ods), "
            "with pseudonymised case identifiers."
        ),
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
