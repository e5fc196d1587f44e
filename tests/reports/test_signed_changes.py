"""Changes between scan waves read with their sign, and a change too small to show reads 0."""

from __future__ import annotations

import pytest
from django.utils import translation

from keten.reports.collaboration import _signed


@pytest.mark.parametrize(
    ("value", "english", "dutch"),
    [
        (0.34, "+0.3", "+0,3"),
        (-0.26, "-0.3", "-0,3"),
        (-0.02, "0.0", "0,0"),
        (0.04, "0.0", "0,0"),
        (0.0, "0.0", "0,0"),
    ],
)
def test_a_change_shows_its_sign_and_never_minus_zero(value, english, dutch):
    with translation.override("en"):
        assert _signed(value, 1) == english
    with translation.override("nl"):
        assert _signed(value, 1) == dutch
