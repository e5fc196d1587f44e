"""The chain model: who works together, in which order, on what norms and goals, and who may see what."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from keten.analytics.model import (
    EARLIEST_EVENT,
    MAX_FUTURE_DAYS,
    ActivitySpec,
    AgreementSpec,
    ChainSpec,
    KpiSpec,
    ObjectiveSpec,
    PartnerSpec,
    StageSpec,
)
from keten.chains import roles

code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*$",
    _("Use lower-case letters, digits and underscores, starting with a letter."),
)
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #154273."))


class Chain(models.Model):
    class RejectPolicy(models.TextChoices):
        REJECT_FILE = "reject_file", _("Reject the whole file")
        QUARANTINE = "quarantine", _("Accept valid rows, quarantine the rest")

    class RepeatedEvents(models.TextChoices):
        KEEP = "keep", _("Keep them as separate events")
        REJECT = "reject", _("Reject the repeats")

    class LiberationDay(models.TextChoices):
        EVERY_YEAR = "every_year", _("Every year")
        LUSTRUM = "lustrum", _("Only in lustrum years")

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    ambition = models.TextField(_("shared ambition"), blank=True)
    administrative_ambition = models.TextField(
        _("administrative ambition"),
        blank=True,
        help_text=_("The political or administrative assignment the chain's ambition serves."),
    )
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    colour = models.CharField(_("colour"), max_length=7, default="#154273", validators=[colour_validator])
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")
    horizon_days = models.PositiveIntegerField(
        _("horizon (days)"),
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_("A case without a goal activity this long after its first event has dropped out."),
    )
    goal_activities = models.JSONField(_("goal activities"), default=list, blank=True)
    reject_policy = models.CharField(
        _("policy for invalid rows"),
        max_length=20,
        choices=RejectPolicy.choices,
        default=RejectPolicy.REJECT_FILE,
    )
    repeated_events = models.CharField(
        _("repeated events"),
        max_length=10,
        choices=RepeatedEvents.choices,
        default=RepeatedEvents.KEEP,
        help_text=_(
            "Events of one delivery with the same partner, case, activity, moment and lifecycle: "
            "kept as separate events, or rejected as rows with a problem."
        ),
    )
    earliest_event = models.DateField(
        _("earliest event"),
        default=EARLIEST_EVENT,
        validators=[MinValueValidator(EARLIEST_EVENT)],
        help_text=_("An event dated before this is a row problem on delivery."),
    )
    future_days = models.PositiveIntegerField(
        _("days ahead allowed"),
        default=1,
        validators=[MaxValueValidator(MAX_FUTURE_DAYS)],
        help_text=_("An event dated later than now plus this many days is a row problem on delivery."),
    )
    # Working days (keten.analytics.workdays): closing days on top of the weekends and Dutch
    # public holidays (ISO dates), and whether Liberation Day is a day off every year.
    closing_days = models.JSONField(_("closing days"), default=list, blank=True)
    liberation_day = models.CharField(
        _("Liberation Day"),
        max_length=10,
        choices=LiberationDay.choices,
        default=LiberationDay.EVERY_YEAR,
        help_text=_("Whether 5 May is a day off every year or only in lustrum years (2025, 2030, ...)."),
    )
    # Name and colour as the last imported definition file gave them: a re-import that repeats
    # them keeps what the web interface set since (keten.chains.plan.resolve_identity).
    imported_identity = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("chain")
        verbose_name_plural = _("chains")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("monitor-overview", args=[self.slug])

    def to_spec(self) -> ChainSpec:
        """Return the whole chain as plain dataclasses, the form analytics and files use."""
        stages = self.stages.select_related("partner").prefetch_related("activities")
        agreements = self.agreements.prefetch_related("owners")
        objectives = self.objectives.prefetch_related("kpis__partners")
        return ChainSpec(
            slug=self.slug,
            name=self.name,
            description=self.description,
            ambition=self.ambition,
            administrative_ambition=self.administrative_ambition,
            colour=self.colour,
            timezone=self.timezone,
            horizon_days=self.horizon_days,
            goal_activities=tuple(self.goal_activities),
            reject_policy=self.reject_policy,
            repeated_events=self.repeated_events,
            earliest_event=self.earliest_event,
            future_days=self.future_days,
            closing_days=tuple(sorted(dt.date.fromisoformat(d) for d in self.closing_days)),
            liberation_day=self.liberation_day,
            partners=tuple(p.to_spec() for p in self.partners.all()),
            stages=tuple(s.to_spec() for s in stages),
            agreements=tuple(a.to_spec() for a in agreements),
            objectives=tuple(o.to_spec() for o in objectives),
        )


class Partner(models.Model):
    class Kind(models.TextChoices):
        PRODUCING = "producing", _("Producing partner (in the sequence)")
        NETWORK = "network", _("Network partner (adds value outside the sequence)")

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="partners")
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PRODUCING)
    role = models.CharField(
        _("network role"),
        max_length=100,
        blank=True,
        help_text=_("For network partners, e.g. financier or broker."),
    )
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    position = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["chain", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["chain", "code"], name="partner_code_unique_in_chain")]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name

    def to_spec(self) -> PartnerSpec:
        return PartnerSpec(
            code=self.code,
            name=self.name,
            kind=self.kind,
            role=self.role,
            column_mapping=dict(self.column_mapping),
        )


class Stage(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="stages")

    class Meta:
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="stage_code_unique_in_chain"),
            models.UniqueConstraint(fields=["chain", "position"], name="stage_position_unique_in_chain"),
        ]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.partner_id and self.chain_id and self.partner.chain_id != self.chain_id:
            raise ValidationError({"partner": _("The partner belongs to another chain.")})
        if self.partner_id and self.partner.kind == Partner.Kind.NETWORK:
            raise ValidationError({"partner": _("A network partner cannot own a stage.")})

    def to_spec(self) -> StageSpec:
        return StageSpec(
            code=self.code,
            name=self.name,
            partner=self.partner.code,
            activities=tuple(ActivitySpec(a.code, a.name) for a in self.activities.all()),
        )


class Activity(models.Model):
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveIntegerField(default=0)
    code = models.CharField(_("code"), max_length=80, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["stage", "position"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clash = Activity.objects.filter(stage__chain_id=self.stage.chain_id, code=self.code)
        if clash.exclude(pk=self.pk).exists():
            raise ValidationError({"code": _("This activity code is already used in the chain.")})


class Agreement(models.Model):
    """A norm agreed between partners: a share of cases from one activity to another within a time."""

    class DaysKind(models.TextChoices):
        CALENDAR = "calendar", _("calendar days")
        WORKING = "working", _("working days")

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="agreements")
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    from_activity = models.CharField(_("from activity"), max_length=80)
    to_activity = models.CharField(_("to activity"), max_length=80)
    max_days = models.FloatField(_("within days"), validators=[MinValueValidator(0)])
    days_kind = models.CharField(
        _("days counted"), max_length=10, choices=DaysKind.choices, default=DaysKind.CALENDAR
    )
    target_share = models.FloatField(
        _("agreed share"), validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    owners = models.ManyToManyField(Partner, related_name="agreements", blank=True)
    # The order of the chain definition file, so an export reads like the file that was imported.
    position = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["chain", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="agreement_code_unique_in_chain")
        ]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        known = set(Activity.objects.filter(stage__chain_id=self.chain_id).values_list("code", flat=True))
        errors = {}
        for field_name in ("from_activity", "to_activity"):
            value = getattr(self, field_name)
            if value and value not in known:
                errors[field_name] = _("Unknown activity '%(code)s'.") % {"code": value}
        if errors:
            raise ValidationError(errors)

    def to_spec(self) -> AgreementSpec:
        return AgreementSpec(
            code=self.code,
            name=self.name,
            description=self.description,
            from_activity=self.from_activity,
            to_activity=self.to_activity,
            max_days=self.max_days,
            days_kind=self.days_kind,
            target_share=self.target_share,
            owners=tuple(sorted(p.code for p in self.owners.all())),
        )


class Objective(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveIntegerField(default=0)
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="objective_code_unique_in_chain")
        ]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.name

    def to_spec(self) -> ObjectiveSpec:
        return ObjectiveSpec(
            code=self.code,
            name=self.name,
            description=self.description,
            kpis=tuple(k.to_spec() for k in self.kpis.all()),
        )


class KpiDefinition(models.Model):
    class Kind(models.TextChoices):
        LEAD_TIME = "lead_time", _("Lead time")
        SHARE_REACHED = "share_reached", _("Share reached")
        DURABILITY = "durability", _("Durability")
        VOLUME = "volume", _("Volume")
        WIP = "wip", _("Work in progress")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="kpis")
    position = models.PositiveIntegerField(default=0)
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    target = models.FloatField(_("target"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    partners = models.ManyToManyField(
        Partner,
        related_name="kpis",
        blank=True,
        help_text=_("Leave empty for a chain-level KPI; choose partners for partner-only production."),
    )

    class Meta:
        ordering = ["objective", "position"]
        verbose_name = _("KPI definition")
        verbose_name_plural = _("KPI definitions")

    def __str__(self) -> str:
        return self.name

    @property
    def is_chain_level(self) -> bool:
        """True when no partner scope is set: the KPI measures the chain's shared goal."""
        return not self.partners.exists()

    def to_spec(self) -> KpiSpec:
        return KpiSpec(
            code=self.code,
            name=self.name,
            description=self.description,
            kind=self.kind,
            target=self.target,
            direction=self.direction,
            parameters=dict(self.parameters),
            partners=tuple(sorted(p.code for p in self.partners.all())),
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Chain coordinator")
        ANALYST = "analyst", _("Partner analyst")
        STEERING = "steering", _("Steering group member")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )

    class Meta:
        ordering = ["chain", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "chain"], name="one_membership_per_chain"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} – {self.chain} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.role == self.Role.ANALYST and not self.partner_id:
            raise ValidationError({"partner": _("A partner analyst needs a partner.")})
        if self.role != self.Role.ANALYST and self.partner_id:
            raise ValidationError({"partner": _("Only partner analysts belong to a partner.")})
        if self.partner_id and self.partner.chain_id != self.chain_id:
            raise ValidationError({"partner": _("The partner belongs to another chain.")})

    # The role rules (keten.chains.roles), asked of this member.

    @property
    def partner_code(self) -> str | None:
        """The analyst's partner code; None for the other roles."""
        return roles.partner_of(self.role, self.partner.code if self.partner_id else None)

    @property
    def is_coordinator(self) -> bool:
        return roles.is_coordinator(self.role)

    def views(self) -> tuple[str, ...]:
        return roles.views_for(self.role)

    def has_case_rights(self) -> bool:
        return roles.has_case_rights(self.role, self.partner_code)

    def sees_case_rows(self, view: str) -> bool:
        return roles.sees_case_rows(self.role, self.partner_code, view)

    def suppresses_small_cells(self, view: str) -> bool:
        return roles.suppresses_small_cells(self.role, self.partner_code, view)

    def report_suppresses_small_cells(self, edition: str) -> bool:
        return roles.report_suppresses_small_cells(self.role, edition)

    def reads_audit(self) -> bool:
        return roles.reads_audit(self.role)

    def makes_reports(self) -> bool:
        return roles.makes_reports(self.role)

    def delivers_for(self, partner: Partner | None) -> bool:
        return roles.delivers(self.role, self.partner_code, partner.code if partner else None)

    def deliverable_partners(self) -> models.QuerySet:
        """The partners this member may deliver events for (none for steering members)."""
        partners = Partner.objects.filter(chain_id=self.chain_id)
        if self.is_coordinator:
            return partners
        return partners.filter(code=self.partner_code) if self.partner_code else partners.none()

    def sees_all_scan_partners(self) -> bool:
        return roles.sees_all_scan_partners(self.role)

    def states_gains(self) -> bool:
        return roles.states_gains(self.role, self.partner_code)


