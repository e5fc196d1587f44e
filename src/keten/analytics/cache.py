"""A small on-disk result cache shared by every worker process.

Results are pickled under `<root>/<chain>/<store version>/<parameters hash>.pkl`. The key
holds everything a result depends on: the chain's slug and definition, the store version
(which changes when a batch is added or withdrawn), the parameters (the caller puts the
engine among them) and the version of the metric code (`code_version`). When a result for a
new store version is written, the chain's older store versions are deleted, so a withdrawn
batch can never be served from the cache again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Bump when the layout of cached results changes without a change to keten.analytics.
CACHE_FORMAT = 3


@functools.cache
def code_version() -> str:
    """A digest of keten.analytics' source: a result computed by other metric code is never
    served (a deployment that changes a definition invalidates every cached result)."""
    folder = Path(__file__).parent
    text = hashlib.sha256()
    for source in sorted(folder.glob("*.py")):
        text.update(source.name.encode())
        text.update(source.read_bytes())
    return text.hexdigest()[:16]


def digest(value: Any) -> str:
    """A stable short hash of plain values (dataclasses, dicts, lists, dates)."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _safe(part: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in part)[:80] or "_"


class ResultCache:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, chain: str, store_version: str, parameters: Any) -> Path:
        return (
            self.root
            / _safe(chain)
            / _safe(digest(store_version))
            / f"{digest([CACHE_FORMAT, code_version(), parameters])}.pkl"
        )

    def get_or_compute(self, chain: str, store_version: str, parameters: Any, compute: Callable[[], T]) -> T:
        """The cached result for the key, or `compute()` stored under it."""
        path = self.path(chain, store_version, parameters)
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - our own files, written below
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            pass
        result = compute()
        self._write(path, result)
        self._prune(path.parent)
        return result

    def clear(self, chain: str | None = None) -> None:
        shutil.rmtree(self.root / _safe(chain) if chain else self.root, ignore_errors=True)

    def _write(self, path: Path, result: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary name and rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _prune(self, current: Path) -> None:
        """Delete the chain's results for other store versions."""
        for sibling in current.parent.iterdir():
            if sibling != current and sibling.is_dir():
                shutil.rmtree(sibling, ignore_errors=True)
