"""`keten chain import|export|list`, through call_command and once as a real process."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from keten.chains.definition import dump_chain_definition, load_chain_definition, reference_chain_files
from keten.chains.models import AuditEntry, Chain

from .conftest import as_yaml

REPO = Path(__file__).resolve().parents[2]
WERK, STRAFRECHT = reference_chain_files()


def test_import_reports_what_it_imported(db, capsys):
    call_command("chain", "import", str(WERK))
    assert (
        capsys.readouterr().out == "Imported chain 'werk' (6 stages, 14 activities, 4 agreements, 5 KPIs)\n"
    )
    call_command("chain", "import", str(WERK))
    assert capsys.readouterr().out == (
        "Imported chain 'werk' (6 stages, 14 activities, 4 agreements, 5 KPIs), updated in place\n"
    )


def test_import_reference_imports_both_shipped_chains(db, capsys):
    call_command("chain", "import", "--reference")
    assert capsys.readouterr().out.splitlines() == [
        "Imported chain 'werk' (6 stages, 14 activities, 4 agreements, 5 KPIs)",
        "Imported chain 'strafrecht' (7 stages, 18 activities, 6 agreements, 5 KPIs)",
    ]
    assert set(Chain.objects.values_list("slug", flat=True)) == {"werk", "strafrecht"}


def test_an_import_is_written_to_the_audit_log(db):
    call_command("chain", "import", str(WERK))
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.username, entry.detail) == (
        "chain.imported",
        "keten chain import",
        {"file": str(WERK), "created": True},
    )


def test_import_without_files_says_what_to_give(db):
    with pytest.raises(CommandError, match="Name at least one chain definition file, or use --reference"):
        call_command("chain", "import")


def test_export_writes_the_definition_to_stdout(db, capsys):
    call_command("chain", "import", str(STRAFRECHT))
    capsys.readouterr()
    call_command("chain", "export", "strafrecht")
    out = capsys.readouterr().out
    assert out == dump_chain_definition(Chain.objects.get(slug="strafrecht").to_spec())
    assert load_chain_definition(out).name == "Strafrechtketen Regio Midden"


def test_export_writes_to_a_file_with_out(db, tmp_path, capsys):
    call_command("chain", "import", str(WERK))
    out = tmp_path / "werk-export.yaml"
    call_command("chain", "export", "werk", "--out", str(out))
    assert capsys.readouterr().out.splitlines()[-1] == f"Exported chain 'werk' to {out}"
    assert load_chain_definition(out) == Chain.objects.get(slug="werk").to_spec()


def test_export_of_an_unknown_chain_names_the_known_ones(db):
    call_command("chain", "import", str(WERK))
    with pytest.raises(CommandError, match=r"No chain with slug 'wrek' \(known: werk\)"):
        call_command("chain", "export", "wrek")


def test_list_shows_every_chain_with_its_size(db, capsys):
    call_command("chain", "list")
    assert "No chains yet" in capsys.readouterr().out
    call_command("chain", "import", "--reference")
    capsys.readouterr()
    call_command("chain", "list")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["slug", "name", "partners", "stages", "activities", "agreements", "KPIs"]
    assert lines[1].split() == ["strafrecht", "Strafrechtketen", "Regio", "Midden", "8", "7", "18", "6", "5"]
    assert lines[2].split() == ["werk", "Keten", "Werk", "en", "Inkomen", "6", "6", "14", "4", "5"]


def keten(*args, env):
    return subprocess.run(
        [shutil.which("uv") or "uv", "run", "--quiet", "keten", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow
def test_the_keten_command_imports_and_refuses_as_a_real_process(tmp_path, werk_data):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KETEN_", "DJANGO_"))}
    env["KETEN_DATA_DIR"] = str(tmp_path / "data")
    assert keten("migrate", "--verbosity", "0", env=env).returncode == 0

    werk_data["stages"][2]["partner"] = "uwv2"
    werk_data["agreements"][0]["max_days"] = "dertig"
    bad = tmp_path / "werk-fout.yaml"
    bad.write_text(as_yaml(werk_data), encoding="utf-8")
    refused = keten("chain", "import", str(bad), env=env)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "Traceback" not in refused.stderr
    assert refused.stderr.splitlines()[-3:] == [
        f"{bad}: stages[2].partner: unknown partner 'uwv2'",
        f"{bad}: agreements[0].max_days: must be a number of days >= 0, got 'dertig'",
        "CommandError: Nothing imported: fix the 2 problems above and run the import again (1 file checked).",
    ]

    good = keten("chain", "import", str(WERK), env=env)
    # After the refusal the database is still empty: the good file imports as new.
    assert (good.returncode, good.stdout) == (
        0,
        "Imported chain 'werk' (6 stages, 14 activities, 4 agreements, 5 KPIs)\n",
    )
