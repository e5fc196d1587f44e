"""Readers: turn a partner's file (CSV, XES, gzipped XES, Parquet) into a DuckDB view `src`.

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

import duckdb
import pyarrow as pa
from lxml import etree

from keten.events.mapping import ENCODINGS

XES_BATCH = 50_000
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
    format: str  # csv, xes, parquet
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
    """Return csv, csv.gz, xes, xes.gz or parquet from the file's first bytes (not its name)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:2] == b"\x1f\x8b":
        try:
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        except zlib.error as exc:
            raise ReadError("The file looks gzipped but cannot be unpacked; send it again.") from exc
        return "xes.gz" if _looks_like_xml(inner) else "csv.gz"
    return "xes" if _looks_like_xml(head) else "csv"


def _looks_like_xml(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") or text.startswith(b"<log")


def load_source(con: duckdb.DuckDBPyConnection, path: Path, mapping: dict, workdir: Path) -> Source:
    """Create the view `src` over the file in `con` and describe it."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"File {path.name} does not exist.")
    if path.stat().st_size == 0:
        raise ReadError(f"File {path.name} is empty: it holds no events.", code="empty_file")
    kind = sniff_format(path)
    if kind.startswith("xes"):
        source = _load_xes(con, path, gzipped=kind == "xes.gz")
    elif kind == "parquet":
        source = _load_parquet(con, path)
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
            f"File {path.name} is neither UTF-8 nor {_encoding_name(encoding)} text (byte {exc.start}). "
            "Save it as UTF-8, or set 'encoding' in the partner's column mapping."
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
        raise ReadError(f"File {path.name} cannot be unpacked: {exc}.") from exc
    requested = mapping.get("encoding")
    encoding = ENCODINGS[str(requested).lower()] if requested else _detect_encoding(head)
    first_line = codecs.decode(
        head.split(b"\n", 1)[0], "utf-8" if encoding == "utf-8" else encoding, "replace"
    )
    delimiter = mapping.get("delimiter") or _detect_delimiter(first_line)
    if "\x00" in first_line and encoding != "utf-16":
        raise ReadError(
            f"File {path.name} is not a text (CSV) file: it contains binary data. "
            "Deliver CSV, XES or Parquet."
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
            f"File {path.name} is not valid {_encoding_name(encoding)} text (byte {exc.start} cannot be "
            "read). Save it as UTF-8, or set 'encoding' in the partner's column mapping."
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ReadError(f"File {path.name} cannot be read: {exc}.") from exc
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
    line = re.search(r"[Ll]ine:?\s*(\d+)", text)
    where = f" near line {line.group(1)}" if line else ""
    shown = {"\t": "tab"}.get(delimiter, delimiter)
    if "unicode" in text.lower():
        return (
            f"File {name} contains bytes that are not valid UTF-8{where}. Save it as UTF-8, "
            "or set 'encoding' (e.g. windows-1252) in the partner's column mapping."
        )
    return (
        f"File {name} is not a well-formed CSV file{where} (delimiter '{shown}', fields quoted with \"). "
        "Check that every row has as many fields as the header and that quotes are closed, or set "
        "'delimiter' in the partner's column mapping."
    )


# --- XES -----------------------------------------------------------------------------------


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _attributes(element) -> dict[str, str]:
    values = {}
    for child in element:
        if _local(child.tag) in XES_VALUE_TAGS:
            key = child.get("key")
            if key is not None:
                values[key] = child.get("value")
    return values


def _load_xes(con, path: Path, gzipped: bool) -> Source:
    """Stream the log with iterparse, clearing what has been read, in Arrow batches of text."""
    columns: list[str] = []
    con.execute("CREATE OR REPLACE TABLE src_raw (_row BIGINT)")
    rows: list[dict[str, str]] = []
    count = 0

    def flush() -> None:
        nonlocal rows
        if not rows:
            return
        names = list(dict.fromkeys(k for r in rows for k in r))
        for name in names:
            if name not in columns:
                columns.append(name)
                con.execute(f"ALTER TABLE src_raw ADD COLUMN {quote_ident(name)} VARCHAR")
        batch = pa.table(
            {"_row": pa.array(range(count - len(rows) + 1, count + 1), pa.int64())}
            | {n: pa.array([r.get(n) for r in rows], pa.string()) for n in names}
        )
        con.register("xes_batch", batch)
        con.execute("INSERT INTO src_raw BY NAME SELECT * FROM xes_batch")
        con.unregister("xes_batch")
        rows = []

    trace = None
    trace_values: dict[str, str] = {}
    try:
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as handle:
            parser = etree.iterparse(
                handle,
                events=("end",),
                tag=("{*}event", "{*}trace"),
                resolve_entities=False,
                no_network=True,
                huge_tree=True,
                load_dtd=False,
            )
            for _, element in parser:
                if _local(element.tag) == "trace":
                    trace, trace_values = None, {}
                    element.clear()
                    _drop_previous(element)
                    continue
                parent = element.getparent()
                if parent is not None and _local(parent.tag) == "trace" and parent is not trace:
                    trace = parent
                    trace_values = {f"case:{k}": v for k, v in _attributes(parent).items()}
                rows.append(trace_values | _attributes(element))
                count += 1
                element.clear()
                if len(rows) >= XES_BATCH:
                    flush()
            flush()
    except etree.XMLSyntaxError as exc:
        raise ReadError(
            f"File {path.name} is not well-formed XES (XML error at line {exc.lineno}: {exc.msg}). "
            "Export the log again."
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ReadError(f"File {path.name} cannot be unpacked or read: {exc}.") from exc
    con.execute("CREATE OR REPLACE VIEW src AS SELECT * EXCLUDE (_row) FROM src_raw")
    con.execute("CREATE OR REPLACE VIEW src_numbered AS SELECT * FROM src_raw")
    return Source("xes", columns, dict.fromkeys(columns, "VARCHAR"), encoding="utf-8")


def _drop_previous(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]


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
        raise ReadError(f"File {path.name} is not a readable Parquet file: {_first_line(exc)}.") from exc
    types = {name: kind for name, kind, *_ in described if name != "file_row_number"}
    con.execute("CREATE OR REPLACE VIEW src AS SELECT * EXCLUDE (file_row_number) FROM src_file")
    con.execute(
        "CREATE OR REPLACE VIEW src_numbered AS SELECT * EXCLUDE (file_row_number), "
        "file_row_number + 1 AS _row FROM src_file"
    )
    return Source("parquet", list(types), types)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
