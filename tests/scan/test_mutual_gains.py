"""The mutual-gains ledger and the perceived-gains matrix, on a hand-computed example.

Own overall benefit: A 4, B 5, financier 2. What each thinks the others gain:
A: B 2, fin 5; B: A 4, fin 1; fin: A 2, B 5. Gaps (perceived - own report):
A->B -3, A->fin +3, B->A 0, B->fin -1, fin->A -2, fin->B 0.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from keten.scan import actions
from keten.scan.results import Audience, gains_results


@pytest.fixture
def stated(personas, wave):
    chain = wave.chain
    doel = chain.objectives.get(code="doel")
    p = {c: chain.partners.get(code=c) for c in ("a", "b", "fin")}
    actions.save_gains_statement(
        wave, p["a"], overall_benefit=4, benefits={doel.pk: 3}, perceptions={"b": 2, "fin": 5},
        effort_hours=Decimal("10.5"), effort_money=Decimal("1000"),
    )  # fmt: skip
    actions.save_gains_statement(wave, p["b"], overall_benefit=5, benefits={}, perceptions={"a": 4, "fin": 1})
    actions.save_gains_statement(
        wave, p["fin"], overall_benefit=2, benefits={doel.pk: 1}, perceptions={"a": 2, "b": 5}
    )
    return wave


def test_the_matrix_sets_what_others_think_against_what_a_partner_reports(stated):
    result = gains_results(stated)
    gaps = {k: c.gap for k, c in result.matrix.items() if k[0] != k[1]}
    assert gaps == {
        ("a", "b"): -3,
        ("a", "fin"): 3,
        ("b", "a"): 0,
        ("b", "fin"): -1,
        ("fin", "a"): -2,
        ("fin", "b"): 0,
    }
    assert result.matrix[("b", "b")].reported == 5


def test_the_largest_gaps_are_highlighted(stated):
    result = gains_results(stated)
    assert [(c.rater, c.about) for c in result.largest_gaps] == [("a", "b"), ("a", "fin"), ("fin", "a")]
    assert {k for k, c in result.matrix.items() if c.highlighted} == {("a", "b"), ("a", "fin"), ("fin", "a")}


def test_the_ledger_shows_effort_own_benefit_and_what_others_see(stated):
    ledger = {row.partner: row for row in gains_results(stated).ledger}
    assert ledger["a"].statement.effort_hours == Decimal("10.5")
    assert ledger["a"].objectives == [("Doel", 3)]
    assert ledger["b"].objectives == [("Doel", None)]
    assert ledger["a"].seen_by_others == pytest.approx(3.0)
    assert ledger["b"].seen_by_others == pytest.approx(3.5)
    assert ledger["fin"].seen_by_others == pytest.approx(3.0)


def test_an_analyst_sees_their_partners_row_and_column_only(stated):
    result = gains_results(stated, Audience("analyst", "b"))
    assert set(result.matrix) == {("a", "b"), ("b", "a"), ("b", "b"), ("b", "fin"), ("fin", "b")}
    assert [(c.rater, c.about) for c in result.largest_gaps] == [("a", "b")]
    assert [row.partner for row in result.ledger] == ["b"]


def test_saving_again_replaces_the_statement(stated):
    b = stated.chain.partners.get(code="b")
    actions.save_gains_statement(stated, b, overall_benefit=3, benefits={}, perceptions={"a": 4})
    result = gains_results(stated)
    assert result.matrix[("b", "b")].reported == 3
    assert result.matrix[("b", "fin")].perceived is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"overall_benefit": 6, "benefits": {}, "perceptions": {}}, "1 to 5"),
        ({"overall_benefit": 3, "benefits": {}, "perceptions": {"a": 3}}, "other partners"),
        ({"overall_benefit": 3, "benefits": {999: 3}, "perceptions": {}}, "objectives"),
    ],
)
def test_a_bad_statement_is_refused_whole(wave, kwargs, message):
    a = wave.chain.partners.get(code="a")
    with pytest.raises(actions.ScanError, match=message):
        actions.save_gains_statement(wave, a, **kwargs)
    assert not wave.gains_statements.exists()


def test_the_page_highlights_the_gaps_for_the_steering_group(client, personas, stated):
    client.force_login(personas.steering)
    html = client.get(reverse("scan:gains", args=[stated.chain.slug, stated.pk])).content.decode()
    assert html.count('class="num gap-highlight"') == 3
    assert "Partner A thinks Partner B gains 2; Partner B itself says 5." in html


def test_the_form_saves_a_statement(client, personas, wave):
    client.force_login(personas.coordinator)
    url = reverse("scan:gains-edit", args=[wave.chain.slug, wave.pk])
    doel = wave.chain.objectives.get(code="doel")
    response = client.post(
        url + "?partner=fin",
        {
            "partner": "fin",
            "overall_benefit": "2",
            f"benefit_{doel.pk}": "1",
            "perceived_a": "5",
            "effort_money": "2500",
        },
    )
    assert response.status_code == 302
    statement = wave.gains_statements.get()
    assert (statement.partner.code, statement.overall_benefit, statement.effort_money) == ("fin", 2, 2500)
    assert list(statement.perceptions.values_list("about__code", "score")) == [("a", 5)]
