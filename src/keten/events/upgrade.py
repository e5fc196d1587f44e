"""Bring a store written before the delivery position (Keten up to 2026-12) into today's layout.

Those batch files had no `batch_seq`, `batch_row` or `occurrence`, and an `event_id` that was
either the partner's own or `md5(partner|case_id|activity|microseconds)`, derived by Keten.
Migration `events.0003` numbers the deliveries and calls `upgrade_batch_file` for each file.
The file order of those batches was not kept (they were written unordered), so the upgrade
numbers rows by case, time and the old id: events at the same moment keep the order the old
analytics gave them. Derived ids are dropped; a partner's own ids stay.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from keten.events.readers import sql_literal
from keten.schema import EVENT_COLUMNS

# The id the old store derived for an event without one of its partner's.
OLD_DERIVED_ID = "md5(concat_ws('|', partner, case_id, activity, CAST(epoch_us(timestamp) AS VARCHAR)))"
IDENTITY_WITHIN_DELIVERY = "partner, case_id, activity, timestamp, lifecycle"


def needs_upgrade(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    columns = {r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()}
    return "batch_row" not in columns


def upgrade_batch_file(path: Path, sequence: int) -> bool:
    """Rewrite one old batch file in today's layout, as delivery number `sequence`; False when
    the file is missing or already upgraded. Written beside it and renamed: never half-written."""
    from keten.events import store

    path = Path(path)
    if not path.is_file():
        return False
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        if not needs_upgrade(con, path):
            return False
        source = sql_literal(path)
        numbered = f"""
            SELECT * EXCLUDE (event_id),
                   CASE WHEN event_id = {OLD_DERIVED_ID} THEN NULL ELSE event_id END AS event_id,
                   CAST({int(sequence)} AS BIGINT) AS batch_seq,
                   row_number() OVER (ORDER BY case_id, timestamp, event_id) AS batch_row
            FROM read_parquet({source})
        """  # noqa: S608
        with_occurrence = f"""
            SELECT *, CAST(row_number() OVER (
                       PARTITION BY {IDENTITY_WITHIN_DELIVERY} ORDER BY batch_row) AS INTEGER) AS occurrence
            FROM ({numbered})
        """  # noqa: S608
        temp = store.temp_name(path)
        store.write_batch_file(con, f"SELECT {', '.join(EVENT_COLUMNS)} FROM ({with_occurrence})", temp)  # noqa: S608
        store.publish(temp, path)
        return True
    finally:
        con.close()
