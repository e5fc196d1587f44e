"""The test data factories make records the app itself would accept."""

import pytest

from keten.chains.models import Membership
from tests.factories import MeetingFactory, MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_an_analyst_comes_with_a_partner_of_their_own_chain_and_passes_validation():
    member = MembershipFactory(role=Membership.Role.ANALYST)
    member.full_clean()
    assert member.partner.chain == member.chain and member.partner_code == member.partner.code
    assert member.user.check_password("wachtwoord") and member.user.get_full_name()


def test_other_roles_have_no_partner_and_pass_validation():
    for role in (Membership.Role.COORDINATOR, Membership.Role.STEERING):
        member = MembershipFactory(role=role)
        member.full_clean()
        assert member.partner is None


def test_partners_and_meetings_belong_to_the_chain_a_test_gives():
    partner = PartnerFactory()
    meeting = MeetingFactory(table__chain=partner.chain)
    partner.full_clean()
    assert meeting.table.chain == partner.chain
