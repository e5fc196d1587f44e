"""One-time invitation tokens: `selector + verifier`, made with `secrets`.

The selector finds the row; the verifier is checked against its stored SHA-256 in constant
time. The verifier carries 192 random bits, so a plain (unsalted) hash is enough: there is
nothing to guess by brute force, and the database alone cannot produce a working link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

SELECTOR_LENGTH = 12  # token_urlsafe(9) -> 12 characters
VERIFIER_LENGTH = 32  # token_urlsafe(24) -> 32 characters
TOKEN_LENGTH = SELECTOR_LENGTH + VERIFIER_LENGTH
_ALPHABET = set(string.ascii_letters + string.digits + "-_")


def new_token() -> tuple[str, str, str]:
    """Return (token, selector, verifier_hash) for a fresh invitation."""
    selector = secrets.token_urlsafe(9)
    verifier = secrets.token_urlsafe(24)
    return selector + verifier, selector, hash_verifier(verifier)


def hash_verifier(verifier: str) -> str:
    return hashlib.sha256(verifier.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """Return (selector, verifier), or None when the text cannot be a token at all."""
    if len(token) != TOKEN_LENGTH or not set(token) <= _ALPHABET:
        return None
    return token[:SELECTOR_LENGTH], token[SELECTOR_LENGTH:]


def verifier_matches(verifier: str, stored_hash: str) -> bool:
    """Compare in constant time, so response times say nothing about how close a guess was."""
    return hmac.compare_digest(hash_verifier(verifier), stored_hash)
