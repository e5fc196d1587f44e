"""Every role rule lives in `keten.chains.roles` and is asked of a `Membership`: one table of
who may see and do what, and no app that compares roles itself."""

import re
from pathlib import Path

import pytest

from keten.chains import roles
from keten.chains.models import Membership

pytestmark = pytest.mark.django_db
SOURCE = Path(__file__).resolve().parents[2] / "src" / "keten"
OPS, STEER = roles.OPERATIONS_VIEW, roles.STEERING_VIEW


def member(personas, name) -> Membership:
    return Membership.objects.get(user=getattr(personas, name), chain=personas.chain)


@pytest.mark.parametrize(
    ("name", "partner", "case_rows", "hidden_ops", "report_hidden_ops", "audit", "delivers", "scan_all"),
    [
        ("coordinator", None, True, False, False, True, ["a", "b", "fin"], True),
        ("analyst_a", "a", True, False, True, False, ["a"], False),
        ("steering", None, False, True, True, False, [], True),
    ],
)
def test_one_table_of_who_sees_and_does_what(
    personas, name, partner, case_rows, hidden_ops, report_hidden_ops, audit, delivers, scan_all
):
    m = member(personas, name)
    assert m.partner_code == partner
    assert m.sees_case_rows(OPS) is case_rows
    assert m.sees_case_rows(STEER) is False  # the steering view never shows case rows
    assert m.suppresses_small_cells(OPS) is hidden_ops
    assert m.suppresses_small_cells(STEER) is True  # everyone sees what the steering group sees
    assert m.report_suppresses_small_cells(OPS) is report_hidden_ops
    assert m.report_suppresses_small_cells(STEER) is True
    assert m.reads_audit() is audit
    codes = sorted(m.deliverable_partners().values_list("code", flat=True))
    assert codes == delivers
    assert m.sees_all_scan_partners() is scan_all
    assert (STEER in m.views()) and ((OPS in m.views()) is (name != "steering"))


def test_an_analyst_without_a_partner_has_no_case_rights_and_delivers_nothing(personas):
    m = member(personas, "analyst_a")
    m.partner = None
    assert m.partner_code is None
    assert not m.has_case_rights() and m.suppresses_small_cells(OPS)
    assert not m.deliverable_partners().exists()
    assert not m.delivers_for(personas.chain.partners.get(code="a"))


def test_an_analyst_delivers_for_their_own_partner_only(personas):
    m = member(personas, "analyst_a")
    a, b = (personas.chain.partners.get(code=c) for c in "ab")
    assert m.delivers_for(a) and not m.delivers_for(b) and not m.delivers_for(None)
    assert member(personas, "coordinator").delivers_for(None)  # a chain-wide file


def test_no_app_compares_roles_itself():
    """A rule written again in an app drifts from the one in `roles` (it did: six shapes)."""
    compared = re.compile(r"""role\s*(==|!=|in)\s*(\(|")""")
    found = [
        f"{file.relative_to(SOURCE)}:{n}"
        for file in SOURCE.rglob("*.py")
        if file.name != "roles.py" and "migrations" not in file.parts
        for n, line in enumerate(file.read_text().splitlines(), 1)
        if compared.search(line)
    ]
    assert found == []
