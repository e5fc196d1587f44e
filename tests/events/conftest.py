"""Fixtures for the event store: a fresh data dir per test and small files in every format."""

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Every test gets its own KETEN_DATA_DIR, so stores never leak between tests."""
    settings.KETEN_DATA_DIR = tmp_path / "data"
    return settings.KETEN_DATA_DIR


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real event logs are not here ({SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture
def write(tmp_path):
    """write(name, text_or_bytes, encoding='utf-8') -> Path of a file in tmp_path."""

    def _write(name: str, content, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


A_EVENTS = """case_id,activity,timestamp
k1,aanmelding,2024-03-01 09:00:00
k1,intake,2024-03-02 10:30:00
k2,aanmelding,2024-03-03 11:00:00
k2,intake,2024-03-04 12:00:00
"""


@pytest.fixture
def a_csv(write) -> Path:
    """Four valid events of partner a in `small_chain`."""
    return write("a.csv", A_EVENTS)
