"""The case list is computed a page at a time in the engine; the CSV streams every case once.

The events go in through the real ingestion path (`monitored`); the expected order and totals
come from the delivered file itself (pyarrow), not from the code under test.
"""

import csv
import io
import re

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from keten.monitor import views
from tests.monitor.conftest import CASE_PREFIX

# A case id as a table cell's text (each row also links to its case page).
CASE_ID = re.compile(r"(?<=>)" + re.escape(CASE_PREFIX) + r"[A-Za-z0-9_-]+(?=<)")


def expected_order(events_file, partner: str | None = None) -> list[str]:
    """Case ids newest first (by first event), ties by case id; with `partner`, only the cases
    in which that partner has an event."""
    table = pq.read_table(events_file, columns=["case_id", "partner", "timestamp"])
    if partner:
        own = set(table.filter(pc.equal(table["partner"], partner))["case_id"].to_pylist())
        table = table.filter(pc.is_in(table["case_id"], value_set=pa.array(sorted(own))))
    first = table.group_by("case_id").aggregate([("timestamp", "min")])
    rows = sorted(
        zip(first["case_id"].to_pylist(), first["timestamp_min"].to_pylist(), strict=True),
        key=lambda r: r[0],
    )
    rows.sort(key=lambda r: r[1], reverse=True)  # stable: equal moments keep the case id order
    return [case for case, _ts in rows]


def page_ids(client, slug: str, query: str = "") -> tuple[list[str], str]:
    response = client.get(reverse("monitor-cases", args=[slug]) + query)
    assert response.status_code == 200
    text = response.content.decode()
    return CASE_ID.findall(text), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def csv_ids(response) -> list[str]:
    assert response.status_code == 200 and response.streaming
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    return [row["case_id"] for row in rows]


@pytest.mark.slow
def test_page_two_holds_the_next_fifty_cases_in_the_stable_order(client, monitored, events_file):
    client.force_login(monitored.coordinator)
    slug = monitored.chain.slug
    order = expected_order(events_file)
    first, text = page_ids(client, slug)
    second, text2 = page_ids(client, slug, "?page=2")
    assert first == order[:50]
    assert second == order[50:100]
    assert f"1–50 of {len(order)} cases" in text
    assert f"51–100 of {len(order)} cases" in text2
    assert "Next" in text and "Previous" in text2


@pytest.mark.slow
def test_the_api_pages_with_a_next_link_and_the_whole_count(client, monitored, events_file):
    client.force_login(monitored.coordinator)
    order = expected_order(events_file)
    first = client.get(reverse("api-cases", args=[monitored.chain.slug]), {"page_size": 40}).json()
    assert first["count"] == len(order) and first["previous"] is None
    assert [row["case_id"] for row in first["cases"]] == order[:40]
    second = client.get(first["next"]).json()
    assert [row["case_id"] for row in second["cases"]] == order[40:80]
    assert second["previous"] and second["count"] == len(order)
    last_page = -(-len(order) // 40)
    last = client.get(reverse("api-cases", args=[monitored.chain.slug]), {"page_size": 40, "page": last_page})
    assert last.json()["next"] is None and len(last.json()["cases"]) == len(order) - 40 * (last_page - 1)


def test_the_csv_streams_every_case_exactly_once_in_the_same_order(
    client, monitored, events_file, monkeypatch
):
    # Small batches, so the download really comes in several pieces.
    monkeypatch.setattr(views, "CSV_BATCH_ROWS", 100)
    client.force_login(monitored.coordinator)
    response = client.get(reverse("monitor-csv", args=[monitored.chain.slug, "cases"]))
    chunks = list(response.streaming_content)
    assert len(chunks) > 3
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert [row["case_id"] for row in rows] == expected_order(events_file)
    assert rows[0]["current_partner_name"] in {"Partner A", "Partner B"}


@pytest.mark.parametrize("who,partner", [("analyst_a", "a"), ("analyst_b", "b")])
@pytest.mark.slow
def test_an_analyst_pages_through_only_the_cases_their_partner_handled(
    client, monitored, events_file, who, partner
):
    client.force_login(getattr(monitored, who))
    slug = monitored.chain.slug
    own = expected_order(events_file, partner)
    assert len(own) > 50
    first, text = page_ids(client, slug)
    second, _text = page_ids(client, slug, "?page=2")
    assert first + second == own[:100]
    assert f"1–50 of {len(own)} cases" in text
    assert client.get(reverse("api-cases", args=[slug])).json()["count"] == len(own)
    assert csv_ids(client.get(reverse("monitor-csv", args=[slug, "cases"]))) == own


def test_a_status_filter_is_applied_before_the_page_is_cut(client, monitored, events_file):
    client.force_login(monitored.coordinator)
    slug = monitored.chain.slug
    everything = client.get(reverse("api-cases", args=[slug]), {"page_size": 1000}).json()["cases"]
    reached = [row["case_id"] for row in everything if row["status"] == "reached"]
    assert 50 < len(reached) < len(everything)
    api = client.get(
        reverse("api-cases", args=[slug]), {"status": "reached", "page": 2, "page_size": 25}
    ).json()
    assert api["count"] == len(reached)
    assert [row["case_id"] for row in api["cases"]] == reached[25:50]
    first, _text = page_ids(client, slug, "?status=reached")
    assert first == reached[:50]


def test_steering_still_gets_no_case_rows_from_any_page(client, monitored):
    client.force_login(monitored.steering)
    slug = monitored.chain.slug
    assert client.get(reverse("api-cases", args=[slug]), {"page": 2}).status_code == 403
    assert client.get(reverse("monitor-csv", args=[slug, "cases"])).status_code == 403
    assert client.get(reverse("monitor-cases", args=[slug]) + "?page=2").status_code == 403
    client.force_login(monitored.coordinator)
    client.post(reverse("monitor-switch-view", args=[slug]), {"view": "bestuurlijk"})
    ids, _text = page_ids(client, slug, "?page=2")
    assert ids == []
