"""The chain's governance register: covenant, tables and their members, meetings, decisions,
escalations, success stories and the relationship log."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keten.chains.models import Agreement, Chain, KpiDefinition, Partner


class Level(models.TextChoices):
    """The three levels a chain is governed at, from the work floor up."""

    OPERATIONAL = "operational", _("Operational")
    TACTICAL = "tactical", _("Tactical")
    STRATEGIC = "strategic", _("Strategic")


LEVEL_RANK = {Level.OPERATIONAL: 1, Level.TACTICAL: 2, Level.STRATEGIC: 3}


def covenant_upload_to(instance: Covenant, filename: str) -> str:
    return f"covenants/{instance.chain.slug}/{filename}"


class Covenant(models.Model):
    """The agreement the partners signed: the frame the steering group sets for the chain."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="covenants")
    title = models.CharField(_("title"), max_length=200)
    parties = models.ManyToManyField(Partner, verbose_name=_("parties"), related_name="covenants")
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("in force from"), null=True, blank=True)
    ends_on = models.DateField(_("in force until"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    document = models.FileField(_("document"), upload_to=covenant_upload_to, blank=True)
    agreements = models.ManyToManyField(
        Agreement,
        verbose_name=_("agreed norms"),
        related_name="covenants",
        blank=True,
        help_text=_("The chain's norms this covenant lays down."),
    )

    class Meta:
        ordering = ["chain", "-signed_on", "-id"]
        verbose_name = _("covenant")
        verbose_name_plural = _("covenants")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end of the term lies before its start.")})

    def in_force_on(self, day: dt.date) -> bool:
        """Return True when the covenant's term covers `day` (an open end means: still in force)."""
        return (self.starts_on is None or self.starts_on <= day) and (
            self.ends_on is None or day <= self.ends_on
        )


class Table(models.Model):
    """A consultation table: the steering group, a tactical or an operational table."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="governance_tables")
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    purpose = models.TextField(_("purpose"), blank=True)

    class Meta:
        ordering = ["chain", "name"]
        verbose_name = _("table")
        verbose_name_plural = _("tables")

    def __str__(self) -> str:
        return self.name

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[self.level]

    def seats_on(self, day: dt.date) -> models.QuerySet:
        """Return the seats taken on `day`."""
        return self.seats.filter(since__lte=day).filter(
            models.Q(until__isnull=True) | models.Q(until__gte=day)
        )

    def has_member(self, user) -> bool:
        """Return True when `user` holds a seat at this table today."""
        return user.is_authenticated and self.seats_on(timezone.localdate()).filter(user=user).exists()


class Seat(models.Model):
    """One person at one table on behalf of one partner, with or without a mandate."""

    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="seats")
    person = models.CharField(_("person"), max_length=200)
    function = models.CharField(_("function"), max_length=200, blank=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="seats", verbose_name=_("partner")
    )
    mandate = models.BooleanField(
        _("mandated"), default=False, help_text=_("May commit the partner to decisions at this table.")
    )
    since = models.DateField(_("since"), default=timezone.localdate)
    until = models.DateField(_("until"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="governance_seats",
        verbose_name=_("Keten account"),
        help_text=_("With an account, this person may add meetings and decisions to the table."),
    )

    class Meta:
        ordering = ["table", "partner__position", "person"]
        verbose_name = _("seat")
        verbose_name_plural = _("seats")

    def __str__(self) -> str:
        return f"{self.person} ({self.partner})"

    @property
    def level(self) -> str:
        return self.table.level

    def clean(self) -> None:
        if self.until and self.since and self.until < self.since:
            raise ValidationError({"until": _("'Until' lies before 'since'.")})
        if self.partner_id and self.table_id and self.partner.chain_id != self.table.chain_id:
            raise ValidationError({"partner": _("This belongs to another chain.")})
        if self.user_id and self.table_id and not self.user.is_superuser:
            if not self.user.memberships.filter(chain_id=self.table.chain_id).exists():
                raise ValidationError({"user": _("This account is not a member of the chain.")})

    def is_active_on(self, day: dt.date) -> bool:
        """Return True when the seat is taken on `day`."""
        return self.since <= day and (self.until is None or day <= self.until)


class Meeting(models.Model):
    """One meeting of a table, with the partners that were present."""

    table = models.ForeignKey(
        Table, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("table")
    )
    held_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)
    present = models.ManyToManyField(
        Partner, verbose_name=_("partners present"), related_name="meetings_attended", blank=True
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.table} {self.held_on:%Y-%m-%d}"

    def expected_partners(self) -> set[int]:
        """Return the ids of partners expected: those with a seat at the table that day, and any present."""
        seated = set(self.table.seats_on(self.held_on).values_list("partner_id", flat=True))
        return seated | {p.pk for p in self.present.all()}


class Decision(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    table = models.ForeignKey(
        Table, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("table")
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("meeting"),
    )
    text = models.TextField(_("decision"))
    decided_on = models.DateField(_("decided on"))
    kpis = models.ManyToManyField(KpiDefinition, verbose_name=_("KPIs"), related_name="decisions", blank=True)
    agreements = models.ManyToManyField(
        Agreement, verbose_name=_("agreements"), related_name="decisions", blank=True
    )
    owner = models.CharField(_("owner"), max_length=200, blank=True, help_text=_("Who sees to it."))
    owner_partner = models.ForeignKey(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions_owned",
        verbose_name=_("owning partner"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_overdue(self) -> bool:
        """True when the due date has passed and the decision is not carried out or dropped."""
        return (
            self.due_on is not None
            and self.due_on < timezone.localdate()
            and self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)
        )

    def clean(self) -> None:
        if self.meeting_id and self.table_id and self.meeting.table_id != self.table_id:
            raise ValidationError({"meeting": _("That meeting belongs to another table.")})
        if self.due_on and self.decided_on and self.due_on < self.decided_on:
            raise ValidationError({"due_on": _("The due date lies before the decision date.")})


class Escalation(models.Model):
    """An issue raised at one level by one partner, and where and when it was resolved."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="escalations")
    topic = models.CharField(_("topic"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    raised_level = models.CharField(_("raised at level"), max_length=20, choices=Level.choices)
    raised_by = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="escalations_raised", verbose_name=_("raised by")
    )
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("about norm"),
    )
    kpi = models.ForeignKey(
        KpiDefinition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("about KPI"),
    )
    passed_up_without_attempt = models.BooleanField(
        _("passed up without an attempt"),
        default=False,
        help_text=_("The issue went to a higher level without first being tried at its own level."),
    )
    resolved_level = models.CharField(
        _("resolved at level"), max_length=20, choices=Level.choices, blank=True
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["-raised_on", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return self.topic

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None

    @property
    def delegated_upward(self) -> bool:
        """True when the issue was passed up without an attempt or resolved above the level it arose at."""
        if self.passed_up_without_attempt:
            return True
        return bool(self.resolved_level) and LEVEL_RANK[self.resolved_level] > LEVEL_RANK[self.raised_level]

    @property
    def days_to_resolution(self) -> int | None:
        return (self.resolved_on - self.raised_on).days if self.resolved_on else None

    def clean(self) -> None:
        errors = {}
        if bool(self.resolved_level) != bool(self.resolved_on):
            errors["resolved_on"] = _("Give both the level and the date of resolution, or neither.")
        elif self.resolved_on and self.raised_on and self.resolved_on < self.raised_on:
            errors["resolved_on"] = _("The issue cannot be resolved before it was raised.")
        elif self.passed_up_without_attempt and self.resolved_level == self.raised_level:
            errors["resolved_level"] = _(
                "An issue passed up without an attempt was not resolved at the level it was raised."
            )
        if self.raised_level == Level.STRATEGIC and self.passed_up_without_attempt:
            errors["passed_up_without_attempt"] = _("There is no level above the strategic level.")
        if errors:
            raise ValidationError(errors)
        other_chain = {
            "raised_by": self.raised_by_id and self.raised_by.chain_id != self.chain_id,
            "agreement": self.agreement_id and self.agreement.chain_id != self.chain_id,
            "kpi": self.kpi_id and self.kpi.objective.chain_id != self.chain_id,
        }
        if any(other_chain.values()):
            raise ValidationError(
                {f: _("This belongs to another chain.") for f, bad in other_chain.items() if bad}
            )


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


class SuccessStory(models.Model):
    """A short, pseudonymised case story: written by any member, published when a coordinator approves."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Returned")

    MAX_SELECTED_PER_MONTH = 5

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="success_stories")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what happened"))
    partners = models.ManyToManyField(
        Partner, verbose_name=_("partners who contributed"), related_name="success_stories"
    )
    month = models.DateField(_("month"), help_text=_("Stored as the first day of the month."))
    kpi = models.ForeignKey(
        KpiDefinition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="success_stories",
        verbose_name=_("KPI it contributes to"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("note from the coordinator"), blank=True)
    selected = models.BooleanField(_("selected for the report"), default=False)

    class Meta:
        ordering = ["-month", "-selected", "-created_at"]
        verbose_name = _("success story")
        verbose_name_plural = _("success stories")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.month = first_of_month(self.month)
        super().save(*args, **kwargs)


class RelationshipActivity(models.Model):
    """Joint work on the relationship itself: a chain café, a joint training, a working visit."""

    class Kind(models.TextChoices):
        CAFE = "cafe", _("Chain café")
        TRAINING = "training", _("Joint training")
        VISIT = "visit", _("Working visit")
        OTHER = "other", _("Other")

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="relationship_activities")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    description = models.TextField(_("description"), blank=True)
    present = models.ManyToManyField(
        Partner, verbose_name=_("partners present"), related_name="relationship_activities", blank=True
    )
    participants = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("relationship activity")
        verbose_name_plural = _("relationship activities")

    def __str__(self) -> str:
        return self.title
