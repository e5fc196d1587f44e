"""The Parquet event store: where batches live on disk and which of them analytics may read.

Layout: `<KETEN_DATA_DIR>/events/chain=<slug>/batch=<id>.parquet`, quarantined rows beside it
under `<KETEN_DATA_DIR>/rejects/chain=<slug>/batch=<id>.csv`. A file becomes part of the store
only when its `IngestBatch` row is committed; files are written under a temporary name,
fsynced and renamed first. Files without a manifest row are leftovers of a killed process and
are removed by the next ingestion of the chain, under the chain's lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from keten.events.readers import sql_literal

TEMP_PREFIX = ".tmp-"


def _slug(chain) -> str:
    return chain if isinstance(chain, str) else chain.slug


def chain_dir(chain) -> Path:
    """Return the directory with the chain's batch files."""
    return Path(settings.KETEN_DATA_DIR) / "events" / f"chain={_slug(chain)}"


def rejects_dir(chain) -> Path:
    return Path(settings.KETEN_DATA_DIR) / "rejects" / f"chain={_slug(chain)}"


def batch_path(chain, batch_id: str) -> Path:
    return chain_dir(chain) / f"batch={batch_id}.parquet"


def rejects_path(chain, batch_id: str) -> Path:
    return rejects_dir(chain) / f"batch={batch_id}.csv"


def work_dir(chain) -> Path:
    """A scratch directory for one chain (transcoded input, DuckDB spill files)."""
    path = Path(settings.KETEN_DATA_DIR) / "tmp" / f"chain={_slug(chain)}"
    path.mkdir(parents=True, exist_ok=True)
    return path


#: An upload older than this in the scratch directory belongs to no living request.
STALE_UPLOAD_HOURS = 6


