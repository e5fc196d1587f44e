"""Draft a chain definition from an event log, for people to edit and then import.

`profile_log` reads the log with the event readers and lets DuckDB count what the draft
needs (events, cases, distinct activities with their first position in the file, and per
activity how often each value of a partner attribute performs it). `draft_chain` turns that
profile into a `ChainSpec` with derived codes plus the column mapping that makes the same
log ingest without unknown activities; `Draft.chain_text` / `Draft.mapping_text` write them.

The rules (also in docs/chain-definition.md, "Drafting a chain from a log"):
- codes: `derive_codes`, in first-seen order, so the same log always gives the same codes;
- stages: activities in first-seen order, each run of consecutive activities with the same
  owner is one stage of that owner;
- owner of an activity: the attribute value with the most events of it; a tie goes to the
  value that performed it first in the file. Activities only ever seen without a value join
  the owner of the activity before them (the first partner when there is none).
This module uses no Django, like keten.chains.definition.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from keten.analytics.model import ActivitySpec, ChainSpec, PartnerSpec, StageSpec
from keten.chains.checks import CODE_RE, CONTROL_RE, MAX_ACTIVITY_CODE, MAX_CODE, MAX_NAME, SLUG_RE
from keten.chains.definition import DefinitionError, dump_chain_definition, load_chain_definition
from keten.events.readers import (
    ReadError,
    csv_error_message,
    load_source,
    materialize_rows,
    quote_ident,
    reopen_csv,
)
from keten.mapping import resolve_columns

LOG_SUFFIXES = (".xes.gz", ".csv.gz", ".xes", ".csv", ".parquet", ".gz")
# Letters NFKD does not split into a base letter and a mark.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "þ": "th",
        "Þ": "th",
    }
)


class DraftError(Exception):
    """The log cannot be drafted from; the message names the file or column and what to do."""


# --- codes and names -------------------------------------------------------------------------


def slugify(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single underscores ('' when none are left)."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_LETTERS)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def derive_codes(names: Iterable[str], *, kind: str, max_length: int = MAX_CODE) -> list[str]:
    """One valid, unique code per name, in order: the slug of the name, `<kind>_` in front when
    it would not start with a letter, `_2`, `_3`, ... after a code already given out."""
    used: set[str] = set()
    codes = []
    for name in names:
        base = slugify(name)
        if not base[:1].isalpha():
            base = f"{kind}_{base}" if base else kind
        code, n = base[:max_length].rstrip("_"), 1
        while code in used:
            n += 1
            suffix = f"_{n}"
            code = base[: max_length - len(suffix)].rstrip("_") + suffix
        used.add(code)
        codes.append(code)
    return codes


def display_name(text: str, fallback: str) -> str:
    """`text` as a name the definition accepts: no control characters, at most MAX_NAME long."""
    name = CONTROL_RE.sub(" ", re.sub(r"\s+", " ", text)).strip()[:MAX_NAME].strip()
    return name or fallback


def log_stem(path: Path) -> str:
    """The file name without its log suffix: 'BPIC15_1.xes.gz' -> 'BPIC15_1'."""
    name = path.name
    for suffix in LOG_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


# --- reading the log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityCount:
    name: str  # as the ingest sees it: trimmed text
    first_row: int
    events: int
    owner: str | None  # the attribute value that performs it most often
    owner_events: int


@dataclass(frozen=True)
class LogProfile:
    file: Path
    format: str
    events: int
    cases: int
    columns: dict[str, str]  # case_id, activity, timestamp -> the log's column
    activities: tuple[ActivityCount, ...]  # in first-seen order
    partner_attribute: str | None = None
    partner_values: tuple[str, ...] = ()  # in first-seen order
    without_partner: int = 0  # events with no value in the partner attribute
    delimiter: str = ""
    encoding: str = ""

    @property
    def by_other_partner(self) -> int:
        """Events of an activity recorded by another partner than the activity's owner."""
        attributed = self.events - self.without_partner
        return attributed - sum(a.owner_events for a in self.activities) if self.partner_attribute else 0


