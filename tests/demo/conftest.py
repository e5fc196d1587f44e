"""Fixtures for the demo: the reference chain specs and a fixed end date for reproducible runs."""

import datetime as dt

import pytest

from keten.chains.definition import load_chain_definition, reference_chain_files

# Tests pass the end explicitly: the default (the first day of this month) moves.
END = dt.date(2025, 6, 1)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Every test gets its own KETEN_DATA_DIR."""
    settings.KETEN_DATA_DIR = tmp_path / "data"
    return settings.KETEN_DATA_DIR


@pytest.fixture(scope="session")
def reference_specs() -> dict:
    specs = [load_chain_definition(path) for path in reference_chain_files()]
    return {spec.slug: spec for spec in specs}


@pytest.fixture(scope="session")
def reference_logs(reference_specs, tmp_path_factory) -> dict:
    """Generated events of both reference chains (5,000 cases each, in chunks of 1,500)."""
    from keten.demo.generator import generate_events

    out = tmp_path_factory.mktemp("reference-logs")
    return {
        slug: generate_events(spec, cases=5_000, seed=11, out_dir=out, end=END, chunk_cases=1_500)
        for slug, spec in reference_specs.items()
    }
