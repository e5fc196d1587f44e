import datetime as dt

import pytest
from django.utils import translation

from keten.governance.models import Seat, Table
from keten.governance.reporting import representation, representation_warnings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_chain_without_tables_is_told_every_level_is_missing(small_chain):
    assert representation_warnings(small_chain) == [
        "There is no strategic table yet.",
        "There is no tactical table yet.",
        "There is no operational table yet.",
    ]


def test_it_warns_about_a_missing_partner_and_a_partner_without_mandate(tables, small_chain):
    assert representation_warnings(small_chain) == [
        "Partner B has no mandated representative at the tactical level.",
        "Partner B is not represented at the operational level.",
    ]


def test_a_network_partner_is_only_needed_in_the_steering_group(tables, small_chain):
    rows = {row.partner_code: [cell.status for cell in row.cells] for row in representation(small_chain)}
    assert rows == {
        "a": ["ok", "ok", "ok"],
        "b": ["ok", "unmandated", "missing"],
        "fin": ["ok", "not_required", "not_required"],
    }


def test_one_mandated_representative_is_enough(tables, small_chain):
    b = small_chain.partners.get(code="b")
    Seat.objects.create(
        table=tables["tactical"], person="Manager B", partner=b, mandate=True, since=dt.date(2024, 1, 1)
    )
    Seat.objects.create(
        table=tables["operational"], person="Consulent B", partner=b, since=dt.date(2024, 1, 1)
    )
    assert representation_warnings(small_chain) == [
        "Partner B has no mandated representative at the operational level.",
    ]


def test_a_seat_that_ended_no_longer_counts(tables, small_chain):
    Seat.objects.filter(person="Directeur A").update(until=dt.date(2024, 6, 30))
    assert "Partner A is not represented at the strategic level." in representation_warnings(
        small_chain, dt.date(2024, 7, 1)
    )
    assert "Partner A is not represented at the strategic level." not in representation_warnings(
        small_chain, dt.date(2024, 6, 30)
    )


def test_a_seat_that_has_not_started_does_not_count(tables, small_chain):
    steering_b = Seat.objects.get(person="Directeur B")
    steering_b.since = dt.date(2030, 1, 1)
    steering_b.save()
    assert "Partner B is not represented at the strategic level." in representation_warnings(
        small_chain, dt.date(2025, 1, 1)
    )


def test_two_tables_at_one_level_count_together(tables, small_chain):
    b = small_chain.partners.get(code="b")
    second = Table.objects.create(chain=small_chain, name="Tweede casusoverleg", level="operational")
    Seat.objects.create(
        table=second, person="Consulent B", partner=b, mandate=True, since=dt.date(2024, 1, 1)
    )
    assert representation_warnings(small_chain) == [
        "Partner B has no mandated representative at the tactical level.",
    ]
