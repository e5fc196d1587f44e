"""Each reader on real logs and on generated files: the same canonical events come out."""

import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from keten.events.readers import ReadError, sniff_format
from keten.events.validation import read_canonical


def events(path, **kwargs):
    table, problems = read_canonical(path, **kwargs)
    assert not [p for p in problems if p.file_level], [p.message for p in problems]
    return table, problems


def test_it_reads_the_running_example_xes_with_all_42_events(shared_data):
    table, problems = events(shared_data / "running-example.xes")
    assert table.num_rows == 42 and not problems
    assert len(set(table["case_id"].to_pylist())) == 6
    assert table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")


def test_xes_and_csv_of_the_receipt_log_give_identical_events(shared_data):
    xes, _ = events(shared_data / "receipt.xes")
    csv, _ = events(shared_data / "receipt.csv")
    assert xes.num_rows == csv.num_rows == 8577
    identity = ["case_id", "activity", "timestamp", "lifecycle", "occurrence"]
    assert xes.select(identity).to_pylist() == csv.select(identity).to_pylist()
    assert len(set(csv["case_id"].to_pylist())) == 1434
    assert len(set(csv["activity"].to_pylist())) == 27


def test_it_streams_gzipped_xes(shared_data):
    assert sniff_format(shared_data / "helpdesk.xes.gz") == "xes.gz"
    table, problems = events(shared_data / "helpdesk.xes.gz")
    assert table.num_rows == 21348 and not problems
    assert len(set(table["case_id"].to_pylist())) == 4580


def test_it_reads_the_semicolon_separated_sepsis_log_with_slashed_local_times(shared_data):
    table, problems = events(shared_data / "sepsis.csv")
    assert table.num_rows == 15214 and not problems
    first = table.filter(pa.compute.equal(table["case_id"], "A")).to_pylist()[0]
    # 2014/10/22 11:15:41 in Amsterdam summer time is 09:15:41 UTC
    assert first["activity"] == "ER Registration"
    assert first["timestamp"].isoformat() == "2014-10-22T09:15:41+00:00"


def test_road_traffic_csv_and_xes_agree(shared_data):
    xes, _ = events(shared_data / "roadtraffic100traces.xes")
    csv, _ = events(shared_data / "roadtraffic100traces.csv")
    assert xes.num_rows == csv.num_rows == 390
    assert xes["event_id"].to_pylist() == csv["event_id"].to_pylist()


def test_it_reads_utf8_with_a_byte_order_mark(write):
    path = write("bom.csv", "\ufeffcase_id,activity,timestamp\nk1,aanmelding,2024-03-01 09:00:00\n")
    table, _ = events(path)
    assert table["case_id"].to_pylist() == ["k1"]


def test_it_reads_windows_1252_with_accents_and_the_euro_sign(write):
    text = "zaak;handeling;datum;opmerking\nk1;aanmelding;01-03-2024 09:00;€ 12, café\n"
    path = write("ansi.csv", text, encoding="cp1252")
    table, _ = events(
        path,
        mapping={
            "case_id": "zaak",
            "activity": "handeling",
            "timestamp": "datum",
            "attributes": ["opmerking"],
        },
    )
    assert table.to_pylist()[0]["attributes"] == '{"opmerking":"€ 12, café"}'


def test_a_late_non_utf8_byte_falls_back_to_windows_1252(write):
    rows = "".join(f"k{i},aanmelding,2024-03-01 09:00:{i % 60:02d}\n" for i in range(5000))
    path = write(
        "late.csv", ("case_id,activity,timestamp\n" + rows + "k9,café,2024-03-01 10:00:00\n").encode("cp1252")
    )
    table, problems = read_canonical(path)
    assert "café" in table["activity"].to_pylist()


def test_it_reads_dutch_dates_as_amsterdam_time_by_default(write):
    path = write("nl.csv", "case_id,activity,timestamp\nk1,a,31-07-2024 14:05\nk2,a,15-01-2024 14:05:30\n")
    table, _ = events(path)
    assert [t.isoformat() for t in table["timestamp"].to_pylist()] == [
        "2024-07-31T12:05:00+00:00",
        "2024-01-15T13:05:30+00:00",
    ]


