"""Every kind of bad chain definition file gets its own message naming the field, and changes nothing."""

import pytest
from django.core.management import CommandError, call_command

from keten.chains.actions import save_chain_spec
from keten.chains.definition import DefinitionError, load_chain_definition, reference_chain_files
from keten.chains.models import Chain

from .conftest import as_yaml, row_counts


def kpi(data, objective, index):
    return data["objectives"][objective]["kpis"][index]


def mapping(data):
    """Give the municipality a column mapping to break."""
    data["partners"][0]["column_mapping"] = {
        "case_id": "Zaaknummer",
        "activity": "Handeling",
        "timestamp": "Datum",
        "activity_values": {"Intake": "intakegesprek"},
    }
    return data["partners"][0]["column_mapping"]


# (id, how to break the werk chain, the exact messages expected)
BROKEN = [
    (
        "unknown_stage_partner",
        lambda d: d["stages"][2].update(partner="uwv2"),
        ["stages[2].partner: unknown partner 'uwv2'"],
    ),
    (
        "max_days_in_words",
        lambda d: d["agreements"][0].update(max_days="dertig"),
        ["agreements[0].max_days: must be a number of days >= 0, got 'dertig'"],
    ),
    (
        "negative_max_days",
        lambda d: d["agreements"][0].update(max_days=-3),
        ["agreements[0].max_days: must be a number of days >= 0, got -3"],
    ),
    (
        "days_kind_unknown",
        lambda d: d["agreements"][0].update(days_kind="werkdagen"),
        ["agreements[0].days_kind: must be one of calendar, working; got 'werkdagen'"],
    ),
    (
        "closing_day_not_a_date",
        lambda d: d.update(closing_days=["2025-12-29", "29-12-2025", "2025-12-29"]),
        [
            "closing_days[1]: must be a date like 2025-12-29, got '29-12-2025'",
            "closing_days[2]: 2025-12-29 is listed twice",
        ],
    ),
    (
        "closing_days_not_a_list",
        lambda d: d.update(closing_days="2025-12-29"),
        ["closing_days: must be a list, got '2025-12-29'"],
    ),
    (
        "liberation_day_unknown",
        lambda d: d.update(liberation_day="sometimes"),
        ["liberation_day: must be one of every_year, lustrum; got 'sometimes'"],
    ),
    (
        "kpi_parameter_missing",
        lambda d: kpi(d, 0, 0)["parameters"].pop("within_days"),
        ["objectives[0].kpis[0].parameters: kind 'share_reached' needs 'within_days'"],
    ),
    ("format_missing", lambda d: d.pop("format"), ["format: is required"]),
    (
        "format_unknown",
        lambda d: d.update(format="keten-chain/2"),
        ["format: unsupported format 'keten-chain/2'; this version of Keten reads 'keten-chain/1'"],
    ),
    ("slug_missing", lambda d: d.pop("slug"), ["slug: is required"]),
    (
        "slug_with_spaces",
        lambda d: d.update(slug="Werk en Inkomen"),
        [
            "slug: must be a short lower-case name for URLs (letters, digits, '-' and '_', at most 50), "
            "got 'Werk en Inkomen'"
        ],
    ),
    (
        "top_level_typo",
        lambda d: d.update(color=d.pop("colour")),
        ["color: unknown key (did you mean 'colour'?)"],
    ),
    (
        "stage_key_typo",
        lambda d: d["stages"][0].update(nmae=d["stages"][0].pop("name")),
        ["stages[0].nmae: unknown key (did you mean 'name'?)", "stages[0].name: is required"],
    ),
    (
        "unknown_key_without_a_near_match",
        lambda d: d["partners"][0].update(telefoon="030-1234567"),
        ["partners[0].telefoon: unknown key (allowed: code, name, kind, role, column_mapping)"],
    ),
    ("partner_name_missing", lambda d: d["partners"][1].pop("name"), ["partners[1].name: is required"]),
    (
        "partner_name_empty",
        lambda d: d["partners"][1].update(name="  "),
        ["partners[1].name: must not be empty"],
    ),
    (
        "name_is_a_number",
        lambda d: d["stages"][0].update(name=2024),
        ["stages[0].name: must be text, got 2024 (put it in quotes)"],
    ),
    (
        "name_is_yes",
        lambda d: d["stages"][0].update(name=True),
        ["stages[0].name: must be text, got the yes/no value true (put it in quotes)"],
    ),
    (
        "description_is_a_list",
        lambda d: d.update(description=["a", "b"]),
        ["description: must be text, got a list"],
    ),
    (
        "name_too_long",
        lambda d: d["stages"][1].update(name="x" * 201),
        ["stages[1].name: is 201 characters long; at most 200 fit"],
    ),
    (
        "control_character",
        lambda d: d["stages"][1].update(name="Diagnose\x00"),
        ["stages[1].name: contains a control character or line separator; remove it"],
    ),
    (
        "invalid_code",
        lambda d: d["objectives"][0].update(code="Regulier Werk"),
        [
            "objectives[0].code: 'Regulier Werk' is not a valid code: use lower-case letters, digits "
            "and underscores, starting with a letter"
        ],
    ),
    (
        "code_is_a_number",
        lambda d: d["objectives"][0].update(code=12),
        ["objectives[0].code: must be a code like 'intake_gesprek', got 12"],
    ),
    (
        "code_too_long",
        lambda d: d["objectives"][0].update(code="o" * 51),
        ["objectives[0].code: is 51 characters long; at most 50 fit"],
    ),
    (
        "duplicate_partner_code",
        lambda d: d["partners"].append({"code": "uwv", "name": "UWV bis"}),
        ["partners[6].code: duplicate partner code 'uwv' (also partners[1].code)"],
    ),
    (
        "duplicate_stage_code",
        lambda d: d["stages"][4].update(code="intake"),
        ["stages[4].code: duplicate stage code 'intake' (also stages[0].code)"],
    ),
    (
        "duplicate_activity_code_across_stages",
        lambda d: d["stages"][1]["activities"][0].update(code="intakegesprek"),
        [
            "stages[1].activities[0].code: duplicate activity code 'intakegesprek' "
            "(also stages[0].activities[1].code)"
        ],
    ),
    (
        "duplicate_agreement_code",
        lambda d: d["agreements"][3].update(code="warme_overdracht"),
        ["agreements[3].code: duplicate agreement code 'warme_overdracht' (also agreements[2].code)"],
    ),
    (
        "duplicate_objective_code",
        lambda d: d["objectives"][1].update(code="regulier_werk"),
        ["objectives[1].code: duplicate objective code 'regulier_werk' (also objectives[0].code)"],
    ),
    (
        "duplicate_kpi_code_across_objectives",
        lambda d: kpi(d, 2, 0).update(code="duurzaam_werkend"),
        [
            "objectives[2].kpis[0].code: duplicate KPI code 'duurzaam_werkend' "
            "(also objectives[1].kpis[0].code)"
        ],
    ),
    (
        "network_partner_owns_a_stage",
        lambda d: d["stages"][3].update(partner="esf"),
        ["stages[3].partner: partner 'esf' is a network partner; only producing partners own a stage"],
    ),
    (
        "partner_kind_unknown",
        lambda d: d["partners"][4].update(kind="netwerk"),
        ["partners[4].kind: must be one of producing, network; got 'netwerk'"],
    ),
    (
        "no_stages",
        lambda d: d.update(stages=[], goal_activities=[], agreements=[], objectives=[]),
        ["stages: must list at least one entry"],
    ),
    (
        "stage_without_activities",
        lambda d: d["stages"][1].update(activities=[]),
        [
            "stages[1].activities: must list at least one entry",
            # what referred to the activities that are gone is reported too
            "agreements[2].from_activity: unknown activity 'trajectplan_vastgesteld'",
        ],
    ),
    (
        "activities_not_a_list",
        lambda d: d["stages"][1].update(activities="brede_diagnose"),
        [
            "stages[1].activities: must be a list, got 'brede_diagnose'",
            "agreements[2].from_activity: unknown activity 'trajectplan_vastgesteld'",
        ],
    ),
    (
        "stage_is_not_a_mapping",
        lambda d: d["stages"].append("nazorg"),
        ["stages[6]: must be a mapping of keys to values, got 'nazorg'"],
    ),
    (
        "agreement_activity_unknown",
        lambda d: d["agreements"][1].update(from_activity="aanvraag"),
        ["agreements[1].from_activity: unknown activity 'aanvraag'"],
    ),
    (
        "agreement_from_equals_to",
        lambda d: d["agreements"][1].update(to_activity="aanvraag_beoordeling_uwv"),
        ["agreements[1].to_activity: must differ from from_activity"],
    ),
    (
        "agreement_owner_unknown",
        lambda d: d["agreements"][0].update(owners=["gemeente", "gemeentes"]),
        ["agreements[0].owners[1]: unknown partner 'gemeentes'"],
    ),
    (
        "agreement_owner_twice",
        lambda d: d["agreements"][0].update(owners=["gemeente", "gemeente"]),
        ["agreements[0].owners[1]: partner 'gemeente' is listed twice"],
    ),
    (
        "agreement_share_as_percentage",
        lambda d: d["agreements"][0].update(target_share=90),
        ["agreements[0].target_share: must be a share between 0 and 1, got 90 (write 90% as 0.9)"],
    ),
    (
        "agreement_share_above_one",
        lambda d: d["agreements"][0].update(target_share=1000),
        ["agreements[0].target_share: must be a share between 0 and 1, got 1000"],
    ),
    (
        "agreement_max_days_missing",
        lambda d: d["agreements"][2].pop("max_days"),
        ["agreements[2].max_days: is required"],
    ),
    (
        "goal_activity_unknown",
        lambda d: d.update(goal_activities=["werkend"]),
        ["goal_activities[0]: unknown activity 'werkend'"],
    ),
    (
        "kpi_kind_unknown",
        lambda d: kpi(d, 0, 0).update(kind="aandeel"),
        [
            "objectives[0].kpis[0].kind: must be one of lead_time, share_reached, durability, volume, wip; "
            "got 'aandeel'"
        ],
    ),
    (
        "kpi_direction_unknown",
        lambda d: kpi(d, 0, 0).update(direction="up"),
        ["objectives[0].kpis[0].direction: must be one of higher, lower; got 'up'"],
    ),
    (
        "kpi_statistic_unknown",
        lambda d: kpi(d, 0, 1)["parameters"].update(statistic="average"),
        ["objectives[0].kpis[1].parameters.statistic: must be one of median, mean, p80, p90; got 'average'"],
    ),
    (
        "kpi_activity_unknown",
        lambda d: kpi(d, 1, 0)["parameters"].update(confirm_activity="nog_aan_het_werk"),
        ["objectives[1].kpis[0].parameters.confirm_activity: unknown activity 'nog_aan_het_werk'"],
    ),
    (
        "kpi_stage_unknown",
        lambda d: kpi(d, 2, 1)["parameters"].update(stage="uwv"),
        ["objectives[2].kpis[1].parameters.stage: unknown stage 'uwv'"],
    ),
    (
        "kpi_parameter_of_another_kind",
        lambda d: kpi(d, 2, 0)["parameters"].update(stage="reintegratie"),
        ["objectives[2].kpis[0].parameters.stage: not a parameter of kind 'volume' (allowed: activity)"],
    ),
    (
        "kpi_days_negative",
        lambda d: kpi(d, 1, 0)["parameters"].update(after_days=-182),
        ["objectives[1].kpis[0].parameters.after_days: must be a number of days >= 0, got -182"],
    ),
    (
        "kpi_parameter_without_value",
        lambda d: kpi(d, 0, 1)["parameters"].update(statistic=None),
        ["objectives[0].kpis[1].parameters.statistic: has no value; fill it in or leave it out"],
    ),
    (
        "kpi_parameters_not_a_mapping",
        lambda d: kpi(d, 2, 0).update(parameters=["start_traject"]),
        ["objectives[2].kpis[0].parameters: must be a mapping of parameters, got a list"],
    ),
    (
        "kpi_share_target_as_percentage",
        lambda d: kpi(d, 0, 0).update(target=35),
        ["objectives[0].kpis[0].target: must be a share between 0 and 1, got 35 (write 35% as 0.35)"],
    ),
    (
        "kpi_target_in_words",
        lambda d: kpi(d, 0, 1).update(target="tweehonderd"),
        ["objectives[0].kpis[1].target: must be a number >= 0, got 'tweehonderd'"],
    ),
    (
        "kpi_partner_unknown",
        lambda d: kpi(d, 2, 1).update(partners=["uwv2"]),
        ["objectives[2].kpis[1].partners[0]: unknown partner 'uwv2'"],
    ),
    (
        "colour_by_name",
        lambda d: d.update(colour="green"),
        ["colour: must be a colour like '#154273', got 'green'"],
    ),
    (
        "timezone_unknown",
        lambda d: d.update(timezone="Europe/Amsterdm"),
        ["timezone: unknown time zone 'Europe/Amsterdm' (use a name like 'Europe/Amsterdam')"],
    ),
    (
        "horizon_not_whole_days",
        lambda d: d.update(horizon_days="een jaar"),
        ["horizon_days: must be a whole number of days from 1 to 36500, got 'een jaar'"],
    ),
    (
        "horizon_zero",
        lambda d: d.update(horizon_days=0),
        ["horizon_days: must be a whole number of days from 1 to 36500, got 0"],
    ),
    (
        "reject_policy_unknown",
        lambda d: d.update(reject_policy="weigeren"),
        ["reject_policy: must be one of reject_file, quarantine; got 'weigeren'"],
    ),
    (
        "mapping_key_typo",
        lambda d: mapping(d).update(case="Zaak"),
        ["partners[0].column_mapping.case: unknown key (did you mean 'case_id'?)"],
    ),
    (
        "mapping_column_empty",
        lambda d: mapping(d).update(timestamp=""),
        ["partners[0].column_mapping.timestamp: must name a column of the partner's export"],
    ),
    (
        "mapping_to_unknown_activity",
        lambda d: mapping(d)["activity_values"].update({"Eerste gesprek": "eerste_gesprek"}),
        ["partners[0].column_mapping.activity_values['Eerste gesprek']: unknown activity 'eerste_gesprek'"],
    ),
    (
        "mapping_source_value_not_text",
        lambda d: mapping(d)["activity_values"].update({12: "intakegesprek"}),
        ["partners[0].column_mapping.activity_values: source value 12 must be text (put it in quotes)"],
    ),
    (
        "mapping_attributes_not_columns",
        lambda d: mapping(d).update(attributes=["Team", 3]),
        ["partners[0].column_mapping.attributes[1]: must name a column of the partner's export, got 3"],
    ),
    (
        "mapping_timestamp_format_without_percent",
        lambda d: mapping(d).update(timestamp_format="dd-mm-yyyy"),
        [
            "partners[0].column_mapping.timestamp_format: must be a strptime format like "
            "'%d-%m-%Y %H:%M', got 'dd-mm-yyyy'"
        ],
    ),
    (
        "mapping_timestamp_format_list",
        lambda d: mapping(d).update(timestamp_format=["%d-%m-%Y", "yyyy"]),
        [
            "partners[0].column_mapping.timestamp_format[1]: must be a strptime format like "
            "'%d-%m-%Y %H:%M', got 'yyyy'"
        ],
    ),
    (
        "mapping_delimiter_too_long",
        lambda d: mapping(d).update(delimiter=";;"),
        ["partners[0].column_mapping.delimiter: must be one character such as ';', got ';;'"],
    ),
    (
        "mapping_encoding_unknown",
        lambda d: mapping(d).update(encoding="utf-16"),
        [
            "partners[0].column_mapping.encoding: unknown encoding 'utf-16' (use one of utf-8, utf8, "
            "utf-8-sig, cp1252, windows-1252, latin-1, latin1, iso-8859-1, iso-8859-15)"
        ],
    ),
    (
        "mapping_timezone_unknown",
        lambda d: mapping(d).update(timezone="CET+1"),
        [
            "partners[0].column_mapping.timezone: unknown time zone 'CET+1' "
            "(use a name like 'Europe/Amsterdam')"
        ],
    ),
    (
        "mapping_not_a_mapping",
        lambda d: d["partners"][0].update(column_mapping="Zaaknummer"),
        ["partners[0].column_mapping: must be a mapping of keys to values, got 'Zaaknummer'"],
    ),
]


