import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keten.events.bsn import passes_elfproef
from keten.governance.sensitive import check_text

TODAY = dt.date(2025, 3, 15)


def kinds(text, known=()):
    return [(f.kind, f.text) for f in check_text(text, known, today=TODAY)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Klant 123456782 kreeg een baan.", [("bsn", "123456782")]),
        ("Nummer 1234.56.782 stond in het dossier.", [("bsn", "1234.56.782")]),
        ("Geboren op 12-03-1985 in Utrecht.", [("birth_date", "12-03-1985")]),
        ("Zij is van 3 maart 1990.", [("birth_date", "3 maart 1990")]),
        ("Geboortedatum: 2010-05-01.", [("birth_date", "2010-05-01")]),
        ("Jan de Vries vond een baan.", [("name", "Jan de Vries")]),
        ("Mevrouw Jansen was blij.", [("name", "Mevrouw Jansen")]),
        ("J. Bakker begon in mei.", [("name", "J. Bakker")]),
        ("Kees Jansen begon bij de gemeente.", [("name", "Kees Jansen")]),
    ],
)
def test_it_warns_about_what_may_identify_a_person(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Op 3 maart 2025 startte het traject; binnen drie weken was er een proefplaatsing.",
        "Samen met Regionaal Werkbedrijf en UWV is een werkplek gevonden.",
        "In Maart kreeg de jongere een vaste baan bij een werkgever.",
        "Het dossier telde 123456789 tekens.",  # nine digits that fail the eleven-test
        "De gemeente en Partner B werkten samen. Daarna ging het snel.",
    ],
)
def test_it_stays_quiet_about_an_ordinary_story(text):
    assert kinds(text, known=["Regionaal Werkbedrijf", "Partner B", "UWV"]) == []


def test_the_chain_vocabulary_is_no_name():
    assert kinds("Keten Werk en Inkomen bracht Regionaal Werkbedrijf aan tafel.") != []
    assert (
        kinds(
            "Keten Werk en Inkomen bracht Regionaal Werkbedrijf aan tafel.",
            known=["Keten Werk en Inkomen", "Regionaal Werkbedrijf"],
        )
        == []
    )


def elfproef_numbers():
    def complete(first8):
        # Choose the ninth digit so the weighted sum is divisible by eleven, when possible.
        total = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2), first8, strict=True))
        last = total % 11
        return first8 + str(last) if last < 10 else None

    return (
        st.text("0123456789", min_size=8, max_size=8)
        .map(complete)
        .filter(lambda n: n is not None and n != "000000000")
    )


@given(elfproef_numbers(), st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=40))
def test_every_number_passing_the_eleven_test_is_found_anywhere_in_the_text(number, prose):
    assert passes_elfproef(number)
    assert ("bsn", number) in kinds(f"{prose} {number} {prose}")


@given(st.text("0123456789", min_size=9, max_size=9))
def test_a_bsn_finding_always_passes_the_eleven_test(digits):
    found = [f for f in check_text(f"nr {digits}.", today=TODAY) if f.kind == "bsn"]
    assert bool(found) == passes_elfproef(digits)
