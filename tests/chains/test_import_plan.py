"""A chain import is a plan first: `keten chain import --plan` says what would be created,
changed and deleted, records elsewhere that would go with a removed partner are counted, and
applying such an import needs --allow-deletions. A name or colour set in the web interface
survives a re-import that does not change it."""

from dataclasses import replace

import pytest
import yaml
from django.core.management import CommandError, call_command

from keten.chains.definition import dump_chain_definition
from keten.chains.models import AuditEntry, Chain, Partner
from keten.governance.models import Covenant, Seat
from keten.scan.models import GainsPerception, GainsStatement, Invitation


def write(tmp_path, spec, *, drop=(), name="klein.yaml"):
    """Write `spec` as a definition file, leaving out the top-level keys in `drop`."""
    data = yaml.safe_load(dump_chain_definition(spec))
    for key in drop:
        data.pop(key)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def without_fin(spec):
    return replace(spec, partners=tuple(p for p in spec.partners if p.code != "fin"))


def counts():
    return {
        "seats": Seat.objects.filter(partner__code="fin").count(),
        "statements": GainsStatement.objects.count(),
        "perceptions": GainsPerception.objects.count(),
        "invitations": Invitation.objects.count(),
        "partners": Partner.objects.count(),
    }


def test_leaving_out_a_partner_with_governance_and_scan_records_is_refused_and_names_them(
    financed, small_spec, tmp_path, capsys
):
    before = counts()
    path = write(tmp_path, without_fin(small_spec))
    with pytest.raises(CommandError, match="--allow-deletions"):
        call_command("chain", "import", str(path))
    err = capsys.readouterr().err
    assert "deleted partner 'fin' (Financier)" in err
    assert "seats: 1" in err
    assert "mutual-gains statements: 1" in err
    # fin's own two scores, and the two scores the others gave about fin
    assert "gains perceptions: 4" in err
    assert "invitations: 1" in err
    assert "covenant → parties (links): 1" in err
    assert counts() == before
    assert not AuditEntry.objects.filter(action="chain.imported").exists()


def test_with_allow_deletions_the_records_go_and_the_command_says_so(financed, small_spec, tmp_path, capsys):
    path = write(tmp_path, without_fin(small_spec))
    call_command("chain", "import", str(path), "--allow-deletions")
    out = capsys.readouterr().out
    assert "Imported chain 'klein'" in out
    assert "Deleted with what the file leaves out:" in out
    assert "seats: 1" in out and "gains perceptions: 4" in out
    assert counts() == {"seats": 0, "statements": 2, "perceptions": 2, "invitations": 0, "partners": 2}
    assert Covenant.objects.get().parties.count() == 2
    entry = AuditEntry.objects.get(action="chain.imported")
    assert entry.detail["deleted"]["seats"] == 1


def test_the_plan_lists_what_is_created_changed_and_deleted_and_changes_nothing(
    financed, small_spec, tmp_path, capsys
):
    spec = without_fin(small_spec)
    behandeling = spec.stages[1]
    spec = replace(
        spec,
        partners=(*spec.partners, replace(small_spec.partners[2], code="gemeente", name="Gemeente")),
        stages=(
            spec.stages[0],
            replace(
                behandeling,
                activities=(*behandeling.activities[:1], replace(behandeling.activities[1], code="gereed")),
            ),
            spec.stages[2],
        ),
        agreements=(replace(spec.agreements[0], max_days=10, to_activity="start"),),
    )
    before = (counts(), Chain.objects.get().to_spec())
    call_command("chain", "import", "--plan", str(write(tmp_path, spec)))
    out = capsys.readouterr().out.splitlines()
    assert "Plan for chain 'klein' (Kleine keten): update in place" in out
    assert "  created partner 'gemeente' (Gemeente)" in out
    assert "  created activity 'gereed' (Klaar)" in out
    assert "  deleted activity 'klaar' (Klaar)" in out
    assert "  deleted partner 'fin' (Financier)" in out
    assert "  changed agreement 'snel' (Snel gestart): max_days" in out
    assert "  seats: 1" in out
    assert out[-1] == (
        "Nothing imported (--plan). Applying this needs --allow-deletions: "
        "the records above would be deleted."
    )
    assert (counts(), Chain.objects.get().to_spec()) == before