def broken_werk(werk_data, breaker) -> str:
    breaker(werk_data)
    return as_yaml(werk_data)


@pytest.mark.parametrize(("breaker", "expected"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_it_names_the_field_and_the_problem(werk_data, breaker, expected):
    with pytest.raises(DefinitionError) as caught:
        load_chain_definition(broken_werk(werk_data, breaker))
    assert caught.value.errors == expected


def test_the_unbroken_reference_file_passes(werk_data):
    assert load_chain_definition(as_yaml(werk_data)).slug == "werk"


def test_it_lists_every_problem_not_only_the_first(werk_data):
    werk_data["stages"][2]["partner"] = "uwv2"
    werk_data["agreements"][0]["max_days"] = "dertig"
    kpi(werk_data, 1, 0)["parameters"].pop("after_days")
    werk_data["colour"] = "groen"
    with pytest.raises(DefinitionError) as caught:
        load_chain_definition(as_yaml(werk_data))
    assert caught.value.errors == [
        "colour: must be a colour like '#154273', got 'groen'",
        "stages[2].partner: unknown partner 'uwv2'",
        "agreements[0].max_days: must be a number of days >= 0, got 'dertig'",
        "objectives[1].kpis[0].parameters: kind 'durability' needs 'after_days'",
    ]


def reference_text() -> str:
    return (reference_chain_files()[0]).read_text(encoding="utf-8")


# (id, the file's text, the exact messages expected): mistakes only visible in the text itself.
BROKEN_TEXT = [
    (
        "bad_indentation",
        "format: keten-chain/1\nslug: werk\nstages:\n  - code: intake\n   name: Intake\n",
        [
            "line 5, column 4: YAML syntax error: while parsing a block collection expected <block end>, "
            "but found '<block mapping start>'"
        ],
    ),
    (
        "tab_indentation",
        "format: keten-chain/1\nslug: werk\nstages:\n\t- code: intake\n",
        [
            "line 4, column 1: YAML syntax error: while scanning for the next token "
            "found character '\\t' that cannot start any token"
        ],
    ),
    (
        "unclosed_bracket",
        "format: keten-chain/1\ngoal_activities: [werkend_na_zes_maanden\nslug: werk\n",
        [
            "line 3, column 5: YAML syntax error: while parsing a flow sequence expected ',' or ']', "
            "but got ':'"
        ],
    ),
    (
        "empty_file",
        "# nothing here yet\n",
        ["file: is empty; a chain definition starts with 'format: keten-chain/1'"],
    ),
    (
        "list_at_the_top",
        "- format: keten-chain/1\n- slug: werk\n",
        ["file: must be a mapping of keys to values, got a list"],
    ),
    (
        "two_documents",
        "format: keten-chain/1\n---\nformat: keten-chain/1\n",
        [
            "line 2, column 1: YAML syntax error: expected a single document in the stream "
            "but found another document"
        ],
    ),
    (
        "python_tag",
        "format: !!python/object:os.system keten-chain/1\n",
        [
            "line 1, column 9: YAML syntax error: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object:os.system'"
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in BROKEN_TEXT], ids=[c[0] for c in BROKEN_TEXT])
def test_it_points_at_the_line_of_a_broken_file(text, expected):
    with pytest.raises(DefinitionError) as caught:
        load_chain_definition(text)
    assert caught.value.errors == expected


def test_it_refuses_a_key_given_twice():
    text = reference_text().replace("name: UWV\n", "name: UWV\n    name: Uitvoeringsinstituut\n")
    with pytest.raises(DefinitionError) as caught:
        load_chain_definition(text)
    line = text.splitlines().index("    name: Uitvoeringsinstituut") + 1
    assert caught.value.errors == [f"line {line}: key 'name' appears twice in the same mapping"]


def test_an_unquoted_colour_gets_a_hint_about_comments():
    text = reference_text().replace('colour: "#00674b"', "colour: #00674b")
    with pytest.raises(DefinitionError) as caught:
        load_chain_definition(text)
    assert caught.value.errors == [
        "colour: must be a colour like '#154273', got nothing; put it in quotes, '#' starts a comment in YAML"
    ]


def test_an_unquoted_yes_as_a_code_is_explained():
    text = reference_text().replace("code: esf", "code: no")
    with pytest.raises(DefinitionError) as caught:
        load_chain_definition(text)
    assert caught.value.errors == [
        "partners[5].code: must be a code like 'intake_gesprek', got the yes/no value false"
    ]


def test_it_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "werk.yaml"
    path.write_bytes(
        reference_text().encode("utf-8").replace("beëindigd".encode(), "beëindigd".encode("cp1252"))
    )
    with pytest.raises(DefinitionError) as caught:
        load_chain_definition(path)
    line = (
        reference_text().splitlines().index("      - {code: uitkering_beeindigd, name: Uitkering beëindigd}")
        + 1
    )
    assert caught.value.errors == [f"file: line {line}: not UTF-8 text; save the file as UTF-8"]
    assert caught.value.source == str(path)


def test_it_says_so_when_the_file_does_not_exist(tmp_path):
    with pytest.raises(DefinitionError) as caught:
        load_chain_definition(tmp_path / "weg.yaml")
    assert caught.value.errors == [f"file: '{tmp_path / 'weg.yaml'}' does not exist"]


def test_save_chain_spec_refuses_an_invalid_spec_and_writes_nothing(db, small_spec):
    from dataclasses import replace

    before = row_counts()
    broken = replace(small_spec, goal_activities=("bestaat_niet",))
    with pytest.raises(DefinitionError, match=r"goal_activities\[0\]: unknown activity 'bestaat_niet'"):
        save_chain_spec(broken)
    assert row_counts() == before


# -- through the command, against the database ------------------------------------------------


@pytest.fixture
def imported_werk(db):
    call_command("chain", "import", str(reference_chain_files()[0]))
    return Chain.objects.get(slug="werk").to_spec()


@pytest.mark.parametrize(("breaker", "expected"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_a_bad_file_changes_nothing_in_the_database(
    imported_werk, werk_data, breaker, expected, tmp_path, capsys
):
    before = row_counts()
    path = tmp_path / "werk.yaml"
    werk_data["name"] = "Een nieuwe naam die niet mag landen"
    path.write_text(broken_werk(werk_data, breaker), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("chain", "import", str(path))
    assert capsys.readouterr().err.splitlines() == [f"{path}: {message}" for message in expected]
    assert row_counts() == before
    assert Chain.objects.get(slug="werk").to_spec() == imported_werk


def test_one_bad_file_among_good_ones_imports_none(db, werk_data, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    werk_data["slug"] = "werk_kopie"
    werk_data["stages"][2]["partner"] = "uwv2"
    bad.write_text(as_yaml(werk_data), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("chain", "import", *map(str, reference_chain_files()), str(bad))
    assert capsys.readouterr().err.strip() == f"{bad}: stages[2].partner: unknown partner 'uwv2'"
    assert not Chain.objects.exists()


def test_two_files_with_the_same_slug_are_refused(db, tmp_path, capsys):
    werk = reference_chain_files()[0]
    copy = tmp_path / "werk-kopie.yaml"
    copy.write_text(werk.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("chain", "import", str(werk), str(copy))
    assert capsys.readouterr().err.strip() == f"{copy}: slug: chain 'werk' is also defined in {werk}"
    assert not Chain.objects.exists()


def test_an_update_that_fails_halfway_changes_nothing(imported_werk, werk_data, tmp_path, capsys):
    """The employer partner is still used elsewhere (here: by another chain's stage, which the
    admin would refuse but the database allows), so removing it fails at the very end of the
    update, after stages, norms and KPIs were already rewritten: all of it is rolled back."""
    from keten.chains.models import Partner, Stage

    other = Chain.objects.create(slug="ander", name="Andere keten")
    werkgever = Partner.objects.get(chain__slug="werk", code="werkgever")
    Stage.objects.create(chain=other, position=0, code="leen", name="Geleend", partner=werkgever)
    before = row_counts()

    werk_data["name"] = "Keten Werk (zonder werkgevers)"
    werk_data["partners"] = [p for p in werk_data["partners"] if p["code"] != "werkgever"]
    werk_data["stages"][4]["partner"] = "reintegratie"
    werk_data["agreements"][3]["owners"] = ["gemeente"]
    path = tmp_path / "werk.yaml"
    path.write_text(as_yaml(werk_data), encoding="utf-8")

    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("chain", "import", str(path))
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{path}: partner 'werkgever' (Werkgevers (via Werkgeversservicepunt)) cannot go: "
        "stages still refer to it (1: 'Geleend'); keep it in the file"
    ]
    assert row_counts() == before
    assert Chain.objects.get(slug="werk").to_spec() == imported_werk
