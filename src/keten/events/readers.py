"""Readers: turn a partner's file (CSV, XES, gzipped XES, Parquet; spreadsheets in
`spreadsheets`) into a DuckDB view `src`.

`src` has the file's own columns (text for CSV and XES, native types for Parquet), scanned in
file order. For CSV it is a view straight over the file: the big path (validation, storing)
parses it once, in parallel, and never holds a copy of the raw file in memory. Row numbers
are positions in that order plus `Source.row_offset`: for CSV the line number counting the
header as row 1, for XES the event's position in the log, for Parquet the row's position.
`materialize_rows` makes `src_rows` (the source with `_row`) when rows must be looked up.
Every failure becomes a `ReadError` with a message for the person who delivered the file.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import duckdb
from django.utils.translation import gettext as _

from keten.mapping import ENCODINGS

XES_BATCH = 50_000  # events per batch at most
XES_BATCH_CELLS = 1_000_000  # values per batch at most (events times columns)
SNIFF_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
XES_VALUE_TAGS = {"string", "date", "int", "float", "boolean", "id"}


class ReadError(Exception):
    """The file cannot be read; `message` says why and what to do."""

    def __init__(self, message: str, code: str = "unreadable"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Source:
    format: str  # csv, xes, parquet, xlsx, xls, ods
    columns: list[str]
    types: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    encoding: str = ""
    delimiter: str = ""
    row_offset: int = 1


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value) -> str:
    """A text (a file path, a code, a format) as a quoted SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def sniff_format(path: Path) -> str:
    """Return csv, csv.gz, xes, xes.gz, parquet, xlsx, xls or ods from the file's first bytes
    (not its name)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE file: Excel 97-2003
        return "xls"
    if head[:4] == b"PK\x03\x04":
        from keten.events.spreadsheets import sniff_zip

        return sniff_zip(path)
    if head[:2] == b"\x1f\x8b":
        try:
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        except zlib.error as exc:
            raise ReadError(_("The file looks gzipped but cannot be unpacked; send it again.")) from exc
        return "xes.gz" if _looks_like_xml(inner) else "csv.gz"
    return "xes" if _looks_like_xml(head) else "csv"


def _looks_like_xml(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") or text.startswith(b"<log")


def load_source(con: duckdb.DuckDBPyConnection, path: Path, mapping: dict, workdir: Path) -> Source:
    """Create the view `src` over the file in `con` and describe it."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(_("File %(file)s does not exist.") % {"file": path.name})
    if path.stat().st_size == 0:
        raise ReadError(
            _("File %(file)s is empty: it holds no events.") % {"file": path.name}, code="empty_file"
        )
    kind = sniff_format(path)
    if kind.startswith("xes"):
        source = _load_xes(con, path, gzipped=kind == "xes.gz", workdir=workdir)
    elif kind == "parquet":
        source = _load_parquet(con, path)
    elif kind in ("xlsx", "xls", "ods"):
        from keten.events.spreadsheets import load_spreadsheet

        source = load_spreadsheet(con, path, mapping, workdir, kind)
    else:
        source = _load_csv(con, path, mapping, workdir, gzipped=kind == "csv.gz")
    return source


