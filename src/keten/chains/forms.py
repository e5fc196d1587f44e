"""Forms of the chain definition import page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# A definition file is a page or two of YAML; the reference chains are under 20 kB.
MAX_DEFINITION_BYTES = 1024 * 1024


class UploadDefinitionForm(forms.Form):
    file = forms.FileField(
        label=_("Chain definition file (YAML)"),
        help_text=_("Nothing changes yet: you first see what the import would create, change and delete."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_DEFINITION_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 1 MB; a chain definition is much smaller.")
            )
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text; save it as UTF-8 and try again.")
            ) from None


class ConfirmImportForm(forms.Form):
    """The definition that was planned, sent back with the plan's fingerprint."""

    definition = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=MAX_DEFINITION_BYTES)
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    allow_deletions = forms.BooleanField(
        required=False,
        label=_("Yes, delete the records listed above with what the file leaves out"),
    )

    def __init__(self, *args, needs_allow_deletions: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not needs_allow_deletions:
            del self.fields["allow_deletions"]
