"""Goal realisation by route, computed from events delivered through `ingest_file`: each case
counted once under the partners it passed in order, beside the whole chain."""

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.analytics.routes import ALL_ROUTES
from keten.chains.actions import save_chain_spec
from keten.events.actions import ingest_file
from keten.figures import metrics

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0)

# A case's steps as (partner, activity, days after the start); small_chain's goal is
# `afgerond` at partner a, its horizon 90 days.
JOURNEYS = {
    "straight": [
        ("a", "aanmelding", 0),
        ("a", "intake", 1),
        ("b", "start", 3),
        ("b", "klaar", 8),
        ("a", "afgerond", 10),
    ],
    "back_and_forth": [
        ("a", "aanmelding", 0),
        ("b", "start", 2),
        ("a", "intake", 4),
        ("b", "klaar", 9),
        ("a", "afgerond", 20),
    ],
    "stopped_at_b": [("a", "aanmelding", 0), ("b", "start", 2)],
    "only_a": [("a", "aanmelding", 0), ("a", "intake", 1)],
}


def deliver(chain, tmp_path, cases: dict[str, list[tuple[str, str, float]]]) -> None:
    """One CSV per partner, delivered as that partner would."""
    for partner in ("a", "b"):
        lines = ["case_id,activity,timestamp"]
        for case, steps in cases.items():
            for who, activity, days in steps:
                if who == partner:
                    lines.append(f"{case},{activity},{START + dt.timedelta(days=days):%Y-%m-%d %H:%M:%S}")
        if len(lines) == 1:
            continue  # this partner has nothing to deliver
        path = tmp_path / f"{partner}-{len(cases)}.csv"
        path.write_text("\n".join(lines) + "\n")
        report = ingest_file(chain, path, partner=partner)
        assert report.accepted, report.as_dict()


def test_each_route_counts_its_cases_goal_and_time_to_it(small_chain, tmp_path, settings):
    settings.KETEN_DATA_DIR = tmp_path / "data"
    # Ten cases per journey, so nothing is a small cell on the page either.
    cases = {f"{name}-{i}": steps for name, steps in JOURNEYS.items() for i in range(10)}
    deliver(small_chain, tmp_path, cases)
    routes = metrics.chain_metrics(small_chain, use_cache=False).routes.set_index("route")
    assert routes.loc["a > b > a", ["cases", "reached", "steps"]].tolist() == [10, 10, 3]
    assert routes.loc["a > b > a", "median_days_to_goal"] == pytest.approx(10)
    assert routes.loc["a > b > a > b > a", ["cases", "reached", "steps"]].tolist() == [10, 10, 5]
    assert routes.loc["a > b > a > b > a", "median_days_to_goal"] == pytest.approx(20)
    # Not at the goal and within the horizon (the last event is the moment of reference): open.
    assert routes.loc["a > b", ["cases", "reached", "open"]].tolist() == [10, 0, 10]
    assert routes.loc["a", ["cases", "reached", "open"]].tolist() == [10, 0, 10]
    whole = routes.loc[ALL_ROUTES]
    assert (whole["cases"], whole["reached"], whole["reached_share"]) == (40, 20, 0.5)


def test_the_variants_page_shows_the_routes_by_partner_name_and_the_whole_chain(
    client, personas, tmp_path, settings
):
    settings.KETEN_DATA_DIR = tmp_path / "data"
    deliver(personas.chain, tmp_path, {f"{n}-{i}": s for n, s in JOURNEYS.items() for i in range(10)})
    client.force_login(personas.steering)
    html = client.get("/ketens/klein/monitor/varianten/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Routes to the goal" in html
    table = html[html.index("Route (partners in order)") :]
    assert "Partner A → Partner B → Partner A</" in table and "Whole chain</" in table
    assert ">a &gt; b &gt; a<" not in html  # codes stay out of what people read


@given(
    journeys=st.lists(st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=6), min_size=1, max_size=15),
    finish=st.lists(st.booleans(), min_size=15, max_size=15),
)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_routes_conserve_cases_and_goals(journeys, finish, small_spec, tmp_path_factory, settings):
    """Whatever the journeys, every case is in exactly one route: the routes' cases, goals,
    dropouts and open cases add up to the whole chain's."""
    folder = tmp_path_factory.mktemp("routes")
    settings.KETEN_DATA_DIR = folder / "data"
    chain = save_chain_spec(dataclasses.replace(small_spec, slug=f"r-{folder.name}"[:50]))
    activity = {"a": "intake", "b": "start"}
    cases = {}
    for i, partners in enumerate(journeys):
        steps = [(p, activity[p], day) for day, p in enumerate(partners)]
        if finish[i]:
            steps.append(("a", "afgerond", len(partners)))
        cases[f"z{i}"] = steps
    deliver(chain, folder, cases)
    routes = metrics.chain_metrics(chain, use_cache=False).routes
    per_route, whole = routes[routes["route"] != ALL_ROUTES], routes[routes["route"] == ALL_ROUTES].iloc[0]
    for column in ("cases", "reached", "dropped", "open"):
        assert per_route[column].sum() == whole[column], column
    assert whole["cases"] == len(journeys)
    assert whole["reached"] == sum(finish[: len(journeys)])
    assert per_route["share"].sum() == pytest.approx(1.0)
