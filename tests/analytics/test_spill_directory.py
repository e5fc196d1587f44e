"""DuckDB spills large work to a known directory, never into the process's working directory."""

from __future__ import annotations

from pathlib import Path

from keten.analytics import engine


def _spill_dir(con) -> Path:
    return Path(con.raw_sql("SELECT current_setting('temp_directory')").fetchone()[0])


def test_spill_files_go_where_asked(tmp_path):
    con = engine.connect("duckdb", memory_limit="64MB", temp_directory=tmp_path / "spill")
    assert _spill_dir(con) == tmp_path / "spill"
    assert (tmp_path / "spill").is_dir()
    # A sort bigger than the limit really spills there and still answers.
    rows = con.raw_sql(
        "SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) AS h FROM range(2000000) t(i) ORDER BY h)"
    ).fetchone()[0]
    assert rows == 2_000_000


def test_default_spill_directory_is_absolute_and_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    con = engine.connect("duckdb", memory_limit="64MB")
    spill = _spill_dir(con)
    assert spill.is_absolute()
    assert tmp_path not in spill.parents and spill != tmp_path