def remove_stale_scratch(chain) -> list[Path]:
    """Delete what a killed ingestion left in the chain's scratch directory: its working folder
    (a clear-text copy of the delivery, DuckDB spill files) and uploads no request is still
    writing (here and in the shared upload directory a killed worker leaves them in).
    Call only under `chain_lock`: every living ingestion of the chain holds it."""
    removed = []
    directory = work_dir(chain)
    cutoff = time.time() - STALE_UPLOAD_HOURS * 3600
    for path in directory.iterdir():
        if path.name.startswith("ingest-") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif path.name.startswith("upload-") and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    uploads = Path(settings.KETEN_DATA_DIR) / "tmp" / "uploads"
    for path in uploads.glob("*.upload*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def active_batch_paths(chain) -> list[Path]:
    """Return the Parquet files of the chain's active batches, oldest first: what analytics reads."""
    from keten.events.models import IngestBatch

    batches = IngestBatch.objects.filter(
        chain__slug=_slug(chain), status=IngestBatch.Status.ACTIVE, rows_stored__gt=0
    ).order_by("created_at", "id")
    return [batch_path(_slug(chain), b) for b in batches.values_list("batch_id", flat=True)]


def store_version(chain) -> str:
    """Return a short token that changes whenever a batch is added, withdrawn or restored."""
    from keten.events.models import IngestBatch

    rows = IngestBatch.objects.filter(chain__slug=_slug(chain)).order_by("id")
    digest = hashlib.sha256()
    for batch_id, status, updated_at in rows.values_list("batch_id", "status", "updated_at"):
        digest.update(f"{batch_id}|{status}|{updated_at.isoformat()}\n".encode())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def chain_lock(chain) -> Iterator[None]:
    """Hold the chain's ingestion lock: one delivery at a time, so the anti-join sees every
    stored batch. The kernel releases the lock when the process dies, even by kill -9."""
    directory = chain_dir(chain)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_batch_file(con, select_sql: str, target: Path, params=()) -> int:
    """Write the rows of `select_sql` to the Parquet file `target`; return how many."""
    con.execute("SET preserve_insertion_order = false")  # the store has no row order; writing is faster
    try:
        return con.execute(
            f"COPY ({select_sql}) TO {sql_literal(target)} "
            # Row groups of a million rows made each thread buffer ~200 MB: under the ingest's
            # memory limit DuckDB then spilled, and writing took 1.5x as long (10M events).
            # zstd level 1: a tenth less CPU than the default level 3 for the whole pass at
            # 10M events, and (with the random event ids) no bigger a file.
            "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 250000)",
            list(params),
        ).fetchone()[0]
    finally:
        con.execute("RESET preserve_insertion_order")  # a staging table's rowid is the file order


# What makes a stored event the same event as a delivered one, when the partner gave no id of
# its own: the same content, and the same occurrence of that content within its delivery.
IDENTITY = ("partner", "case_id", "activity", "timestamp", "lifecycle", "occurrence")


def create_stored_view(con, paths: list[Path]) -> bool:
    """Create view `stored` over the batch files `paths` (the identity columns and event_id);
    False, and no view, when there are none."""
    if not paths:
        return False
    files = "[" + ", ".join(sql_literal(p) for p in paths) + "]"
    con.execute(
        f"CREATE OR REPLACE VIEW stored AS SELECT {', '.join(IDENTITY)}, event_id "  # noqa: S608
        f"FROM read_parquet({files})"
    )
    return True


def unseen_sql(new: str) -> str:
    """SQL: the events of relation `new` that view `stored` does not hold yet. An event with
    the partner's own id is matched by partner and id; one without by its identity."""
    keys = ", ".join(IDENTITY)
    return (
        f"SELECT * FROM {new} ANTI JOIN stored USING ({keys}) WHERE {new}.event_id IS NULL "  # noqa: S608
        f"UNION ALL SELECT * FROM {new} ANTI JOIN "
        "(SELECT partner, event_id FROM stored WHERE event_id IS NOT NULL) s USING (partner, event_id) "
        f"WHERE {new}.event_id IS NOT NULL"
    )


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(temp: Path, final: Path) -> None:
    """Make a fully written temporary file durable, then give it its final name atomically."""
    fsync_path(temp)
    os.replace(temp, final)
    fsync_path(final.parent)


def temp_name(final: Path) -> Path:
    return final.with_name(f"{TEMP_PREFIX}{final.name}")


def remove_orphans(chain, known_batch_ids: set[str]) -> list[Path]:
    """Delete batch and reject files no manifest row points at (a process died before recording
    them). Call only under `chain_lock`, so no living process is still about to record them."""
    removed = []
    for directory, suffix in ((chain_dir(chain), ".parquet"), (rejects_dir(chain), ".csv")):
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            name = path.name
            if name.startswith(TEMP_PREFIX):
                path.unlink(missing_ok=True)
                removed.append(path)
            elif name.startswith("batch=") and name.endswith(suffix):
                if name[len("batch=") : -len(suffix)] not in known_batch_ids:
                    path.unlink(missing_ok=True)
                    removed.append(path)
    return removed


def first_event_time(path: Path) -> dt.datetime | None:
    """The earliest event time in a batch file, from the Parquet statistics when present."""
    # Here, not at the top: storing a delivery (the CLI's start-up) needs neither.
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (FileNotFoundError, OSError):
        return None
    index = parquet.schema_arrow.get_field_index("timestamp")
    values = []
    for i in range(parquet.metadata.num_row_groups):
        stats = parquet.metadata.row_group(i).column(index).statistics
        if stats is None or not stats.has_min_max:
            values = None
            break
        values.append(stats.min)
    if values is None:
        column = parquet.read(columns=["timestamp"])["timestamp"]
        values = [pd.Timestamp(column.to_pandas().min()).to_pydatetime()] if len(column) else []
    values = [v for v in values if v is not None]
    if not values:
        return None
    first = min(pd.Timestamp(v) for v in values)
    if first.tzinfo is None:
        first = first.tz_localize("UTC")
    return first.to_pydatetime()
