"""The collaboration-health scan: item banks, waves, one-time invitations, anonymous responses
and the mutual-gains statements of partners.

Anonymity by design: a `Response` carries only the wave, partner and level. It has a random
UUID key and no timestamp, and no field points at the `Invitation` it came from; the
invitation is only marked used. Open answers are stored apart from the scored answers, so
free text cannot be joined to a respondent's scores either.
"""

from __future__ import annotations

import uuid
from functools import cached_property

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from keten.chains.models import Chain, Objective, Partner
from keten.scan.itembank import ItemBank, parse_item_bank

# Below this a group is too small to hide anyone, whatever a chain configures.
MIN_CELL_FLOOR = 5


class Level(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    TACTICAL = "tactical", _("Tactical")
    OPERATIONAL = "operational", _("Operational")


class ItemBankVersion(models.Model):
    """One version of an item bank as a chain uses it; the YAML text is kept verbatim."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="scan_item_banks")
    key = models.CharField(_("key"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    source = models.TextField(_("YAML text"))
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["chain", "key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "key", "version"], name="scan_bank_version_unique"),
        ]
        verbose_name = _("item bank version")
        verbose_name_plural = _("item bank versions")

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    @cached_property
    def bank(self) -> ItemBank:
        """Return the parsed bank (the text was checked when it was stored)."""
        return parse_item_bank(self.source, name=str(self))


class Wave(models.Model):
    """One round of the scan in a chain: which statements, who is invited, how small is too small."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="scan_waves")
    name = models.CharField(_("name"), max_length=200)
    item_bank = models.ForeignKey(ItemBankVersion, on_delete=models.PROTECT, related_name="waves")
    item_codes = models.JSONField(_("statements"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    min_cell = models.PositiveIntegerField(
        _("minimum group size"),
        validators=[MinValueValidator(MIN_CELL_FLOOR)],
        help_text=_("Results of smaller groups are hidden. At least 5."),
    )
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["chain", "-opened_at", "-pk"]
        verbose_name = _("scan wave")
        verbose_name_plural = _("scan waves")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @cached_property
    def bank(self) -> ItemBank:
        """Return the item bank narrowed to this wave's statements."""
        return self.item_bank.bank.select(self.item_codes)

    @property
    def effective_min_cell(self) -> int:
        """Return the group size below which results are hidden (never below the floor)."""
        return max(MIN_CELL_FLOOR, self.min_cell)

    def invited_partner_codes(self) -> set[str]:
        """Return the codes of the partners someone was invited for in this wave (used or not)."""
        return set(self.invitations.values_list("partner__code", flat=True).distinct())

    def previous(self) -> Wave | None:
        """Return the chain's wave opened before this one, or None."""
        earlier = Wave.objects.filter(chain_id=self.chain_id, opened_at__lt=self.opened_at)
        return earlier.order_by("-opened_at", "-pk").first()


class Invitation(models.Model):
    """A one-time token for one respondent of a partner at a level.

    The token is `selector + verifier`; only the selector and a SHA-256 of the verifier are
    stored, so a database copy cannot be used to answer. Nothing records who got which token.
    """

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        USED = "used", _("Used")
        REVOKED = "revoked", _("Revoked")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    selector = models.CharField(max_length=16, unique=True)
    verifier_hash = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        ordering = ["wave", "partner", "level", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.wave} – {self.partner.code} {self.level} ({self.status})"


class Draft(models.Model):
    """Answers saved so far under an unused invitation; deleted when the answers are submitted."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="draft")
    answers = models.JSONField(default=dict)
    open_answers = models.JSONField(default=dict)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("draft answers")
        verbose_name_plural = _("draft answers")

    def __str__(self) -> str:
        return f"draft {self.pk}"


class Response(models.Model):
    """One submitted questionnaire: wave, partner and level only. No link to its invitation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.partner_id} {self.level}"


class Answer(models.Model):
    """The answer to one statement: 1 to 5 as given (not turned around), or None for "don't know"."""

    # Random keys: sequential ones would tell the order in which questionnaires came in.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item_code = models.CharField(max_length=80)
    value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item_code"], name="scan_answer_once_per_item"),
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.item_code}={self.value}"


class OpenAnswer(models.Model):
    """Free text to an open question, kept apart from any response's scores."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="open_answers")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    question_code = models.CharField(max_length=80)
    text = models.TextField()

    class Meta:
        verbose_name = _("open answer")
        verbose_name_plural = _("open answers")

    def __str__(self) -> str:
        return self.question_code


SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class GainsStatement(models.Model):
    """What one partner puts into the chain in a wave and what it gets out of it."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="gains_statements")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    effort_hours = models.DecimalField(
        _("staff hours per month"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    effort_money = models.DecimalField(
        _("money per year (euro)"),
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    effort_note = models.TextField(_("other effort"), blank=True)
    overall_benefit = models.PositiveSmallIntegerField(
        _("what the chain brings us overall"), validators=SCORE_VALIDATORS
    )
    benefit_note = models.TextField(_("what we gain, in words"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["wave", "partner__position"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "partner"], name="scan_gains_once_per_partner"),
        ]
        verbose_name = _("mutual-gains statement")
        verbose_name_plural = _("mutual-gains statements")

    def __str__(self) -> str:
        return f"{self.wave} – {self.partner}"


class GainsBenefit(models.Model):
    """A partner's own benefit on one chain objective, 1 (none) to 5 (very much)."""

    statement = models.ForeignKey(GainsStatement, on_delete=models.CASCADE, related_name="benefits")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "objective"], name="scan_benefit_once_per_objective"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.objective_id}={self.score}"


class GainsPerception(models.Model):
    """What a partner thinks another partner gains from the chain, 1 to 5."""

    statement = models.ForeignKey(GainsStatement, on_delete=models.CASCADE, related_name="perceptions")
    about = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "about"], name="scan_perception_once_per_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.about_id}={self.score}"
