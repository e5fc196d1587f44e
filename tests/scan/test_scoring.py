"""Scoring on small hand-computed examples, and the suppression rule as a property."""

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keten.scan.itembank import Item, ItemBank, Text, Theme
from keten.scan.scoring import largest_spreads, score_wave, suppressed_groups

T = Text("x", "x")


def bank() -> ItemBank:
    """Theme t1: a, b (b reversed); theme t2: c."""
    return ItemBank(
        "test",
        1,
        T,
        T,
        tuple((v, T) for v in range(1, 6)),
        T,
        (
            Theme("t1", T, T, (Item("a", T, "t1"), Item("b", T, "t1", reverse=True))),
            Theme("t2", T, T, (Item("c", T, "t2"),)),
        ),
        (),
    )


NaN = math.nan
RESPONSES = pd.DataFrame(
    [
        ("r1", "p", "strategic"),
        ("r2", "p", "operational"),
        ("r3", "q", "operational"),
        ("r4", "q", "operational"),
    ],
    columns=["response", "partner", "level"],
)
ANSWERS = pd.DataFrame(
    [
        ("r1", "a", 4), ("r1", "b", 2), ("r1", "c", 5),
        ("r2", "a", 2), ("r2", "b", NaN), ("r2", "c", 3),
        ("r3", "a", 5), ("r3", "b", 1), ("r3", "c", NaN),
        ("r4", "a", 3), ("r4", "b", 5), ("r4", "c", 1),
    ],
    columns=["response", "item", "value"],
)  # fmt: skip
LEVELS = ["strategic", "tactical", "operational"]


def score(min_cell=2, responses=RESPONSES, answers=ANSWERS):
    return score_wave(responses, answers, bank(), partners=["p", "q"], levels=LEVELS, min_cell=min_cell)


def test_a_statement_score_is_the_mean_of_the_answers_given():
    a = score().item("a")
    assert a.chain.score == pytest.approx(3.5) and a.chain.n == 4
    assert a.partners["p"].score == pytest.approx(3.0)
    assert a.partners["q"].score == pytest.approx(4.0)


def test_a_reversed_statement_counts_six_minus_the_answer_and_dont_know_is_left_out():
    b = score().item("b")
    # 2 -> 4, don't know, 1 -> 5, 5 -> 1
    assert b.chain.score == pytest.approx(10 / 3) and b.chain.n == 3
    assert b.dont_know == pytest.approx(0.25)


def test_a_theme_score_weighs_every_respondent_the_same():
    t1 = score().theme("t1")
    # per respondent: r1 (4+4)/2=4, r2 2 (b unknown), r3 (5+5)/2=5, r4 (3+1)/2=2
    assert t1.chain.score == pytest.approx(3.25) and t1.chain.n == 4
    assert t1.partners["p"].score == pytest.approx(3.0)
    assert t1.partners["q"].score == pytest.approx(3.5)


def test_the_spread_names_the_lowest_and_highest_partner():
    spread = score().theme("t1").partner_spread
    assert (spread.low, spread.high) == ("p", "q")
    assert spread.gap == pytest.approx(0.5)
    assert largest_spreads(score())[0][:2] == ("t1", "partner")


def test_a_small_group_is_hidden_with_its_smallest_sibling_so_it_cannot_be_worked_out():
    scores = score()
    levels = scores.item("a").levels
    # strategic has 1 respondent (< 2): hidden; operational would give it away from the chain score
    assert (
        levels["strategic"].suppressed and levels["strategic"].score is None and levels["strategic"].n is None
    )
    assert levels["operational"].suppressed
    assert not levels["tactical"].suppressed and levels["tactical"].n == 0
    assert scores.item("a").level_spread is None
    assert scores.counts.levels == {"strategic": None, "tactical": 0, "operational": None}
    assert scores.counts.partners == {"p": 2, "q": 2}


def test_hiding_follows_the_respondents_behind_each_number():
    scores = score()
    # statement b: p has one answer (r2 did not know), so both partners are hidden there ...
    assert scores.item("b").partners["p"].suppressed and scores.item("b").partners["q"].suppressed
    # ... while theme t2 hides both because q has only r4 on statement c
    t2 = scores.theme("t2")
    assert t2.chain.score == pytest.approx(3.0)
    assert t2.partners["q"].suppressed and t2.partners["p"].suppressed


def test_everything_is_hidden_while_the_whole_wave_is_too_small():
    scores = score(min_cell=5)
    assert scores.counts.total == 4
    for row in scores.themes + scores.items:
        assert row.chain.suppressed and row.chain.score is None
        assert all(c.score is None for c in [*row.partners.values(), *row.levels.values()])
    assert scores.counts.partners == {"p": None, "q": None}


def test_a_wave_without_responses_scores_nothing():
    empty = score(responses=RESPONSES.iloc[0:0], answers=ANSWERS.iloc[0:0])
    assert empty.counts.total == 0
    assert all(row.chain.score is None and not row.chain.suppressed for row in empty.themes)


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 30)), st.integers(2, 12))
def test_hidden_groups_never_reveal_a_small_group(sizes, min_cell):
    hidden = suppressed_groups(sizes, min_cell)
    shown = {g for g, n in sizes.items() if n > 0} - hidden
    assert all(sizes[g] >= min_cell for g in shown)
    assert all(sizes[g] > 0 for g in hidden)
    # the hidden groups together are big enough, or nothing that could be subtracted is left
    assert not hidden or sum(sizes[g] for g in hidden) >= min_cell or not shown
