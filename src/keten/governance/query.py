"""Who may do what in the governance register, and reusable filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from keten.chains import roles
from keten.chains.models import Chain, Membership
from keten.governance.models import Seat, SuccessStory, Table


def active_seats(chain: Chain, day: dt.date | None = None) -> QuerySet[Seat]:
    """Return the seats taken on `day` (default today) at the chain's tables."""
    day = day or timezone.localdate()
    return (
        Seat.objects.filter(table__chain=chain, since__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .select_related("table", "partner", "user")
    )


@dataclass(frozen=True)
class Rights:
    """What one member may do in the governance register of one chain.

    Coordinators edit everything; people who hold a seat at a table add meetings and decisions
    to that table, raise and resolve escalations and log relationship activities; every member
    writes success stories (a coordinator approves them); everyone else reads.
    """

    role: str
    table_ids: frozenset[int]
    # The member's Membership, for templates (the chain tab bar shows tabs by role).
    membership: Membership | None = field(default=None, compare=False)

    @property
    def is_coordinator(self) -> bool:
        return roles.is_coordinator(self.role)

    @property
    def has_seat(self) -> bool:
        return bool(self.table_ids)

    def may_add_to(self, table: Table) -> bool:
        return self.is_coordinator or table.pk in self.table_ids

    @property
    def may_log_escalations(self) -> bool:
        return self.is_coordinator or self.has_seat

    @property
    def may_log_activities(self) -> bool:
        return self.is_coordinator or self.has_seat

    @property
    def may_write_stories(self) -> bool:
        return True

    def may_edit_story(self, story: SuccessStory, user) -> bool:
        """The author may rework a story until it is approved; a coordinator always."""
        if self.is_coordinator:
            return True
        return story.author_id == user.pk and story.status != SuccessStory.Status.APPROVED


def rights_of(user, chain: Chain, membership: Membership) -> Rights:
    """Return the governance rights of a chain member."""
    table_ids = frozenset(active_seats(chain).filter(user=user).values_list("table_id", flat=True))
    return Rights(role=membership.role, table_ids=table_ids, membership=membership)


def stories_visible_to(chain: Chain, user, rights: Rights) -> QuerySet[SuccessStory]:
    """Approved stories for everyone; coordinators also see those awaiting approval or returned;
    authors see their own."""
    stories = chain.success_stories.select_related("kpi", "author").prefetch_related("partners")
    if rights.is_coordinator:
        return stories
    return stories.filter(Q(status=SuccessStory.Status.APPROVED) | Q(author=user))
