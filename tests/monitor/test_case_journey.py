"""A case's journey: one case's events across partners on one timeline, its handovers and
waits, its verdict on each agreement; only for roles with case rights, and audited.

The log is delivered through the real ingestion path (`ingest_file`), partner B's file
first, so that a tie at one moment is decided by the chain's stage order (A's intake before
B's start, although B delivered first) and, within one stage and one delivery, by the file's
order (intake before aanmelding, as A's file lists them).
"""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from keten.analytics import flow
from keten.analytics.prepare import prepare
from keten.events.actions import ingest_file
from keten.monitor.metrics import load_events

pytestmark = pytest.mark.django_db

TIE = "tie-1"
# A pseudonym with characters a path must not be trusted with.
ODD = 'zaak/één ?&#%.."<b>'

A_ROWS = [
    # Same moment, same stage: the file's order (intake first) decides.
    f"{TIE},intake,2024-03-01 09:00:00",
    f"{TIE},aanmelding,2024-03-01 09:00:00",
    f"{TIE},afgerond,2024-03-09 16:00:00",
    "late-1,aanmelding,2024-03-01 10:00:00",
    "late-1,intake,2024-03-02 10:00:00",
    "late-1,afgerond,2024-04-02 10:00:00",
    "lateopen-1,aanmelding,2024-03-05 10:00:00",
    "lateopen-1,intake,2024-03-05 11:00:00",
    "open-1,aanmelding,2024-04-27 10:00:00",
    "open-1,intake,2024-04-28 10:00:00",
    "nostart-1,aanmelding,2024-04-01 10:00:00",
    f'"{ODD.replace(chr(34), chr(34) * 2)}",intake,2024-03-10 09:00:00',
    f'"{ODD.replace(chr(34), chr(34) * 2)}",afgerond,2024-03-20 09:00:00',
]
B_ROWS = [
    # At the same moment as A's intake, delivered earlier: the stage order puts it after.
    f"{TIE},start,2024-03-01 09:00:00",
    f"{TIE},klaar,2024-03-06 12:00:00",
    "late-1,start,2024-03-20 10:00:00",
    "late-1,klaar,2024-03-30 10:00:00",
    f'"{ODD.replace(chr(34), chr(34) * 2)}",start,2024-03-12 09:00:00',
    # The store's last event: "now" for every figure and for the case page.
    "late-1,klaar,2024-04-30 12:00:00",
]


@pytest.fixture
def journeys(personas, write_file):
    chain = personas.chain
    for partner, rows in (("b", B_ROWS), ("a", A_ROWS)):
        text = "case_id,activity,timestamp\n" + "\n".join(rows) + "\n"
        report = ingest_file(chain, write_file(f"{partner}.csv", text), partner=partner)
        assert report.status == "stored" and report.rows_stored == len(rows), report
    return personas


def page_of(client, personas, who, case_id, query=""):
    client.force_login(getattr(personas, who))
    return client.get(reverse("monitor-case", args=[personas.chain.slug, case_id]) + query)


def timeline(text: str) -> list[str]:
    """The activity names on the page's timeline, in the order shown."""
    return [html.unescape(a) for a in re.findall(r'<strong class="activity">([^<]*)</strong>', text)]


def test_the_page_lists_exactly_the_cases_events_in_the_analytics_order(client, journeys):
    response = page_of(client, journeys, "coordinator", TIE)
    assert response.status_code == 200
    shown = timeline(response.content.decode())
    assert shown == ["Intake", "Aanmelding", "Start", "Klaar", "Afgerond"]
    # The suite's own order of the whole store, for this case.
    spec = journeys.chain.to_spec()
    ev = prepare(load_events(journeys.chain), spec).events
    mine = flow.to_frame(ev.filter(ev.case_id == TIE).order_by("seq"))
    names = {a.code: a.name for s in spec.stages for a in s.activities}
    assert shown == [names[a] for a in mine["activity"]]