class AuditEntry(models.Model):
    """Who did or saw what, when: case-level views, edits, withdrawals. Read by coordinators."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    username = models.CharField(_("user"), max_length=150)
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(_("action"), max_length=80)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    @staticmethod
    def action_label(action: str) -> str:
        """The action as words ("events.delivered" -> "Delivery stored"); governance records
        read as their kind and what happened to it ("Decision created")."""
        if action in AUDIT_ACTIONS:
            return str(AUDIT_ACTIONS[action])
        parts = action.split(".")
        if len(parts) == 3 and parts[0] == "governance" and parts[2] in AUDIT_VERBS:
            from django.apps import apps

            try:
                kind = apps.get_model("governance", parts[1])._meta.verbose_name
            except LookupError:
                kind = parts[1]
            return f"{str(kind).capitalize()}: {AUDIT_VERBS[parts[2]]}"
        return action

    @property
    def label(self) -> str:
        return self.action_label(self.action)

    def detail_items(self, partner_names: dict[str, str] | None = None) -> list[tuple[str, str]]:
        """The detail as (label, text) pairs in words: lists joined, nested values as
        "key: value", partner codes as the partners' names, roles as their labels."""
        names = partner_names or {}
        roles = dict(Membership.Role.choices)

        def label(key: str) -> str:
            return capfirst(str(AUDIT_DETAIL.get(key, key.replace("_", " "))))

        def text(value, key: str = "") -> str:
            if isinstance(value, dict):
                return "; ".join(f"{label(k)}: {text(v, k)}" for k, v in value.items())
            if isinstance(value, list | tuple):
                return ", ".join(text(v, key) for v in value) or "–"
            if value is None or value == "":
                return "–"
            if key in ("partner", "partners") and str(value) in names:
                return names[str(value)]
            if key == "role" and str(value) in roles:
                return str(roles[str(value)])
            return str(value)

        return [(label(k), text(v, k)) for k, v in (self.detail or {}).items()]


