"""`keten ingest`: a summary table, the problems, and an exit code for scripts."""

import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_it_prints_a_summary_of_a_stored_file(small_chain, a_csv, capsys):
    call_command("ingest", "klein", str(a_csv), "--partner", "a")
    out = capsys.readouterr().out
    assert "stored" in out and "rows stored" in out and "4" in out


def test_a_refused_file_prints_the_problems_and_exits_1(small_chain, write, capsys):
    path = write("x.csv", "case_id,activity,timestamp\nk1,koffie,2024-03-01\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest", "klein", str(path), "--partner", "a")
    assert exit_.value.code == 1
    assert "unknown_activity" in capsys.readouterr().out


def test_a_mapping_file_and_json_output(small_chain, write, capsys):
    path = write("x.csv", "zaak;wat;wanneer\nk1;aanmelding;01-03-2024 09:00\n")
    mapping = write("m.yaml", "case_id: zaak\nactivity: wat\ntimestamp: wanneer\n")
    call_command("ingest", "klein", str(path), "--partner", "a", "--mapping", str(mapping), "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "stored" and report["counts"]["rows_stored"] == 1


def test_an_unknown_chain_is_named(db, a_csv):
    with pytest.raises(CommandError, match="No chain 'nope'"):
        call_command("ingest", "nope", str(a_csv), "--partner", "a")
