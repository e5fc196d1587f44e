"""Fixtures for the chain definition tests: the reference chain as editable data, row counts."""

import copy
from dataclasses import replace

import pytest
import yaml

from keten.analytics.model import ChainSpec
from keten.chains.definition import REFERENCE_DIR

WERK_DATA = yaml.safe_load((REFERENCE_DIR / "werk.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def werk_data() -> dict:
    """The reference chain 'werk' as plain data, to break in one place per test."""
    return copy.deepcopy(WERK_DATA)


def as_yaml(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def row_counts() -> dict[str, int]:
    """How many rows every table of the chain model holds."""
    from keten.chains import models

    return {
        model.__name__: model.objects.count()
        for model in (
            models.Chain,
            models.Partner,
            models.Stage,
            models.Activity,
            models.Agreement,
            models.Objective,
            models.KpiDefinition,
            models.Membership,
            models.AuditEntry,
        )
    }


def as_stored(spec: ChainSpec) -> ChainSpec:
    """What the database gives back: owners and KPI partners are sets; everything else, the
    order of the agreements included, as written."""
    return replace(
        spec,
        agreements=tuple(replace(a, owners=tuple(sorted(a.owners))) for a in spec.agreements),
        objectives=tuple(
            replace(o, kpis=tuple(replace(k, partners=tuple(sorted(k.partners))) for k in o.kpis))
            for o in spec.objectives
        ),
    )
