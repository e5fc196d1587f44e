"""'What changed since last month': ranking by relative movement (property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keten.reports.changes import Movement, largest_movements

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
movements = st.lists(
    st.builds(
        Movement,
        label=st.text(max_size=5),
        before=values,
        after=values,
        better=st.sampled_from(["", "higher", "lower"]),
    ),
    max_size=30,
)


@given(movements)
def test_at_most_five_largest_first_and_nothing_unmoved_or_from_zero(candidates):
    top = largest_movements(candidates)
    assert len(top) <= 5
    assert all(m.before != 0 and m.after != m.before for m in top)
    assert [m.relative for m in top] == sorted((m.relative for m in top), reverse=True)
    left_out = [m for m in candidates if m.before != 0 and m.after != m.before and m not in top]
    if top and left_out:
        assert max(m.relative for m in left_out) <= top[-1].relative


def test_direction_words_follow_the_better_direction():
    fewer_days = Movement("handover", 4.0, 2.0, "lower")
    lower_share = Movement("norm", 0.8, 0.6, "higher")
    wip = Movement("wip", 10, 15, "")
    assert fewer_days.improved is True and not fewer_days.rose
    assert lower_share.improved is False
    assert wip.improved is None and wip.rose
    assert largest_movements([wip, fewer_days, lower_share]) == [wip, fewer_days, lower_share]
    assert wip.relative == 0.5 and lower_share.relative == pytest.approx(0.25)
