"""Governance fixtures: the small chain with a steering group, a tactical and an operational table."""

import datetime as dt

import pytest


@pytest.fixture
def tables(personas):
    """One table per level. The steering member sits in the steering group; analyst A at the
    operational table. Partner B has no mandate at tactical level and nobody at operational level."""
    from keten.governance.models import Seat, Table

    chain = personas.chain
    a, b, fin = (chain.partners.get(code=c) for c in ("a", "b", "fin"))
    since = dt.date(2024, 1, 1)
    steering = Table.objects.create(chain=chain, name="Stuurgroep", level="strategic")
    tactical = Table.objects.create(chain=chain, name="Tactisch overleg", level="tactical")
    operational = Table.objects.create(chain=chain, name="Casusoverleg", level="operational")
    Seat.objects.create(
        table=steering, person="Directeur A", partner=a, mandate=True, since=since, user=personas.steering
    )
    Seat.objects.create(table=steering, person="Directeur B", partner=b, mandate=True, since=since)
    Seat.objects.create(table=steering, person="Fondsbeheerder", partner=fin, mandate=True, since=since)
    Seat.objects.create(table=tactical, person="Manager A", partner=a, mandate=True, since=since)
    Seat.objects.create(table=tactical, person="Teamleider B", partner=b, mandate=False, since=since)
    Seat.objects.create(
        table=operational,
        person="Werkbegeleider A",
        partner=a,
        mandate=True,
        since=since,
        user=personas.analyst_a,
    )
    return {"strategic": steering, "tactical": tactical, "operational": operational}
