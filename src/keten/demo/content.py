"""The demo's governance register and scan content, read from YAML files beside the reference chains.

`demo/chains/<slug>.governance.yaml` holds, for one reference chain, its covenant, tables
(with seats and meetings), decisions, escalations, success stories, relationship activities
and how its scan answers lean. A chain without such a file gets no demo governance. The loader
checks that every record has the keys `keten.demo.governance` reads, so a typo in a file is a
message naming the file, the record and the key, not a KeyError halfway through the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from keten.chains.definition import REFERENCE_DIR

# A date in the demo, relative to its event end: [months before the end's month, day of month].
When = tuple[int, int]

REQUIRED = {
    "covenant": ("title", "signed", "starts", "years", "parties", "summary"),
    "tables": ("key", "name", "level", "purpose", "seats", "meetings"),
    "decisions": ("table", "at", "text", "owner", "due", "status", "kpis", "agreements"),
    "escalations": ("topic", "description", "level", "by", "raised"),
    "stories": ("month", "title", "body", "partners", "kpi", "review"),
    "activities": ("kind", "title", "held", "present", "participants", "description"),
    "scan": ("partners", "partner_shift", "theme_shift", "pair_shift", "improved", "open_answers", "gains"),
}


class DemoContentError(ValueError):
    """The demo's own content is incomplete or does not pass the app's checks."""


@dataclass(frozen=True)
class DemoContent:
    """One reference chain's demo content, as in its YAML file."""

    covenant: dict[str, Any]
    tables: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    scan: dict[str, Any]

    def pair_shift(self, partner: str, theme: str) -> float:
        """How far one partner's answers on one theme lean from the rest."""
        return float(self.scan["pair_shift"].get(partner, {}).get(theme, 0.0))


def content_path(slug: str) -> Path:
    return REFERENCE_DIR / f"{slug}.governance.yaml"


def load_demo_content(slug: str) -> DemoContent | None:
    """The content for chain `slug`, or None when it has no file."""
    path = content_path(slug)
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for section, keys in REQUIRED.items():
        if section not in data:
            raise DemoContentError(f"{path.name}: the section '{section}' is missing.")
        records = data[section] if isinstance(data[section], list) else [data[section]]
        for number, record in enumerate(records, start=1):
            missing = [k for k in keys if k not in record]
            if missing:
                raise DemoContentError(f"{path.name}: {section} record {number} lacks {', '.join(missing)}.")
    return DemoContent(**{f.name: data[f.name] for f in fields(DemoContent)})
