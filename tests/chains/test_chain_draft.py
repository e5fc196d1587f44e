"""`keten chain draft LOG`: a chain definition and column mapping drafted from a real log."""

import gzip
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from keten.chains.checks import CODE_RE, MAX_ACTIVITY_CODE, MAX_CODE
from keten.chains.definition import load_chain_definition
from keten.chains.models import Chain
from keten.events.draft import ActivityCount, DraftError, LogProfile, derive_codes, draft_chain
from keten.events.store import active_batch_paths
from tests.conftest import SHARED_DATA

needs_logs = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"the real event logs are not here ({SHARED_DATA})"
)
BPIC15 = SHARED_DATA / "BPIC15_1.xes.gz"
SEPSIS = SHARED_DATA / "sepsis.csv"


@pytest.fixture
def data_dir(settings, tmp_path):
    """A fresh event store for a test that ingests."""
    settings.KETEN_DATA_DIR = tmp_path / "data"
    return settings.KETEN_DATA_DIR


def draft(log: Path, out_dir: Path, *args: str) -> Path:
    out = out_dir / "chain.yaml"
    call_command("chain", "draft", str(log), "--out", str(out), *args)
    return out


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    """Each real log drafted once per module (reading BPIC15_1 takes seconds): name -> chain file."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real event logs are not here ({SHARED_DATA})")
    made: dict[str, Path] = {}

    def get(name: str, log: Path, *args: str) -> Path:
        if name not in made:
            made[name] = draft(log, tmp_path_factory.mktemp(name), *args)
        return made[name]

    return get


def xes_names_in_file_order(path: Path) -> list[str]:
    """Every event's concept:name in file order, read independently of Keten's reader."""
    with gzip.open(path, "rb") as handle:
        return [
            child.get("value")
            for _, event in etree.iterparse(handle, tag="{*}event")
            for child in event
            if child.get("key") == "concept:name"
        ]


def sepsis_frame() -> pd.DataFrame:
    return pd.read_csv(SEPSIS, sep=";", dtype=str)


def stored_events(slug: str) -> pd.DataFrame:
    paths = [str(p) for p in active_batch_paths(slug)]
    assert paths, "nothing was stored"
    return duckdb.sql(f"SELECT partner, activity FROM read_parquet({paths})").df()  # noqa: S608


def activities(spec):
    return [a for stage in spec.stages for a in stage.activities]


def ingest_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    call_command("ingest", *args, "--json")
    return json.loads(capsys.readouterr().out)


# --- the draft of a real log ----------------------------------------------------------------------


@needs_logs
@pytest.mark.slow
def test_the_draft_of_bpic15_loads_as_is_with_its_398_activities_in_first_seen_order(drafts):
    spec = load_chain_definition(drafts("bpic15", BPIC15))
    first_seen = list(dict.fromkeys(xes_names_in_file_order(BPIC15)))
    assert len(first_seen) == 398
    assert [a.name for a in activities(spec)] == first_seen
    assert len(spec.stages) == 1
    (partner,) = spec.partners
    assert partner.code == "bpic15_1"
    assert partner.column_mapping["activity_values"] == {a.name: a.code for a in activities(spec)}


@needs_logs
def test_the_draft_of_sepsis_loads_as_is_with_its_activities_in_first_seen_order(drafts):
    spec = load_chain_definition(drafts("sepsis", SEPSIS))
    assert [a.name for a in activities(spec)] == sepsis_frame()["Activity"].drop_duplicates().tolist()
    assert spec.partners[0].column_mapping["delimiter"] == ";"


@needs_logs
def test_the_header_says_it_is_a_draft_from_which_file_and_how_big(drafts):
    text = drafts("sepsis", SEPSIS).read_text(encoding="utf-8")
    assert text.startswith("# DRAFT written by `keten chain draft` from sepsis.csv:\n")
    assert "# 15,214 events, 1,050 cases, 16 activities; 1 partner, 1 stage.\n" in text
    assert "Check before `keten chain import`" in text


@needs_logs
def test_a_partner_attribute_gives_one_partner_per_value_and_stages_of_their_owners(drafts):
    out = drafts("sepsis_shared", SEPSIS, "--partner-attribute", "org:group")
    spec = load_chain_definition(out)
    frame = sepsis_frame()
    assert [p.name for p in spec.partners] == frame["org:group"].drop_duplicates().tolist()
    # Stages follow the activities' first appearance; each stage is a run of one owner.
    assert [a.name for a in activities(spec)] == frame["Activity"].drop_duplicates().tolist()
    owners = frame.groupby(["Activity", "org:group"]).size().reset_index(name="n")
    owner = (
        owners.sort_values("n", ascending=False)
        .drop_duplicates("Activity")
        .set_index("Activity")["org:group"]
    )
    code_of = {p.name: p.code for p in spec.partners}
    for stage in spec.stages:
        assert {code_of[owner[a.name]] for a in stage.activities} == {stage.partner}
    assert all(a.partner != b.partner for a, b in zip(spec.stages, spec.stages[1:], strict=False))
    mapping = yaml.safe_load(out.with_name("sepsis.mapping.yaml").read_text(encoding="utf-8"))
    assert mapping["partner"] == "org:group"
    assert mapping["partner_values"] == code_of
    assert all(not p.column_mapping for p in spec.partners)


# --- round trips through import and ingest --------------------------------------------------------


@needs_logs
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "log", "events"),
    [
        pytest.param("sepsis", SEPSIS, 15_214, id="sepsis"),
        pytest.param("bpic15", BPIC15, 52_217, id="bpic15", marks=pytest.mark.slow),
    ],
)
def test_a_drafted_chain_ingests_every_event_of_its_log(drafts, data_dir, capsys, name, log, events):
    out = drafts(name, log)
    spec = load_chain_definition(out)
    call_command("chain", "import", str(out))
    report = ingest_json(capsys, spec.slug, str(log), "--partner", spec.partners[0].code)
    assert [p["code"] for p in report["problems"]] == []
    assert report["counts"]["rows_stored"] == events
    stored = stored_events(spec.slug)
    assert len(stored) == events
    assert set(stored["activity"]) == {a.code for a in activities(spec)}


@needs_logs
@pytest.mark.django_db
def test_a_shared_log_ingests_chain_wide_with_each_event_at_its_org_group(drafts, data_dir, capsys):
    """Each event goes to the partner its org:group names. The chain model gives each activity
    one owner (the group recording it most): the other groups' events of it are reported as
    another partner's events, not as unknown activities, and quarantined."""
    out = drafts("sepsis_shared", SEPSIS, "--partner-attribute", "org:group")
    spec = load_chain_definition(out)
    mapping_file = out.with_name("sepsis.mapping.yaml")
    call_command("chain", "import", str(out))
    Chain.objects.filter(slug=spec.slug).update(reject_policy="quarantine")
    report = ingest_json(capsys, spec.slug, str(SEPSIS), "--mapping", str(mapping_file))
    mapping = yaml.safe_load(mapping_file.read_text(encoding="utf-8"))
    frame = sepsis_frame()
    partner = frame["org:group"].map(mapping["partner_values"])
    owner = frame["Activity"].map(mapping["activity_values"]).map(dict(spec.activity_partner))
    own = partner == owner
    assert {p["code"]: p["count"] for p in report["problems"]} == {"other_partner": int((~own).sum())}
    assert (
        stored_events(spec.slug)["partner"].value_counts().to_dict() == partner[own].value_counts().to_dict()
    )


