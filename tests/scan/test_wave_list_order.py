"""The list of rounds reads newest first, as its caption says."""

import datetime as dt

from django.urls import reverse

from keten.scan import actions
from keten.scan.models import Wave
from tests.scan.conftest import respond


def test_rounds_are_listed_newest_first_with_their_response_counts(client, personas, small_chain, bank):
    earlier = actions.open_scan_wave(small_chain, name="Voorjaar", bank=bank, min_cell=5)
    respond(earlier, "a", "operational", {"amb_clear": "3"}, times=3)
    actions.close_scan_wave(earlier)
    later = actions.open_scan_wave(small_chain, name="Najaar", bank=bank, min_cell=5)
    respond(later, "a", "operational", {"amb_clear": "4"}, times=2)
    actions.close_scan_wave(later)
    Wave.objects.filter(pk=earlier.pk).update(opened_at=later.opened_at - dt.timedelta(days=180))

    client.force_login(personas.coordinator)
    response = client.get(reverse("scan:index", args=[small_chain.slug]))

    assert response.status_code == 200
    assert [(w.name, n) for w, n in response.context["rows"]] == [("Najaar", 2), ("Voorjaar", 3)]