def materialize_rows(con: duckdb.DuckDBPyConnection, source: Source) -> str:
    """Create (once) and return the name of `src_rows`: the source with its `_row` numbers."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'src_rows' AND NOT internal"
    ).fetchone()[0]
    if not exists:
        if source.format == "csv":
            con.execute("CREATE OR REPLACE TABLE src_copy AS SELECT * FROM src")
            offset = int(source.row_offset)
            con.execute(
                f"CREATE OR REPLACE VIEW src_rows AS SELECT *, rowid + {offset} AS _row FROM src_copy"  # noqa: S608
            )
        else:
            con.execute("CREATE OR REPLACE VIEW src_rows AS SELECT * FROM src_numbered")
    return "src_rows"


def reopen_csv(
    con: duckdb.DuckDBPyConnection, path: Path, source: Source, encoding: str, workdir: Path
) -> None:
    """Point `src` at the file again, transcoded from `encoding` (a late non-UTF-8 byte)."""
    target = workdir / "source.utf8.csv"
    try:
        _transcode(path, encoding, target, gzipped=sniff_format(path) == "csv.gz")
    except UnicodeDecodeError as exc:
        raise ReadError(
            _(
                "File %(file)s is neither UTF-8 nor %(encoding)s text (byte %(byte)s). "
                "Save it as UTF-8, or set 'encoding' in the partner's column mapping."
            )
            % {"file": path.name, "encoding": _encoding_name(encoding), "byte": exc.start}
        ) from exc
    _csv_view(con, target, source.delimiter)
    source.encoding = encoding


# --- CSV -----------------------------------------------------------------------------------


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _detect_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _transcode(path: Path, encoding: str, target: Path, gzipped: bool) -> None:
    """Stream the file into UTF-8 (chunk by chunk, never whole), dropping a byte order mark."""
    opener = gzip.open if gzipped else open
    decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf-8" else encoding)()
    with opener(path, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(1 << 22):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))


def _load_csv(con, path: Path, mapping: dict, workdir: Path, gzipped: bool) -> Source:
    opener = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise ReadError(
            _("File %(file)s cannot be unpacked: %(reason)s.") % {"file": path.name, "reason": exc}
        ) from exc
    requested = mapping.get("encoding")
    encoding = ENCODINGS[str(requested).lower()] if requested else _detect_encoding(head)
    first_line = codecs.decode(
        head.split(b"\n", 1)[0], "utf-8" if encoding == "utf-8" else encoding, "replace"
    )
    delimiter = mapping.get("delimiter") or _detect_delimiter(first_line)
    if "\x00" in first_line and encoding != "utf-16":
        raise ReadError(
            _(
                "File %(file)s is not a text (CSV) file: it contains binary data. "
                "Deliver CSV, XES, Parquet or a spreadsheet."
            )
            % {"file": path.name}
        )

    target = workdir / "source.utf8.csv"
    try:
        if encoding == "utf-8" and not gzipped and not head.startswith(codecs.BOM_UTF8):
            _csv_view(con, path, delimiter)
        else:
            # Transcoded once into the scratch directory; removed with it after the delivery.
            _transcode(path, encoding, target, gzipped)
            _csv_view(con, target, delimiter)
    except UnicodeDecodeError as exc:
        raise ReadError(
            _(
                "File %(file)s is not valid %(encoding)s text (byte %(byte)s cannot be read). Save it as "
                "UTF-8, or set 'encoding' in the partner's column mapping."
            )
            % {"file": path.name, "encoding": _encoding_name(encoding), "byte": exc.start}
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ReadError(
            _("File %(file)s cannot be read: %(reason)s.") % {"file": path.name, "reason": exc}
        ) from exc
    except duckdb.OutOfMemoryException:
        raise  # not the file's fault: the caller's message names the memory setting
    except duckdb.Error as exc:
        raise ReadError(csv_error_message(path.name, delimiter, exc)) from exc

    columns = [r[0] for r in con.execute("DESCRIBE src").fetchall()]
    types = dict.fromkeys(columns, "VARCHAR")
    return Source("csv", columns, types, encoding=encoding, delimiter=delimiter, row_offset=2)


def _csv_view(con, csv_path: Path, delimiter: str) -> None:
    literal = sql_literal(csv_path)
    delim = sql_literal(delimiter)
    con.execute(
        "CREATE OR REPLACE VIEW src AS SELECT * FROM read_csv("  # noqa: S608 (quoted literals)
        f"{literal}, all_varchar = true, header = true, delim = {delim}, quote = '\"', escape = '\"', "
        "strict_mode = true, null_padding = false, auto_detect = true)"
    )
    con.execute("DESCRIBE src").fetchall()  # sniffs the header now, so a broken file fails here


def _encoding_name(encoding: str) -> str:
    return {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1"}.get(encoding, encoding)


def csv_error_message(name: str, delimiter: str, exc: Exception) -> str:
    text = str(exc)
    found = re.search(r"[Ll]ine:?\s*(\d+)", text)
    values = {"file": name, "line": found.group(1) if found else "", "delimiter": delimiter}
    if delimiter == "\t":
        values["delimiter"] = _("tab")
    # Whole sentences with and without the line, so translations need not glue pieces together.
    if "unicode" in text.lower():
        if found:
            message = _(
                "File %(file)s contains bytes that are not valid UTF-8 near line %(line)s. Save it as "
                "UTF-8, or set 'encoding' (e.g. windows-1252) in the partner's column mapping."
            )
        else:
            message = _(
                "File %(file)s contains bytes that are not valid UTF-8. Save it as UTF-8, or set "
                "'encoding' (e.g. windows-1252) in the partner's column mapping."
            )
    elif found:
        message = _(
            "File %(file)s is not a well-formed CSV file near line %(line)s (delimiter '%(delimiter)s', "
            'fields quoted with "). Check that every row has as many fields as the header and that '
            "quotes are closed, or set 'delimiter' in the partner's column mapping."
        )
    else:
        message = _(
            "File %(file)s is not a well-formed CSV file (delimiter '%(delimiter)s', fields quoted "
            'with "). Check that every row has as many fields as the header and that quotes are '
            "closed, or set 'delimiter' in the partner's column mapping."
        )
    return message % values


# --- XES -----------------------------------------------------------------------------------


class XesColumns:
    """The column names of an XES log's keys, given in the order the keys first appear.

    XES keys are case-sensitive, DuckDB's column names are not: a key whose name is already
    taken, ignoring case, by an earlier key gets `~2` appended (then `~3`, ...), so `Permit ID`
    and a later `Permit id` become the columns `Permit ID` and `Permit id~2`. Trace attributes
    are named `case:<key>` first. `_row` is taken: it numbers the events.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self._taken = {"_row"}

    def add(self, key: str) -> int:
        """Name a new key; return its column's position."""
        name, n = key, 1
        while name.lower() in self._taken:
            n += 1
            name = f"{key}~{n}"
        self._taken.add(name.lower())
        self.names.append(name)
        return len(self.names) - 1