# --- codes -----------------------------------------------------------------------------------------


@given(st.lists(st.text(max_size=90), max_size=40))
@settings(max_examples=200, deadline=None)
def test_any_names_get_unique_valid_codes(names):
    for kind, max_length in (("activity", MAX_ACTIVITY_CODE), ("partner", MAX_CODE)):
        codes = derive_codes(names, kind=kind, max_length=max_length)
        assert len(codes) == len(names) and len(set(codes)) == len(codes)
        assert all(CODE_RE.match(c) and len(c) <= max_length for c in codes)
        assert derive_codes(names, kind=kind, max_length=max_length) == codes


@given(
    st.lists(st.text(min_size=1, max_size=250), min_size=1, max_size=25, unique=True),
    st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=8, unique=True),
    st.booleans(),
    st.randoms(use_true_random=False),
)
@settings(max_examples=150, deadline=None)
def test_a_draft_of_any_names_loads_with_the_names_as_mapping_keys(names, values, shared, random):
    profile = LogProfile(
        file=Path("log.csv"),
        format="csv",
        events=len(names),
        cases=1,
        columns={"case_id": "case", "activity": "what", "timestamp": "when"},
        activities=tuple(
            ActivityCount(n, i, 1, random.choice([*values, None]), 1) for i, n in enumerate(names)
        ),
        partner_attribute="who" if shared else None,
        partner_values=tuple(values) if shared else (),
        delimiter=",",
    )
    try:
        result = draft_chain(profile)  # checks itself against the loader
    except DraftError as e:
        # The one refusal allowed: the chain file's writer cannot keep every NEL (U+0085).
        assert not shared and "NEL" in str(e) and any("\x85" in n for n in names)
        return
    spec = load_chain_definition(result.chain_text("log.mapping.yaml"))
    mapping = yaml.safe_load(result.mapping_text()) if shared else spec.partners[0].column_mapping
    assert list(mapping["activity_values"]) == names
    assert list(mapping["activity_values"].values()) == [a.code for a in activities(spec)]
    if shared:
        assert list(mapping["partner_values"]) == values
        assert list(mapping["partner_values"].values()) == [p.code for p in spec.partners]


