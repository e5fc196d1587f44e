"""Simulation profiles: how cases walk through a chain, for the demo event generator.

A profile is a fixed template of steps in time order. Each step is one activity with a
skewed (lognormal) delay from the step before, a condition on per-case flags (branches such
as Halt for juveniles, or a rework loop), and a dropout chance. The generator evaluates every
step for a whole chunk of cases at once, so a branch or a loop is simply a run of steps that
only some cases take.

The two reference chains (werk, strafrecht) get a profile that tells their story; any other
chain gets a generic one built from its stages: handovers slower than work within a stage,
some dropout at each handover and one rework loop back to an earlier stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from keten.analytics.model import ChainSpec

Flags = dict[str, np.ndarray]
FlagMaker = Callable[[np.random.Generator, dict[str, np.ndarray]], Flags]


@dataclass(frozen=True)
class Slowdown:
    """A partner is slower for a while: delays of the step that start in the window take `factor` times
    longer. The window is given in days before the end of the generated period, so it always falls inside
    it whatever end date is asked for."""

    from_days_before_end: int
    to_days_before_end: int
    factor: float


@dataclass(frozen=True)
class Step:
    activity: str
    # Median delay in days from the previous event of the case (or from `anchor`), lognormal.
    days: float = 0.0
    spread: float = 0.6
    # Flags that must all hold for the case to take this step; "!name" means the flag must not hold.
    when: tuple[str, ...] = ()
    # Chance that a case that would take this step stops before it (and takes no later step).
    stop: float = 0.0
    # Count the delay from the latest event of this activity instead of the previous event.
    anchor: str = ""
    # Office work: on working days within office hours. Police work happens at any hour.
    office: bool = True
    slowdowns: tuple[Slowdown, ...] = ()


@dataclass(frozen=True)
class Attribute:
    """A case attribute written into `attributes` (JSON) and usable as a filter."""

    name: str
    values: tuple[str, ...]
    weights: tuple[float, ...]

    @property
    def probabilities(self) -> np.ndarray:
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()


@dataclass(frozen=True)
class Profile:
    name: str
    steps: tuple[Step, ...]
    attributes: tuple[Attribute, ...]
    flags: FlagMaker = field(default=lambda rng, attrs: {})
    # Relative intake per calendar month (January first) and on weekend days.
    monthly_intake: tuple[float, ...] = (1.15, 1.05, 1.0, 1.0, 1.0, 0.95, 0.65, 0.6, 1.1, 1.05, 1.0, 0.85)
    weekend_intake: float = 0.05
    # Growth of the intake over the generated period (0.1: 10 % more cases per year).
    yearly_growth: float = 0.08
    # Delays of office steps that start in these months take longer (holidays).
    holiday_months: tuple[int, ...] = (7, 8, 12)
    holiday_factor: float = 1.35

    def uses(self, spec: ChainSpec) -> bool:
        """True when every activity of the profile exists in `spec` (so the profile fits the chain)."""
        known = spec.activity_partner
        return all(step.activity in known for step in self.steps) and all(
            step.anchor in known for step in self.steps if step.anchor
        )


def _chance(rng: np.random.Generator, p: np.ndarray | float, n: int) -> np.ndarray:
    return rng.random(n) < np.clip(p, 0.0, 1.0)


def _pick(values: tuple[str, ...], table: dict[str, float], default: float) -> np.ndarray:
    """Per attribute value index: the number from `table` (or `default`)."""
    return np.asarray([table.get(v, default) for v in values])


# ---------------------------------------------------------------------------------------
# werk: from social assistance into durable work

WERK_ATTRIBUTES = (
    Attribute(
        "regio",
        (
            "Utrecht",
            "Amersfoort",
            "Nieuwegein",
            "Zeist",
            "Veenendaal",
            "Woerden",
            "Houten",
            "Stichtse Vecht",
        ),
        (0.36, 0.17, 0.10, 0.08, 0.08, 0.08, 0.07, 0.06),
    ),
    Attribute("leeftijdsgroep", ("18-27", "27-45", "45-55", "55+"), (0.22, 0.40, 0.22, 0.16)),
    Attribute("opleidingsniveau", ("laag", "middelbaar", "hoog"), (0.45, 0.40, 0.15)),
)


def _werk_flags(rng: np.random.Generator, attrs: dict[str, np.ndarray]) -> Flags:
    n = len(attrs["regio"])
    age, edu = attrs["leeftijdsgroep"], attrs["opleidingsniveau"]
    age_values, edu_values = WERK_ATTRIBUTES[1].values, WERK_ATTRIBUTES[2].values
    placement = (
        0.58
        * _pick(age_values, {"18-27": 1.12, "27-45": 1.05, "45-55": 0.85, "55+": 0.6}, 1.0)[age]
        * _pick(edu_values, {"laag": 0.85, "middelbaar": 1.05, "hoog": 1.25}, 1.0)[edu]
    )
    older = age >= age_values.index("45-55")
    rework = _chance(rng, 0.13, n)
    placed = _chance(rng, placement, n)
    return {
        "uwv": _chance(rng, np.where(older, 0.26, 0.12), n),
        "rework": rework,
        "rework2": rework & _chance(rng, 0.25, n),
        "placed": placed,
        "trial": placed & _chance(rng, 0.55, n),
        "durable": placed & _chance(rng, _pick(age_values, {"18-27": 0.62, "55+": 0.62}, 0.7)[age], n),
    }


# UWV has a backlog in one quarter: the assessment norm visibly dips.
_UWV_BACKLOG = (Slowdown(480, 390, 1.7),)


def _werk_loop(flag: str) -> tuple[Step, ...]:
    """Back to the diagnosis: a new plan and a new trajectory after a failed one."""
    return (
        Step("brede_diagnose", 25, 0.6, when=(flag,)),
        Step("trajectplan_vastgesteld", 10, 0.5, when=(flag,)),
        Step("start_traject", 10, 0.5, when=(flag,), stop=0.05),
        Step("training_afgerond", 45, 0.5, when=(flag,), stop=0.08),
        Step("bemiddeling_gestart", 18, 0.6, when=(flag,)),
    )


WERK = Profile(
    name="werk",
    attributes=WERK_ATTRIBUTES,
    flags=_werk_flags,
    steps=(
        Step("aanmelding_bijstand"),
        Step("intakegesprek", 7, 0.4, stop=0.03),
        Step("brede_diagnose", 14, 0.6, stop=0.07),
        Step("trajectplan_vastgesteld", 10, 0.5, stop=0.03),
        Step("aanvraag_beoordeling_uwv", 5, 0.6, when=("uwv",)),
        Step("beoordeling_afgerond", 34, 0.3, when=("uwv",), slowdowns=_UWV_BACKLOG),
        Step("start_traject", 7, 0.4, stop=0.02),
        Step("training_afgerond", 60, 0.5, stop=0.12),
        Step("bemiddeling_gestart", 20, 0.6, stop=0.05),
        *_werk_loop("rework"),
        *_werk_loop("rework2"),
        Step("proefplaatsing", 35, 0.6, when=("placed", "trial")),
        Step("arbeidsovereenkomst", 30, 0.6, when=("placed",)),
        Step("uitkering_beeindigd", 12, 0.4, when=("placed",)),
        Step("nazorggesprek", 12, 0.4, when=("placed",)),
        # Confirmed exactly six months on: the durability KPI counts a placement once it is 182 days old.
        Step(
            "werkend_na_zes_maanden",
            182,
            0.0,
            when=("durable",),
            anchor="arbeidsovereenkomst",
            office=False,
        ),
    ),
)


# ---------------------------------------------------------------------------------------
# strafrecht: from report to executed sentence

STRAFRECHT_ATTRIBUTES = (
    Attribute(
        "regio",
        ("Utrecht-Stad", "Amersfoort", "Gooi en Vechtstreek", "Utrecht-Oost", "Utrecht-West"),
        (0.35, 0.18, 0.17, 0.15, 0.15),
    ),
    Attribute("leeftijdsgroep", ("12-17", "18-24", "25-44", "45+"), (0.14, 0.24, 0.38, 0.24)),
    Attribute(
        "delict", ("vermogen", "geweld", "vernieling", "verkeer", "drugs"), (0.35, 0.22, 0.15, 0.15, 0.13)
    ),
)


def _strafrecht_flags(rng: np.random.Generator, attrs: dict[str, np.ndarray]) -> Flags:
    n = len(attrs["regio"])
    age, offence = attrs["leeftijdsgroep"], attrs["delict"]
    offences = STRAFRECHT_ATTRIBUTES[2].values
    juvenile = age == 0
    minor = np.isin(offence, [offences.index("vermogen"), offences.index("vernieling")])
    violent = offence == offences.index("geweld")
    halt = juvenile & _chance(rng, np.where(minor, 0.8, 0.3), n)
    halt_fails = halt & _chance(rng, 0.12, n)
    to_om = ~halt | halt_fails
    dismissed = to_om & _chance(rng, _pick(offences, {"verkeer": 0.12, "geweld": 0.2}, 0.28)[offence], n)
    prosecuted = to_om & ~dismissed
    acquitted = prosecuted & _chance(rng, 0.04, n)
    return {
        "halt": halt,
        "halt_done": halt & ~halt_fails,
        "om": to_om,
        "returned": to_om & _chance(rng, 0.08, n),
        "dismissed": dismissed,
        "prosecuted": prosecuted,
        "advice": prosecuted & _chance(rng, np.where(violent, 0.7, 0.35), n),
        "convicted": prosecuted & ~acquitted,
        "supervision": prosecuted & ~acquitted & _chance(rng, np.where(violent, 0.5, 0.22), n),
    }


# The public prosecutor has a backlog for one quarter: `beslissing_binnen_maand` dips.
_OM_BACKLOG = (Slowdown(300, 210, 2.6),)

STRAFRECHT = Profile(
    name="strafrecht",
    attributes=STRAFRECHT_ATTRIBUTES,
    flags=_strafrecht_flags,
    weekend_intake=0.7,
    monthly_intake=(1.0, 0.95, 1.0, 1.0, 1.05, 1.05, 1.1, 1.05, 1.0, 1.0, 1.0, 1.05),
    yearly_growth=0.03,
    holiday_months=(7, 8),
    steps=(
        Step("aangifte", office=False),
        Step("verdachte_verhoord", 6, 0.8, stop=0.06, office=False),
        Step("halt_aanmelding", 4, 0.6, when=("halt",)),
        Step("halt_afgerond", 45, 0.4, when=("halt_done",)),
        Step("pv_ingezonden", 7, 0.6, when=("om",)),
        Step("zaak_ingeschreven", 3, 0.5, when=("om",)),
        # The prosecutor sends the file back to the police for more investigation.
        Step("verdachte_verhoord", 20, 0.6, when=("returned",), office=False),
        Step("pv_ingezonden", 7, 0.5, when=("returned",)),
        Step("zaak_ingeschreven", 3, 0.5, when=("returned",)),
        Step("vervolgingsbeslissing", 14, 0.55, when=("om",), slowdowns=_OM_BACKLOG),
        Step("sepot", 2, 0.5, when=("dismissed",)),
        Step("advies_gevraagd", 5, 0.5, when=("advice",)),
        Step("advies_uitgebracht", 19, 0.3, when=("advice",)),
        Step("dagvaarding", 10, 0.5, when=("prosecuted",)),
        Step("zitting", 75, 0.45, when=("prosecuted",), stop=0.02),
        Step("uitspraak", 3, 1.0, when=("prosecuted",)),
        Step("vonnis_ontvangen", 6, 0.6, when=("convicted",)),
        Step("inning_gestart", 10, 0.6, when=("convicted",)),
        Step("executie_afgerond", 70, 0.7, when=("convicted",), stop=0.05),
        Step("toezicht_gestart", 14, 0.5, when=("supervision",)),
        Step("toezicht_afgerond", 180, 0.4, when=("supervision",), stop=0.1),
    ),
)

REFERENCE_PROFILES: dict[str, Profile] = {"werk": WERK, "strafrecht": STRAFRECHT}


# ---------------------------------------------------------------------------------------
# Any other chain

GENERIC_ATTRIBUTES = (
    Attribute("regio", ("Noord", "Oost", "Zuid", "West"), (0.2, 0.25, 0.3, 0.25)),
    Attribute("leeftijdsgroep", ("18-27", "27-45", "45+"), (0.3, 0.4, 0.3)),
)


def generic_profile(spec: ChainSpec) -> Profile:
    """A profile for any chain: its activities in order, handovers between stages slower than work
    within a stage, dropout at each handover and a rework loop from the middle stage back to the one
    before it."""
    stages = [s for s in spec.stages if s.activities]
    if not stages:
        raise ValueError(f"Chain '{spec.slug}' has no activities to generate events for.")

    def stage_steps(index: int, when: tuple[str, ...] = ()) -> list[Step]:
        steps = []
        for position, activity in enumerate(stages[index].activities):
            if index == 0 and position == 0 and not when:
                steps.append(Step(activity.code))
            elif position == 0:
                steps.append(Step(activity.code, 7, 0.8, when=when, stop=0.0 if when else 0.06))
            else:
                steps.append(Step(activity.code, 3, 0.7, when=when))
        return steps

    middle = len(stages) // 2
    steps: list[Step] = []
    for index in range(len(stages)):
        steps += stage_steps(index)
        if index == middle and middle >= 1:
            steps += stage_steps(middle - 1, ("rework",)) + stage_steps(middle, ("rework",))
    return Profile(
        name="generic",
        attributes=GENERIC_ATTRIBUTES,
        flags=lambda rng, attrs: {"rework": _chance(rng, 0.1, len(attrs["regio"]))},
        steps=tuple(steps),
    )


def profile_for(spec: ChainSpec) -> Profile:
    """The reference profile when `spec` is (still) a reference chain, else the generic one."""
    profile = REFERENCE_PROFILES.get(spec.slug)
    if profile is not None and profile.uses(spec):
        return profile
    return generic_profile(spec)
