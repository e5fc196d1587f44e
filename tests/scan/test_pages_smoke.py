"""Every page renders for the coordinator on a wave with responses (a fast check before the matrix)."""

from django.urls import reverse

from tests.scan.conftest import respond


def test_every_page_renders_for_the_coordinator(client, personas, wave):
    respond(
        wave,
        "a",
        "operational",
        {"amb_clear": "4", "gov_upward": "2"},
        {"open_keep": "De korte lijnen."},
        times=6,
    )
    respond(wave, "b", "operational", {"amb_clear": "2", "gov_upward": "dk"}, times=5)
    client.force_login(personas.coordinator)
    slug = wave.chain.slug
    for name, args in [
        ("scan:index", [slug]),
        ("scan:wave-new", [slug]),
        ("scan:item-banks", [slug]),
        ("scan:results", [slug, wave.pk]),
        ("scan:results-csv", [slug, wave.pk]),
        ("scan:open-answers", [slug, wave.pk]),
        ("scan:manage", [slug, wave.pk]),
        ("scan:gains", [slug, wave.pk]),
        ("scan:gains-edit", [slug, wave.pk]),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    page = client.get(reverse("scan:results", args=[slug, wave.pk])).content.decode()
    assert "Partner A" in page