def _text(column: str) -> str:
    # The very expression ingestion reads a value with, so mapping keys match the stored values.
    return f"nullif(trim(CAST({quote_ident(column)} AS VARCHAR)), '')"


def profile_log(path: str | Path, partner_attribute: str | None = None) -> LogProfile:
    """Count what a draft needs in the log at `path`; raises DraftError."""
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise DraftError(f"File {path} {what}; give the path of an event log (CSV, XES, XES.gz or Parquet).")
    with tempfile.TemporaryDirectory(prefix="keten-draft-") as workdir:
        con = duckdb.connect(str(Path(workdir) / "draft.duckdb"), config={"allow_unsigned_extensions": False})
        try:
            con.execute(f"SET memory_limit = '{os.environ.get('KETEN_INGEST_MEMORY', '1GB')}'")
            con.execute(f"SET temp_directory = '{Path(workdir) / 'spill'}'")
            return _profile(con, path, partner_attribute, Path(workdir))
        except ReadError as exc:
            raise DraftError(exc.message) from None
        finally:
            con.close()


def _profile(con, path: Path, attribute: str | None, workdir: Path) -> LogProfile:
    try:
        source = load_source(con, path, {}, workdir)
    except OSError as exc:
        raise DraftError(f"File {path} cannot be read: {exc.strerror or exc}.") from None
    columns = _columns(path, source.columns, attribute)
    try:
        try:
            rows = materialize_rows(con, source)
        except duckdb.InvalidInputException as exc:
            if source.format != "csv" or "unicode" not in str(exc).lower():
                raise
            # A non-UTF-8 byte after the sniffed start: ingestion falls back to Windows-1252 too.
            reopen_csv(con, path, source, "cp1252", workdir)
            rows = materialize_rows(con, source)
        return _count(con, path, source, rows, columns, attribute)
    except duckdb.Error as exc:
        if source.format == "csv":
            raise DraftError(csv_error_message(path.name, source.delimiter, exc)) from None
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DraftError(f"File {path.name} cannot be read: {first_line}. Export it again.") from None


def _count(con, path: Path, source, rows: str, columns: dict[str, str], attribute: str | None) -> LogProfile:
    actor = _text(attribute) if attribute else "NULL"
    con.execute(
        f"CREATE TABLE draft_events AS SELECT _row, {_text(columns['activity'])} AS activity, "  # noqa: S608
        f"{actor} AS actor, {_text(columns['case_id'])} AS case_id FROM {rows}"
    )
    events, cases, without_partner = con.execute(
        "SELECT count(*), count(DISTINCT case_id), count(*) FILTER (actor IS NULL) FROM draft_events"
    ).fetchone()
    activities = con.execute(
        """
        WITH acts AS (
            SELECT activity, min(_row) AS first_row, count(*) AS events
            FROM draft_events WHERE activity IS NOT NULL GROUP BY activity
        ), performed AS (
            SELECT activity, actor, count(*) AS n FROM draft_events
            WHERE activity IS NOT NULL AND actor IS NOT NULL GROUP BY activity, actor
            QUALIFY row_number() OVER (PARTITION BY activity ORDER BY count(*) DESC, min(_row)) = 1
        )
        SELECT acts.activity, first_row, events, actor, coalesce(n, 0)
        FROM acts LEFT JOIN performed USING (activity) ORDER BY first_row
        """
    ).fetchall()
    if not activities:
        raise DraftError(f"File {path.name} has no activity names in column '{columns['activity']}'.")
    values = [
        v
        for (v,) in con.execute(
            "SELECT actor FROM draft_events WHERE actor IS NOT NULL GROUP BY actor ORDER BY min(_row)"
        ).fetchall()
    ]
    if attribute and not values:
        raise DraftError(f"Column '{attribute}' of {path.name} is empty: no partners can be read from it.")
    return LogProfile(
        file=path,
        format=source.format,
        events=events,
        cases=cases,
        columns=columns,
        activities=tuple(ActivityCount(*row) for row in activities),
        partner_attribute=attribute,
        partner_values=tuple(values),
        without_partner=without_partner if attribute else 0,
        delimiter=source.delimiter,
        encoding=source.encoding,
    )


