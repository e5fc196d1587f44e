"""Column mapping: how one partner's export columns map onto the canonical event fields.

Stored in `Partner.column_mapping` (settable from the chain definition file). Keys:
`case_id`, `activity`, `timestamp`, `event_id`, `lifecycle`, `partner` (source column names),
`attributes` (list of columns packed into the JSON text), `activity_values` (source value ->
activity code), `partner_values` (source value of the partner column -> partner code),
`timestamp_format` (one strptime format or a list), `timezone`, `delimiter`,
`encoding`, `sheet` (the sheet of a spreadsheet delivery; the first visible one by default).
Without a mapping the canonical names and the usual XES/CSV names are accepted.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

FIELD_KEYS = ("case_id", "activity", "timestamp", "event_id", "lifecycle", "partner")
REQUIRED_FIELDS = ("case_id", "activity", "timestamp")
OTHER_KEYS = (
    "attributes",
    "activity_values",
    "partner_values",
    "timestamp_format",
    "timezone",
    "delimiter",
    "encoding",
    "sheet",
)
ALLOWED_KEYS = FIELD_KEYS + OTHER_KEYS

# Names accepted without a mapping, in order of preference (matched exactly, then ignoring case).
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "case:concept:name", "Case ID", "case", "CaseID", "case_concept_name"),
    "activity": ("activity", "concept:name", "Activity", "concept_name"),
    "timestamp": ("timestamp", "time:timestamp", "Complete Timestamp", "time", "time_timestamp"),
    "event_id": ("event_id",),
    "lifecycle": ("lifecycle", "lifecycle:transition"),
    "partner": ("partner",),
}
# Packed into `attributes` when the mapping names none: who did it, nothing personal beyond that.
DEFAULT_ATTRIBUTES = ("org:resource", "org:role", "org:group")

ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso-8859-15": "iso-8859-15",
}


def mapping_errors(mapping: Any) -> list[str]:
    """Return what is wrong with a column mapping (empty when it is usable)."""
    if mapping in (None, {}):
        return []
    if not isinstance(mapping, dict):
        return ["The column mapping must be a mapping of keys to values."]
    errors = []
    for key in mapping:
        if key not in ALLOWED_KEYS:
            errors.append(f"Unknown mapping key '{key}'; use one of: {', '.join(ALLOWED_KEYS)}.")
    for key in FIELD_KEYS + ("delimiter", "sheet"):
        if key in mapping and not (isinstance(mapping[key], str) and mapping[key]):
            errors.append(f"Mapping key '{key}' needs a column name (text).")
    if "delimiter" in mapping and isinstance(mapping["delimiter"], str) and len(mapping["delimiter"]) != 1:
        errors.append("Mapping key 'delimiter' needs exactly one character, e.g. ';'.")
    attributes = mapping.get("attributes", [])
    if not (isinstance(attributes, list) and all(isinstance(a, str) for a in attributes)):
        errors.append("Mapping key 'attributes' needs a list of column names.")
    for key, what in (("activity_values", "activity codes"), ("partner_values", "partner codes")):
        values = mapping.get(key, {})
        if not (isinstance(values, dict) and all(isinstance(v, str) for v in values.values())):
            errors.append(f"Mapping key '{key}' needs source values mapped to {what}.")
    formats = mapping.get("timestamp_format")
    if formats is not None and not (
        isinstance(formats, str) or (isinstance(formats, list) and all(isinstance(f, str) for f in formats))
    ):
        errors.append("Mapping key 'timestamp_format' needs a strptime format or a list of them.")
    if "timezone" in mapping:
        try:
            zoneinfo.ZoneInfo(str(mapping["timezone"]))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.append(f"Unknown time zone '{mapping['timezone']}'; use a name like Europe/Amsterdam.")
    if "encoding" in mapping and str(mapping["encoding"]).lower() not in ENCODINGS:
        errors.append(
            f"Unknown encoding '{mapping['encoding']}'; use one of: {', '.join(sorted(set(ENCODINGS)))}."
        )
    return errors


def resolve_columns(mapping: dict, columns: list[str]) -> tuple[dict[str, str], list[dict]]:
    """Return {canonical field: source column} and the problems (missing or unmappable columns)."""
    resolved: dict[str, str] = {}
    problems = []
    lower = {c.lower(): c for c in columns}
    for field in FIELD_KEYS:
        if field in mapping:
            name = mapping[field]
            if name in columns:
                resolved[field] = name
            else:
                problems.append(
                    {
                        "code": "missing_column",
                        "field": field,
                        "message": f"The mapping names column '{name}' for {field}, but the file has no such "
                        f"column. Columns in the file: {', '.join(columns[:30])}.",
                    }
                )
            continue
        for candidate in DEFAULT_NAMES[field]:
            if candidate in columns:
                resolved[field] = candidate
                break
        else:
            for candidate in DEFAULT_NAMES[field]:
                if candidate.lower() in lower:
                    resolved[field] = lower[candidate.lower()]
                    break
        if field in REQUIRED_FIELDS and field not in resolved:
            problems.append(
                {
                    "code": "missing_column",
                    "field": field,
                    "message": f"No column for {field}: expected one of "
                    f"{', '.join(DEFAULT_NAMES[field][:3])}, "
                    f"or set '{field}' in the partner's column mapping. "
                    f"Columns in the file: {', '.join(columns[:30])}.",
                }
            )
    attributes = mapping.get("attributes")
    if attributes is None:
        resolved_attributes = [c for c in DEFAULT_ATTRIBUTES if c in columns]
    else:
        resolved_attributes = []
        for name in attributes:
            if name in columns:
                resolved_attributes.append(name)
            else:
                problems.append(
                    {
                        "code": "missing_column",
                        "field": "attributes",
                        "message": f"The mapping packs column '{name}' into the attributes, but the file has "
                        "no such column.",
                    }
                )
    resolved["__attributes__"] = resolved_attributes  # type: ignore[assignment]
    return resolved, problems