def test_a_time_zone_in_the_value_wins_and_the_mapping_sets_the_default(write):
    path = write(
        "tz.csv",
        "case_id,activity,timestamp\nk1,a,2024-07-31T14:05:00+02:00\nk2,a,2024-07-31T12:05:00Z\n",
    )
    table, _ = events(path)
    assert {t.isoformat() for t in table["timestamp"].to_pylist()} == {"2024-07-31T12:05:00+00:00"}
    local = write("local.csv", "case_id,activity,timestamp\nk1,a,2024-07-31 14:05:00\n")
    table, _ = events(local, mapping={"timezone": "UTC"})
    assert table["timestamp"].to_pylist()[0].isoformat() == "2024-07-31T14:05:00+00:00"


def test_an_explicit_timestamp_format_is_used(write):
    path = write("fmt.csv", "case_id,activity,timestamp\nk1,a,20240731 1405\n")
    table, _ = events(path, mapping={"timestamp_format": "%Y%m%d %H%M"})
    assert table["timestamp"].to_pylist()[0].isoformat() == "2024-07-31T12:05:00+00:00"


def test_a_mapping_renames_columns_and_translates_activity_values(write):
    path = write(
        "own.csv",
        'Zaaknummer|Handeling|Datum|Medewerker\nZ-1|"Aanmelding ontvangen"|2024-03-01|Piet\n',
    )
    mapping = {
        "case_id": "Zaaknummer",
        "activity": "Handeling",
        "timestamp": "Datum",
        "delimiter": "|",
        "activity_values": {"Aanmelding ontvangen": "aanmelding"},
        "attributes": ["Medewerker"],
    }
    row = events(path, mapping=mapping)[0].to_pylist()[0]
    assert (row["case_id"], row["activity"], row["attributes"]) == (
        "Z-1",
        "aanmelding",
        '{"Medewerker":"Piet"}',
    )


def test_it_reads_parquet_with_typed_and_text_timestamps(tmp_path):
    path = tmp_path / "events.parquet"
    pq.write_table(
        pa.table(
            {
                "case_id": ["k1", "k2"],
                "activity": ["a", "b"],
                "timestamp": pa.array(
                    [1_700_000_000_000_000, 1_700_000_060_000_000], pa.timestamp("us", tz="UTC")
                ),
            }
        ),
        path,
    )
    table, _ = events(path)
    assert (
        table.num_rows == 2 and table["timestamp"].to_pylist()[0].isoformat() == "2023-11-14T22:13:20+00:00"
    )


def test_a_gzipped_csv_is_read_too(tmp_path):
    path = tmp_path / "events.csv.gz"
    path.write_bytes(gzip.compress(b"case_id,activity,timestamp\nk1,a,2024-03-01 09:00:00\n"))
    assert events(path)[0].num_rows == 1


def test_an_unknown_binary_file_gets_a_clear_error(write):
    with pytest.raises(ReadError, match="not a text"):
        read_canonical(write("x.csv", b"\x00\x01\x02case\x00"))


def _xes_rows(con):
    return [dict(zip([d[0] for d in con.description], r, strict=True)) for r in con.fetchall()]


