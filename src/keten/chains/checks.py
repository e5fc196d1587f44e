"""What a chain definition file may hold and the checks on it: the keys of each section, the
limits the database columns set, and one walk over the parsed data that collects every
problem as "<field path>: <problem>". `keten.chains.definition` reads and writes the files.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from keten.analytics.model import (
    DAYS_KINDS,
    DIRECTIONS,
    EARLIEST_EVENT,
    KPI_KINDS,
    KPI_PARAMETERS,
    LIBERATION_DAYS,
    MAX_FUTURE_DAYS,
    PARTNER_KINDS,
    REJECT_POLICIES,
    REPEATED_EVENTS,
)
from keten.mapping import ALLOWED_KEYS, FIELD_KEYS
from keten.mapping import ENCODINGS as READER_ENCODINGS

FORMAT = "keten-chain/1"

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# Control characters would break exports and PostgreSQL (NUL), and YAML reads NEL and the
# Unicode line separators as line breaks; tab and newline are fine.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")

STATISTICS: tuple[str, ...] = ("median", "mean", "p80", "p90")
SHARE_KPI_KINDS: tuple[str, ...] = ("share_reached", "durability")

# Column lengths of the Django models, checked here so PostgreSQL never has to refuse.
MAX_CODE = 50
MAX_ACTIVITY_CODE = 80
MAX_NAME = 200
MAX_ROLE = 100
MAX_TIMEZONE = 64
MAX_HORIZON_DAYS = 36500  # a century; also keeps the value inside a database integer

# Keys per section, in the order the export writes them.
TOP_KEYS = (
    "format",
    "slug",
    "name",
    "description",
    "ambition",
    "administrative_ambition",
    "colour",
    "timezone",
    "horizon_days",
    "goal_activities",
    "reject_policy",
    "repeated_events",
    "earliest_event",
    "future_days",
    "closing_days",
    "liberation_day",
    "partners",
    "stages",
    "agreements",
    "objectives",
)
PARTNER_KEYS = ("code", "name", "kind", "role", "column_mapping")
STAGE_KEYS = ("code", "name", "partner", "activities")
ACTIVITY_KEYS = ("code", "name")
AGREEMENT_KEYS = (
    "code",
    "name",
    "description",
    "from_activity",
    "to_activity",
    "max_days",
    "target_share",
    "days_kind",
    "owners",
)
OBJECTIVE_KEYS = ("code", "name", "description", "kpis")
KPI_KEYS = ("code", "name", "description", "kind", "parameters", "target", "direction", "partners")

# Partner column mapping: how one partner's export maps onto the canonical event fields. The
# keys and encodings are the event readers' own (keten.mapping, plain Python).
MAPPING_COLUMN_KEYS = FIELD_KEYS
MAPPING_KEYS = ALLOWED_KEYS
ENCODINGS: tuple[str, ...] = tuple(READER_ENCODINGS)


def as_date(value: Any) -> dt.date | None:
    """A date as YAML gives it (2015-01-01 unquoted) or as text; None when it is not one."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _describe(value: Any) -> str:
    """How a wrong value reads in a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]" if path else f"[{key!r}]"


class Checker:
    """Walks the parsed data once, collecting every problem with its field path."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        # code -> field path of its first use; invalid codes are kept too, so that a
        # reference to them does not add a second message for the same mistake.
        self.partner_codes: dict[str, str] = {}
        self.stage_codes: dict[str, str] = {}
        self.activity_codes: dict[str, str] = {}
        self.partner_kinds: dict[str, str | None] = {}

    def error(self, path: str, problem: str) -> None:
        self.errors.append(f"{path}: {problem}")

    # -- generic helpers ----------------------------------------------------------------

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> bool:
        """Check that `value` is a mapping with only `allowed` keys and all `required` ones."""
        if not isinstance(value, dict):
            self.error(path or "file", f"must be a mapping of keys to values, got {_describe(value)}")
            return False
        for key in value:
            if not isinstance(key, str):
                self.error(path or "file", f"key {_describe(key)} must be text")
            elif key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f"did you mean '{hint[0]}'?" if hint else "allowed: " + ", ".join(allowed)
                self.error(_join(path, key), f"unknown key ({suggestion})")
        for key in required:
            if key not in value or value[key] is None:
                self.error(_join(path, key), "is required")
        return True

    def text(
        self, data: dict, key: str, path: str, *, required: bool = False, max_length: int | None = None
    ) -> str | None:
        """Check an optional (or required) text field and return it when valid."""
        value = data.get(key)
        if value is None:
            return None  # a missing required key is reported by mapping(); optional means empty
        where = _join(path, key)
        if not isinstance(value, str):
            hint = " (put it in quotes)" if value is not None and not isinstance(value, dict | list) else ""
            self.error(where, f"must be text, got {_describe(value)}{hint}")
            return None
        if required and not value.strip():
            self.error(where, "must not be empty")
            return None
        if CONTROL_RE.search(value):
            self.error(where, "contains a control character or line separator; remove it")
            return None
        if max_length and len(value) > max_length:
            self.error(where, f"is {len(value)} characters long; at most {max_length} fit")
            return None
        return value

    def code(self, data: dict, path: str, seen: dict[str, str], what: str, max_length: int = MAX_CODE) -> Any:
        """Check the `code` of an item, unique within `seen`; returns the raw code when it is text."""
        value = data.get("code")
        if value is None:
            return None
        where = _join(path, "code")
        if not isinstance(value, str):
            self.error(where, f"must be a code like 'intake_gesprek', got {_describe(value)}")
            return None
        if not CODE_RE.match(value):
            self.error(
                where,
                f"{value!r} is not a valid code: use lower-case letters, digits and underscores, "
                "starting with a letter",
            )
        elif len(value) > max_length:
            self.error(where, f"is {len(value)} characters long; at most {max_length} fit")
        if value in seen:
            self.error(where, f"duplicate {what} code '{value}' (also {seen[value]})")
        else:
            seen[value] = where
        return value

    def number(
        self,
        data: dict,
        key: str,
        path: str,
        what: str,
        check: Callable[[float], bool],
        *,
        hint: Callable[[Any], str] = lambda v: "",
    ) -> None:
        if key not in data or data[key] is None:
            return
        value = data[key]
        if not _is_number(value) or not check(value):
            self.error(_join(path, key), f"must be {what}, got {_describe(value)}{hint(value)}")

    def share(self, data: dict, key: str, path: str) -> None:
        self.number(
            data,
            key,
            path,
            "a share between 0 and 1",
            lambda v: 0 <= v <= 1,
            hint=lambda v: f" (write {v}% as {v / 100:g})" if _is_number(v) and 1 < v <= 100 else "",
        )

    def earliest_event(self, data: dict) -> None:
        if data.get("earliest_event") is None:
            return
        value = as_date(data["earliest_event"])
        if value is None or not EARLIEST_EVENT <= value <= dt.date.today():
            self.error(
                "earliest_event",
                f"must be a date like 2015-01-01 between {EARLIEST_EVENT} and today, "
                f"got {_describe(data['earliest_event'])}",
            )

    def closing_days(self, data: dict) -> None:
        """Extra days the chain's partners are closed (dates, each once)."""
        seen: set[dt.date] = set()
        for where, value in self.items(data, "closing_days", ""):
            day = as_date(value)
            if day is None or day < EARLIEST_EVENT:
                self.error(where, f"must be a date like 2025-12-29, got {_describe(value)}")
            elif day in seen:
                self.error(where, f"{day} is listed twice")
            else:
                seen.add(day)

    def choice(self, data: dict, key: str, path: str, choices: tuple[str, ...]) -> Any:
        if key not in data or data[key] is None:
            return None
        value = data[key]
        if value not in choices or not isinstance(value, str):
            self.error(_join(path, key), f"must be one of {', '.join(choices)}; got {_describe(value)}")
            return None
        return value

    def items(self, data: dict, key: str, path: str, *, required: bool = False) -> list[tuple[str, Any]]:
        """Return (path, item) for each entry of a list field."""
        if key not in data or data[key] is None:
            return []
        value = data[key]
        where = _join(path, key)
        if not isinstance(value, list):
            self.error(where, f"must be a list, got {_describe(value)}")
            return []
        if required and not value:
            self.error(where, "must list at least one entry")
        return [(f"{where}[{i}]", item) for i, item in enumerate(value)]

    def references(self, data: dict, key: str, path: str, known: dict[str, str], what: str) -> None:
        """Check a list of codes that must each exist once in `known`."""
        seen: set[str] = set()
        for where, code in self.items(data, key, path):
            if not isinstance(code, str):
                self.error(where, f"must be {what} code, got {_describe(code)}")
            elif code not in known:
                self.error(where, f"unknown {what} '{code}'")
            elif code in seen:
                self.error(where, f"{what} '{code}' is listed twice")
            seen.add(code)

    def reference(self, data: dict, key: str, path: str, known: dict[str, str], what: str) -> Any:
        if key not in data or data[key] is None:
            return None
        value = data[key]
        where = _join(path, key)
        if not isinstance(value, str):
            self.error(where, f"must be {what} code, got {_describe(value)}")
            return None
        if value not in known:
            self.error(where, f"unknown {what} '{value}'")
            return None
        return value

    def timezone(self, data: dict, key: str, path: str) -> None:
        value = self.text(data, key, path, max_length=MAX_TIMEZONE)
        if value is None:
            return
        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            self.error(_join(path, key), f"unknown time zone {value!r} (use a name like 'Europe/Amsterdam')")

    # -- the sections -------------------------------------------------------------------

    def check(self, data: Any) -> list[str]:
        if data is None:
            self.error("file", f"is empty; a chain definition starts with 'format: {FORMAT}'")
            return self.errors
        # `name` may be left out when the chain exists: the import keeps the chain's name.
        if not self.mapping(data, "", TOP_KEYS, ("format", "slug", "partners", "stages")):
            return self.errors
        fmt = data.get("format")
        if fmt is not None and fmt != FORMAT:
            self.error(
                "format", f"unsupported format {_describe(fmt)}; this version of Keten reads '{FORMAT}'"
            )
        slug = data.get("slug")
        if slug is not None and (not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 50):
            self.error(
                "slug",
                f"must be a short lower-case name for URLs (letters, digits, '-' and '_', at most 50), "
                f"got {_describe(slug)}",
            )
        self.text(data, "name", "", required=True, max_length=MAX_NAME)
        for key in ("description", "ambition", "administrative_ambition"):
            self.text(data, key, "")
        if "colour" in data:
            colour = data["colour"]
            if not isinstance(colour, str) or not COLOUR_RE.match(colour):
                hint = "; put it in quotes, '#' starts a comment in YAML" if colour is None else ""
                self.error("colour", f"must be a colour like '#154273', got {_describe(colour)}{hint}")
        self.timezone(data, "timezone", "")
        self.number(
            data,
            "horizon_days",
            "",
            f"a whole number of days from 1 to {MAX_HORIZON_DAYS}",
            lambda v: isinstance(v, int) and 1 <= v <= MAX_HORIZON_DAYS,
        )
        self.choice(data, "reject_policy", "", REJECT_POLICIES)
        self.choice(data, "repeated_events", "", REPEATED_EVENTS)
        self.earliest_event(data)
        self.number(
            data,
            "future_days",
            "",
            f"a whole number of days from 0 to {MAX_FUTURE_DAYS}",
            lambda v: isinstance(v, int) and 0 <= v <= MAX_FUTURE_DAYS,
        )
        self.closing_days(data)
        self.choice(data, "liberation_day", "", LIBERATION_DAYS)

        partner_items = self.items(data, "partners", "", required=True)
        for path, partner in partner_items:
            self.partner(partner, path)
        for path, stage in self.items(data, "stages", "", required=True):
            self.stage(stage, path)
        # Column mappings name activity codes, so they are checked once all stages are known.
        for path, partner in partner_items:
            if isinstance(partner, dict) and partner.get("column_mapping") is not None:
                self.column_mapping(partner["column_mapping"], _join(path, "column_mapping"))
        self.references(data, "goal_activities", "", self.activity_codes, "activity")

        agreement_codes: dict[str, str] = {}
        for path, agreement in self.items(data, "agreements", ""):
            self.agreement(agreement, path, agreement_codes)
        objective_codes: dict[str, str] = {}
        kpi_codes: dict[str, str] = {}
        for path, objective in self.items(data, "objectives", ""):
            if self.mapping(objective, path, OBJECTIVE_KEYS, ("code", "name")):
                self.code(objective, path, objective_codes, "objective")
                self.text(objective, "name", path, required=True, max_length=MAX_NAME)
                self.text(objective, "description", path)
                for kpi_path, kpi in self.items(objective, "kpis", path):
                    self.kpi(kpi, kpi_path, kpi_codes)
        return self.errors

    def partner(self, partner: Any, path: str) -> None:
        if not self.mapping(partner, path, PARTNER_KEYS, ("code", "name")):
            return
        code = self.code(partner, path, self.partner_codes, "partner")
        self.text(partner, "name", path, required=True, max_length=MAX_NAME)
        kind = self.choice(partner, "kind", path, PARTNER_KINDS)
        self.text(partner, "role", path, max_length=MAX_ROLE)
        if code is not None and code not in self.partner_kinds:
            # For the stage check; None (an invalid kind, already reported) matches nothing.
            self.partner_kinds[code] = "producing" if partner.get("kind") is None else kind

    def stage(self, stage: Any, path: str) -> None:
        if not self.mapping(stage, path, STAGE_KEYS, ("code", "name", "partner", "activities")):
            return
        self.code(stage, path, self.stage_codes, "stage")
        self.text(stage, "name", path, required=True, max_length=MAX_NAME)
        partner = self.reference(stage, "partner", path, self.partner_codes, "partner")
        if partner is not None and self.partner_kinds.get(partner) == "network":
            self.error(
                _join(path, "partner"),
                f"partner '{partner}' is a network partner; only producing partners own a stage",
            )
        for activity_path, activity in self.items(stage, "activities", path, required=True):
            if self.mapping(activity, activity_path, ACTIVITY_KEYS, ACTIVITY_KEYS):
                self.code(activity, activity_path, self.activity_codes, "activity", MAX_ACTIVITY_CODE)
                self.text(activity, "name", activity_path, required=True, max_length=MAX_NAME)

    def column_mapping(self, mapping: Any, path: str) -> None:
        if not self.mapping(mapping, path, MAPPING_KEYS, ()):
            return
        for key in MAPPING_COLUMN_KEYS:
            column = self.text(mapping, key, path)
            if column is not None and not column.strip():
                self.error(_join(path, key), "must name a column of the partner's export")
        seen_columns: set[str] = set()
        for where, column in self.items(mapping, "attributes", path):
            if not isinstance(column, str) or not column.strip():
                self.error(where, f"must name a column of the partner's export, got {_describe(column)}")
            elif column in seen_columns:
                self.error(where, f"column '{column}' is listed twice")
            else:
                seen_columns.add(column)
        values = mapping.get("activity_values")
        if values is not None:
            where = _join(path, "activity_values")
            if not isinstance(values, dict):
                self.error(where, f"must map values in the export to activity codes, got {_describe(values)}")
            else:
                for source, target in values.items():
                    if not isinstance(source, str):
                        self.error(where, f"source value {_describe(source)} must be text (put it in quotes)")
                    elif not isinstance(target, str) or target not in self.activity_codes:
                        self.error(_join(where, source), f"unknown activity {_describe(target)}")
        values = mapping.get("partner_values")
        if values is not None:
            where = _join(path, "partner_values")
            if not isinstance(values, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in values.items()
            ):
                problem = f"must map text values in the export to partner codes, got {_describe(values)}"
                self.error(where, problem)
        formats = mapping.get("timestamp_format")
        where = _join(path, "timestamp_format")
        # One format, or a list tried in order (exports whose format changed over the years).
        if isinstance(formats, list):
            entries = self.items(mapping, "timestamp_format", path, required=True)
        else:
            entries = [(where, formats)]
        for fmt_path, fmt in entries:
            if fmt is not None and (not isinstance(fmt, str) or "%" not in fmt):
                self.error(fmt_path, f"must be a strptime format like '%d-%m-%Y %H:%M', got {_describe(fmt)}")
        self.timezone(mapping, "timezone", path)
        delimiter = mapping.get("delimiter")
        if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
            problem = f"must be one character such as ';', got {_describe(delimiter)}"
            self.error(_join(path, "delimiter"), problem)
        encoding = self.text(mapping, "encoding", path)
        if encoding is not None and encoding.lower() not in ENCODINGS:
            self.error(
                _join(path, "encoding"), f"unknown encoding {encoding!r} (use one of {', '.join(ENCODINGS)})"
            )

    def agreement(self, agreement: Any, path: str, seen: dict[str, str]) -> None:
        required = ("code", "name", "from_activity", "to_activity", "max_days", "target_share")
        if not self.mapping(agreement, path, AGREEMENT_KEYS, required):
            return
        self.code(agreement, path, seen, "agreement")
        self.text(agreement, "name", path, required=True, max_length=MAX_NAME)
        self.text(agreement, "description", path)
        start = self.reference(agreement, "from_activity", path, self.activity_codes, "activity")
        end = self.reference(agreement, "to_activity", path, self.activity_codes, "activity")
        if start is not None and start == end:
            self.error(_join(path, "to_activity"), "must differ from from_activity")
        self.number(agreement, "max_days", path, "a number of days >= 0", lambda v: v >= 0)
        self.share(agreement, "target_share", path)
        self.choice(agreement, "days_kind", path, DAYS_KINDS)
        self.references(agreement, "owners", path, self.partner_codes, "partner")

    def kpi(self, kpi: Any, path: str, seen: dict[str, str]) -> None:
        required = ("code", "name", "kind", "parameters", "target", "direction")
        if not self.mapping(kpi, path, KPI_KEYS, required):
            return
        self.code(kpi, path, seen, "KPI")
        self.text(kpi, "name", path, required=True, max_length=MAX_NAME)
        self.text(kpi, "description", path)
        kind = self.choice(kpi, "kind", path, KPI_KINDS)
        self.choice(kpi, "direction", path, DIRECTIONS)
        if kind in SHARE_KPI_KINDS:
            self.share(kpi, "target", path)
        else:
            self.number(kpi, "target", path, "a number >= 0", lambda v: v >= 0)
        self.references(kpi, "partners", path, self.partner_codes, "partner")
        parameters = kpi.get("parameters")
        if parameters is None:
            return
        where = _join(path, "parameters")
        if not isinstance(parameters, dict):
            self.error(where, f"must be a mapping of parameters, got {_describe(parameters)}")
            return
        if kind is None:
            return  # without a valid kind the parameters cannot be judged
        spec = KPI_PARAMETERS[kind]
        allowed = (*spec["required"], *spec["optional"])
        for name in spec["required"]:
            if parameters.get(name) is None:
                self.error(where, f"kind '{kind}' needs '{name}'")
        for name, value in parameters.items():
            if not isinstance(name, str) or name not in allowed:
                self.error(
                    _join(where, name), f"not a parameter of kind '{kind}' (allowed: {', '.join(allowed)})"
                )
            elif value is None:
                if name not in spec["required"]:  # a missing required one is reported above
                    self.error(_join(where, name), "has no value; fill it in or leave it out")
            elif name.endswith("activity"):
                self.reference(parameters, name, where, self.activity_codes, "activity")
            elif name == "stage":
                self.reference(parameters, name, where, self.stage_codes, "stage")
            elif name.endswith("_days"):
                self.number(parameters, name, where, "a number of days >= 0", lambda v: v >= 0)
            elif name == "statistic":
                self.choice(parameters, name, where, STATISTICS)
        start, end = parameters.get("from_activity"), parameters.get("to_activity")
        if isinstance(start, str) and start in self.activity_codes and start == end:
            self.error(_join(where, "to_activity"), "must differ from from_activity")
