import pytest
from django.core.exceptions import ValidationError

from keten.chains.models import Chain, Membership, Partner, Stage


@pytest.mark.django_db
def test_an_analyst_membership_needs_a_partner(django_user_model):
    chain = Chain.objects.create(slug="k", name="K")
    user = django_user_model.objects.create_user("ana")
    with pytest.raises(ValidationError, match="needs a partner"):
        Membership(user=user, chain=chain, role="analyst").full_clean()


@pytest.mark.django_db
def test_a_network_partner_cannot_own_a_stage():
    chain = Chain.objects.create(slug="k", name="K")
    fin = Partner.objects.create(chain=chain, code="fin", name="Fin", kind="network")
    with pytest.raises(ValidationError, match="network partner"):
        Stage(chain=chain, position=0, code="s", name="S", partner=fin).full_clean()


@pytest.mark.django_db
def test_a_colour_must_be_a_hex_code():
    with pytest.raises(ValidationError, match="colour"):
        Chain(slug="k", name="K", colour="green").full_clean()
