"""A free-text check that warns about anything that might identify a person.

Success stories are pseudonymised by construction: they tell what the chain did, not who the
client was. Before a story is saved, this check looks for a citizen service number (nine digits
passing the eleven-test), a date that may be a date of birth, and a first-name-surname pattern.
It warns; the writer confirms or rewrites. It cannot be complete, so it errs on the side of
warning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from keten.events.bsn import find_bsns

MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    "|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
    "|january|february|march|may|june|july|august|october"
)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
WRITTEN_DATE = re.compile(rf"\b(\d{{1,2}})\s+(?:{MONTHS})\.?\s+(\d{{4}})\b", re.IGNORECASE)
BIRTH_WORDS = re.compile(r"\b(geboren|geb\.|geboortedatum|born|date of birth|dob)\b", re.IGNORECASE)

# Dutch surname particles ("tussenvoegsels").
PARTICLES = r"(?:van der|van den|van de|van 't|van|de|der|den|ten|ter|te|in 't|op de|el|al|le|la|da|di)"
CAPITALISED = r"[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?"
TITLES = r"(?:meneer|mevrouw|mevr\.?|mw\.?|dhr\.?|de heer|mr\.?|mrs\.?|ms\.?)"
NAME_PATTERNS = (
    # "mevrouw Jansen", "dhr. De Vries"
    re.compile(rf"\b{TITLES}\s+(?:{PARTICLES}\s+)?{CAPITALISED}", re.IGNORECASE),
    # "J. de Vries", "A.B. Jansen"
    re.compile(rf"\b(?:[A-Z]\.){{1,3}}\s*(?:{PARTICLES}\s+)?{CAPITALISED}"),
    # "Jan de Vries", "Fatima el Amrani"
    re.compile(rf"\b{CAPITALISED}\s+{PARTICLES}\s+{CAPITALISED}"),
    # "Kees Jansen": two capitalised words; filtered against the chain's own vocabulary below.
    re.compile(rf"\b{CAPITALISED}\s+{CAPITALISED}"),
)
# Capitalised words that are common in stories but are no names.
NOT_NAMES = {
    "de", "het", "een", "in", "op", "na", "bij", "met", "voor", "van", "samen", "daarna", "toen",
    "deze", "die", "dit", "dat", "zij", "hij", "ze", "we", "wij", "ons", "onze", "mijn", "haar", "zijn",
    "gemeente", "werkgever", "werkgevers", "klant", "cliënt", "client", "jongere", "partner", "keten",
    "the", "a", "an", "after", "then", "together", "with", "our", "their", "his", "her",
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag",
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    kind: str  # bsn | birth_date | name
    text: str

    def message(self) -> str:
        if self.kind == "bsn":
            return _("'%(text)s' may be a citizen service number (BSN).") % {"text": self.text}
        if self.kind == "birth_date":
            return _("'%(text)s' may be a date of birth.") % {"text": self.text}
        return _("'%(text)s' may be a person's name.") % {"text": self.text}


def _bsn_findings(text: str) -> list[Finding]:
    return [Finding("bsn", found) for found in find_bsns(text)]


def _plausible_birth_year(year: int, today: dt.date) -> bool:
    # Clients of a chain are at least about twelve (Halt) and rarely over a hundred.
    return 1900 <= year <= today.year - 12


def _date_findings(text: str, today: dt.date) -> list[Finding]:
    found = []
    near_birth_word = bool(BIRTH_WORDS.search(text))
    candidates = [(m.group(), int(m.group(3))) for m in NUMERIC_DATE.finditer(text)]
    candidates += [(m.group(), int(m.group(1))) for m in ISO_DATE.finditer(text)]
    candidates += [(m.group(), int(m.group(2))) for m in WRITTEN_DATE.finditer(text)]
    for date_text, year in candidates:
        if _plausible_birth_year(year, today) or near_birth_word:
            found.append(Finding("birth_date", date_text))
    return found


def _name_findings(text: str, known: set[str]) -> list[Finding]:
    found: list[Finding] = []
    for pattern in NAME_PATTERNS:
        for match in pattern.finditer(text):
            candidate = match.group()
            words = [w.lower() for w in re.findall(r"[\w'-]+", candidate)]
            capitalised = [w for w in re.findall(r"[A-ZÀ-Ý][\w-]*", candidate)]
            if pattern is NAME_PATTERNS[-1] and any(
                w.lower() in NOT_NAMES or w.lower() in known for w in capitalised
            ):
                continue
            if all(w in known for w in words):
                continue
            if not any(candidate in f.text or f.text in candidate for f in found):
                found.append(Finding("name", candidate))
    return found


def check_text(text: str, known_words: Iterable[str] = (), today: dt.date | None = None) -> list[Finding]:
    """Return what in `text` looks like a BSN, a date of birth or a person's full name.

    `known_words` are words that are no person's name here (partner and chain names): they
    keep "Regionaal Werkbedrijf" from being flagged.
    """
    today = today or dt.date.today()
    known = {w.lower() for phrase in known_words for w in re.findall(r"[\w'-]+", phrase)}
    return _bsn_findings(text) + _date_findings(text, today) + _name_findings(text, known)
