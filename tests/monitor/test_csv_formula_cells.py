"""A delivered value that a spreadsheet would run as a formula reaches the CSV as text."""

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from keten.csvsafe import FORMULA_STARTS, safe_cell
from keten.events.actions import ingest_file

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("https://example.org/x","klik")', "+31-6-1234", "-2+3", "@SUM(A1)"]


def test_case_ids_starting_with_a_formula_sign_are_escaped_in_cases_csv(client, personas, tmp_path):
    rows = ["case_id,activity,timestamp"]
    rows += [
        f'"{case.replace(chr(34), chr(34) * 2)}",aanmelding,2024-03-0{i + 1} 09:00:00'
        for i, case in enumerate(HOSTILE)
    ]
    rows.append("gewoon,aanmelding,2024-03-09 09:00:00")
    path = tmp_path / "a.csv"
    path.write_text("\n".join(rows) + "\n")
    report = ingest_file(personas.chain, path, partner="a")
    assert report.status == "stored" and report.rows_stored == 5, report

    client.force_login(personas.coordinator)
    response = client.get(reverse("monitor-csv", args=[personas.chain.slug, "cases"]))
    assert response.status_code == 200
    table = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    cases = {row["case_id"] for row in table}
    assert cases == {"'" + case for case in HOSTILE} | {"gewoon"}
    # Numbers stay numbers: the durations and counts are not prefixed.
    assert all(not value.startswith("'") for row in table for key, value in row.items() if key != "case_id")


@given(st.text(max_size=20) | st.floats(allow_nan=False).map(str) | st.integers().map(str))
def test_no_cell_reaches_a_spreadsheet_as_a_formula(value):
    written = safe_cell(value)
    try:
        float(value)
        numeric = True
    except ValueError:
        numeric = False
    if numeric:
        assert written == value
    else:
        assert not written.startswith(FORMULA_STARTS)
        assert written in (value, "'" + value)