def test_codes_are_readable_slugs_with_a_prefix_where_a_letter_is_missing():
    names = ["Aanvraag ontvangen", "aanvraag_ontvangen", "01_HOOFD_010", "Straße", "Ééñ", "?", ""]
    assert derive_codes(names, kind="activity") == [
        "aanvraag_ontvangen",
        "aanvraag_ontvangen_2",
        "activity_01_hoofd_010",
        "strasse",
        "een",
        "activity",
        "activity_2",
    ]


# --- bad input -----------------------------------------------------------------------------------


def test_a_missing_log_is_named(tmp_path):
    with pytest.raises(CommandError, match=r"File .*nope\.csv does not exist; give the path of an event log"):
        draft(tmp_path / "nope.csv", tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "broken.xes",
            b'<?xml version="1.0"?><log><trace><event><string key="concept:name" value="a"/>',
            r"File broken\.xes is not well-formed XES .* Export the log again",
        ),
        ("broken.xes.gz", b"\x1f\x8b\x08\x00junk", r"File broken\.xes\.gz cannot be unpacked"),
        (
            "broken.parquet",
            b"PAR1 not really parquet",
            r"File broken\.parquet is not a readable Parquet file",
        ),
        (
            "quotes.csv",
            b'case_id,activity,timestamp\nk1,"intake,2024-03-01\n',
            r"quotes\.csv is not a well-formed CSV",
        ),
    ],
)
def test_a_log_that_cannot_be_read_says_so(tmp_path, name, content, message):
    log = tmp_path / name
    log.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        draft(log, tmp_path)
    assert not (tmp_path / "chain.yaml").exists()


def test_a_log_without_an_activity_column_names_the_columns_it_has(tmp_path):
    log = tmp_path / "odd.csv"
    log.write_text("zaak,stap,datum\nk1,intake,2024-03-01\n")
    with pytest.raises(
        CommandError, match=r"odd\.csv has no column for activity, case_id and timestamp"
    ) as e:
        draft(log, tmp_path)
    assert "Rename the column in the file. Its columns: zaak, stap, datum." in str(e.value)


def test_an_unknown_partner_attribute_suggests_the_column_meant(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case_id,activity,timestamp,org:group\nk1,intake,2024-03-01,A\n")
    with pytest.raises(
        CommandError, match=r"log\.csv has no column 'org:grup' .* Did you mean 'org:group'\?"
    ):
        draft(log, tmp_path, "--partner-attribute", "org:grup")


def test_an_existing_file_is_not_overwritten_without_force(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case_id,activity,timestamp\nk1,intake,2024-03-01\n")
    out = draft(log, tmp_path)
    out.write_text("# my edits\n")
    with pytest.raises(CommandError, match=r"chain\.yaml already exists; .* or add --force"):
        draft(log, tmp_path)
    assert out.read_text() == "# my edits\n"
    draft(log, tmp_path, "--force")
    assert load_chain_definition(out).slug == "log"


def test_a_bad_slug_or_partner_code_is_refused(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case_id,activity,timestamp\nk1,intake,2024-03-01\n")
    with pytest.raises(CommandError, match=r"--slug 'Mijn Keten' is not a slug"):
        draft(log, tmp_path, "--slug", "Mijn Keten")
    with pytest.raises(CommandError, match=r"--partner '1gemeente' is not a code"):
        draft(log, tmp_path, "--partner", "1gemeente")
    assert not (tmp_path / "chain.yaml").exists()


def test_a_draft_that_cannot_be_written_names_the_file(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case_id,activity,timestamp\nk1,intake,2024-03-01\n")
    with pytest.raises(CommandError, match=r"Cannot write .*missing/chain\.yaml: No such file or directory"):
        call_command("chain", "draft", str(log), "--out", str(tmp_path / "missing" / "chain.yaml"))


def test_the_command_says_what_it_wrote_and_what_to_run_next(tmp_path, capsys):
    log = tmp_path / "zorg.csv"
    log.write_text(
        "case_id;activity;timestamp;team\nk1;Intake;2024-03-01;Wijk\nk2;Zorgplan;2024-03-02;Thuis\n"
    )
    out = draft(log, tmp_path, "--partner-attribute", "team", "--slug", "zorg")
    assert capsys.readouterr().out.splitlines() == [
        f"Drafted chain 'zorg' from zorg.csv (2 events, 2 cases): 2 activities, 2 partners, 2 stages "
        f"in {out}",
        f"Column mapping of the shared log in {tmp_path / 'zorg.mapping.yaml'}",
        f"Check and edit it (see its header), then: keten chain import {out}; "
        f"keten ingest zorg {log} --mapping {tmp_path / 'zorg.mapping.yaml'}",
    ]
    assert "# The column mapping of this shared log is in zorg.mapping.yaml.\n" in out.read_text()
