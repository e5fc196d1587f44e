"""Shared fixtures: a small chain and personas for permission tests.

Personas (as in healthchecks' hc/test.py): a coordinator, an analyst of partner A, an
analyst of partner B, a steering member and an outsider, all members of `small_chain`
except the outsider.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from keten.analytics.model import (  # noqa: E402
    ActivitySpec,
    AgreementSpec,
    ChainSpec,
    KpiSpec,
    ObjectiveSpec,
    PartnerSpec,
    StageSpec,
)


@pytest.fixture
def small_spec() -> ChainSpec:
    """A three-partner chain: intake at A, handling at B, closing at A again."""
    return ChainSpec(
        slug="klein",
        name="Kleine keten",
        description="Een keten voor tests.",
        ambition="Snel en goed.",
        goal_activities=("afgerond",),
        horizon_days=90,
        partners=(
            PartnerSpec("a", "Partner A"),
            PartnerSpec("b", "Partner B"),
            PartnerSpec("fin", "Financier", kind="network", role="financier"),
        ),
        stages=(
            StageSpec(
                "intake",
                "Intake",
                "a",
                (ActivitySpec("aanmelding", "Aanmelding"), ActivitySpec("intake", "Intake")),
            ),
            StageSpec(
                "behandeling",
                "Behandeling",
                "b",
                (ActivitySpec("start", "Start"), ActivitySpec("klaar", "Klaar")),
            ),
            StageSpec("afsluiting", "Afsluiting", "a", (ActivitySpec("afgerond", "Afgerond"),)),
        ),
        agreements=(AgreementSpec("snel", "Snel gestart", "intake", "start", 7, 0.8, owners=("a", "b")),),
        objectives=(
            ObjectiveSpec(
                "doel",
                "Doel",
                kpis=(
                    KpiSpec(
                        "binnen_maand",
                        "Binnen een maand afgerond",
                        "share_reached",
                        0.6,
                        "higher",
                        {"from_activity": "aanmelding", "to_activity": "afgerond", "within_days": 30},
                    ),
                    KpiSpec(
                        "starts",
                        "Starts bij B",
                        "volume",
                        10,
                        "higher",
                        {"activity": "start"},
                        partners=("b",),
                    ),
                ),
            ),
        ),
    )
