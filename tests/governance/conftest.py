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


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def register(personas, tables):
    """One record of every kind in the register (with a covenant document and a chain logo)."""
    from django.core.files.base import ContentFile

    from keten.governance.models import (
        Covenant,
        Decision,
        Escalation,
        Meeting,
        RelationshipActivity,
        Seat,
        SuccessStory,
    )

    chain = personas.chain
    a = chain.partners.get(code="a")
    covenant = Covenant.objects.create(chain=chain, title="Convenant 2024")
    covenant.parties.set(chain.partners.all())
    covenant.document.save("convenant.pdf", ContentFile(b"%PDF-1.4 test"))
    chain.logo.save("keten.png", ContentFile(PNG))
    meeting = Meeting.objects.create(table=tables["operational"], held_on=dt.date(2025, 1, 10))
    decision = Decision.objects.create(
        table=tables["operational"], text="Besluit", decided_on=dt.date(2025, 1, 10)
    )
    escalation = Escalation.objects.create(
        chain=chain, topic="Wachttijd", raised_level="operational", raised_by=a, raised_on=dt.date(2025, 1, 5)
    )
    story = SuccessStory.objects.create(
        chain=chain,
        title="Verhaal",
        body="Samen gelukt.",
        month=dt.date(2025, 1, 1),
        author=personas.analyst_b,
    )
    activity = RelationshipActivity.objects.create(
        chain=chain, kind="cafe", title="Ketencafé", held_on=dt.date(2025, 1, 20)
    )
    seat = Seat.objects.filter(table=tables["operational"]).first()
    return {
        "chain": chain,
        "covenant": covenant,
        "meeting": meeting,
        "decision": decision,
        "escalation": escalation,
        "story": story,
        "activity": activity,
        "seat": seat,
        **tables,
    }
