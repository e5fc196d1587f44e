"""Who sees what in the monitor: the two views and case-level rights, as plain rules.

One rule set serves the pages, the CSV downloads and the REST API, so they cannot drift apart.
The rules are written down for people in docs/monitor-access.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

COORDINATOR = "coordinator"
ANALYST = "analyst"
STEERING = "steering"

BESTUURLIJK = "bestuurlijk"
UITVOERING = "uitvoering"
VIEW_LABELS = {BESTUURLIJK: _("Steering view"), UITVOERING: _("Operations view")}


def views_for_role(role: str) -> tuple[str, ...]:
    """Return the views a role may use, the default first."""
    if role == STEERING:
        return (BESTUURLIJK,)
    return (UITVOERING, BESTUURLIJK)


@dataclass(frozen=True)
class Viewer:
    """One member looking at one chain through one view."""

    role: str
    view: str
    min_cell: int
    # The analyst's partner code; None for other roles.
    partner: str | None = None

    @property
    def has_case_rights(self) -> bool:
        """True when the role may see case rows at all (coordinator: all; analyst: own partner's)."""
        # An analyst without a partner would otherwise fall through to "all cases".
        return self.role == COORDINATOR or (self.role == ANALYST and bool(self.partner))

    @property
    def sees_case_rows(self) -> bool:
        """True when this page shows case rows: a role with case rights in the operations view."""
        return self.has_case_rights and self.view == UITVOERING

    @property
    def case_partner(self) -> str | None:
        """Restrict case rows to cases this partner handled; None means all cases (coordinator)."""
        return self.partner if self.role == ANALYST else None

    @property
    def suppresses(self) -> bool:
        """True when small cells are hidden: for roles without case rights, and in the steering
        view for everyone, so a coordinator sees exactly what the steering group sees there."""
        return not self.has_case_rights or self.view == BESTUURLIJK

    @property
    def can_switch(self) -> bool:
        return len(views_for_role(self.role)) > 1

    @property
    def can_read_audit(self) -> bool:
        return self.role == COORDINATOR

    def require_case_rows(self) -> None:
        """Raise PermissionDenied unless this viewer may see case rows here."""
        if not self.sees_case_rows:
            raise PermissionDenied


def viewer_for(membership, requested_view: str | None, min_cell: int) -> Viewer:
    """Build the Viewer for a membership; an unknown or not-allowed view falls back to the default."""
    allowed = views_for_role(membership.role)
    view = requested_view if requested_view in allowed else allowed[0]
    partner = membership.partner.code if membership.role == ANALYST and membership.partner_id else None
    return Viewer(role=membership.role, view=view, min_cell=min_cell, partner=partner)
