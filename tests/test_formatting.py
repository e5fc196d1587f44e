"""Figures read rounded, never cut off, in the active language (keten.formatting)."""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from keten import formatting
from keten.monitor.tables import Column, display, html_table


@pytest.mark.parametrize(
    ("value", "dutch", "english"),
    [
        (0.369, "37%", "37%"),
        (0.35, "35%", "35%"),
        (0.996, "99,6%", "99.6%"),  # never 99% (cut off) and never 100% (all of them)
        (0.9996, "99,96%", "99.96%"),
        (0.004, "0,4%", "0.4%"),  # some, so never 0%
        (0.145, "15%", "15%"),  # half rounds up, even where binary floats fall short
        (1.0, "100%", "100%"),
        (0.0, "0%", "0%"),
        (None, "–", "–"),
        (float("nan"), "–", "–"),
    ],
)
def test_a_share_is_rounded_to_whole_percents_and_never_reads_all_or_none_when_it_is_not(
    value, dutch, english
):
    with translation.override("nl"):
        assert formatting.share(value) == dutch
    with translation.override("en"):
        assert formatting.share(value) == english


@pytest.mark.parametrize(
    ("value", "decimals", "dutch", "english"),
    [
        (1234.5, 1, "1.234,5", "1,234.5"),
        (1234567, 0, "1.234.567", "1,234,567"),
        (2.5, 0, "3", "3"),
        (-2.5, 0, "-3", "-3"),
        (0.125, 2, "0,13", "0.13"),
        (99.96, 1, "100,0", "100.0"),
        (-0.02, 1, "0,0", "0.0"),  # too small to show: no minus sign
        (12.25, 1, "12,3", "12.3"),
    ],
)
def test_a_number_is_rounded_half_away_from_zero_and_grouped(value, decimals, dutch, english):
    with translation.override("nl"):
        assert formatting.number(value, decimals) == dutch
    with translation.override("en"):
        assert formatting.number(value, decimals) == english


def test_days_have_one_decimal_and_a_unit_in_running_text():
    with translation.override("nl"):
        assert formatting.days(12.25) == "12,3"
        assert formatting.days(3, unit=True) == "3,0 d"
        assert formatting.days(None, unit=True) == "–"


@pytest.mark.parametrize("period", ["2025-10-01", "2025-10", pd.Timestamp("2025-10-01")])
def test_a_month_reads_with_its_name_and_year(period):
    with translation.override("nl"):
        assert formatting.month_label(period) == "oktober 2025"
        assert formatting.month_label(period, short=True) == "okt 2025"
    with translation.override("en"):
        assert formatting.month_label(period) == "October 2025"
        assert formatting.month_label(period, short=True) == "Oct 2025"


def test_the_chart_locale_follows_the_active_language():
    with translation.override("nl"):
        nl = formatting.vega_locale()
    with translation.override("en"):
        en = formatting.vega_locale()
    assert (nl["number"]["decimal"], nl["number"]["thousands"]) == (",", ".")
    assert nl["time"]["shortMonths"][9] == "okt" and nl["time"]["months"][2] == "maart"
    assert (en["number"]["decimal"], en["number"]["thousands"]) == (".", ",")
    assert en["time"]["shortMonths"][9] == "Oct"


def parse(text: str, lang: str) -> tuple[Decimal, int]:
    """A formatted number back to its value and its number of decimals."""
    thousands, decimal = (".", ",") if lang == "nl" else (",", ".")
    plain = text.rstrip("%").replace(thousands, "").replace(decimal, ".")
    assert re.fullmatch(r"-?\d+(\.\d+)?", plain), text
    return Decimal(plain), len(plain.split(".")[1]) if "." in plain else 0


@given(st.floats(min_value=0, max_value=1, allow_nan=False), st.sampled_from(["nl", "en"]))
def test_a_formatted_share_reads_back_within_half_its_last_digit(value, lang):
    with translation.override(lang):
        text = formatting.share(value)
    shown, decimals = parse(text, lang)
    exact = Decimal(str(value)) * 100
    assert abs(shown - exact) <= Decimal(5) / Decimal(10) ** (decimals + 1)
    if 0 < value < 1 and decimals < formatting.SHARE_MAX_DECIMALS:
        assert 0 < shown < 100, text


@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["nl", "en"]),
)
def test_a_formatted_number_reads_back_within_half_its_last_digit(value, decimals, lang):
    with translation.override(lang):
        text = formatting.number(value, decimals)
    shown, shown_decimals = parse(text, lang)
    assert shown_decimals == decimals
    assert abs(shown - Decimal(str(value))) <= Decimal(5) / Decimal(10) ** (decimals + 1)


def test_the_web_tables_show_kpi_shares_as_percentages_and_round_them():
    columns = (
        Column("value", "Value", "float"),
        Column("target", "Target", "float"),
        Column("n", "N", "int"),
    )
    frame = pd.DataFrame(
        [
            {"value": 0.369, "target": 0.35, "unit": "share", "n": 1234},
            {"value": 12.25, "target": 14.0, "unit": "days", "n": 5},
            {"value": 0.996, "target": None, "unit": "share", "n": 10},
        ]
    )
    with translation.override("nl"):
        rows = [[c["text"] for c in row["cells"]] for row in html_table(frame, columns, 10)["rows"]]
        assert display(0.996, "share") == "99,6%"
    assert rows == [["37%", "35%", "1.234"], ["12,3", "14,0", "5"], ["99,6%", "–", "10"]]


def test_a_share_never_reads_the_same_as_a_different_target():
    with translation.override("nl"):
        assert formatting.share_against(0.896, 0.9) == "89,6%"
        assert formatting.share_against(0.9, 0.9) == "90%"
        assert formatting.share_against(0.37, 0.35) == "37%"
        assert formatting.figure(0.8996, "share", 0.9) == "89,96%"
