"""Who sees what in the monitor: the two views and case-level rights, as plain rules.

One rule set serves the pages, the CSV downloads and the REST API, so they cannot drift apart.
The rules themselves are `keten.chains.roles`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from keten.chains import roles

BESTUURLIJK = roles.STEERING_VIEW
UITVOERING = roles.OPERATIONS_VIEW
VIEW_LABELS = {BESTUURLIJK: _("Steering view"), UITVOERING: _("Operations view")}


@dataclass(frozen=True)
class Viewer:
    """One member looking at one chain through one view; the rules are `keten.chains.roles`."""

    role: str
    view: str
    min_cell: int
    # The analyst's partner code; None for other roles.
    partner: str | None = None

    @property
    def has_case_rights(self) -> bool:
        return roles.has_case_rights(self.role, self.partner)

    @property
    def sees_case_rows(self) -> bool:
        return roles.sees_case_rows(self.role, self.partner, self.view)

    @property
    def case_partner(self) -> str | None:
        return roles.case_partner(self.role, self.partner)

    @property
    def suppresses(self) -> bool:
        return roles.suppresses_small_cells(self.role, self.partner, self.view)

    @property
    def can_switch(self) -> bool:
        return len(roles.views_for(self.role)) > 1

    @property
    def can_read_audit(self) -> bool:
        return roles.reads_audit(self.role)

    def require_case_rows(self) -> None:
        """Raise PermissionDenied unless this viewer may see case rows here."""
        if not self.sees_case_rows:
            raise PermissionDenied


def viewer_for(membership, requested_view: str | None, min_cell: int) -> Viewer:
    """Build the Viewer for a membership; an unknown or not-allowed view falls back to the default."""
    allowed = membership.views()
    view = requested_view if requested_view in allowed else allowed[0]
    return Viewer(role=membership.role, view=view, min_cell=min_cell, partner=membership.partner_code)
