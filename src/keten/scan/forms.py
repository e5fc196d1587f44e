"""Forms of the scan: a new wave, issuing invitations, an item-bank upload, the questionnaire
itself and a partner's mutual-gains statement."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from keten.events.bsn import RefusesBsn
from keten.scan.actions import DONT_KNOW, MAX_INVITATIONS_PER_BATCH
from keten.scan.itembank import ItemBank
from keten.scan.models import MIN_CELL_FLOOR, ItemBankVersion, Level

ITEM_PREFIX = "item_"
OPEN_PREFIX = "open_"


class WaveForm(RefusesBsn, forms.Form):
    name = forms.CharField(
        label=_("Name of the wave"), max_length=200, help_text=_("For example: Spring 2026.")
    )
    item_bank = forms.ModelChoiceField(
        label=_("Item bank"), queryset=ItemBankVersion.objects.none(), empty_label=None
    )
    min_cell = forms.IntegerField(
        label=_("Minimum group size"),
        min_value=MIN_CELL_FLOOR,
        max_value=1000,
        help_text=_("Scores of smaller groups are hidden from everyone. At least 5."),
    )
    items = forms.MultipleChoiceField(
        label=_("Statements"), widget=forms.CheckboxSelectMultiple, required=True, choices=()
    )

    def __init__(self, *args, chain, bank: ItemBankVersion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        banks = ItemBankVersion.objects.filter(chain=chain)
        self.fields["item_bank"].queryset = banks
        if self.is_bound and str(self.data.get("item_bank", "")).isdigit():
            bank = banks.filter(pk=int(self.data["item_bank"])).first() or bank
        bank = bank or banks.first()
        self.fields["item_bank"].initial = bank.pk if bank else None
        self.fields["min_cell"].initial = max(MIN_CELL_FLOOR, settings.KETEN_MIN_CELL)
        language = get_language()
        self.bank = bank.bank if bank else None
        self.fields["items"].choices = [
            (i.code, i.text.get(language)) for i in (self.bank.items if self.bank else ())
        ]
        self.fields["items"].initial = [i.code for i in (self.bank.items if self.bank else ())]

    def grouped_items(self):
        """Checkboxes grouped per theme, for one fieldset per theme."""
        language = get_language()
        boxes = {b.data["value"]: b for b in self["items"]}
        return [
            (t.name.get(language), [boxes[i.code] for i in t.items if i.code in boxes])
            for t in self.bank.themes
        ]


class IssueForm(forms.Form):
    class Output:
        PAGE = "page"
        CSV = "csv"

    partner = forms.ModelChoiceField(label=_("Partner"), queryset=None, empty_label=None)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    count = forms.IntegerField(
        label=_("Number of invitations"), min_value=1, max_value=MAX_INVITATIONS_PER_BATCH
    )
    output = forms.ChoiceField(
        label=_("Hand out as"),
        choices=[("page", _("A printable list of links")), ("csv", _("A CSV file for mail merge"))],
        widget=forms.RadioSelect,
        initial="page",
    )

    def __init__(self, *args, chain, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = chain.partners.all()


class ItemBankUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Item bank (YAML)"), help_text=_("Raise the version number on every change.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 512 * 1024:
            raise forms.ValidationError(_("The file is larger than 512 KB; an item bank is much smaller."))
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("Save the file as UTF-8 text and upload it again.")) from None


class ResponseForm(RefusesBsn, forms.Form):
    """The questionnaire: one optional five-point question (plus "don't know") per statement."""

    def __init__(self, *args, bank: ItemBank, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language()
        self.bank = bank
        choices = [(str(v), label.get(language)) for v, label in bank.scale] + [
            (DONT_KNOW, bank.dont_know.get(language))
        ]
        for item in bank.items:
            self.fields[ITEM_PREFIX + item.code] = forms.ChoiceField(
                label=item.text.get(language), choices=choices, widget=forms.RadioSelect, required=False
            )
        for question in bank.open_questions:
            self.fields[OPEN_PREFIX + question.code] = forms.CharField(
                label=question.text.get(language),
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                max_length=4000,
            )

    @staticmethod
    def initial_from(answers: dict, open_answers: dict) -> dict:
        return {ITEM_PREFIX + c: v for c, v in answers.items()} | {
            OPEN_PREFIX + c: t for c, t in open_answers.items()
        }

    def answers(self) -> tuple[dict, dict]:
        """Return (statement code -> "1".."5" or "dk", question code -> text) of what was filled in."""
        data = self.cleaned_data
        given = {
            i.code: data[ITEM_PREFIX + i.code] for i in self.bank.items if data.get(ITEM_PREFIX + i.code)
        }
        texts = {
            q.code: data[OPEN_PREFIX + q.code]
            for q in self.bank.open_questions
            if data.get(OPEN_PREFIX + q.code)
        }
        return given, texts

    def themes(self):
        """(theme, [bound fields]) in bank order, for one section per theme."""
        return [(t, [self[ITEM_PREFIX + i.code] for i in t.items]) for t in self.bank.themes]

    def open_fields(self):
        return [self[OPEN_PREFIX + q.code] for q in self.bank.open_questions]


SCORES = [("", "–")] + [(str(v), str(v)) for v in range(1, 6)]


class GainsForm(RefusesBsn, forms.Form):
    """A partner's effort and benefit on the chain's objectives, and what it thinks the others gain."""

    effort_hours = forms.DecimalField(
        label=_("Staff hours per month"), min_value=0, max_digits=10, decimal_places=1, required=False
    )
    effort_money = forms.DecimalField(
        label=_("Money per year (euro)"), min_value=0, max_digits=12, decimal_places=0, required=False
    )
    effort_note = forms.CharField(
        label=_("Other effort"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    overall_benefit = forms.TypedChoiceField(
        label=_("What the chain brings your organisation overall (1 = nothing, 5 = very much)"),
        choices=SCORES[1:],
        coerce=int,
    )
    benefit_note = forms.CharField(
        label=_("What you gain, in words"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, chain, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = list(chain.objectives.all())
        self.others = list(chain.partners.exclude(pk=partner.pk))
        for o in self.objectives:
            self.fields[f"benefit_{o.pk}"] = forms.TypedChoiceField(
                label=o.name, choices=SCORES, coerce=int, required=False, empty_value=None
            )
        for p in self.others:
            self.fields[f"perceived_{p.code}"] = forms.TypedChoiceField(
                label=p.name, choices=SCORES, coerce=int, required=False, empty_value=None
            )

    def benefit_fields(self):
        return [self[f"benefit_{o.pk}"] for o in self.objectives]

    def perception_fields(self):
        return [self[f"perceived_{p.code}"] for p in self.others]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "overall_benefit": data["overall_benefit"],
            "benefits": {
                o.pk: data[f"benefit_{o.pk}"] for o in self.objectives if data.get(f"benefit_{o.pk}")
            },
            "perceptions": {
                p.code: data[f"perceived_{p.code}"] for p in self.others if data.get(f"perceived_{p.code}")
            },
            "effort_hours": data.get("effort_hours"),
            "effort_money": data.get("effort_money"),
            "effort_note": data.get("effort_note", ""),
            "benefit_note": data.get("benefit_note", ""),
        }

    @staticmethod
    def initial_from(statement) -> dict:
        if statement is None:
            return {}
        initial = {
            "effort_hours": statement.effort_hours,
            "effort_money": statement.effort_money,
            "effort_note": statement.effort_note,
            "overall_benefit": statement.overall_benefit,
            "benefit_note": statement.benefit_note,
        }
        initial |= {f"benefit_{b.objective_id}": b.score for b in statement.benefits.all()}
        initial |= {
            f"perceived_{p.about.code}": p.score for p in statement.perceptions.select_related("about")
        }
        return initial
