"""Nothing stored with an answer leads back to the invitation (or person) it came from."""

from django.core import serializers

from keten.chains.models import AuditEntry
from keten.scan import actions
from keten.scan.models import Answer, Draft, Invitation, OpenAnswer, Response


def test_a_response_has_no_field_that_points_at_an_invitation_or_a_moment():
    for model in (Response, Answer, OpenAnswer):
        for field in model._meta.get_fields():
            assert getattr(field, "related_model", None) is not Invitation, (model, field.name)
            assert field.get_internal_type() not in ("DateTimeField", "DateField"), (model, field.name)
    # random keys: sequential ones would tell the order in which questionnaires came in
    assert Response._meta.pk.get_internal_type() == "UUIDField"
    assert Answer._meta.pk.get_internal_type() == "UUIDField"
    assert OpenAnswer._meta.pk.get_internal_type() == "UUIDField"
    assert not any(f.name == "response" for f in OpenAnswer._meta.get_fields())


def test_after_submission_nothing_stored_contains_the_token_or_its_fingerprint(wave):
    partner = wave.chain.partners.get(code="a")
    issued = actions.issue_invitations(wave, partner, "strategic", 2)
    for t in issued:
        invitation = actions.find_invitation(t.token)
        actions.save_draft(invitation, {"trust_people": "4"}, {})
        actions.submit_response(invitation, {"trust_people": "4"}, {"open_keep": "Korte lijnen"})
    stored = serializers.serialize(
        "json", [*Response.objects.all(), *Answer.objects.all(), *OpenAnswer.objects.all()]
    )
    for invitation in Invitation.objects.all():
        assert invitation.selector not in stored
        assert invitation.verifier_hash not in stored
    for t in issued:
        assert t.token not in stored
    assert not Draft.objects.exists()


def test_two_responses_of_one_group_cannot_be_told_apart_by_their_invitation(wave):
    partner = wave.chain.partners.get(code="a")
    issued = actions.issue_invitations(wave, partner, "strategic", 2)
    actions.submit_response(actions.find_invitation(issued[0].token), {"trust_people": "1"}, {})
    actions.submit_response(actions.find_invitation(issued[1].token), {"trust_people": "5"}, {})
    responses = list(Response.objects.values("partner", "level"))
    assert responses[0] == responses[1]
    invitations = list(Invitation.objects.values_list("status", "partner", "level"))
    assert invitations[0] == invitations[1]


def test_answering_writes_nothing_to_the_audit_log(wave):
    token = actions.issue_invitations(wave, wave.chain.partners.get(code="b"), "tactical", 1)[0].token
    before = AuditEntry.objects.count()
    invitation = actions.find_invitation(token)
    actions.save_draft(invitation, {"trust_people": "3"}, {})
    actions.submit_response(invitation, {"trust_people": "3"}, {})
    assert AuditEntry.objects.count() == before