@pytest.mark.parametrize("batch", [1, 2, 3, 50_000])
def test_xes_batches_keep_trace_attributes_late_keys_and_order(tmp_path, monkeypatch, batch):
    """Traces that span batches, keys first seen late, a namespace and a comment: row by row."""
    import duckdb

    from keten.events import readers

    monkeypatch.setattr(readers, "XES_BATCH", batch)
    log = (
        '<?xml version="1.0"?><log xmlns="http://www.xes-standard.org/">'
        '<trace><string key="concept:name" value="t1"/><string key="Regio" value="noord"/>'
        '<event><string key="concept:name" value="a"/><!-- a comment --></event>'
        '<event><string key="concept:name" value="b"/><int key="Aantal" value="3"/></event>'
        '<event><string key="concept:name" value="c"/>'
        '<list key="Lijst"><string key="x" value="y"/></list></event>'
        "</trace>"
        '<trace><string key="concept:name" value="t2"/>'
        '<event><string key="concept:name" value="d"/><string key="Laat" value="ja"/></event>'
        "</trace></log>"
    )
    path = tmp_path / "batches.xes"
    path.write_text(log)
    con = duckdb.connect()
    source = readers.load_source(con, path, {}, tmp_path)
    assert source.columns == ["case:concept:name", "case:Regio", "concept:name", "Aantal", "Laat"]
    con.execute("SELECT * FROM src_numbered ORDER BY _row")
    assert _xes_rows(con) == [
        {
            "_row": 1,
            "case:concept:name": "t1",
            "case:Regio": "noord",
            "concept:name": "a",
            "Aantal": None,
            "Laat": None,
        },
        {
            "_row": 2,
            "case:concept:name": "t1",
            "case:Regio": "noord",
            "concept:name": "b",
            "Aantal": "3",
            "Laat": None,
        },
        {
            "_row": 3,
            "case:concept:name": "t1",
            "case:Regio": "noord",
            "concept:name": "c",
            "Aantal": None,
            "Laat": None,
        },
        {
            "_row": 4,
            "case:concept:name": "t2",
            "case:Regio": None,
            "concept:name": "d",
            "Aantal": None,
            "Laat": "ja",
        },
    ]


def test_a_trace_attribute_after_its_events_still_reaches_them(tmp_path):
    import duckdb

    from keten.events import readers

    path = tmp_path / "late-trace-attribute.xes"
    path.write_text(
        '<?xml version="1.0"?><log><trace>'
        '<event><string key="concept:name" value="a"/></event>'
        '<event><string key="concept:name" value="b"/></event>'
        '<string key="concept:name" value="t1"/></trace>'
        '<trace><string key="concept:name" value="t2"/><event><string key="concept:name" value="c"/></event>'
        "</trace></log>"
    )
    con = duckdb.connect()
    readers.load_source(con, path, {}, tmp_path)
    rows = con.execute(
        'SELECT "case:concept:name", "concept:name" FROM src_numbered ORDER BY _row'
    ).fetchall()
    assert rows == [("t1", "a"), ("t1", "b"), ("t2", "c")]


def test_an_xes_file_that_declares_entities_is_refused_with_a_message(write):
    path = write(
        "entities.xes",
        '<?xml version="1.0"?><!DOCTYPE log [<!ENTITY org "Politie">]>'
        '<log><trace><event><string key="org:resource" value="&org;"/></event></trace></log>',
    )
    with pytest.raises(ReadError, match="entities.xes declares XML entities"):
        read_canonical(path)


def test_a_wide_xes_is_read_in_batches_of_bounded_size(tmp_path, monkeypatch):
    import duckdb

    from keten.events import readers

    monkeypatch.setattr(readers, "XES_BATCH_CELLS", 100)
    attributes = "".join(f'<string key="k{i}" value="v{i}"/>' for i in range(40))
    events = "".join(
        f'<event><string key="concept:name" value="e{n}"/>{attributes}</event>' for n in range(25)
    )
    path = tmp_path / "wide.xes"
    path.write_text(
        f'<?xml version="1.0"?><log><trace><string key="concept:name" value="t"/>{events}</trace></log>'
    )
    con = duckdb.connect()
    source = readers.load_source(con, path, {}, tmp_path)
    assert len(source.columns) == 42
    assert con.execute(
        'SELECT count(*), count(DISTINCT "concept:name"), min("k39"), max("case:concept:name") FROM src'
    ).fetchone() == (25, 25, "v39", "t")
    assert [
        r[0] for r in con.execute('SELECT "concept:name" FROM src_numbered ORDER BY _row').fetchall()
    ] == [f"e{n}" for n in range(25)]


def test_the_readers_messages_are_translated(write):
    from django.utils import translation

    with translation.override("nl"), pytest.raises(ReadError) as caught:
        read_canonical(write("x.csv", b"\x00\x01\x02case\x00"))
    assert caught.value.message.startswith("Bestand x.csv is geen tekstbestand (CSV)")
    with translation.override("nl"), pytest.raises(ReadError) as caught:
        read_canonical(write("kapot.xes", b'<?xml version="1.0"?><log><trace>'))
    assert caught.value.message.startswith("Bestand kapot.xes is geen geldige XES")
