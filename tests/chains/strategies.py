"""Hypothesis strategies that build valid chain specs, as a chain definition file would give them.

Lists come out as lists and numbers as YAML gives them (int or float), so that a spec drawn
here equals what `load_chain_definition` returns for its own dump.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from keten.analytics.model import (
    ActivitySpec,
    AgreementSpec,
    ChainSpec,
    KpiSpec,
    ObjectiveSpec,
    PartnerSpec,
    StageSpec,
)

codes = st.from_regex(r"[a-z][a-z0-9_]{0,14}", fullmatch=True)
slugs = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True)

# Letters, digits, punctuation, symbols and spaces of any script, plus tab and newline: what
# people type into a description. Control characters are refused by the loader on purpose.
_characters = st.characters(categories=("L", "M", "N", "P", "S", "Zs"), include_characters="\t\n")
texts = st.text(_characters, max_size=60)
names = st.text(_characters, min_size=1, max_size=40).filter(str.strip)

days = st.integers(0, 3650) | st.floats(0, 3650, allow_nan=False, allow_infinity=False)
shares = st.floats(0, 1) | st.sampled_from([0, 1])
targets = st.integers(0, 10_000) | st.floats(0, 1e9, allow_nan=False, allow_infinity=False)


def _unique_codes(draw, n: int) -> list[str]:
    return draw(st.lists(codes, min_size=n, max_size=n, unique=True))


def _subset(draw, items: list[str]) -> tuple[str, ...]:
    """Some of `items`, each at most once, in any order."""
    return tuple(draw(st.permutations(items))[: draw(st.integers(0, len(items)))])


@st.composite
def column_mappings(draw, activities: list[str]) -> dict:
    mapping: dict = {}
    for key in ("case_id", "activity", "timestamp", "event_id", "lifecycle", "partner"):
        if draw(st.booleans()):
            mapping[key] = draw(names)
    if draw(st.booleans()):
        mapping["attributes"] = draw(st.lists(names, max_size=3, unique=True))
    if draw(st.booleans()):
        mapping["activity_values"] = draw(st.dictionaries(names, st.sampled_from(activities), max_size=3))
    options = {
        "timestamp_format": ["%Y-%m-%d", "%d-%m-%Y %H:%M", ["%d-%m-%Y", "%Y-%m-%dT%H:%M:%S%z"]],
        "timezone": ["Europe/Amsterdam", "UTC", "America/Curacao"],
        "delimiter": [",", ";", "\t", "|"],
        "encoding": ["utf-8", "cp1252", "latin-1"],
    }
    for key, values in options.items():
        if draw(st.booleans()):
            mapping[key] = draw(st.sampled_from(values))
    return mapping


def _kpi_parameters(draw, kind: str, activities: list[str], stages: list[str]) -> dict:
    if kind == "volume":
        return {"activity": draw(st.sampled_from(activities))}
    if kind == "wip":
        return {"stage": draw(st.sampled_from(stages))}
    start, end = draw(st.permutations(activities))[:2]
    if kind == "lead_time":
        parameters = {"from_activity": start, "to_activity": end}
        if draw(st.booleans()):
            parameters["statistic"] = draw(st.sampled_from(["median", "mean", "p80", "p90"]))
        return parameters
    if kind == "share_reached":
        return {"from_activity": start, "to_activity": end, "within_days": draw(days)}
    return {"from_activity": start, "confirm_activity": end, "after_days": draw(days)}


@st.composite
def chain_specs(draw) -> ChainSpec:
    """A valid chain: 1-3 producing and 0-2 network partners, 1-4 stages, norms and KPIs."""
    n_producing = draw(st.integers(1, 3))
    partner_codes = _unique_codes(draw, n_producing + draw(st.integers(0, 2)))
    producing = partner_codes[:n_producing]

    stage_sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    stage_codes = _unique_codes(draw, len(stage_sizes))
    activity_codes = _unique_codes(draw, sum(stage_sizes))
    stages, start = [], 0
    for code, size in zip(stage_codes, stage_sizes, strict=True):
        activities = tuple(ActivitySpec(a, draw(names)) for a in activity_codes[start : start + size])
        stages.append(StageSpec(code, draw(names), draw(st.sampled_from(producing)), activities))
        start += size

    partners = tuple(
        PartnerSpec(
            code=code,
            name=draw(names),
            kind="producing" if code in producing else "network",
            role="" if code in producing else draw(st.sampled_from(["", "financier", "makelaar"])),
            column_mapping=draw(column_mappings(activity_codes)) if draw(st.booleans()) else {},
        )
        for code in partner_codes
    )

    agreements = []
    if len(activity_codes) >= 2:
        for code in _unique_codes(draw, draw(st.integers(0, 3))):
            start_activity, end_activity = draw(st.permutations(activity_codes))[:2]
            agreements.append(
                AgreementSpec(
                    code=code,
                    name=draw(names),
                    description=draw(texts),
                    from_activity=start_activity,
                    to_activity=end_activity,
                    max_days=draw(days),
                    target_share=draw(shares),
                    owners=_subset(draw, partner_codes),
                    days_kind=draw(st.sampled_from(["calendar", "working"])),
                )
            )

    kinds = ["volume", "wip"]
    if len(activity_codes) >= 2:
        kinds += ["lead_time", "share_reached", "durability"]
    objective_sizes = draw(st.lists(st.integers(0, 3), max_size=3))
    objective_codes = _unique_codes(draw, len(objective_sizes))
    kpi_codes = iter(_unique_codes(draw, sum(objective_sizes)))
    objectives = []
    for code, size in zip(objective_codes, objective_sizes, strict=True):
        kpis = []
        for _ in range(size):
            kind = draw(st.sampled_from(kinds))
            kpis.append(
                KpiSpec(
                    code=next(kpi_codes),
                    name=draw(names),
                    description=draw(texts),
                    kind=kind,
                    target=draw(shares if kind in ("share_reached", "durability") else targets),
                    direction=draw(st.sampled_from(["higher", "lower"])),
                    parameters=_kpi_parameters(draw, kind, activity_codes, stage_codes),
                    partners=_subset(draw, partner_codes),
                )
            )
        objectives.append(ObjectiveSpec(code, draw(names), draw(texts), tuple(kpis)))

    return ChainSpec(
        slug=draw(slugs),
        name=draw(names),
        description=draw(texts),
        ambition=draw(texts),
        administrative_ambition=draw(texts),
        colour=draw(st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True)),
        timezone=draw(st.sampled_from(["Europe/Amsterdam", "UTC", "America/Curacao"])),
        horizon_days=draw(st.integers(1, 3650)),
        goal_activities=_subset(draw, activity_codes),
        reject_policy=draw(st.sampled_from(["reject_file", "quarantine"])),
        closing_days=tuple(
            sorted(draw(st.sets(st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)), max_size=4)))
        ),
        liberation_day=draw(st.sampled_from(["every_year", "lustrum"])),
        partners=partners,
        stages=tuple(stages),
        agreements=tuple(agreements),
        objectives=tuple(objectives),
    )
