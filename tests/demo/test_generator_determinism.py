"""The generator is reproducible: a seed (with the end date and chunk size) fixes the log."""

import pyarrow.parquet as pq
import pytest

from keten.demo.generator import generate_events
from tests.demo.conftest import END


def _read(path):
    return pq.read_table(path)


@pytest.mark.parametrize("slug", ["werk", "strafrecht"])
def test_the_same_seed_gives_the_same_events(reference_specs, tmp_path, slug):
    spec = reference_specs[slug]
    first = generate_events(spec, cases=3_000, seed=5, out_dir=tmp_path / "a", end=END, chunk_cases=700)
    second = generate_events(spec, cases=3_000, seed=5, out_dir=tmp_path / "b", end=END, chunk_cases=700)
    assert first.events == second.events > 0
    assert _read(first.path).equals(_read(second.path))


def test_another_seed_gives_other_events(reference_specs, tmp_path):
    spec = reference_specs["werk"]
    first = generate_events(spec, cases=2_000, seed=5, out_dir=tmp_path / "a", end=END)
    second = generate_events(spec, cases=2_000, seed=6, out_dir=tmp_path / "b", end=END)
    a, b = _read(first.path), _read(second.path)
    assert not set(a["case_id"].to_pylist()) & set(b["case_id"].to_pylist())
    assert a["timestamp"].to_pylist() != b["timestamp"].to_pylist()


def test_another_end_date_shifts_the_window(reference_specs, tmp_path):
    spec = reference_specs["strafrecht"]
    summary = generate_events(spec, cases=2_000, seed=5, out_dir=tmp_path, end=END.replace(year=2024))
    timestamps = _read(summary.path)["timestamp"].to_pylist()
    assert max(timestamps).date() < END.replace(year=2024)
    assert min(timestamps).date() >= END.replace(year=2022)


def test_case_ids_of_two_chains_differ_for_the_same_seed(reference_specs, tmp_path):
    ids = [
        set(
            _read(generate_events(spec, cases=1_000, seed=1, out_dir=tmp_path, end=END).path)[
                "case_id"
            ].to_pylist()
        )
        for spec in reference_specs.values()
    ]
    assert not ids[0] & ids[1]


def test_a_bad_request_is_refused_before_anything_is_written(reference_specs, tmp_path):
    spec = reference_specs["werk"]
    for kwargs, message in [
        ({"cases": 0, "seed": 1}, "cases"),
        ({"cases": 10, "seed": -1}, "seed"),
        ({"cases": 10, "seed": 1, "chunk_cases": 0}, "chunk_cases"),
    ]:
        with pytest.raises(ValueError, match=message):
            generate_events(spec, out_dir=tmp_path, end=END, **kwargs)
    assert list(tmp_path.iterdir()) == []
