"""Who may see and do what in a chain: every role rule, in one place.

Each rule is a plain function of a role and, for an analyst, their partner's code, so the
monitor's pages, its CSV and API, the reports, the scan, governance and deliveries ask the
same question and get the same answer. `Membership` offers them as methods; the monitor's
`Viewer` and the scan's `Audience` (someone looking without a membership at hand, such as a
report's readers) call them too. docs/monitor.md ("The rules") writes them down for people.
"""

from __future__ import annotations

COORDINATOR = "coordinator"
ANALYST = "analyst"
STEERING = "steering"

# The two ways of looking at a chain's figures: the monitor's views and the report's editions.
STEERING_VIEW = "bestuurlijk"
OPERATIONS_VIEW = "uitvoering"


def views_for(role: str) -> tuple[str, ...]:
    """The views a role may use, its default first: steering members only the steering view."""
    if role == STEERING:
        return (STEERING_VIEW,)
    return (OPERATIONS_VIEW, STEERING_VIEW)


def is_coordinator(role: str) -> bool:
    return role == COORDINATOR


def partner_of(role: str, partner: str | None) -> str | None:
    """The partner a member belongs to: only analysts have one."""
    return partner if role == ANALYST and partner else None


def has_case_rights(role: str, partner: str | None) -> bool:
    """Whether the role may see case rows at all: the coordinator every case, an analyst the
    cases their partner handled. An analyst without a partner has none (never "all cases")."""
    return role == COORDINATOR or partner_of(role, partner) is not None


def sees_case_rows(role: str, partner: str | None, view: str) -> bool:
    """Whether a page in `view` shows case rows: a role with case rights, in the operations view."""
    return has_case_rights(role, partner) and view == OPERATIONS_VIEW


def case_partner(role: str, partner: str | None) -> str | None:
    """The partner whose cases are shown; None means every case (the coordinator)."""
    return partner_of(role, partner)


def suppresses_small_cells(role: str, partner: str | None, view: str) -> bool:
    """Whether a screen hides small cells: for roles without case rights, and in the steering
    view for everyone, so a coordinator sees there exactly what the steering group sees."""
    return not has_case_rights(role, partner) or view == STEERING_VIEW


def report_suppresses_small_cells(role: str, edition: str) -> bool:
    """Whether a report hides small cells: always in the steering edition, and in the operations
    edition for everyone but the coordinator. Stricter than a screen: analysts may not see other
    partners' small numbers, and a report file travels further than a screen."""
    return edition == STEERING_VIEW or role != COORDINATOR


def reads_audit(role: str) -> bool:
    return role == COORDINATOR


def makes_reports(role: str) -> bool:
    """Coordinators and analysts make a report; only the coordinator publishes one."""
    return role in (COORDINATOR, ANALYST)


def report_editions_seen(role: str) -> tuple[str, ...]:
    """The published editions a role may open: steering members the steering edition only."""
    if role == STEERING:
        return (STEERING_VIEW,)
    return (OPERATIONS_VIEW, STEERING_VIEW)


def delivers(role: str, partner: str | None, for_partner: str | None) -> bool:
    """Whether the member may deliver events for `for_partner` (None: a chain-wide file): the
    coordinator for anyone, an analyst for their own partner only."""
    if role == COORDINATOR:
        return True
    return for_partner is not None and partner_of(role, partner) == for_partner


def sees_all_scan_partners(role: str) -> bool:
    """Scan results per partner: coordinators and steering members see every partner's, an
    analyst their own partner's beside the chain's."""
    return role in (COORDINATOR, STEERING)


def sees_open_answers(role: str) -> bool:
    return role == COORDINATOR


def states_gains(role: str, partner: str | None) -> bool:
    """Who writes a partner's mutual-gains statement: the coordinator for any partner, an
    analyst for their own."""
    return role == COORDINATOR or partner_of(role, partner) is not None
