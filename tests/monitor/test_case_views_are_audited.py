"""Every view of case rows is written to the audit log; coordinators read it."""

from django.urls import reverse

from keten.chains.models import AuditEntry


def entries(chain, action=None):
    # The deliveries that set up the chain are audited too; these tests are about views.
    qs = AuditEntry.objects.filter(chain=chain).exclude(action__startswith="events.")
    return list(qs.filter(action=action) if action else qs)


def test_the_case_list_page_records_who_saw_how_many_rows(client, monitored):
    client.force_login(monitored.analyst_b)
    client.get(reverse("monitor-cases", args=[monitored.chain.slug]) + "?status=open")
    [entry] = entries(monitored.chain, "cases.viewed")
    assert entry.username == "analist_b" and entry.user == monitored.analyst_b
    assert entry.detail["page"] == "cases" and entry.detail["status"] == "open"
    assert entry.detail["format"] == "html" and entry.detail["rows"] >= 0


def test_csv_api_and_partner_pair_views_are_recorded_too(client, monitored):
    client.force_login(monitored.coordinator)
    slug = monitored.chain.slug
    client.get(reverse("monitor-csv", args=[slug, "cases"]))
    client.get(reverse("api-cases", args=[slug]))
    client.get(reverse("monitor-handover", args=[slug, "a", "b"]))
    assert [e.detail["format"] for e in entries(monitored.chain, "cases.downloaded")] == ["csv"]
    viewed = entries(monitored.chain, "cases.viewed")
    assert sorted(e.detail["page"] for e in viewed) == ["api", "handover"]
    assert next(e for e in viewed if e.detail["page"] == "handover").detail["pair"] == ["a", "b"]


def test_aggregate_pages_and_refused_requests_write_nothing(client, monitored):
    client.force_login(monitored.steering)
    slug = monitored.chain.slug
    client.get(reverse("monitor-overview", args=[slug]))
    client.get(reverse("monitor-cases", args=[slug]))
    client.get(reverse("api-cases", args=[slug]))
    client.get(reverse("monitor-csv", args=[slug, "cases"]))
    client.get(reverse("monitor-csv", args=[slug, "handovers"]))
    assert entries(monitored.chain) == []


def test_the_coordinator_reads_the_audit_log_and_others_may_not(client, monitored):
    slug = monitored.chain.slug
    client.force_login(monitored.analyst_a)
    client.get(reverse("monitor-cases", args=[slug]))
    assert client.get(reverse("monitor-audit", args=[slug])).status_code == 403
    client.force_login(monitored.coordinator)
    page = client.get(reverse("monitor-audit", args=[slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "analist_a" in text and "cases.viewed" in text
    filtered = client.get(reverse("monitor-audit", args=[slug]) + "?action=other.thing").content.decode()
    assert "analist_a" not in filtered
