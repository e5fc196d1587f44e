"""'What changed since last month': the largest movements, computed, never written by hand.

Each candidate is one figure seen in two consecutive months (a KPI, a norm share, a handover
median, the work in progress of a stage). They are ranked by relative movement,
|after - before| / |before|; a figure that was zero last month has no relative movement and
is left out, as is one that did not move. Ties keep the order the candidates came in.
"""

from __future__ import annotations

from dataclasses import dataclass

TOP = 5


@dataclass(frozen=True)
class Movement:
    """One figure in two consecutive months."""

    label: str
    before: float
    after: float
    # "higher" or "lower" when that direction is better, "" when neither is (work in progress).
    better: str = ""

    @property
    def relative(self) -> float:
        """|after - before| / |before| (the caller filters out before == 0)."""
        return abs(self.after - self.before) / abs(self.before)

    @property
    def rose(self) -> bool:
        return self.after > self.before

    @property
    def improved(self) -> bool | None:
        """True/False when the figure has a better direction, None otherwise."""
        if not self.better:
            return None
        return self.rose == (self.better == "higher")


def largest_movements(candidates: list[Movement], top: int = TOP) -> list[Movement]:
    """The `top` candidates that moved most, relatively, largest first."""
    moved = [m for m in candidates if m.before != 0 and m.after != m.before]
    return sorted(moved, key=lambda m: m.relative, reverse=True)[:top]
