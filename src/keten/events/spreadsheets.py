"""Spreadsheet deliveries (.xlsx, .xls, .ods): one sheet, read with python-calamine into the
same text view `src` a CSV gives, so the column mapping, the checks, the BSN guard and the
store are those of every other delivery.

The header is the first of the sheet's first rows that names the case, activity and time
columns (a title may stand above it), else its first row with a value; rows keep their spreadsheet row numbers
(`src_numbered._row`), so a problem report points at the row a person sees in Excel. Cells
become text as CSV cells are: a number Excel stores as 12345.0 reads as 12345, a date cell as
2025-03-01 09:30:00. A timestamp column of plain numbers holds Excel serial dates (days since
1899-12-30) and is read as such. A sheet is refused, with what to do, when it has merged cells,
hidden rows above its data (in .xlsx) or formulas Excel never calculated (in .xlsx, whose
writer may leave the result out); `sheet` in the partner's column mapping names the sheet,
else the first visible one is read.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path
from xml.parsers import expat

import duckdb
from django.utils.translation import gettext as _

from keten.events.readers import ReadError, Source, quote_ident, sql_literal
from keten.mapping import resolve_columns

SPREADSHEET_KINDS = ("xlsx", "xls", "ods")
BATCH_ROWS = 50_000
HEADER_SEARCH_ROWS = 20  # the header may stand below a title, within this many rows
# Excel's serial day 0 (with its 1900 leap-year bug, serials from 1 March 1900 on are right)
# and the last serial it knows (31 December 9999).
SERIAL_EPOCH = "1899-12-30"
MAX_SERIAL = 2_958_465
SHOWN_CELLS = 5
# A formula cell of .xlsx without a cached result: <c r="E5"><f>D5*2</f><v></v></c>.
UNCALCULATED = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>\s*(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)
XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sniff_zip(path: Path) -> str:
    """xlsx or ods for a zip file that is one of them; ReadError for any other zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "content.xml" in names and "mimetype" in names:
                if archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet":
                    return "ods"
    except zipfile.BadZipFile as exc:
        raise ReadError(
            _("File %(file)s looks like a zip file but cannot be opened; send it again.")
            % {"file": path.name}
        ) from exc
    raise ReadError(
        _(
            "File %(file)s is a zip file, not a spreadsheet or an event log: unpack it and deliver the "
            "CSV, XES, Excel or Parquet file inside."
        )
        % {"file": path.name}
    )


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def load_spreadsheet(
    con: duckdb.DuckDBPyConnection, path: Path, mapping: dict, workdir: Path, kind: str
) -> Source:
    """Create the views `src` and `src_numbered` over one sheet of the workbook."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise ReadError(
            _("File %(file)s is protected with a password: save it without one and deliver it again.")
            % {"file": path.name}
        ) from exc
    except (CalamineError, OSError, ValueError) as exc:
        raise ReadError(
            _(
                "File %(file)s cannot be read as a spreadsheet (%(reason)s): "
                "save it again from Excel or LibreOffice."
            )
            % {"file": path.name, "reason": str(exc).strip().splitlines()[0] if str(exc).strip() else kind}
        ) from exc
    try:
        name = _sheet_name(workbook, mapping, path, SheetVisibleEnum.Visible)
        sheet = workbook.get_sheet_by_name(name)
        source = _write_sheet(con, sheet, name, path, mapping, workdir, kind)
    except CalamineError as exc:
        raise ReadError(
            _(
                "Sheet '%(sheet)s' of file %(file)s cannot be read (%(reason)s): "
                "save it again from Excel or LibreOffice."
            )
            % {"sheet": mapping.get("sheet", ""), "file": path.name, "reason": str(exc).strip()[:200]}
        ) from exc
    finally:
        workbook.close()
    return source


def _sheet_name(workbook, mapping: dict, path: Path, visible) -> str:
    wanted = mapping.get("sheet")
    names = list(workbook.sheet_names)
    if wanted:
        if wanted not in names:
            raise ReadError(
                _(
                    "File %(file)s has no sheet '%(sheet)s'; its sheets are: %(sheets)s. "
                    "Set 'sheet' in the partner's column mapping."
                )
                % {"file": path.name, "sheet": wanted, "sheets": ", ".join(names)},
                code="missing_sheet",
            )
        return wanted
    shown = [m.name for m in workbook.sheets_metadata if m.visible == visible]
    if not shown:
        raise ReadError(_("File %(file)s has no visible sheet.") % {"file": path.name}, code="empty_file")
    return shown[0]


def _write_sheet(con, sheet, name: str, path: Path, mapping: dict, workdir: Path, kind: str) -> Source:
    import numpy as np  # here, not at the top: a CSV delivery (and the CLI's start-up) need none

    if merged := list(sheet.merged_cell_ranges or []):
        ranges = [f"{_cell(*start)}:{_cell(*end)}" for start, end in merged[:SHOWN_CELLS]]
        raise ReadError(
            _(
                "Sheet '%(sheet)s' of file %(file)s has merged cells (%(cells)s). Merged cells hide which "
                "row a value belongs to: unmerge them, fill in every row and deliver the file again."
            )
            % {"sheet": name, "file": path.name, "cells": ", ".join(ranges)},
            code="merged_cells",
        )
    first_row, first_column = sheet.start or (0, 0)
    rows = sheet.iter_rows()
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    found = _header(head, first_column, mapping)
    if found is None:
        raise ReadError(
            _("Sheet '%(sheet)s' of file %(file)s is empty.") % {"sheet": name, "file": path.name},
            code="empty_file",
        )
    index, columns = found
    header_row = first_row + index  # 0-based
    if kind == "xlsx":
        _check_xlsx_sheet(path, name, header_row + 1)
    rows = itertools.chain(head[index + 1 :], rows)
    files: list[str] = []
    next_row = header_row + 2  # the spreadsheet row number of the first data row
    selected = ", ".join(
        ["_row"] + [f"CAST(c{i} AS VARCHAR) AS {quote_ident(c)}" for i, c in enumerate(columns)]
    )
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        # calamine gives every row the sheet's width. Each column becomes text in C (`map(str)`):
        # DuckDB would guess one type from the first rows of a mixed column and fail later.
        columns_of_batch = zip(*batch, strict=True)
        data = {"_row": np.arange(next_row, next_row + len(batch), dtype=np.int64)}
        data.update(
            (f"c{i}", np.array(list(map(str, values)), dtype=object))
            for i, values in enumerate(columns_of_batch)
        )
        files.append(str(workdir / f"sheet-{len(files):06d}.parquet"))
        con.register("sheet_batch", data)
        try:
            con.execute(
                f"COPY (SELECT {selected} FROM sheet_batch) TO {sql_literal(files[-1])} "  # noqa: S608
                "(FORMAT parquet, COMPRESSION uncompressed)"
            )
        finally:
            con.unregister("sheet_batch")
        next_row += len(batch)
    if not files:
        raise ReadError(
            _("Sheet '%(sheet)s' of file %(file)s has a header but no rows of events.")
            % {"sheet": name, "file": path.name},
            code="empty_file",
        )
    con.execute(
        "CREATE OR REPLACE VIEW sheet_raw AS SELECT * FROM read_parquet("  # noqa: S608 (quoted literals)
        f"[{', '.join(map(sql_literal, files))}])"
    )
    resolved, _problems = resolve_columns(mapping, columns)
    texts = ", ".join(_cell_text(c, is_timestamp=c == resolved.get("timestamp")) for c in columns)
    # A row with no value at all (an empty line between blocks) is no event.
    filled = " OR ".join(f"{quote_ident(c)} <> ''" for c in columns)
    con.execute(f"CREATE OR REPLACE VIEW src_numbered AS SELECT {texts}, _row FROM sheet_raw WHERE {filled}")  # noqa: S608
    con.execute(
        f"CREATE OR REPLACE VIEW src AS SELECT {', '.join(map(quote_ident, columns))} FROM src_numbered"  # noqa: S608
    )  # noqa: S608
    rows_read = con.execute("SELECT count(*) FROM src").fetchone()[0]
    return Source(kind, columns, dict.fromkeys(columns, "VARCHAR"), rows=rows_read, encoding="utf-8")


def _header(head: list[list], first_column: int, mapping: dict) -> tuple[int, list[str]] | None:
    """The header among the first rows: the first that names the case, activity and time
    columns (a title or an empty line may stand above it), else the first row with a value."""
    candidates = [
        (i, _column_names(row, first_column)) for i, row in enumerate(head) if any(v != "" for v in row)
    ]
    for i, names in candidates:
        if not resolve_columns(mapping, names)[1]:
            return i, names
    return candidates[0] if candidates else None


def _cell(row: int, column: int) -> str:
    return f"{column_letter(column)}{row + 1}"


def _column_names(header: list, first_column: int) -> list[str]:
    """The header cells as column names; an empty or repeated one is named by its column letter."""
    names: list[str] = []
    for i, value in enumerate(header):
        text = str(value).strip()
        if text.endswith(".0") and isinstance(value, float) and value.is_integer():
            text = text[:-2]
        letter = column_letter(first_column + i)
        if not text:
            text = _("column %(letter)s") % {"letter": letter}
        elif text in names:
            text = f"{text} ({letter})"
        names.append(text)
    return names


def _cell_text(column: str, *, is_timestamp: bool) -> str:
    """A cell as the text a CSV would hold: integers without '.0', empty cells NULL, and in the
    timestamp column a plain number as an Excel serial date."""
    c = quote_ident(column)
    text = f"nullif(regexp_replace({c}, '^(-?[0-9]+)\\.0$', '\\1'), '')"
    if is_timestamp:
        serial = f"TRY_CAST({c} AS DOUBLE)"
        text = (
            f"CASE WHEN regexp_full_match({c}, '[0-9]{{1,7}}(\\.[0-9]+)?') "
            f"AND {serial} BETWEEN 1 AND {MAX_SERIAL} "
            f"THEN strftime(TIMESTAMP '{SERIAL_EPOCH}' "
            f"+ to_microseconds(CAST(round({serial} * 86400) * 1000000 AS BIGINT)), "
            f"'%Y-%m-%d %H:%M:%S') ELSE {text} END"
        )
    return f"{text} AS {c}"


def _check_xlsx_sheet(path: Path, sheet: str, header_row: int) -> None:
    """Refuse hidden rows above the data and formulas without a cached result (xlsx only:
    calamine reads neither)."""
    with zipfile.ZipFile(path) as archive:
        member = _xlsx_sheet_member(archive, sheet)
        if member is None:
            return
        hidden = _hidden_rows_up_to(archive, member, header_row)
        if hidden:
            raise ReadError(
                _(
                    "Sheet '%(sheet)s' of file %(file)s hides row %(rows)s, at or above its header "
                    "(row %(header)s). What is read would differ from what you see: show the hidden rows, "
                    "delete what is not the header or the events, and deliver the file again."
                )
                % {
                    "sheet": sheet,
                    "file": path.name,
                    "rows": ", ".join(map(str, hidden)),
                    "header": header_row,
                },
                code="hidden_rows",
            )
        uncalculated = _uncalculated_cells(archive, member)
        if uncalculated:
            raise ReadError(
                _(
                    "Sheet '%(sheet)s' of file %(file)s has %(n)s formula cells without a calculated value "
                    "(%(cells)s): the program that wrote it did not calculate them. Open the file in "
                    "Excel or LibreOffice, save it, and deliver it again."
                )
                % {
                    "sheet": sheet,
                    "file": path.name,
                    "n": len(uncalculated),
                    "cells": ", ".join(uncalculated[:SHOWN_CELLS]),
                },
                code="uncalculated_formulas",
            )


def _xlsx_sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member that holds the named worksheet (workbook.xml -> its relationship)."""
    import xml.etree.ElementTree as ET

    workbook = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314 - a delivered workbook's own index
    rid = next(
        (s.get(f"{{{REL_NS}}}id") for s in workbook.iter(f"{XLSX_NS}sheet") if s.get("name") == sheet), None
    )
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
    if not target:
        return None
    member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return member if member in archive.namelist() else None