def _columns(path: Path, columns: list[str], attribute: str | None) -> dict[str, str]:
    """The log's case, activity and timestamp columns, found as ingestion finds them."""
    shown = ", ".join(columns[:30]) + (", ..." if len(columns) > 30 else "")
    if attribute is not None and attribute not in columns:
        hint = difflib.get_close_matches(attribute, columns, n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise DraftError(
            f"File {path.name} has no column '{attribute}' for --partner-attribute.{suggestion} "
            f"Its columns: {shown}."
        )
    resolved, _ = resolve_columns({}, columns)
    missing = [field for field in ("activity", "case_id", "timestamp") if field not in resolved]
    if missing:
        raise DraftError(
            f"File {path.name} has no column for {_and(missing)} (looked for the usual names, "
            "e.g. activity / concept:name / Activity, case_id / case:concept:name / Case ID, "
            f"timestamp / time:timestamp). Rename the column in the file. Its columns: {shown}."
        )
    return {field: resolved[field] for field in ("case_id", "activity", "timestamp")}


# --- the draft ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    spec: ChainSpec
    mapping: dict  # in the partner's column_mapping, or the shared log's mapping file
    profile: LogProfile

    @property
    def shared(self) -> bool:
        return self.profile.partner_attribute is not None

    def chain_text(self, mapping_file: str = "") -> str:
        """The definition file: a header saying what to check, then the definition."""
        p, spec = self.profile, self.spec
        lines = [
            f"DRAFT written by `keten chain draft` from {p.file.name}:",
            f"{p.events:,} events, {p.cases:,} cases, {len(p.activities)} activities; "
            f"{_plural(len(spec.partners), 'partner')}, {_plural(len(spec.stages), 'stage')}.",
            "Check before `keten chain import`:",
            "- slug, name, and the names of partners and stages;",
            "- the stages: activities in order of first appearance in the log, one stage per run of",
            "  activities of one partner; split, merge and reorder them into the chain's real order;",
        ]
        if self.shared:
            other = f" ({p.by_other_partner:,} events were recorded by another)" if p.by_other_partner else ""
            lines += [
                f"- partners are the values of column '{p.partner_attribute}'; each activity belongs to",
                f"  the partner that recorded it most often{other};",
            ]
            if p.without_partner:
                lines.append(f"- {p.without_partner:,} events have no '{p.partner_attribute}' value;")
        lines += [
            "- codes are derived from the names; when you change one, change it in activity_values too;",
            "- add goal_activities, agreements and objectives.",
        ]
        if self.shared:
            lines.append(f"The column mapping of this shared log is in {mapping_file}.")
        return "".join(f"# {line}\n" for line in lines) + dump_chain_definition(spec)

    def mapping_text(self) -> str:
        """The shared log's column mapping file, for `keten ingest SLUG LOG --mapping FILE`."""
        header = (
            f"# Column mapping of {self.profile.file.name} for chain '{self.spec.slug}', drafted by "
            "`keten chain draft`.\n"
            f"# Use: keten ingest {self.spec.slug} {self.profile.file.name} --mapping THIS_FILE\n"
        )
        return header + yaml.dump(
            self.mapping, Dumper=_MappingDumper, sort_keys=False, allow_unicode=True, width=100
        )


def draft_chain(
    profile: LogProfile, *, slug: str | None = None, name: str | None = None, partner: str | None = None
) -> Draft:
    """The draft chain for `profile`: one partner (`partner`, default from the file name), or
    one per value of the profile's partner attribute. Raises DraftError for a bad slug or code."""
    stem = log_stem(profile.file)
    slug = slug if slug is not None else (slugify(stem)[:50].rstrip("_") or "chain")
    if not SLUG_RE.match(slug) or len(slug) > 50:
        raise DraftError(
            f"--slug '{slug}' is not a slug: use lower-case letters, digits, '-' and '_' (at most 50)."
        )
    if partner is not None and (not CODE_RE.match(partner) or len(partner) > MAX_CODE):
        raise DraftError(
            f"--partner '{partner}' is not a code: start with a lower-case letter, then lower-case letters, "
            f"digits and underscores (at most {MAX_CODE})."
        )
    names = [a.name for a in profile.activities]
    codes = dict(zip(names, derive_codes(names, kind="activity", max_length=MAX_ACTIVITY_CODE), strict=True))
    mapping: dict = {**_reading_keys(profile), "activity_values": codes}

    if profile.partner_attribute:
        values = list(profile.partner_values)
        partner_codes = dict(zip(values, derive_codes(values, kind="partner"), strict=True))
        partners = tuple(PartnerSpec(partner_codes[v], display_name(v, partner_codes[v])) for v in values)
        owners, previous = [], partners[0].code
        for activity in profile.activities:
            previous = partner_codes[activity.owner] if activity.owner is not None else previous
            owners.append(previous)
        mapping = {**mapping, "partner": profile.partner_attribute, "partner_values": partner_codes}
    else:
        code = partner or derive_codes([stem], kind="partner")[0]
        partners = (PartnerSpec(code, display_name(stem, code), column_mapping=mapping),)
        owners = [code] * len(names)

    spec = ChainSpec(
        slug=slug,
        name=display_name(name if name is not None else stem, slug),
        partners=partners,
        stages=_stages(partners, owners, [ActivitySpec(codes[n], display_name(n, codes[n])) for n in names]),
    )
    draft = Draft(spec, mapping, profile)
    try:  # the draft must import as written; a failure here is a bug in this module
        loaded = load_chain_definition(draft.chain_text("x"))
    except DefinitionError as exc:
        raise DraftError("The draft does not pass its own check: " + "; ".join(exc.errors)) from None
    if loaded.partners[0].column_mapping != spec.partners[0].column_mapping:
        # PyYAML writes a NEL (U+0085) inside single quotes, where reading folds it into a space.
        raise DraftError(
            f"An activity name in {profile.file.name} holds a character (NEL, U+0085) that the "
            "definition file cannot keep; replace it in the log (a wrong encoding?) and draft again."
        )
    return draft


def _reading_keys(profile: LogProfile) -> dict:
    """The mapping keys that say how to read the log, before the value translations."""
    mapping = {
        "case_id": profile.columns["case_id"],
        "activity": profile.columns["activity"],
        "timestamp": profile.columns["timestamp"],
    }
    if profile.format == "csv":
        mapping["delimiter"] = profile.delimiter
        if profile.encoding not in ("", "utf-8"):
            mapping["encoding"] = profile.encoding
    return mapping


def _stages(partners, owners: list[str], activities: list[ActivitySpec]) -> tuple[StageSpec, ...]:
    """One stage per run of consecutive activities with the same owner, in first-seen order."""
    runs: list[tuple[str, list[ActivitySpec]]] = []
    for owner, activity in zip(owners, activities, strict=True):
        if runs and runs[-1][0] == owner:
            runs[-1][1].append(activity)
        else:
            runs.append((owner, [activity]))
    names = {p.code: p.name for p in partners}
    codes = derive_codes([owner for owner, _ in runs], kind="stage")
    seen: dict[str, int] = {}
    stages = []
    for code, (owner, run) in zip(codes, runs, strict=True):
        seen[owner] = seen.get(owner, 0) + 1
        label = names[owner] if seen[owner] == 1 else f"{names[owner]} ({seen[owner]})"
        stages.append(StageSpec(code, display_name(label, code), owner, tuple(run)))
    return tuple(stages)


class _MappingDumper(yaml.SafeDumper):
    """Writes text with a NEL in double quotes, where YAML keeps it (see draft_chain)."""


_MappingDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style='"' if "\x85" in value else None
    ),
)


def _and(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
