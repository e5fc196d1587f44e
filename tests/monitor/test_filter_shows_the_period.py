"""The filter bar shows real months, never a browser's empty "---------- ----": an empty month
field shows the first or last month the figures cover, and "as at the end of" is a list of
finished months after "now"."""

import datetime as dt

import pytest

from keten.monitor.forms import FilterForm

pytestmark = pytest.mark.django_db


def test_empty_month_fields_show_the_period_the_figures_cover():
    form = FilterForm()
    form.show_period(dt.date(2024, 1, 9), dt.date(2024, 12, 30), today=dt.date(2025, 1, 15))
    html = form.as_div()
    assert 'type="month" name="start" value="2024-01"' in html
    assert 'type="month" name="end" value="2024-12"' in html


def test_a_chosen_month_is_shown_as_chosen():
    form = FilterForm({"start": "2024-05", "end": ""})
    form.show_period(dt.date(2024, 1, 9), dt.date(2024, 12, 30), today=dt.date(2025, 1, 15))
    html = form.as_div()
    assert 'name="start" value="2024-05"' in html and 'name="end" value="2024-12"' in html


def test_as_at_the_end_of_offers_now_and_the_finished_months_latest_first():
    form = FilterForm()
    form.show_period(dt.date(2024, 10, 2), dt.date(2025, 1, 20), today=dt.date(2025, 1, 21))
    choices = [value for value, _ in form.fields["as_of"].widget.choices]
    assert choices == ["", "2024-12", "2024-11", "2024-10"]  # January is not over yet


def test_an_older_month_asked_for_by_address_stays_selected():
    form = FilterForm({"as_of": "2019-03"})
    form.show_period(dt.date(2024, 10, 2), dt.date(2025, 1, 20), today=dt.date(2025, 1, 21))
    assert '<option value="2019-03" selected>' in form.as_div()


def test_the_monitor_pages_show_the_months_of_their_data(client, monitored):
    client.force_login(monitored.coordinator)
    html = client.get(f"/ketens/{monitored.chain.slug}/monitor/normen/").content.decode()
    assert 'type="month" name="start" value="2024-' in html
    assert 'type="month" name="end" value="20' in html
