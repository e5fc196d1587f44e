"""The template tags the monitor overview embeds."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from keten.governance.models import Escalation

pytestmark = pytest.mark.django_db


def render(source, chain):
    with translation.override("en"):
        return Template("{% load governance %}" + source).render(Context({"chain": chain}))


def test_the_escalation_card_shows_this_months_rate_and_median(small_chain):
    today = timezone.localdate()
    a = small_chain.partners.get(code="a")
    for resolved_level in ("operational", "tactical"):
        Escalation.objects.create(
            chain=small_chain,
            topic="x",
            raised_level="operational",
            raised_by=a,
            raised_on=today.replace(day=1) - dt.timedelta(days=4),
            resolved_level=resolved_level,
            resolved_on=today.replace(day=1),
        )
    html = render("{% escalation_figures chain %}", small_chain)
    assert "50%" in html and "(1/2)" in html
    assert ">4<" in html.replace(" ", "").replace("\n", "")


def test_the_escalation_card_says_so_when_there_is_nothing(small_chain):
    assert "No escalations recorded yet." in render("{% escalation_figures chain %}", small_chain)


def test_the_warning_card_lists_the_gaps_and_is_empty_without_them(small_chain, tables):
    html = render("{% representation_warnings chain %}", small_chain)
    assert "Partner B is not represented at the operational level." in html
    tables["operational"].seats.create(
        person="B", partner=small_chain.partners.get(code="b"), mandate=True, since=dt.date(2024, 1, 1)
    )
    tables["tactical"].seats.update(mandate=True)
    assert render("{% representation_warnings chain %}", small_chain).strip() == ""