AUDIT_ACTIONS = {
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "cases.downloaded": _("Case list downloaded"),
    "cases.viewed": _("Case list viewed"),
    "case.viewed": _("Case viewed"),
    "chain.imported": _("Chain definition imported"),
    "events.batch_restored": _("Delivery restored"),
    "events.batch_withdrawn": _("Delivery withdrawn"),
    "events.delivered": _("Delivery stored"),
    "events.delivery_refused": _("Delivery refused"),
    "events.rejects_downloaded": _("Rejected rows downloaded"),
    "governance.identity.updated": _("Chain identity changed"),
    "governance.successstory.approved": _("Success story approved"),
    "governance.successstory.returned": _("Success story sent back"),
    "member.added": _("Member added"),
    "member.invited": _("Member invited"),
    "member.removed": _("Member removed"),
    "member.second_factor_removed": _("Second factor removed"),
    "member.unlocked": _("Member unlocked"),
    "report.published": _("Report published"),
    "report.republished": _("Report published again"),
    "scan.gains_saved": _("Gains and contributions saved"),
    "scan.invitations_issued": _("Scan invitations issued"),
    "scan.invitations_revoked": _("Scan invitations revoked"),
    "scan.item_bank_added": _("Scan item bank added"),
    "scan.open_answers_viewed": _("Open scan answers viewed"),
    "scan.results_exported": _("Scan results exported"),
    "scan.wave_closed": _("Scan wave closed"),
    "scan.wave_opened": _("Scan wave opened"),
}
AUDIT_VERBS = {
    "created": pgettext_lazy("audit", "created"),
    "updated": pgettext_lazy("audit", "changed"),
    "deleted": pgettext_lazy("audit", "deleted"),
}
AUDIT_DETAIL = {
    "batch": _("delivery"),
    "case": _("case"),
    "batch_id": _("delivery"),
    "partner": _("partner"),
    "rows": _("rows"),
    "rows_read": _("rows read"),
    "filters": _("filters"),
    "page": _("page"),
    "page_number": _("page"),
    "format": _("format"),
    "wave": _("wave"),
    "status": _("status"),
    "level": _("level"),
    "count": _("number"),
    "username": _("user"),
    "user": _("user"),
    "member": _("member"),
    "role": _("role"),
    "file": _("file"),
    "fields": _("fields changed"),
    "expires_on": _("valid until"),
    "edition": _("edition"),
    "month": _("month"),
    "language": _("language"),
    "label": _("record"),
    "id": _("number"),
    "name": _("name"),
    "min_cell": _("smallest cell"),
    "pair": _("handover"),
    "prefix": _("token prefix"),
    "bank": _("item bank"),
    "version": _("version"),
    "key": _("key"),
}
