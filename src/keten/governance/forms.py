"""Forms of the governance register. Every choice list is narrowed to the chain's own records."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from keten.chains.models import Agreement, Chain, KpiDefinition, Partner
from keten.events.bsn import RefusesBsn
from keten.governance.models import (
    Covenant,
    Decision,
    Escalation,
    Meeting,
    RelationshipActivity,
    Seat,
    SuccessStory,
    Table,
)
from keten.governance.reporting import partner_names
from keten.governance.sensitive import check_text

MAX_LOGO_BYTES = 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Magic numbers: only raster images (an SVG may carry script) and common document formats.
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
DOCUMENT_TYPES = {".pdf": b"%PDF", ".odt": b"PK\x03\x04", ".docx": b"PK\x03\x04"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


def _read_head(upload, n: int = 8) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def validate_logo(upload) -> None:
    """Accept a PNG or JPEG of at most 1 MB."""
    if upload.size > MAX_LOGO_BYTES:
        raise ValidationError(_("The logo is larger than 1 MB; save it smaller and try again."))
    head = _read_head(upload)
    if not any(head.startswith(sig) for sig in LOGO_SIGNATURES):
        raise ValidationError(_("The logo must be a PNG or JPEG image (SVG is not accepted)."))


def validate_document(upload) -> None:
    """Accept a PDF, ODT or DOCX of at most 20 MB whose content matches its extension."""
    name = upload.name.lower()
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix not in DOCUMENT_TYPES:
        raise ValidationError(_("Upload the covenant as PDF, ODT or DOCX."))
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The document is larger than 20 MB."))
    if not _read_head(upload).startswith(DOCUMENT_TYPES[suffix]):
        raise ValidationError(_("The file's content does not match its extension %(ext)s.") % {"ext": suffix})


class ChainForm(RefusesBsn, forms.ModelForm):
    """A form for a record of one chain: the record is tied to the chain and every choice list
    holds only the chain's partners, norms, KPIs, tables and members."""

    def __init__(self, *args, chain: Chain, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = chain
        if hasattr(self.instance, "chain_id") and not self.instance.chain_id:
            self.instance.chain = chain
        querysets = {
            Partner: Partner.objects.filter(chain=chain),
            Agreement: Agreement.objects.filter(chain=chain),
            KpiDefinition: KpiDefinition.objects.filter(objective__chain=chain),
            Table: Table.objects.filter(chain=chain),
        }
        for field in self.fields.values():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if model in querysets:
                field.queryset = querysets[model]
            if isinstance(field, forms.ModelMultipleChoiceField):
                field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
                field.widget.choices = field.choices
            if isinstance(field, forms.DateField) and not isinstance(field.widget, MonthInput):
                field.widget = DateInput()


class CovenantForm(ChainForm):
    class Meta:
        model = Covenant
        fields = [
            "title",
            "parties",
            "signed_on",
            "starts_on",
            "ends_on",
            "summary",
            "document",
            "agreements",
        ]

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "content_type"):  # a new upload, not the stored file
            validate_document(document)
        return document


class TableForm(ChainForm):
    class Meta:
        model = Table
        fields = ["name", "level", "purpose"]


class SeatForm(ChainForm):
    class Meta:
        model = Seat
        fields = ["person", "function", "partner", "mandate", "since", "until", "user"]

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.table = table
        self.fields["user"].queryset = (
            get_user_model().objects.filter(memberships__chain=self.chain).order_by("username")
        )


class MeetingForm(ChainForm):
    class Meta:
        model = Meeting
        fields = ["held_on", "present", "notes"]

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.table = table


class DecisionForm(ChainForm):
    class Meta:
        model = Decision
        fields = [
            "text",
            "decided_on",
            "meeting",
            "owner",
            "owner_partner",
            "due_on",
            "status",
            "kpis",
            "agreements",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.table = table
        self.fields["meeting"].queryset = table.meetings.all()


class EscalationForm(ChainForm):
    class Meta:
        model = Escalation
        fields = [
            "topic",
            "description",
            "raised_level",
            "raised_by",
            "raised_on",
            "agreement",
            "kpi",
            "passed_up_without_attempt",
            "resolved_level",
            "resolved_on",
            "resolution",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "resolution": forms.Textarea(attrs={"rows": 3}),
        }


class SuccessStoryForm(ChainForm):
    """Write a story; before saving, the text is checked for anything that might identify a
    person. When the check finds something, the form is shown again with the findings and is
    saved only after the writer confirms (or rewrites the text)."""

    confirm_no_personal_data = forms.BooleanField(
        label=_("I checked the text: no one can be recognised from it."), required=False
    )

    class Meta:
        model = SuccessStory
        fields = ["title", "body", "month", "partners", "kpi"]
        widgets = {"month": MonthInput(), "body": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].input_formats = ["%Y-%m", "%Y-%m-%d"]
        self.findings: list = []

    def clean(self):
        cleaned = super().clean()
        text = f"{cleaned.get('title', '')}\n{cleaned.get('body', '')}"
        self.findings = check_text(text, partner_names(self.chain), today=dt.date.today())
        if self.findings and not cleaned.get("confirm_no_personal_data"):
            raise ValidationError(
                gettext(
                    "The text may contain personal data. Rewrite it, or tick the box to confirm "
                    "no one can be recognised from it."
                ),
                code="personal_data",
            )
        return cleaned


class StoryReviewForm(RefusesBsn, forms.Form):
    note = forms.CharField(
        label=_("Note to the author"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RelationshipActivityForm(ChainForm):
    class Meta:
        model = RelationshipActivity
        fields = ["kind", "title", "held_on", "present", "participants", "description"]


class IdentityForm(RefusesBsn, forms.ModelForm):
    class Meta:
        model = Chain
        fields = ["name", "logo", "colour"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "content_type"):
            validate_logo(logo)
        return logo
