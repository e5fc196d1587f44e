"""Test data factories (factory_boy, Dutch names from Faker's nl_NL), beside the personas.

A test asks for what it needs and no more: `MembershipFactory(role="analyst")` brings its own
user, chain and partner; `PartnerFactory(chain=chain)` adds a partner to a chain a test made.
The reference chains and `small_chain` stay the fixtures for figures compared with an oracle:
those go through delivery and the store, never through rows a factory made.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from keten.chains.models import Chain, Membership, Partner
from keten.governance.models import Level, Meeting, Table

factory.Faker._DEFAULT_LOCALE = "nl_NL"
PASSWORD = "wachtwoord"  # noqa: S105 - the personas' password, for tests only


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    username = factory.Sequence(lambda n: f"gebruiker{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nl")
    password = factory.django.Password(PASSWORD)


class ChainFactory(DjangoModelFactory):
    class Meta:
        model = Chain
        django_get_or_create = ("slug",)

    class Params:
        city = factory.Faker("city")

    slug = factory.Sequence(lambda n: f"keten-{n}")
    name = factory.LazyAttribute(lambda c: f"Ketensamenwerking {c.city}")


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("chain", "code")

    chain = factory.SubFactory(ChainFactory)
    code = factory.Sequence(lambda n: f"partner{n}")
    name = factory.Faker("company")


class MembershipFactory(DjangoModelFactory):
    """A member of a chain; an analyst gets a partner of the same chain unless one is given."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    chain = factory.SubFactory(ChainFactory)
    role = Membership.Role.COORDINATOR
    partner = factory.Maybe(
        factory.LazyAttribute(lambda m: m.role == Membership.Role.ANALYST),
        yes_declaration=factory.SubFactory(PartnerFactory, chain=factory.SelfAttribute("..chain")),
        no_declaration=None,
    )


class TableFactory(DjangoModelFactory):
    class Meta:
        model = Table

    chain = factory.SubFactory(ChainFactory)
    name = factory.Sequence(lambda n: f"Ketenoverleg {n}")
    level = Level.TACTICAL


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    table = factory.SubFactory(TableFactory)
    held_on = factory.Sequence(lambda n: dt.date(2026, 1, 5) + dt.timedelta(weeks=n))
