"""The item bank: the shipped file is complete and bilingual; versions are kept apart."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from keten.scan import actions
from keten.scan.itembank import DEFAULT_BANK, ItemBankError, default_item_bank, parse_item_bank
from keten.scan.models import ItemBankVersion
from keten.scan.results import trend, wave_scores
from tests.scan.conftest import respond

SOURCE = DEFAULT_BANK.read_text(encoding="utf-8")


def test_the_shipped_bank_has_40_to_60_statements_in_themes_that_say_why_they_matter():
    bank = default_item_bank()
    assert 40 <= len(bank.items) <= 60
    assert 2 <= len(bank.open_questions) <= 3
    assert len(bank.themes) >= 12
    for theme in bank.themes:
        assert len(theme.items) >= 3
        assert theme.why.nl and theme.why.en and theme.why.nl != theme.why.en
    texts = [i.text for i in bank.items] + [q.text for q in bank.open_questions]
    assert all(t.nl and t.en and t.nl != t.en for t in texts)
    assert len({t.nl for t in texts}) == len(texts) and len({t.en for t in texts}) == len(texts)
    assert [v for v, _label in bank.scale] == [1, 2, 3, 4, 5]


def test_the_text_follows_the_language_and_falls_back_to_dutch():
    item = default_item_bank().item("amb_clear")
    assert item.text.get("en").startswith("I can explain")
    assert item.text.get("nl").startswith("Ik kan")
    assert item.text.get(None) == item.text.get("nl")


def edited(text: str, *, version: int = 1) -> str:
    return text.replace("version: 1\n", f"version: {version}\n", 1)


def test_the_same_text_twice_is_stored_once(small_chain):
    first = actions.add_item_bank(small_chain, SOURCE)
    assert actions.add_item_bank(small_chain, SOURCE) == first
    assert ItemBankVersion.objects.filter(chain=small_chain).count() == 1


def test_a_changed_text_under_the_same_version_is_refused(small_chain):
    actions.add_item_bank(small_chain, SOURCE)
    changed = SOURCE.replace("Ik kan in een paar zinnen", "Ik kan kort")
    with pytest.raises(ItemBankError, match="Raise the version"):
        actions.add_item_bank(small_chain, changed)
    assert ItemBankVersion.objects.filter(chain=small_chain).count() == 1


def test_a_wave_keeps_the_wording_of_its_own_version(client, personas, small_chain):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"  # the wording checked is the Dutch one
    v1 = actions.add_item_bank(small_chain, SOURCE)
    old = actions.open_scan_wave(small_chain, name="Oud", bank=v1, min_cell=5)
    v2 = actions.add_item_bank(
        small_chain, edited(SOURCE.replace("Ik kan in een paar zinnen", "Ik kan kort"), version=2)
    )
    new = actions.open_scan_wave(small_chain, name="Nieuw", bank=v2, min_cell=5)
    assert old.bank.item("amb_clear").text.nl.startswith("Ik kan in een paar zinnen")
    assert new.bank.item("amb_clear").text.nl.startswith("Ik kan kort")
    client.force_login(personas.coordinator)
    html = client.get(reverse("scan:results", args=[small_chain.slug, old.pk])).content.decode()
    assert "Ik kan in een paar zinnen" in html and "Ik kan kort" not in html


def test_the_trend_follows_statement_codes_across_versions(small_chain):
    v1 = actions.add_item_bank(small_chain, SOURCE)
    old = actions.open_scan_wave(small_chain, name="Oud", bank=v1, min_cell=5)
    respond(old, "a", "operational", {"amb_clear": "2"}, times=5)
    v2 = actions.add_item_bank(small_chain, edited(SOURCE, version=2))
    new = actions.open_scan_wave(small_chain, name="Nieuw", bank=v2, min_cell=5)
    respond(new, "a", "operational", {"amb_clear": "4"}, times=5)
    assert new.previous() == old
    rows = {r.theme: r for r in trend(wave_scores(new), wave_scores(old))}
    assert rows["ambition"].delta == pytest.approx(2.0)


def test_a_wave_may_ask_a_subset_of_the_statements(small_chain, bank):
    wave = actions.open_scan_wave(
        small_chain, name="Kort", bank=bank, item_codes=["trust_people", "amb_clear"], min_cell=5
    )
    assert [i.code for i in wave.bank.items] == ["amb_clear", "trust_people"]
    assert [t.code for t in wave.bank.themes] == ["ambition", "trust"]
    with pytest.raises(actions.ScanError, match="Unknown statements: nope"):
        actions.open_scan_wave(small_chain, name="Fout", bank=bank, item_codes=["nope"], min_cell=5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.replace("version: 1\n", "version: nul\n", 1), "version: give a whole number"),
        (lambda s: s.replace("  en: Don't know\n", "", 1), "dont_know: the text in 'en' is missing"),
        (lambda s: s.replace("code: urg_now", "code: urg_need", 1), "'urg_need' is used twice"),
        (lambda s: s.replace("code: trust_open", "code: Trust Open", 1), "themes[6].items[2].code"),
        (
            lambda s: s.replace("        reverse: true", "        reverse: ja", 1),
            "themes[3].items[2].reverse: write true or false",
        ),
        (lambda s: s + "\n  - [unclosed", "line"),
        (
            lambda s: s.replace("  - value: 5\n", "  - value: 6\n", 1),
            "scale[4]: the scale has exactly five steps",
        ),
    ],
)
def test_a_bad_file_gets_a_message_naming_the_field(change, message):
    with pytest.raises(ItemBankError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_item_bank(change(SOURCE), name="mijn.yaml")


def test_uploading_through_the_page_adds_a_version_or_explains_the_error(client, personas, small_chain):
    client.force_login(personas.coordinator)
    url = reverse("scan:item-banks", args=[small_chain.slug])
    client.get(url)  # adds the shipped bank
    bad = SimpleUploadedFile("kapot.yaml", SOURCE.replace("version: 1\n", "version: 0\n", 1).encode())
    response = client.post(url, {"file": bad})
    assert response.status_code == 200 and "kapot.yaml: version" in response.content.decode()
    good = SimpleUploadedFile("v2.yaml", edited(SOURCE, version=2).encode())
    assert client.post(url, {"file": good}).status_code == 302
    assert sorted(ItemBankVersion.objects.filter(chain=small_chain).values_list("version", flat=True)) == [
        1,
        2,
    ]
    download = client.get(
        reverse("scan:item-bank-download", args=[small_chain.slug, ItemBankVersion.objects.get(version=2).pk])
    )
    assert download.content.decode() == edited(SOURCE, version=2)
