"""The validation report of one delivery: its problems (file-level ones refuse the file, notices
refuse nothing) and its counts, as the CLI, the upload page and the API show them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

FILE_LEVEL = {
    "unreadable",
    "empty_file",
    "missing_column",
    "missing_sheet",
    "merged_cells",
    "hidden_rows",
    "uncalculated_formulas",
    "bsn_found",
    "no_partner",
    "already_delivered",
}
# Reported but nothing is refused or rejected for them.
NOTICES = {"repeated_events"}


@dataclass
class Problem:
    code: str
    message: str
    field: str = ""
    count: int = 0
    rows: list[int] = dc_field(default_factory=list)
    examples: list[str] = dc_field(default_factory=list)

    @property
    def file_level(self) -> bool:
        return self.code in FILE_LEVEL

    @property
    def is_notice(self) -> bool:
        return self.code in NOTICES


@dataclass
class IngestReport:
    """What happened to one delivered file; `as_dict()` is the JSON the API returns."""

    file: str
    chain: str
    partner: str | None
    status: str = "rejected"  # stored, stored_with_rejects, nothing_new, rejected, already_delivered
    format: str = ""
    policy: str = ""
    rows_read: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    rows_already_present: int = 0
    rows_stored: int = 0
    problems: list[Problem] = dc_field(default_factory=list)
    # What the deliverer should know but that refuses nothing (e.g. repeated events kept).
    notices: list[Problem] = dc_field(default_factory=list)
    batch_id: str | None = None
    duplicate_of: str | None = None
    checksum: str = ""

    @property
    def accepted(self) -> bool:
        return self.status in ("stored", "stored_with_rejects", "nothing_new")

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "rows_valid": self.rows_valid,
            "rows_rejected": self.rows_rejected,
            "rows_already_present": self.rows_already_present,
            "rows_stored": self.rows_stored,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "chain": self.chain,
            "partner": self.partner,
            "status": self.status,
            "format": self.format,
            "policy": self.policy,
            "counts": self.counts,
            "problems": [asdict(p) for p in self.problems],
            "notices": [asdict(p) for p in self.notices],
            "batch_id": self.batch_id,
            "duplicate_of": self.duplicate_of,
            "checksum": self.checksum,
        }
