"""Working days through the real path: a chain definition file with working-day agreements and
closing days, two partners' CSV exports delivered with `keten ingest`, and the figures read
from the event store (the norms, the handovers, the API)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.analytics import flow, norms, workdays
from keten.analytics.prepare import make_filters, prepare
from keten.chains.actions import save_chain_spec
from keten.chains.definition import load_chain_definition
from keten.figures import metrics

pytestmark = pytest.mark.django_db

DEFINITION = """\
format: keten-chain/1
slug: werkdagen
name: Werkdagenketen
timezone: Europe/Amsterdam
closing_days: [2025-12-29, 2025-12-30, 2025-12-31]
{liberation}
partners:
  - {{code: gemeente, name: Gemeente}}
  - {{code: uwv, name: UWV}}
stages:
  - code: melding
    name: Melding
    partner: gemeente
    activities:
      - {{code: aanvraag, name: Aanvraag ontvangen}}
  - code: besluit
    name: Besluit
    partner: uwv
    activities:
      - {{code: besluit, name: Besluit genomen}}
agreements:
  - code: besluit_werkdagen
    name: Besluit binnen twee werkdagen
    from_activity: aanvraag
    to_activity: besluit
    max_days: 2
    target_share: 0.9
    days_kind: working
  - code: besluit_kalender
    name: Besluit binnen twee dagen
    from_activity: aanvraag
    to_activity: besluit
    max_days: 2
    target_share: 0.9
