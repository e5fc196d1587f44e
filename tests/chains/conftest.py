"""Fixtures for the chain definition tests: the reference chain as editable data, row counts."""

import copy
import datetime as dt
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


@pytest.fixture
def financed(personas):
    """The small chain with records that hang on the financier `fin`, a partner without
    deliveries: the chair's seat in the steering group, a covenant party, an invitation, a
    mutual-gains statement of its own and perception scores about it by the others."""
    from keten.governance.models import Covenant, Seat, Table
    from keten.scan import actions as scan

    chain = personas.chain
    a, b, fin = (chain.partners.get(code=c) for c in ("a", "b", "fin"))
    steering = Table.objects.create(chain=chain, name="Stuurgroep", level="strategic")
    Seat.objects.create(
        table=steering, person="Voorzitter", partner=fin, mandate=True, since=dt.date(2024, 1, 1)
    )
    Seat.objects.create(
        table=steering, person="Directeur A", partner=a, mandate=True, since=dt.date(2024, 1, 1)
    )
    covenant = Covenant.objects.create(chain=chain, title="Convenant 2024")
    covenant.parties.set([a, b, fin])
    wave = scan.open_scan_wave(chain, name="Voorjaar", bank=scan.ensure_default_bank(chain), min_cell=5)
    scan.issue_invitations(wave, fin, "strategic", 1)
    scan.save_gains_statement(wave, fin, overall_benefit=4, benefits={}, perceptions={"a": 4, "b": 3})
    scan.save_gains_statement(wave, a, overall_benefit=3, benefits={}, perceptions={"b": 2, "fin": 5})
    scan.save_gains_statement(wave, b, overall_benefit=3, benefits={}, perceptions={"a": 4, "fin": 2})
    return chain
