"""Only the coordinator removes records from the governance register; each removal is audited."""

import pytest
from django.urls import reverse

from keten.chains.models import AuditEntry
from keten.governance.models import Escalation, Meeting, RelationshipActivity, Seat, Table

pytestmark = pytest.mark.django_db


def edit_url(chain, name, *args):
    return reverse(f"governance:{name}", args=[chain.slug, *args])


def test_the_coordinator_deletes_an_escalation_and_the_audit_log_says_so(client, personas, register):
    chain, escalation = register["chain"], register["escalation"]
    client.force_login(personas.coordinator)
    url = edit_url(chain, "escalation-edit", escalation.pk)

    assert "Delete permanently" in client.get(url).content.decode()
    response = client.post(url, {"delete": "1"}, follow=True)

    assert response.redirect_chain[-1][0] == edit_url(chain, "escalations")
    assert "Deleted: Wachttijd." in response.content.decode()
    assert not Escalation.objects.filter(pk=escalation.pk).exists()
    entry = AuditEntry.objects.get(chain=chain, action="governance.escalation.deleted")
    assert entry.username == personas.coordinator.username
    assert entry.detail["id"] == escalation.pk


@pytest.mark.parametrize("persona", ["analyst_a", "steering"])
def test_members_who_may_edit_a_record_may_not_delete_it(client, personas, register, persona):
    chain, escalation, activity = register["chain"], register["escalation"], register["activity"]
    client.force_login(getattr(personas, persona))
    urls = (edit_url(chain, "escalation-edit", escalation.pk), edit_url(chain, "activity-edit", activity.pk))
    for url in urls:
        assert client.get(url).status_code == 200  # they edit it ...
        assert "Delete permanently" not in client.get(url).content.decode()
        assert client.post(url, {"delete": "1"}).status_code == 403  # ... but cannot remove it
    assert Escalation.objects.filter(pk=escalation.pk).exists()
    assert RelationshipActivity.objects.filter(pk=activity.pk).exists()
    assert not AuditEntry.objects.filter(action__endswith=".deleted").exists()


def test_a_new_record_has_nothing_to_delete(client, personas, register):
    client.force_login(personas.coordinator)
    url = edit_url(register["chain"], "escalation-new")
    assert "Delete permanently" not in client.get(url).content.decode()
    before = Escalation.objects.count()
    assert client.post(url, {"delete": "1"}).status_code == 403
    assert Escalation.objects.count() == before


def test_deleting_a_table_takes_its_members_and_meetings_with_it(client, personas, register):
    chain, table = register["chain"], register["operational"]
    client.force_login(personas.coordinator)
    response = client.post(edit_url(chain, "table-edit", table.pk), {"delete": "1"})
    assert response.status_code == 302
    assert not Table.objects.filter(pk=table.pk).exists()
    assert not Seat.objects.filter(table_id=table.pk).exists()
    assert not Meeting.objects.filter(table_id=table.pk).exists()
    # The other tables stay.
    assert Table.objects.filter(pk=register["strategic"].pk).exists()
