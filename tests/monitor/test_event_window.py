"""The plausible window of event times is the chain's (earliest_event, future_days): rows
outside it are row problems naming the chain's dates; a long history draws the latest periods."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from keten.events.actions import ingest_file

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Europe/Amsterdam")
GRAINS = ("day", "week", "month", "quarter", "year")


def local(moment: dt.datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")


def test_a_chain_narrows_its_window_and_the_message_names_its_dates(small_chain, write_file):
    small_chain.earliest_event = dt.date(2020, 1, 1)
    small_chain.future_days = 30
    small_chain.reject_policy = "quarantine"
    small_chain.save()
    in_three_weeks = local(dt.datetime.now(dt.UTC) + dt.timedelta(days=21))
    rows = (
        "case_id,activity,timestamp\nk1,aanmelding,2019-12-31\n"
        f"k2,aanmelding,{in_three_weeks}\nk3,intake,2020-01-02\n"
    )
    report = ingest_file(small_chain, write_file("x.csv", rows), partner="a")
    problems = {p.code: p for p in report.problems}
    assert set(problems) == {"early_timestamp"} and "2020-01-01" in problems["early_timestamp"].message
    assert problems["early_timestamp"].rows == [2] and report.rows_stored == 2


def test_the_default_window_ends_a_day_from_now(small_chain, write_file):
    small_chain.reject_policy = "quarantine"
    small_chain.save()
    now = dt.datetime.now(dt.UTC)
    rows = (
        "case_id,activity,timestamp\n"
        f"k1,aanmelding,{local(now + dt.timedelta(hours=23))}\n"
        f"k2,aanmelding,{local(now + dt.timedelta(hours=25))}\n"
    )
    report = ingest_file(small_chain, write_file("x.csv", rows), partner="a")
    assert [(p.code, p.rows) for p in report.problems] == [("future_timestamp", [3])]
    assert report.rows_stored == 1


def test_a_century_of_days_draws_the_latest_periods_and_says_so(client, personas, write_file):
    rows = "case_id,activity,timestamp\neeuw,aanmelding,1900-01-02\neeuw,afgerond,2024-03-01\n"
    ingest_file(personas.chain, write_file("a.csv", rows), partner="a")
    client.force_login(personas.coordinator)
    response = client.get(reverse("monitor-stages", args=[personas.chain.slug]) + "?grain=day")
    assert response.status_code == 200
    body = response.content.decode()
    assert "latest 366 periods" in body and "1900" in body