def xes_column_names(keys) -> list[str]:
    """The columns that keys (in order of first appearance) get; see `XesColumns`."""
    columns = XesColumns()
    return [columns.names[columns.add(key)] for key in keys]


def _load_xes(con, path: Path, gzipped: bool, workdir: Path) -> Source:
    """Stream the log through expat into Parquet batches of text, one element at a time.

    expat hands each element's attributes over as a dict built in C, so an attribute costs a
    few dictionary look-ups and one assignment into a list per column (preallocated for the
    batch). A trace's attributes are written once per trace, into the rows of its events,
    wherever in the trace they stand. A batch holds at most XES_BATCH_CELLS values, however
    wide the log, and DuckDB writes it to a Parquet file in the scratch directory: `src` reads
    those files, so the log takes no DuckDB memory until it is validated, and a key first
    seen late costs no rewrite. Only an element's own attributes count (as PM4Py reads them):
    values nested in a list or in another attribute, and the log's globals, are left out.
    """
    import numpy as np  # here, not at the top: a CSV delivery (and the CLI's start-up) need none

    columns = XesColumns()
    event_keys: dict[str, int] = {}  # key -> column position
    trace_keys: dict[str, int] = {}
    kinds: dict[str, str] = {}  # element name -> "event", "trace", "value" or ""
    files: list[str] = []
    cells: list[list] = []
    state = {"capacity": XES_BATCH, "rows": 0, "done": 0, "trace_start": 0}
    depth = 0
    event_depth = trace_depth = -1  # depth of the open event and trace (-1: none open)
    trace_values: list[tuple[int, str]] = []

    def new_column(name: str) -> int:
        position = columns.add(name)
        # Fewer rows per batch as the log gets wider (but room for the row being read).
        state["capacity"] = max(
            state["rows"] + 1, min(state["capacity"], XES_BATCH_CELLS // len(columns.names))
        )
        cells.append([None] * state["capacity"])
        return position

    def fill_trace() -> None:
        start, rows = state["trace_start"], state["rows"]
        for position, value in trace_values:
            cells[position][start:rows] = [value] * (rows - start)

    def flush() -> None:
        nonlocal cells
        fill_trace()
        rows, done = state["rows"], state["done"]
        if not rows:
            return
        # DuckDB scans the numpy arrays itself: no pandas or pyarrow, NULL where a key is absent.
        batch = {"_row": np.arange(done + 1, done + rows + 1, dtype=np.int64)}
        batch.update((f"c{i}", np.array(values[:rows], dtype=object)) for i, values in enumerate(cells))
        files.append(str(workdir / f"xes-{len(files):06d}.parquet"))
        selected = ", ".join(
            ["_row"] + [f"CAST(c{i} AS VARCHAR) AS {quote_ident(n)}" for i, n in enumerate(columns.names)]
        )
        con.register("xes_batch", batch)
        try:
            # Uncompressed: the file lives only as long as the delivery.
            con.execute(
                f"COPY (SELECT {selected} FROM xes_batch) TO {sql_literal(files[-1])} "  # noqa: S608
                "(FORMAT parquet, COMPRESSION uncompressed)"
            )
        finally:
            con.unregister("xes_batch")
        state.update(done=done + rows, rows=0, trace_start=0)
        state["capacity"] = max(1, min(XES_BATCH, XES_BATCH_CELLS // max(1, len(columns.names))))
        cells = [[None] * state["capacity"] for _name in columns.names]

    def kind_of(name: str) -> str:
        local = name.rpartition(":")[2]
        kind = kinds[name] = (
            local if local in ("event", "trace") else "value" if local in XES_VALUE_TAGS else ""
        )
        return kind

    def start(name: str, attrs: dict) -> None:
        nonlocal depth, event_depth, trace_depth
        depth += 1
        kind = kinds.get(name) or kind_of(name)
        if kind == "value":
            key = attrs.get("key")
            if key is None:
                return
            if depth == event_depth + 1:
                position = event_keys.get(key)
                if position is None:
                    position = event_keys[key] = new_column(key)
                cells[position][state["rows"]] = attrs.get("value")
            elif depth == trace_depth + 1 and event_depth < 0:
                position = trace_keys.get(key)
                if position is None:
                    position = trace_keys[key] = new_column(f"case:{key}")
                trace_values.append((position, attrs.get("value")))
        elif kind == "event" and event_depth < 0:
            event_depth = depth
        elif kind == "trace" and trace_depth < 0 and event_depth < 0:
            trace_depth = depth
            state["trace_start"] = state["rows"]

    def end(_name: str) -> None:
        nonlocal depth, event_depth, trace_depth
        if depth == event_depth:
            event_depth = -1
            state["rows"] += 1
            if state["rows"] >= state["capacity"]:
                flush()
        elif depth == trace_depth:
            fill_trace()
            trace_depth = -1
            trace_values.clear()
        depth -= 1

    def refuse_entities(*_args) -> None:
        raise ReadError(
            _(
                "File %(file)s declares XML entities (a DTD); Keten does not expand them. "
                "Export the log again without a DTD."
            )
            % {"file": path.name}
        )

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = refuse_entities
    try:
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as handle:
            parser.ParseFile(handle)
        flush()
    except expat.ExpatError as exc:
        raise ReadError(
            _(
                "File %(file)s is not well-formed XES (XML error at line %(line)s: %(reason)s). "
                "Export the log again."
            )
            % {"file": path.name, "line": exc.lineno, "reason": expat.ErrorString(exc.code)}
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ReadError(
            _("File %(file)s cannot be unpacked or read: %(reason)s.") % {"file": path.name, "reason": exc}
        ) from exc
    if not files:
        raise ReadError(_("File %(file)s holds no events.") % {"file": path.name}, code="empty_file")
    names = columns.names
    # union_by_name: a batch without a key that a later batch has reads it as NULL. The files are
    # read in the order listed, so rows keep the log's order.
    con.execute(
        "CREATE OR REPLACE VIEW src_raw AS SELECT * FROM read_parquet("  # noqa: S608 (quoted literals)
        f"[{', '.join(map(sql_literal, files))}], union_by_name = true)"
    )
    selected = ", ".join(map(quote_ident, names))
    con.execute(f"CREATE OR REPLACE VIEW src AS SELECT {selected} FROM src_raw")  # noqa: S608
    con.execute(f"CREATE OR REPLACE VIEW src_numbered AS SELECT {selected}, _row FROM src_raw")  # noqa: S608
    return Source("xes", names, dict.fromkeys(names, "VARCHAR"), encoding="utf-8")


# --- Parquet -------------------------------------------------------------------------------


def _load_parquet(con, path: Path) -> Source:
    try:
        literal = sql_literal(path)
        con.execute(
            "CREATE OR REPLACE VIEW src_file AS "  # noqa: S608 (a quoted literal)
            f"SELECT * FROM read_parquet({literal}, file_row_number = true)"
        )
        described = con.execute("DESCRIBE src_file").fetchall()
    except duckdb.Error as exc:
        raise ReadError(
            _("File %(file)s is not a readable Parquet file: %(reason)s.")
            % {"file": path.name, "reason": _first_line(exc)}
        ) from exc
    types = {name: kind for name, kind, *_rest in described if name != "file_row_number"}
    con.execute("CREATE OR REPLACE VIEW src AS SELECT * EXCLUDE (file_row_number) FROM src_file")
    con.execute(
        "CREATE OR REPLACE VIEW src_numbered AS SELECT * EXCLUDE (file_row_number), "
        "file_row_number + 1 AS _row FROM src_file"
    )
    return Source("parquet", list(types), types)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
