"""Keyed pseudonyms: the same for every partner with the chain key, never the identity, never a BSN."""

import csv

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from keten.events.bsn import contains_bsn
from keten.events.pseudonymize import pseudonym

# 32 random bytes, written as 64 hex digits (as `keten pseudonymize --new-key` does)
KEY = b"d4cba6bfee32fac22a8bd8b563ef72649b595015f09ba587c0df81ae76cf55f1"


@given(st.text(min_size=1, max_size=20).filter(lambda s: s.strip()))
def test_a_pseudonym_is_stable_keyed_and_has_no_digits(identifier):
    value = pseudonym(KEY, identifier)
    assert value == pseudonym(KEY, identifier)
    assert value != pseudonym(b"another-key-another-chain-0000", identifier)
    assert not any(c.isdigit() for c in value) and not contains_bsn(value)


def test_two_partners_with_the_same_key_link_the_same_person():
    assert pseudonym(KEY, "123456782") == pseudonym(KEY, " 123456782 ")


def test_the_command_replaces_the_column_and_keeps_the_key_out(tmp_path, monkeypatch, capsys):
    source = tmp_path / "export.csv"
    source.write_text(
        "bsn,activity,timestamp\n123456782,aanmelding,2024-03-01\n123456782,intake,2024-03-02\n111222333,aanmelding,2024-03-03\n"
    )
    monkeypatch.setenv("KETEN_PSEUDONYM_KEY", KEY.decode())
    target = tmp_path / "out" / "levering.csv"
    target.parent.mkdir()
    call_command("pseudonymize", str(source), str(target), "--column", "bsn")
    rows = list(csv.DictReader(target.open()))
    assert [r["activity"] for r in rows] == ["aanmelding", "intake", "aanmelding"]
    assert rows[0]["bsn"] == rows[1]["bsn"] == pseudonym(KEY, "123456782") != rows[2]["bsn"]
    text = target.read_text()
    assert "123456782" not in text and KEY.decode() not in text
    assert [p.name for p in target.parent.iterdir()] == ["levering.csv"]
    assert "2 identifiers" in capsys.readouterr().out


def test_without_a_key_the_command_says_how_to_give_one(tmp_path, monkeypatch):
    monkeypatch.delenv("KETEN_PSEUDONYM_KEY", raising=False)
    source = tmp_path / "export.csv"
    source.write_text("bsn,activity\n1,a\n")
    with pytest.raises(CommandError, match="KETEN_PSEUDONYM_KEY"):
        call_command("pseudonymize", str(source), str(tmp_path / "o.csv"), "--column", "bsn")


def test_a_key_file_works_and_a_missing_column_is_named(tmp_path):
    key = tmp_path / "sleutel.txt"
    key.write_bytes(KEY + b"\n")
    source = tmp_path / "export.csv"
    source.write_text("bsn,activity\n1,a\n")
    with pytest.raises(CommandError, match="burgerservicenummer"):
        call_command(
            "pseudonymize",
            str(source),
            str(tmp_path / "o.csv"),
            "--column",
            "burgerservicenummer",
            "--key-file",
            str(key),
        )
    call_command(
        "pseudonymize", str(source), str(tmp_path / "o.parquet"), "--column", "bsn", "--key-file", str(key)
    )
    assert (tmp_path / "o.parquet").stat().st_size > 0


@pytest.mark.django_db
def test_a_pseudonymised_export_passes_the_bsn_guard(small_chain, tmp_path, monkeypatch):
    from keten.events.actions import ingest_file

    source = tmp_path / "export.csv"
    source.write_text("bsn,activity,timestamp\n123456782,aanmelding,2024-03-01\n")
    monkeypatch.setenv("KETEN_PSEUDONYM_KEY", KEY.decode())
    assert ingest_file(small_chain, source, partner="a", mapping={"case_id": "bsn"}).status == "rejected"
    target = tmp_path / "levering.csv"
    call_command("pseudonymize", str(source), str(target), "--column", "bsn")
    assert ingest_file(small_chain, target, partner="a", mapping={"case_id": "bsn"}).status == "stored"


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (b"aaaaaaaaaaaaaaaa", "too weak"),
        (b"a" * 64, "too weak"),
        (b"een-gedeelde-ketensleutel-van-32-bytes", "too weak"),
        (b"d4cba6bfee32fac22a8bd8b563ef7264", "too weak"),  # 16 bytes in hex
        (b"0123456789abcdef" * 4, "too weak"),
        (b"abab" * 20, "too weak"),
    ],
)
def test_a_weak_key_is_refused_with_a_clear_message(tmp_path, key, problem):
    key_file = tmp_path / "sleutel.txt"
    key_file.write_bytes(key)
    source = tmp_path / "export.csv"
    source.write_text("bsn,activity\n1,a\n")
    with pytest.raises(CommandError, match=problem) as refused:
        call_command(
            "pseudonymize",
            str(source),
            str(tmp_path / "o.csv"),
            "--column",
            "bsn",
            "--key-file",
            str(key_file),
        )
    assert "32 random bytes" in str(refused.value) and "--new-key" in str(refused.value)
    assert not (tmp_path / "o.csv").exists()


def test_a_weak_key_in_the_environment_is_refused_too(tmp_path, monkeypatch):
    monkeypatch.setenv("KETEN_PSEUDONYM_KEY", "aaaaaaaaaaaaaaaa")
    source = tmp_path / "export.csv"
    source.write_text("bsn,activity\n1,a\n")
    with pytest.raises(CommandError, match="KETEN_PSEUDONYM_KEY.*too weak"):
        call_command("pseudonymize", str(source), str(tmp_path / "o.csv"), "--column", "bsn")


def test_new_key_writes_a_fresh_private_key_that_is_accepted(tmp_path, capsys):
    from keten.events.pseudonymize import load_key

    first, second = tmp_path / "ketensleutel", tmp_path / "andere-sleutel"
    call_command("pseudonymize", "--new-key", str(first))
    call_command("pseudonymize", "--new-key", str(second))
    assert f"Wrote a new chain key to {first}" in capsys.readouterr().out
    assert first.stat().st_mode & 0o777 == 0o600
    key = load_key(first)
    assert len(key) == 64 and bytes.fromhex(key.decode())  # 32 bytes, as hex
    assert key != load_key(second)


def test_new_key_refuses_to_overwrite_a_key(tmp_path):
    key_file = tmp_path / "ketensleutel"
    key_file.write_bytes(KEY)
    with pytest.raises(CommandError, match="already exists"):
        call_command("pseudonymize", "--new-key", str(key_file))
    assert key_file.read_bytes() == KEY


def test_the_command_without_files_or_new_key_says_what_to_give(tmp_path):
    with pytest.raises(CommandError, match="--new-key"):
        call_command("pseudonymize")