def _hidden_rows_up_to(archive: zipfile.ZipFile, member: str, last: int) -> list[int]:
    """Numbers of the hidden rows up to row `last`; stops reading there."""
    hidden: list[int] = []

    class Done(Exception):
        pass

    def start(name: str, attrs: dict) -> None:
        if name.rpartition(":")[2] != "row" and name != "row":
            return
        number = int(attrs.get("r", "0") or 0)
        if number > last:
            raise Done
        if attrs.get("hidden") in ("1", "true"):
            hidden.append(number)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    with archive.open(member) as handle:
        try:
            while chunk := handle.read(1 << 16):
                parser.Parse(chunk, False)
        except Done:
            pass
    return hidden


def _uncalculated_cells(archive: zipfile.ZipFile, member: str) -> list[str]:
    """The cells holding a formula without a cached value, read in chunks by one regex."""
    found: list[str] = []
    overlap = 1 << 16  # longer than any one cell's XML
    tail = b""
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(1 << 22)
            buffer = tail + chunk
            last = not chunk
            limit = len(buffer) if last else max(0, len(buffer) - overlap)
            for match in UNCALCULATED.finditer(buffer):
                if match.start() >= limit:
                    break
                found.append(match.group(1).decode())
            if last:
                return found
            tail = buffer[limit:]
