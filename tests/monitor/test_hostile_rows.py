"""No stored row can take a chain down: hostile-but-valid rows are delivered through the real
ingestion, then every page, CSV and API endpoint of the chain is requested, as a coordinator
and as steering, with every grain and the edges of the period filter.

The rows are what real exports hold: the first and last moments the chain's window allows,
a case that spans more than a century, ties and repeats, a case running backwards, a one-event
case, the switch to and from summer time, and case ids a spreadsheet or a browser would
execute. The window itself is the chain's: a chain that narrows it sees its own dates named.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from keten.events.actions import ingest_file
from keten.monitor.tables import DATASETS
from tests.monitor.test_event_window import local

pytestmark = pytest.mark.django_db
GRAINS = ("day", "week", "month")


def hostile_rows() -> tuple[str, str, dict]:
    now = dt.datetime.now(dt.UTC)
    soon, too_late = local(now + dt.timedelta(hours=20)), local(now + dt.timedelta(days=3))
    a = [
        ("eeuw", "aanmelding", "1900-01-02 00:00:00"),  # the first day the window allows
        ("eeuw", "afgerond", local(now - dt.timedelta(hours=1))),  # a case of 125 years
        ('=HYPERLINK("http://x.example")', "aanmelding", "2024-03-31 02:30:00"),  # no such hour
        ("<script>alert(1)</script>", "aanmelding", "2024-10-27 02:30:00"),  # this hour twice
        ("gelijk", "aanmelding", "2024-03-01 00:00:00"),
        ("gelijk", "intake", "2024-03-01 00:00:00"),  # a tie
        ("gelijk", "intake", "2024-03-01 00:00:00"),  # and a repeat
        ("terug", "afgerond", "2024-01-05 00:00:00"),
        ("terug", "aanmelding", "2024-02-05 00:00:00"),  # ends before it starts
        ('één-✓ "quoted", comma', "aanmelding", "2024-12-31 23:59:59.999999"),
        ("x" * 200, "intake", "2024-02-29 12:00:00"),
        ("straks", "aanmelding", soon),  # the last hours the window allows
        ("te-laat", "aanmelding", too_late),
        ("nul", "aanmelding", "0001-01-01"),
    ]
    b = [
        ("gelijk", "start", "2024-03-01 00:00:00"),  # a tie across partners
        ("gelijk", "klaar", "2024-03-01 00:00:00"),
        ("eeuw", "start", "1900-01-02 00:00:00"),
        ("straks", "start", soon),
    ]

    def csv(rows):
        def quoted(value):
            return '"' + value.replace('"', '""') + '"' if re.search('[",]', value) else value

        return "case_id,activity,timestamp\n" + "".join(",".join(map(quoted, r)) + "\n" for r in rows)

    months = {r[2][:7] for r in a + b if r[2] > "1900"}
    return csv(a), csv(b), {"months": months}


def chain_urls(slug: str, batch_id: str, months: set[str]):
    """Every GET route of one chain, with its arguments filled in from the delivered data."""
    fill = {
        "slug": [slug],
        "chain_slug": [slug],
        "from_partner": ["a"],
        "to_partner": ["b"],
        "code": ["a", "b", "fin"],
        "dataset": list(DATASETS),
        "batch_id": [batch_id],
        "month": sorted(months),
        "fmt": ["html", "pdf"],
    }

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern) and p.name:
                yield prefix + str(p.pattern), namespace + p.name

    for route, name in walk(get_resolver().url_patterns):
        if not re.match(r"(ketens/<slug:slug>|api/chains/<slug:chain_slug>)/", route):
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if any(p not in fill for p in params):
            continue  # a governance or scan record's pk: none exist in this chain
        combos = [{}]
        for p in params:
            values = fill[p] if not (name.endswith("report-download") and p == "month") else [max(months)]
            combos = [{**c, p: v} for c in combos for v in values]
        for kwargs in combos:
            yield name, reverse(name, kwargs=kwargs)


QUERIES = [
    "",
    *[f"?grain={g}" for g in GRAINS],
    "?grain=day&start=1900-01&end=2100-12",
    "?start=2100-01",
    "?as_of=1900-01",
    "?page=999999",
    "?start=nonsense&grain=eon",
]


@pytest.fixture
def hostile_chain(personas, write_file):
    chain = personas.chain
    chain.reject_policy = "quarantine"
    chain.save()
    a_rows, b_rows, info = hostile_rows()
    report_a = ingest_file(chain, write_file("a.csv", a_rows), partner="a")
    report_b = ingest_file(chain, write_file("b.csv", b_rows), partner="b")
    return chain, report_a, report_b, info


def test_the_window_keeps_out_the_rows_that_cannot_be_meant_and_stores_the_rest(hostile_chain):
    _, report_a, report_b, _ = hostile_chain
    problems = {p.code: p for p in report_a.problems}
    assert problems["early_timestamp"].examples == ["0001-01-01"]
    assert problems["future_timestamp"].count == 1 and "future_days" in problems["future_timestamp"].message
    stored = report_a.rows_stored + report_b.rows_stored
    assert report_b.rows_stored == 4 and stored >= 14  # 12 of a's rows may be stored, as may b's 4


def requests_for(chain, batch_id, months, queries):
    """Each route once with every query (the first filling of its arguments), the other fillings
    plainly: the filter is read by the route, the arguments by the data behind it."""
    asked = set()
    for name, url in chain_urls(chain.slug, batch_id, months):
        takes_filter = name.startswith(("monitor-", "api-")) and name != "monitor-switch-view"
        for query in queries if takes_filter and name not in asked else [""]:
            yield url + query
        asked.add(name)


def server_errors(client, urls):
    failures = []
    for url in urls:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)  # a streamed CSV fails while it is read
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    return failures


@pytest.mark.slow
def test_every_page_csv_and_api_endpoint_answers_without_a_server_error(client, personas, hostile_chain):
    chain, report_a, _, info = hostile_chain
    # The report of the first month and of the last: the others are built the same way.
    months = {min(info["months"]), max(info["months"])}
    client.force_login(personas.coordinator)
    assert server_errors(client, requests_for(chain, report_a.batch_id, months, QUERIES)) == []
    client.force_login(personas.steering)  # steering sees small cells hidden: another path
    assert server_errors(client, requests_for(chain, report_a.batch_id, months, ["", "?grain=day"])) == []


def test_the_route_list_reaches_the_chain_pages(personas):
    names = {name for name, _ in chain_urls("klein", "x", {"2024-03"})}
    assert {"monitor-overview", "monitor-csv", "api-cases", "report-download", "events-rejects"} <= names
    assert {"governance:overview", "scan:index", "chain-detail"} <= names, names  # and the other apps
