"""What each figure means, written once: shown beside the figure in the app ("How do I read
this?") and quoted word for word in docs/kpi-kinds.md (a test keeps the two equal)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DEFINITIONS = {
    "throughput": _(
        "Throughput time: the days from a case's first event in the chain to the chain goal, "
        "for the cases that reached it, counted in the month they reached it. The line is the "
        "median, the band runs from the 20th to the 80th percentile. Counting by the month a "
        "case started would make recent months look fast, because only their quick cases are "
        "finished; beside each month stands how many cases were still open at its end."
    ),
    "norms": _(
        "Norm share: of the cases whose clock started in the month, the share that reached the "
        "agreed activity within the agreed days. Cases still inside the norm are not decided "
        "and left out. A month is complete once the norm's days have passed since its end; "
        "before that it is marked not yet complete and gives no verdict."
    ),
    "dropout": _(
        "Dropout: a case that has not reached the chain goal within the chain's horizon after "
        "its first event. A start month is complete once the horizon has passed since its end; "
        "before that its open cases may still drop out."
    ),
    "handovers": _(
        "Handover time: the days from a case's last event at one partner to its first event at "
        "the next partner, counted in the month the case arrived at the next partner."
    ),
    "maturity": _(
        "Not yet complete: the period's cases have not all had the full time the figure needs "
        "(the norm's days, the KPI's window, the dropout horizon). Such a period is drawn "
        "lighter and never gives a status, a trend or a report headline."
    ),
}
