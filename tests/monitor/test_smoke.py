from django.urls import reverse


def test_every_page_renders_for_the_coordinator(client, monitored):
    client.force_login(monitored.coordinator)
    slug = monitored.chain.slug
    for name, args in [
        ("monitor-overview", []),
        ("monitor-flow", []),
        ("monitor-handover", ["a", "b"]),
        ("monitor-throughput", []),
        ("monitor-norms", []),
        ("monitor-stages", []),
        ("monitor-variants", []),
        ("monitor-partner", ["a"]),
        ("monitor-cases", []),
        ("monitor-audit", []),
    ]:
        r = client.get(reverse(name, args=[slug, *args]))
        assert r.status_code == 200, (name, r.status_code)
