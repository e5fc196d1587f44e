"""Re-importing a chain updates it in place: partners, stages, activities, agreements, objectives
and KPIs keep their primary keys (memberships and decisions point at them); what the file leaves
out goes (with --allow-deletions when records elsewhere go with it: tests/chains/test_import_plan.py)."""

import pytest
from django.core.management import call_command

from keten.chains.definition import reference_chain_files
from keten.chains.models import (
    Activity,
    Agreement,
    Chain,
    KpiDefinition,
    Membership,
    Objective,
    Partner,
    Stage,
)

from .conftest import as_yaml


def keys(model, **filters) -> dict[str, int]:
    return dict(model.objects.filter(**filters).values_list("code", "pk"))


def import_data(data, tmp_path, *options):
    path = tmp_path / f"{data['slug']}.yaml"
    path.write_text(as_yaml(data), encoding="utf-8")
    call_command("chain", "import", str(path), *options)


@pytest.fixture
def werk(db):
    call_command("chain", "import", str(reference_chain_files()[0]))
    return Chain.objects.get(slug="werk")


def test_a_second_import_of_the_same_file_changes_no_identity(werk, django_user_model):
    user = django_user_model.objects.create_user("analist_uwv")
    Membership.objects.create(user=user, chain=werk, role="analyst", partner=werk.partners.get(code="uwv"))
    before = (
        keys(Partner, chain=werk),
        keys(Agreement, chain=werk),
        keys(Objective, chain=werk),
        keys(KpiDefinition, objective__chain=werk),
    )
    call_command("chain", "import", str(reference_chain_files()[0]))
    after = (
        keys(Partner, chain=werk),
        keys(Agreement, chain=werk),
        keys(Objective, chain=werk),
        keys(KpiDefinition, objective__chain=werk),
    )
    assert after == before
    assert Membership.objects.get(user=user).partner.code == "uwv"


def test_changed_fields_are_updated_and_identities_kept(werk, werk_data, tmp_path):
    partners, agreements = keys(Partner, chain=werk), keys(Agreement, chain=werk)
    kpis = keys(KpiDefinition, objective__chain=werk)
    werk_data["name"] = "Keten Werk en Inkomen Midden"
    werk_data["partners"][1]["name"] = "UWV Midden-Nederland"
    werk_data["agreements"][0]["max_days"] = 10
    werk_data["agreements"][0]["owners"] = ["gemeente", "uwv"]
    werk_data["objectives"][0]["kpis"][0]["target"] = 0.4
    werk_data["objectives"][0]["kpis"][0]["partners"] = ["gemeente"]
    import_data(werk_data, tmp_path)

    werk.refresh_from_db()
    assert werk.name == "Keten Werk en Inkomen Midden"
    assert keys(Partner, chain=werk) == partners
    assert keys(Agreement, chain=werk) == agreements
    assert keys(KpiDefinition, objective__chain=werk) == kpis
    spec = werk.to_spec()
    assert spec.partners[1].name == "UWV Midden-Nederland"
    intake = next(a for a in spec.agreements if a.code == "intake_binnen_twee_weken")
    assert (intake.max_days, intake.owners) == (10, ("gemeente", "uwv"))
    kpi = spec.objectives[0].kpis[0]
    assert (kpi.target, kpi.partners) == (0.4, ("gemeente",))


def test_a_kpi_moved_to_a_new_objective_keeps_its_identity(werk, werk_data, tmp_path):
    """The old objective goes and its KPI moves to a new one: the KPI must survive the move."""
    before = keys(KpiDefinition, objective__chain=werk)["duurzaam_werkend"]
    duurzaam = werk_data["objectives"].pop(1)
    werk_data["objectives"].append(
        {"code": "blijvend_werk", "name": "Blijvend aan het werk", "kpis": duurzaam["kpis"]}
    )
    import_data(werk_data, tmp_path)

    assert keys(KpiDefinition, objective__chain=werk)["duurzaam_werkend"] == before
    assert list(werk.objectives.values_list("code", flat=True)) == [
        "regulier_werk",
        "productie",
        "blijvend_werk",
    ]


def test_what_the_file_leaves_out_is_removed(werk, werk_data, tmp_path, django_user_model):
    user = django_user_model.objects.create_user("analist_esf")
    Membership.objects.create(user=user, chain=werk, role="analyst", partner=werk.partners.get(code="esf"))
    werk_data["partners"] = [p for p in werk_data["partners"] if p["code"] != "esf"]
    werk_data["agreements"] = werk_data["agreements"][:2]
    werk_data["objectives"][2]["kpis"] = werk_data["objectives"][2]["kpis"][:1]
    werk_data["stages"][3]["activities"].pop(1)  # training_afgerond
    import_data(werk_data, tmp_path, "--allow-deletions")

    spec = werk.to_spec()
    assert "esf" not in [p.code for p in spec.partners]
    # The first two of the file, in the file's order.
    assert [a.code for a in spec.agreements] == ["intake_binnen_twee_weken", "beoordeling_uwv"]
    assert [k.code for k in spec.kpis] == [
        "plaatsing_binnen_jaar",
        "doorlooptijd_tot_plaatsing",
        "duurzaam_werkend",
        "trajecten_gestart",
    ]
    assert "training_afgerond" not in spec.activities
    # A membership of a partner that left the chain goes with it.
    assert not Membership.objects.filter(user=user).exists()


def test_stages_follow_the_new_order(werk, werk_data, tmp_path):
    werk_data["stages"][1], werk_data["stages"][2] = werk_data["stages"][2], werk_data["stages"][1]
    import_data(werk_data, tmp_path)
    assert [s.code for s in werk.to_spec().stages] == [
        "intake",
        "uwv_beoordeling",
        "diagnose",
        "reintegratie",
        "plaatsing",
        "nazorg",
    ]


def test_stages_and_activities_keep_their_identity_when_they_move(werk, werk_data, tmp_path):
    stages = keys(Stage, chain=werk)
    activities = keys(Activity, stage__chain=werk)
    werk_data["stages"][1], werk_data["stages"][2] = werk_data["stages"][2], werk_data["stages"][1]
    moved = werk_data["stages"][3]["activities"].pop(0)
    werk_data["stages"][4]["activities"].append(moved)
    import_data(werk_data, tmp_path)
    assert keys(Stage, chain=werk) == stages
    assert keys(Activity, stage__chain=werk) == activities
    assert (
        Activity.objects.get(stage__chain=werk, code=moved["code"]).stage.code
        == werk_data["stages"][4]["code"]
    )