"""

# case: (request at the municipality, decision at UWV), wall-clock time in Amsterdam, and the
# working days in between.
CASES = {
    # Koningsdag on a weekday: Monday 27 April 2026. Friday 10:00 -> Tuesday 10:00 is 14 h on
    # Friday and 10 h on Tuesday.
    "koningsdag-2026": ("2026-04-24 10:00:00", "2026-04-28 10:00:00", 1.0),
    # Koningsdag 2025 moved to Saturday 26 April (27 April was a Sunday): Monday works.
    "koningsdag-2025": ("2025-04-25 12:00:00", "2025-04-28 12:00:00", 1.0),
    # Easter Monday 6 April 2026: Saturday noon -> Tuesday noon is half of Tuesday.
    "paasmaandag": ("2026-04-04 12:00:00", "2026-04-07 12:00:00", 0.5),
    # Liberation Day on a Tuesday in 2026 (not a lustrum year) and on a Friday in 2023.
    "bevrijdingsdag-2026": ("2026-05-04 12:00:00", "2026-05-06 12:00:00", 1.0),
    "bevrijdingsdag-2023": ("2023-05-04 12:00:00", "2023-05-08 12:00:00", 1.0),
    # Across the change to summer time (Sunday 29 March 2026, 02:00 -> 03:00): Saturday noon
    # (CET) -> Tuesday noon (CEST) is 71 hours, but exactly Monday and half of Tuesday.
    "zomertijd": ("2026-03-28 12:00:00", "2026-03-31 12:00:00", 1.5),
    # The chain's closing days between Christmas and New Year, Christmas and New Year's Day.
    "kerstsluiting": ("2025-12-24 12:00:00", "2026-01-02 12:00:00", 1.0),
    # Three ordinary working days: late on a two-working-day norm.
    "gewoon": ("2026-06-01 09:00:00", "2026-06-04 09:00:00", 3.0),
}


def _write_exports(tmp_path):
    gemeente = ["zaak,activiteit,datum"] + [f"{c},aanvraag,{start}" for c, (start, _e, _w) in CASES.items()]
    uwv = ["zaak,activiteit,datum"] + [f"{c},besluit,{end}" for c, (_s, end, _w) in CASES.items()]
    paths = tmp_path / "gemeente.csv", tmp_path / "uwv.csv"
    for path, lines in zip(paths, (gemeente, uwv), strict=True):
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


@pytest.fixture
def chain_with_events(settings, tmp_path):
    """The chain saved from its definition file, with both exports delivered by `keten ingest`."""

    def build(liberation: str = ""):
        settings.KETEN_DATA_DIR = tmp_path / "data"
        spec = load_chain_definition(DEFINITION.format(liberation=liberation))
        chain = save_chain_spec(spec)
        mapping = tmp_path / "mapping.yaml"
        mapping.write_text("case_id: zaak\nactivity: activiteit\ntimestamp: datum\n", encoding="utf-8")
        for path, partner in zip(_write_exports(tmp_path), ("gemeente", "uwv"), strict=True):
            call_command("ingest", chain.slug, str(path), partner=partner, mapping=mapping)
        return chain

    return build


def _agreement_cases(chain, code: str):
    spec = chain.to_spec()
    p = prepare(metrics.load_events(chain), spec, make_filters(spec))
    agreement = next(a for a in spec.agreements if a.code == code)
    frame = flow.to_frame(norms.agreement_cases(p, agreement))
    return dict(zip(frame["case"], frame["seconds"] / 86400, strict=True)), frame


def test_working_days_skip_weekends_dutch_holidays_and_closing_days(chain_with_events):
    chain = chain_with_events()
    working, frame = _agreement_cases(chain, "besluit_werkdagen")
    assert working == pytest.approx({case: days for case, (_s, _e, days) in CASES.items()})
    late = set(frame.loc[frame["late"] == 1, "case"])
    assert late == {"gewoon"}
    calendar, _frame = _agreement_cases(chain, "besluit_kalender")
    # The calendar-day agreement counts the 71 hours across the change to summer time.
    assert calendar["zomertijd"] == pytest.approx(71 / 24)
    assert calendar["koningsdag-2026"] == pytest.approx(4.0)


def test_liberation_day_in_lustrum_years_only_is_a_choice_of_the_chain(chain_with_events):
    chain = chain_with_events("liberation_day: lustrum")
    working, _frame = _agreement_cases(chain, "besluit_werkdagen")
    # 5 May 2026 and 5 May 2023 are working days then; 2025 (a lustrum year) would not be.
    assert working["bevrijdingsdag-2026"] == pytest.approx(2.0)
    assert working["bevrijdingsdag-2023"] == pytest.approx(2.0)
    assert working["koningsdag-2026"] == pytest.approx(1.0)
    spec = chain.to_spec()
    assert not workdays.is_working_day(spec, dt.date(2025, 5, 5))
    assert workdays.is_working_day(spec, dt.date(2026, 5, 5))


def test_handovers_and_the_api_give_median_working_days(chain_with_events, client, django_user_model):
    from keten.chains.models import Membership

    chain = chain_with_events()
    spec = chain.to_spec()
    frame = flow.handovers(metrics.load_events(chain), spec)
    expected = sorted(days for _s, _e, days in CASES.values())
    median = (expected[3] + expected[4]) / 2
    assert frame.loc[0, "median_working_days"] == pytest.approx(median)

    user = django_user_model.objects.create_user("coordinator", password="wachtwoord")
    Membership.objects.create(user=user, chain=chain, role="coordinator")
    client.force_login(user)
    flow_api = client.get(reverse("api-flow", args=[chain.slug])).json()
    assert flow_api["handovers"][0]["median_working_days"] == pytest.approx(median)
    norms_api = client.get(reverse("api-norms", args=[chain.slug])).json()["norms"]
    kinds = {row["agreement"]: row["days_kind"] for row in norms_api}
    assert kinds == {"besluit_werkdagen": "working", "besluit_kalender": "calendar"}


def test_the_norms_page_says_working_days(chain_with_events, client, django_user_model):
    from keten.chains.models import Membership

    chain = chain_with_events()
    user = django_user_model.objects.create_user("coordinator", password="wachtwoord")
    Membership.objects.create(user=user, chain=chain, role="coordinator")
    client.force_login(user)
    text = client.get(reverse("monitor-norms", args=[chain.slug])).content.decode()
    assert "Within 2 working days" in text
    assert "Within 2 days" in text


# Moments and waits end before today: a later event is refused as from the future.
_moments = st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2026, 6, 30)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
_pairs = st.lists(
    st.tuples(_moments, st.timedeltas(dt.timedelta(0), dt.timedelta(days=40))), min_size=1, max_size=25
)


@given(pairs=_pairs)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_working_days_never_exceed_calendar_days(pairs, settings, tmp_path_factory):
    """Whatever the moments (wall-clock times in Amsterdam, DST changes and holidays among
    them), a handover's time on working days is at most its calendar time, and never negative."""
    folder = tmp_path_factory.mktemp("export")
    settings.KETEN_DATA_DIR = folder / "data"
    slug = f"prop-{folder.name}"[:50].replace(".", "-")
    spec = load_chain_definition(DEFINITION.format(liberation="").replace("slug: werkdagen", f"slug: {slug}"))
    chain = save_chain_spec(spec)
    fmt = "%Y-%m-%d %H:%M:%S"
    gemeente, uwv = ["zaak,activiteit,datum"], ["zaak,activiteit,datum"]
    for i, (start, wait) in enumerate(pairs):
        gemeente.append(f"z{i},aanvraag,{start:{fmt}}")
        uwv.append(f"z{i},besluit,{start + wait:{fmt}}")
    mapping = folder / "mapping.yaml"
    mapping.write_text("case_id: zaak\nactivity: activiteit\ntimestamp: datum\n", encoding="utf-8")
    for name, lines in (("gemeente", gemeente), ("uwv", uwv)):
        path = folder / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        call_command(
            "ingest",
            slug,
            str(path),
            partner=name,
            mapping=mapping,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    _working, frame = _agreement_cases(chain, "besluit_werkdagen")
    _calendar, calendar = _agreement_cases(chain, "besluit_kalender")
    both = frame.merge(calendar, on="case", suffixes=("_working", "_calendar"))
    assert len(both) == len(pairs)
    assert (both["seconds_working"] >= -1e-6).all()
    assert (both["seconds_working"] <= both["seconds_calendar"] + 1e-6).all()


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_pyspark_count_the_same_working_days(spark, duck):
    """The reference chain with its agreements in working days and closing days: the whole
    suite (norms and handovers with working days) equal on both engines."""
    from keten.analytics import engine, suite
    from keten.analytics.synthetic import synthetic_events
    from keten.chains.definition import reference_chain_files

    from .test_engines_agree import assert_same_suite

    werk = load_chain_definition(next(p for p in reference_chain_files() if p.stem == "werk"))
    closing = tuple(dt.date(2024, 12, d) for d in (27, 30, 31))
    werk = dataclasses.replace(
        werk,
        closing_days=closing,
        agreements=tuple(dataclasses.replace(a, days_kind="working") for a in werk.agreements),
    )
    table = synthetic_events(werk, 1_500, seed=5)
    on_duckdb = suite.run_suite(engine.events_from_frame(duck, table), werk)
    on_spark = suite.run_suite(engine.events_from_frame(spark, table), werk)
    assert set(on_duckdb["norm_compliance"]["days_kind"]) == {"working"}
    assert on_duckdb["handovers"]["median_working_days"].notna().all()
    assert_same_suite(on_duckdb, on_spark)