def test_the_plan_of_an_unchanged_file_says_so(small_chain, small_spec, tmp_path, capsys):
    call_command("chain", "import", "--plan", str(write(tmp_path, small_spec)))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Plan for chain 'klein' (Kleine keten): update in place",
        "  no changes",
        "Nothing imported (--plan).",
    ]


def test_a_partner_with_deliveries_blocks_the_import_even_with_allow_deletions(
    financed, small_spec, tmp_path, capsys
):
    from keten.events.models import IngestBatch

    fin = Partner.objects.get(code="fin")
    IngestBatch.objects.create(
        chain=financed,
        partner=fin,
        batch_id="b1",
        sequence=1,
        source_name="levering.csv",
        source_format="csv",
    )
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("chain", "import", str(write(tmp_path, without_fin(small_spec))), "--allow-deletions")
    err = capsys.readouterr().err
    assert "partner 'fin' (Financier) cannot go: ingest batches still refer to it (1)" in err
    assert Partner.objects.filter(code="fin").exists()


def test_a_name_and_colour_set_in_the_ui_survive_a_reimport_of_a_file_without_them(
    small_chain, small_spec, tmp_path
):
    Chain.objects.filter(pk=small_chain.pk).update(name="Samen Sneller", colour="#aa3300")
    changed = replace(small_spec, description="Nieuwe omschrijving.")
    call_command("chain", "import", str(write(tmp_path, changed, drop=("name", "colour"))))
    chain = Chain.objects.get()
    assert (chain.name, chain.colour, chain.description) == (
        "Samen Sneller",
        "#aa3300",
        "Nieuwe omschrijving.",
    )


def test_a_name_and_colour_set_in_the_ui_survive_a_reimport_of_the_same_file(
    small_chain, small_spec, tmp_path, capsys
):
    path = write(tmp_path, small_spec)
    call_command("chain", "import", str(path))
    Chain.objects.filter(pk=small_chain.pk).update(name="Samen Sneller", colour="#aa3300")
    capsys.readouterr()
    call_command("chain", "import", "--plan", str(path))
    out = capsys.readouterr().out
    assert "  kept name 'Samen Sneller': set in the web interface; the file still says 'Kleine keten'" in out
    call_command("chain", "import", str(path))
    chain = Chain.objects.get()
    assert (chain.name, chain.colour) == ("Samen Sneller", "#aa3300")


def test_a_file_that_changes_the_name_says_otherwise_and_wins(small_chain, small_spec, tmp_path):
    call_command("chain", "import", str(write(tmp_path, small_spec)))
    Chain.objects.filter(pk=small_chain.pk).update(name="Samen Sneller", colour="#aa3300")
    call_command("chain", "import", str(write(tmp_path, replace(small_spec, name="Keten Klein"))))
    chain = Chain.objects.get()
    assert (chain.name, chain.colour) == ("Keten Klein", "#aa3300")


def test_a_new_chain_needs_a_name(db, small_spec, tmp_path, capsys):
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("chain", "import", str(write(tmp_path, small_spec, drop=("name",))))
    assert "name: is required for a new chain" in capsys.readouterr().err
    assert not Chain.objects.exists()


def test_a_failure_halfway_leaves_nothing_changed(financed, small_spec, tmp_path, monkeypatch, capsys):
    """One transaction: a database error after the partners were saved undoes them too."""
    from django.db import DatabaseError

    from keten.chains import actions

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    spec = replace(
        without_fin(small_spec),
        partners=(*without_fin(small_spec).partners, replace(small_spec.partners[2], code="nieuw")),
    )
    before = (counts(), Chain.objects.get().to_spec())
    monkeypatch.setattr(actions, "_save_objectives", broken)
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("chain", "import", str(write(tmp_path, spec)), "--allow-deletions")
    assert "the database refused the import: disk full" in capsys.readouterr().err
    assert (counts(), Chain.objects.get().to_spec()) == before
