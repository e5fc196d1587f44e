"""Spreadsheet deliveries (.xlsx and .ods; .xls is read by the same reader): the same mapping,
checks, BSN guard and store as a CSV, row numbers as Excel shows them, and a clear refusal for
merged cells, hidden rows above the header and formulas nobody calculated."""

import datetime as dt

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from keten.events.actions import ingest_file
from keten.events.models import IngestBatch
from keten.events.store import active_batch_paths

pytestmark = pytest.mark.django_db
HEADER = ["Zaaknummer", "Activiteit", "Tijdstip", "Opmerking"]
MAPPING = {"case_id": "Zaaknummer", "activity": "Activiteit", "timestamp": "Tijdstip"}


def workbook(path, rows, *, title=True, sheet="Export"):
    """An Excel export as a municipal team makes one: a title line, an empty line, the header."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    if title:
        ws.append(["Export uit het zaaksysteem, maart 2024"])
        ws.append([])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    book.save(path)
    return book


def stored(chain) -> list[dict]:
    [path] = active_batch_paths(chain)
    return pq.read_table(path).sort_by("batch_row").to_pylist()


def test_typed_cells_are_stored_as_a_csv_would_be(small_chain, tmp_path):
    path = tmp_path / "export.xlsx"
    workbook(
        path,
        [
            [12345, "aanmelding", dt.datetime(2024, 3, 1, 9, 0), "eerste"],  # a number, a date cell
            ["k2", "aanmelding", 45353.5, None],  # a serial date: 2024-03-02 12:00
            ["k2", "intake", "2024-03-04 12:00:00", 7.5],  # a date as text
            [None, None, None, None],  # an empty line between blocks
            [12345, "intake", dt.datetime(2024, 3, 5, 10, 30), ""],
        ],
    )
    report = ingest_file(small_chain, path, partner="a", mapping=MAPPING)
    assert report.status == "stored", report.as_dict()
    assert report.format == "xlsx" and report.rows_read == report.rows_stored == 4
    rows = stored(small_chain)
    assert [r["case_id"] for r in rows] == ["12345", "k2", "k2", "12345"]  # not 12345.0
    local = [r["timestamp"].astimezone(dt.timezone(dt.timedelta(hours=1))).replace(tzinfo=None) for r in rows]
    assert local == [
        dt.datetime(2024, 3, 1, 9, 0),
        dt.datetime(2024, 3, 2, 12, 0),
        dt.datetime(2024, 3, 4, 12, 0),
        dt.datetime(2024, 3, 5, 10, 30),
    ]
    # The delivery position is the spreadsheet row: header on row 3, events on rows 4-6 and 8.
    assert [r["batch_row"] for r in rows] == [4, 5, 6, 8]
    assert IngestBatch.objects.get().source_format == "xlsx"


def test_a_row_problem_names_the_row_excel_shows(small_chain, tmp_path):
    path = tmp_path / "export.xlsx"
    workbook(
        path,
        [["k1", "aanmelding", dt.datetime(2024, 3, 1, 9)], ["k1", "onbekend", dt.datetime(2024, 3, 2, 9)]],
    )
    report = ingest_file(small_chain, path, partner="a", mapping=MAPPING)
    assert report.status == "rejected" and not active_batch_paths(small_chain)
    [problem] = report.problems
    assert problem.code == "unknown_activity" and problem.rows == [5]


def test_merged_cells_are_refused_with_the_cells_named(small_chain, tmp_path):
    path = tmp_path / "export.xlsx"
    book = workbook(
        path, [["k1", "aanmelding", dt.datetime(2024, 3, 1, 9)], ["k2", "intake", dt.datetime(2024, 3, 2, 9)]]
    )
    book.active.merge_cells("A4:A5")
    book.save(path)
    report = ingest_file(small_chain, path, partner="a", mapping=MAPPING)
    [problem] = report.problems
    assert problem.code == "merged_cells" and "A4:A5" in problem.message and "unmerge" in problem.message
    assert not active_batch_paths(small_chain) and report.rows_stored == 0


def test_a_hidden_row_above_the_header_is_refused(small_chain, tmp_path):
    path = tmp_path / "export.xlsx"
    book = workbook(path, [["k1", "aanmelding", dt.datetime(2024, 3, 1, 9)]])
    book.active.row_dimensions[2].hidden = True
    book.save(path)
    [problem] = ingest_file(small_chain, path, partner="a", mapping=MAPPING).problems
    assert problem.code == "hidden_rows" and "row 2" in problem.message and "(row 3)" in problem.message


def test_formulas_nobody_calculated_are_refused_with_the_cells_named(small_chain, tmp_path):
    path = tmp_path / "export.xlsx"
    book = workbook(path, [["k1", "aanmelding", dt.datetime(2024, 3, 1, 9)], ["k1", "intake", "=C4+1"]])
    book.save(path)  # openpyxl writes formulas without a cached result, as some exporters do
    [problem] = ingest_file(small_chain, path, partner="a", mapping=MAPPING).problems
    assert problem.code == "uncalculated_formulas" and "C5" in problem.message
    assert not active_batch_paths(small_chain)


def test_the_mapping_chooses_the_sheet_and_a_missing_one_is_named(small_chain, tmp_path):
    path = tmp_path / "export.xlsx"
    book = workbook(path, [["k1", "aanmelding", dt.datetime(2024, 3, 1, 9)]], sheet="Toelichting")
    events = book.create_sheet("Gebeurtenissen")
    events.append(HEADER)
    events.append(["k9", "intake", dt.datetime(2024, 3, 2, 9)])
    book.save(path)
    report = ingest_file(small_chain, path, partner="a", mapping={**MAPPING, "sheet": "Gebeurtenissen"})
    assert report.status == "stored" and [r["case_id"] for r in stored(small_chain)] == ["k9"]
    [problem] = ingest_file(small_chain, path, partner="a", mapping={**MAPPING, "sheet": "Blad1"}).problems
    assert problem.code == "missing_sheet" and "Toelichting, Gebeurtenissen" in problem.message


def test_a_bsn_in_any_cell_refuses_the_file_as_in_a_csv(small_chain, tmp_path):
    path = tmp_path / "export.xlsx"
    workbook(path, [["k1", "aanmelding", dt.datetime(2024, 3, 1, 9), 111222333]])
    report = ingest_file(small_chain, path, partner="a", mapping=MAPPING)
    assert any(p.code == "bsn_found" and p.field == "Opmerking" for p in report.problems)
    assert not active_batch_paths(small_chain)


def test_an_ods_file_is_read_the_same_way(small_chain, tmp_path):
    path = tmp_path / "export.ods"
    frame = pd.DataFrame(
        [["k1", "aanmelding", dt.datetime(2024, 3, 1, 9)], ["k1", "intake", dt.datetime(2024, 3, 2, 10, 30)]],
        columns=HEADER[:3],
    )
    frame.to_excel(path, engine="odf", index=False)
    report = ingest_file(small_chain, path, partner="a", mapping=MAPPING)
    assert report.status == "stored", report.as_dict()
    assert report.format == "ods" and [r["activity"] for r in stored(small_chain)] == ["aanmelding", "intake"]


def test_a_zip_that_is_no_spreadsheet_is_refused_clearly(small_chain, tmp_path):
    import zipfile

    path = tmp_path / "levering.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("events.csv", "case_id,activity,timestamp\n")
    [problem] = ingest_file(small_chain, path, partner="a").problems
    assert "unpack it" in problem.message


def test_an_analyst_uploads_an_excel_export_through_the_page(client, personas, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    partner = personas.chain.partners.get(code="a")
    partner.column_mapping = MAPPING
    partner.save()
    path = tmp_path / "export.xlsx"
    workbook(
        path, [["k1", "aanmelding", dt.datetime(2024, 3, 1, 9)], ["k1", "intake", dt.datetime(2024, 3, 2, 9)]]
    )
    client.force_login(personas.analyst_a)
    response = client.post(
        "/ketens/klein/leveringen/",
        {"partner": partner.pk, "file": SimpleUploadedFile("export.xlsx", path.read_bytes())},
    )
    assert response.status_code == 200
    batch = IngestBatch.objects.get()
    assert (
        batch.rows_stored == 2
        and batch.source_format == "xlsx"
        and batch.batch_id in response.content.decode()
    )
