"""Fixtures for the scan: an open wave in `small_chain` and a way to fill it with responses."""

import pytest

from keten.scan import actions


@pytest.fixture
def bank(small_chain):
    return actions.ensure_default_bank(small_chain)


@pytest.fixture
def wave(small_chain, bank):
    """An open wave with all statements and the smallest allowed group size (5)."""
    return actions.open_scan_wave(small_chain, name="Voorjaar", bank=bank, min_cell=5)


def respond(wave, partner_code, level, answers, open_answers=None, *, times=1):
    """Issue `times` invitations and submit the same answers under each; return the tokens."""
    partner = wave.chain.partners.get(code=partner_code)
    issued = actions.issue_invitations(wave, partner, level, times)
    for t in issued:
        invitation = actions.find_invitation(t.token)
        actions.submit_response(invitation, answers, open_answers or {})
    return [t.token for t in issued]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Browse in Dutch, the default language of the site and of most respondents."""
    return {**browser_context_args, "locale": "nl-NL"}
