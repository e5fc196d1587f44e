"""The chain model as plain, immutable dataclasses.

This is what `keten.analytics`, the demo generator and the chain definition files work
with. The Django models in `keten.chains` convert to and from it (`Chain.to_spec()`,
`keten.chains.actions.save_chain_spec`), so analytics can run anywhere: a notebook, Spark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from keten.schema import EARLIEST_EVENT  # re-exported: the chain model reads it from here

PartnerKind = Literal["producing", "network"]
KpiKind = Literal["lead_time", "share_reached", "durability", "volume", "wip"]
Direction = Literal["higher", "lower"]
RejectPolicy = Literal["reject_file", "quarantine"]
RepeatedEvents = Literal["keep", "reject"]
DaysKind = Literal["calendar", "working"]
LiberationDay = Literal["every_year", "lustrum"]

MAX_FUTURE_DAYS = 3660

PARTNER_KINDS: tuple[str, ...] = ("producing", "network")
KPI_KINDS: tuple[str, ...] = ("lead_time", "share_reached", "durability", "volume", "wip")
DIRECTIONS: tuple[str, ...] = ("higher", "lower")
REJECT_POLICIES: tuple[str, ...] = ("reject_file", "quarantine")
# Events identical in partner, case, activity, moment and lifecycle within one delivery: two
# real events (kept, and counted in the report) or a mistake in the export (rejected rows).
REPEATED_EVENTS: tuple[str, ...] = ("keep", "reject")
# What an agreement's days are: calendar days, or working days (Monday to Friday, minus the
# Dutch public holidays and the chain's closing days; see keten.analytics.workdays).
DAYS_KINDS: tuple[str, ...] = ("calendar", "working")
# Liberation Day (5 May) as a day off: every year (most government organisations), or only in
# lustrum years (2025, 2030, ...), as the `holidays` library has it.
LIBERATION_DAYS: tuple[str, ...] = ("every_year", "lustrum")

# Parameters each KPI kind needs; see docs/kpi-kinds.md for their meaning.
KPI_PARAMETERS: dict[str, dict[str, tuple[str, ...]]] = {
    "lead_time": {
        "required": ("from_activity", "to_activity"),
        "optional": ("statistic",),  # median (default), mean, p80, p90
    },
    "share_reached": {
        "required": ("from_activity", "to_activity", "within_days"),
        "optional": (),
    },
    "durability": {
        "required": ("from_activity", "confirm_activity", "after_days"),
        "optional": (),
    },
    "volume": {"required": ("activity",), "optional": ()},
    "wip": {"required": ("stage",), "optional": ()},
}


@dataclass(frozen=True)
class ActivitySpec:
    code: str
    name: str


@dataclass(frozen=True)
class PartnerSpec:
    code: str
    name: str
    kind: PartnerKind = "producing"
    # For network partners: what they bring (e.g. "financier", "broker").
    role: str = ""
    # How this partner's export columns map onto the canonical event fields,
    # e.g. {"case_id": "Zaaknummer", "activity": "Handeling", "timestamp": "Datum"}.
    column_mapping: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    partner: str
    activities: tuple[ActivitySpec, ...]


@dataclass(frozen=True)
class AgreementSpec:
    """A norm: at least `target_share` of cases go from one activity to the other within
    `max_days` (calendar days, or working days when `days_kind` is "working")."""

    code: str
    name: str
    from_activity: str
    to_activity: str
    max_days: float
    target_share: float
    owners: tuple[str, ...] = ()
    description: str = ""
    days_kind: DaysKind = "calendar"

    @property
    def counts_working_days(self) -> bool:
        """True when the norm's days are working days."""
        return self.days_kind == "working"


@dataclass(frozen=True)
class KpiSpec:
    code: str
    name: str
    kind: KpiKind
    target: float
    direction: Direction
    parameters: dict[str, Any] = field(default_factory=dict)
    # Empty: a chain-level KPI (goal realisation). Partner codes: partner-only production.
    partners: tuple[str, ...] = ()
    description: str = ""

    @property
    def is_chain_level(self) -> bool:
        """True when the KPI measures the chain as a whole rather than one partner's output."""
        return not self.partners


@dataclass(frozen=True)
class ObjectiveSpec:
    code: str
    name: str
    description: str = ""
    kpis: tuple[KpiSpec, ...] = ()


@dataclass(frozen=True)
class ChainSpec:
    slug: str
    name: str
    description: str = ""
    # The chain's shared ambition and the administrative (political) ambition it serves.
    ambition: str = ""
    administrative_ambition: str = ""
    colour: str = "#154273"
    timezone: str = "Europe/Amsterdam"
    # A case that has not reached a goal activity this many days after its first event has dropped out.
    horizon_days: int = 365
    goal_activities: tuple[str, ...] = ()
    reject_policy: RejectPolicy = "reject_file"
    repeated_events: RepeatedEvents = "keep"
    # The plausible window of event times: earlier, or later than now plus `future_days`, is a
    # row problem on delivery (a "no date" placeholder, a typo in the year, a wrong time zone).
    earliest_event: dt.date = EARLIEST_EVENT
    future_days: int = 1
    # Working days (keten.analytics.workdays): the chain's own closing days on top of the
    # weekends and Dutch public holidays, and how Liberation Day counts.
    closing_days: tuple[dt.date, ...] = ()
    liberation_day: LiberationDay = "every_year"
    partners: tuple[PartnerSpec, ...] = ()
    stages: tuple[StageSpec, ...] = ()
    agreements: tuple[AgreementSpec, ...] = ()
    objectives: tuple[ObjectiveSpec, ...] = ()

    @cached_property
    def activity_stage(self) -> dict[str, str]:
        """Map activity code -> stage code."""
        return {a.code: s.code for s in self.stages for a in s.activities}

    @cached_property
    def activity_names(self) -> dict[str, str]:
        """Map activity code -> its name."""
        return {a.code: a.name for s in self.stages for a in s.activities}

    @cached_property
    def activity_partner(self) -> dict[str, str]:
        """Map activity code -> code of the partner that performs it."""
        return {a.code: s.partner for s in self.stages for a in s.activities}

    @cached_property
    def stage_order(self) -> dict[str, int]:
        """Map stage code -> its 0-based position in the chain."""
        return {s.code: i for i, s in enumerate(self.stages)}

    @property
    def activities(self) -> tuple[str, ...]:
        """All activity codes in chain order."""
        return tuple(a.code for s in self.stages for a in s.activities)

    @property
    def producing_partners(self) -> tuple[str, ...]:
        """Codes of the partners in the sequence, in the order of their first stage."""
        seen: dict[str, None] = {}
        for s in self.stages:
            seen.setdefault(s.partner, None)
        return tuple(seen)

    @property
    def kpis(self) -> tuple[KpiSpec, ...]:
        return tuple(k for o in self.objectives for k in o.kpis)
