"""The life cycle of a one-time invitation: issued, opened, used once, never again."""

import hmac

import pytest
from django.urls import reverse

from keten.scan import actions, tokens
from keten.scan.models import Invitation, Response


@pytest.fixture
def token(wave):
    return actions.issue_invitations(wave, wave.chain.partners.get(code="a"), "tactical", 1)[0].token


def test_an_issued_token_opens_its_invitation(token):
    invitation = actions.find_invitation(token)
    assert invitation is not None
    assert invitation.status == Invitation.Status.ISSUED
    assert (invitation.partner.code, invitation.level) == ("a", "tactical")


def test_the_token_itself_is_not_stored_only_a_fingerprint_of_its_secret_part(token):
    invitation = Invitation.objects.get()
    assert token not in (invitation.selector, invitation.verifier_hash)
    assert invitation.verifier_hash == tokens.hash_verifier(token[tokens.SELECTOR_LENGTH :])
    assert token[tokens.SELECTOR_LENGTH :] not in invitation.verifier_hash


def test_tokens_are_long_random_and_unique(wave):
    issued = actions.issue_invitations(wave, wave.chain.partners.get(code="b"), "operational", 200)
    values = [t.token for t in issued]
    assert len(set(values)) == 200
    assert all(len(v) == tokens.TOKEN_LENGTH == 44 for v in values)
    # 200 tokens share no common 8-character prefix: nothing sequential about them
    assert len({v[:8] for v in values}) == 200


def test_a_token_with_one_character_changed_opens_nothing(token):
    last = "A" if token[-1] != "A" else "B"
    assert actions.find_invitation(token[:-1] + last) is None
    first_of_verifier = tokens.SELECTOR_LENGTH
    changed = (
        token[:first_of_verifier]
        + ("x" if token[first_of_verifier] != "x" else "y")
        + token[first_of_verifier + 1 :]
    )
    assert actions.find_invitation(changed) is None


@pytest.mark.parametrize("guess", ["", "abc", "x" * 44, "../../etc/passwd" + "x" * 28, "é" * 44])
def test_a_guessed_or_malformed_token_opens_nothing(wave, token, guess):
    assert actions.find_invitation(guess) is None


def test_the_secret_part_is_compared_in_constant_time(token, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    assert actions.find_invitation(token) is not None
    assert actions.find_invitation("Z" * 44) is None  # unknown selector: still one comparison
    assert len(calls) == 2


def test_a_token_is_used_once_and_then_refused(token):
    invitation = actions.find_invitation(token)
    actions.submit_response(invitation, {"amb_clear": "4"}, {})
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.USED
    with pytest.raises(actions.ScanError, match="already been sent"):
        actions.submit_response(actions.find_invitation(token), {"amb_clear": "1"}, {})
    with pytest.raises(actions.ScanError):
        actions.save_draft(actions.find_invitation(token), {"amb_clear": "1"}, {})
    assert Response.objects.count() == 1


def test_a_revoked_token_and_a_token_of_a_closed_wave_are_refused(wave, token):
    other = actions.issue_invitations(wave, wave.chain.partners.get(code="a"), "tactical", 1)[0].token
    assert actions.revoke_unused_invitations(wave, level="tactical") == 2
    with pytest.raises(actions.ScanError, match="closed"):
        actions.submit_response(actions.find_invitation(other), {"amb_clear": "4"}, {})


def test_closing_the_wave_stops_links_and_throws_away_drafts(wave, token):
    actions.save_draft(actions.find_invitation(token), {"amb_clear": "4"}, {})
    actions.close_scan_wave(wave)
    with pytest.raises(actions.ScanError, match="closed"):
        actions.submit_response(actions.find_invitation(token), {"amb_clear": "4"}, {})
    assert not Invitation.objects.get().__class__.objects.filter(draft__isnull=False).exists()


def test_the_link_works_without_an_account_once_and_then_says_thank_you(client, wave, token):
    url = reverse("scan:respond", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    sent = client.post(url, {"item_amb_clear": "5", "submit": "1"})
    assert sent.status_code == 302
    again = client.get(url)
    assert again.status_code == 200 and 'data-reason="used"' in again.content.decode()
    client.post(url, {"item_amb_clear": "1", "submit": "1"})
    assert Response.objects.count() == 1


def test_an_unknown_link_gets_a_plain_not_found_page(client, wave):
    page = client.get(reverse("scan:respond", args=["Z" * 44]))
    assert page.status_code == 404 and 'data-reason="unknown"' in page.content.decode()


def test_answers_can_be_saved_and_resumed_with_the_same_link(client, wave, token):
    url = reverse("scan:respond", args=[token])
    client.post(
        url, {"item_amb_clear": "2", "item_gov_upward": "dk", "open_open_keep": "Overleg", "save": "1"}
    )
    assert Response.objects.count() == 0
    page = client.get(url).content.decode()
    assert 'value="2" ' in page and "checked" in page and "Overleg" in page
    client.post(url, {"item_amb_clear": "3", "item_gov_upward": "dk", "submit": "1"})
    assert Response.objects.get().answers.get(item_code="amb_clear").value == 3
    assert Response.objects.get().answers.get(item_code="gov_upward").value is None


def test_answers_outside_the_wave_or_the_scale_are_ignored(wave, token):
    actions.submit_response(
        actions.find_invitation(token), {"amb_clear": "9", "not_an_item": "3", "urg_now": "2"}, {"evil": "x"}
    )
    assert list(Response.objects.get().answers.values_list("item_code", "value")) == [("urg_now", 2)]


def test_an_empty_questionnaire_cannot_be_sent(wave, token):
    with pytest.raises(actions.ScanError, match="at least one"):
        actions.submit_response(actions.find_invitation(token), {}, {})
    assert Invitation.objects.get().status == Invitation.Status.ISSUED
