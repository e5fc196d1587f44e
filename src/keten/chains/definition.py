"""Chain definition files: one YAML document that describes a whole chain.

`load_chain_definition` reads a file (or YAML text) into a `ChainSpec` and refuses anything
doubtful with a `DefinitionError` that lists every problem as `"<field path>: <problem>"`;
`dump_chain_definition` writes a spec back in the same format, so that
`load_chain_definition(dump_chain_definition(spec)) == spec`.

The format is documented in docs/chain-definition.md, its keys and checks are in
`keten.chains.checks`. Neither module uses Django, so the
demo generator and notebooks can read definitions too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from keten.analytics.model import (
    ActivitySpec,
    AgreementSpec,
    ChainSpec,
    KpiSpec,
    ObjectiveSpec,
    PartnerSpec,
    StageSpec,
)
from keten.chains.checks import (
    FORMAT,
    MAPPING_KEYS,
    Checker,
    as_date,
)

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "demo" / "chains"
REFERENCE_CHAINS: tuple[str, ...] = ("werk", "strafrecht")


class DefinitionError(Exception):
    """A chain definition that cannot be used; `errors` lists every problem found."""

    def __init__(self, errors: list[str], source: str = "") -> None:
        self.errors = list(errors)
        self.source = source
        super().__init__("\n".join(self.errors))


# ---------------------------------------------------------------------------------------
# Public functions


def load_chain_definition(source: str | Path) -> ChainSpec:
    """Read a chain definition (a path, or YAML text) into a ChainSpec.

    A `str` is YAML text when it holds a line break, otherwise a file path. Raises
    DefinitionError listing every problem found.
    """
    return read_chain_definition(source)[0]


def read_chain_definition(source: str | Path) -> tuple[ChainSpec, frozenset[str]]:
    """Like `load_chain_definition`, and also return the top-level keys the file gives.

    An import needs them: a name or colour that the file leaves out stays as it is."""
    text, name = _read_source(source)
    return parse_chain_definition(text, name)


def parse_chain_definition(text: str, name: str = "") -> tuple[ChainSpec, frozenset[str]]:
    """Read YAML text (never a path: for uploads) into (spec, top-level keys given).

    `name` is how messages call the text. Raises DefinitionError listing every problem found.
    """
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = " ".join(str(p) for p in (e.context, e.problem) if p)
        raise DefinitionError([f"{where}: YAML syntax error: {problem}"], name) from None
    except yaml.YAMLError as e:
        raise DefinitionError([f"file: YAML syntax error: {e}"], name) from None
    finally:
        loader.dispose()
    errors = loader.duplicate_keys + check_chain_data(data)
    if errors:
        raise DefinitionError(errors, name)
    keys = frozenset(key for key, value in data.items() if value is not None)
    return _spec_from_data(data), keys


def dump_chain_definition(spec: ChainSpec) -> str:
    """Write `spec` as a chain definition file (YAML text) in a stable, readable key order."""
    header = (
        f"# Chain definition of '{spec.slug}'. Format: docs/chain-definition.md\n"
        "# Activity codes are what partners' exports must deliver.\n"
    )
    body = yaml.dump(
        _data_from_spec(spec, for_file=True),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return header + body


def validate_chain_spec(spec: ChainSpec) -> None:
    """Raise DefinitionError when `spec` (built in Python, not read from a file) is not valid."""
    errors = check_chain_data(_data_from_spec(spec, for_file=False))
    if errors:
        raise DefinitionError(errors, spec.slug)


def check_chain_data(data: Any) -> list[str]:
    """Return every problem in parsed YAML data, as `"<field path>: <problem>"` messages."""
    return Checker().check(data)


def reference_chain_files() -> list[Path]:
    """The definition files of the reference chains shipped with Keten."""
    return [REFERENCE_DIR / f"{slug}.yaml" for slug in REFERENCE_CHAINS]


# ---------------------------------------------------------------------------------------
# Reading


def _read_source(source: str | Path) -> tuple[str, str]:
    """Return (text, name for messages)."""
    if isinstance(source, str) and "\n" in source:
        return source, ""
    path = Path(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DefinitionError([f"file: '{path}' does not exist"], str(path)) from None
    except IsADirectoryError:
        raise DefinitionError([f"file: '{path}' is a directory, not a file"], str(path)) from None
    except OSError as e:
        raise DefinitionError([f"file: cannot read '{path}': {e.strerror}"], str(path)) from None
    try:
        return raw.decode("utf-8-sig"), str(path)
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        message = f"file: line {line}: not UTF-8 text; save the file as UTF-8"
        raise DefinitionError([message], str(path)) from None


class _Loader(yaml.SafeLoader):
    """A safe loader that notes duplicate keys instead of silently keeping the last one."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *defaults` may be overridden on purpose
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; construct_mapping reports it
                continue
            if duplicate:
                line = key_node.start_mark.line + 1
                self.duplicate_keys.append(f"line {line}: key '{key}' appears twice in the same mapping")
        return super().construct_mapping(node, deep=deep)


# ---------------------------------------------------------------------------------------
# Converting between data and specs


def _spec_from_data(data: dict) -> ChainSpec:
    """Build the spec from data that passed the checks."""
    defaults = ChainSpec(slug="", name="")
    return ChainSpec(
        slug=data["slug"],
        name=data.get("name") or "",
        description=data.get("description") or "",
        ambition=data.get("ambition") or "",
        administrative_ambition=data.get("administrative_ambition") or "",
        colour=data.get("colour") or defaults.colour,
        timezone=data.get("timezone") or defaults.timezone,
        horizon_days=data.get("horizon_days") or defaults.horizon_days,
        goal_activities=tuple(data.get("goal_activities") or ()),
        reject_policy=data.get("reject_policy") or defaults.reject_policy,
        repeated_events=data.get("repeated_events") or defaults.repeated_events,
        earliest_event=as_date(data.get("earliest_event")) or defaults.earliest_event,
        future_days=defaults.future_days if data.get("future_days") is None else data["future_days"],
        # Checked above: every closing day reads as a date.
        closing_days=tuple(sorted(d for d in map(as_date, data.get("closing_days") or ()) if d is not None)),
        liberation_day=data.get("liberation_day") or defaults.liberation_day,
        partners=tuple(
            PartnerSpec(
                code=p["code"],
                name=p["name"],
                kind=p.get("kind") or "producing",
                role=p.get("role") or "",
                column_mapping=dict(p.get("column_mapping") or {}),
            )
            for p in data["partners"]
        ),
        stages=tuple(
            StageSpec(
                code=s["code"],
                name=s["name"],
                partner=s["partner"],
                activities=tuple(ActivitySpec(a["code"], a["name"]) for a in s["activities"]),
            )
            for s in data["stages"]
        ),
        agreements=tuple(
            AgreementSpec(
                code=a["code"],
                name=a["name"],
                description=a.get("description") or "",
                from_activity=a["from_activity"],
                to_activity=a["to_activity"],
                max_days=a["max_days"],
                target_share=a["target_share"],
                days_kind=a.get("days_kind") or "calendar",
                owners=tuple(a.get("owners") or ()),
            )
            for a in data.get("agreements") or ()
        ),
        objectives=tuple(
            ObjectiveSpec(
                code=o["code"],
                name=o["name"],
                description=o.get("description") or "",
                kpis=tuple(
                    KpiSpec(
                        code=k["code"],
                        name=k["name"],
                        description=k.get("description") or "",
                        kind=k["kind"],
                        parameters=dict(k["parameters"]),
                        target=k["target"],
                        direction=k["direction"],
                        partners=tuple(k.get("partners") or ()),
                    )
                    for k in o.get("kpis") or ()
                ),
            )
            for o in data.get("objectives") or ()
        ),
    )


class _FlowMap(dict):
    """A mapping written on one line: `{code: intake, name: Intake}`."""


class _FlowList(list):
    """A list written on one line: `[gemeente, uwv]`."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # no `&id001` anchors: a definition file is read by people

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write them.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text as a literal block; the emitter falls back to quotes when it must.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def _number(value: Any) -> Any:
    """14.0 reads better as 14 (and loads back equal)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _data_from_spec(spec: ChainSpec, *, for_file: bool) -> dict[str, Any]:
    """The spec as plain data in file order. `for_file` drops empty optional fields and
    marks the short parts for one-line output; otherwise every field is kept as is."""
    flow_map: Callable[[dict], dict] = _FlowMap if for_file else dict
    flow_list: Callable[[Any], list] = _FlowList if for_file else list

    def optional(item: dict[str, Any], key: str, value: Any) -> None:
        if value or not for_file:
            item[key] = value

    def partner(p: PartnerSpec) -> dict[str, Any]:
        item: dict[str, Any] = {"code": p.code, "name": p.name, "kind": p.kind}
        optional(item, "role", p.role)
        optional(item, "column_mapping", _mapping_data(p.column_mapping, flow_map, flow_list))
        return item

    def agreement(a: AgreementSpec) -> dict[str, Any]:
        item: dict[str, Any] = {"code": a.code, "name": a.name}
        optional(item, "description", a.description)
        item.update(
            from_activity=a.from_activity,
            to_activity=a.to_activity,
            max_days=_number(a.max_days),
            target_share=_number(a.target_share),
        )
        # Calendar days are the default: only an agreement in working days says so.
        if a.days_kind != "calendar" or not for_file:
            item["days_kind"] = a.days_kind
        optional(item, "owners", flow_list(a.owners))
        return item

    def kpi(k: KpiSpec) -> dict[str, Any]:
        item: dict[str, Any] = {"code": k.code, "name": k.name}
        optional(item, "description", k.description)
        item.update(
            kind=k.kind,
            parameters=flow_map({key: _number(v) for key, v in k.parameters.items()}),
            target=_number(k.target),
            direction=k.direction,
        )
        optional(item, "partners", flow_list(k.partners))
        return item

    def objective(o: ObjectiveSpec) -> dict[str, Any]:
        item: dict[str, Any] = {"code": o.code, "name": o.name}
        optional(item, "description", o.description)
        item["kpis"] = [kpi(k) for k in o.kpis]
        return item

    data: dict[str, Any] = {"format": FORMAT, "slug": spec.slug, "name": spec.name}
    optional(data, "description", spec.description)
    optional(data, "ambition", spec.ambition)
    optional(data, "administrative_ambition", spec.administrative_ambition)
    data.update(
        colour=spec.colour,
        timezone=spec.timezone,
        horizon_days=spec.horizon_days,
        goal_activities=flow_list(spec.goal_activities),
        reject_policy=spec.reject_policy,
        repeated_events=spec.repeated_events,
        earliest_event=spec.earliest_event,
        future_days=spec.future_days,
    )
    optional(data, "closing_days", flow_list(spec.closing_days))
    if spec.liberation_day != "every_year" or not for_file:
        data["liberation_day"] = spec.liberation_day
    data.update(
        partners=[partner(p) for p in spec.partners],
        stages=[
            {
                "code": s.code,
                "name": s.name,
                "partner": s.partner,
                "activities": [flow_map({"code": a.code, "name": a.name}) for a in s.activities],
            }
            for s in spec.stages
        ],
    )
    optional(data, "agreements", [agreement(a) for a in spec.agreements])
    optional(data, "objectives", [objective(o) for o in spec.objectives])
    return data


def _mapping_data(mapping: dict[str, Any], flow_map: Callable, flow_list: Callable) -> dict[str, Any]:
    """A column mapping in the documented key order; unknown keys are kept (the check reports them)."""
    order = {key: i for i, key in enumerate(MAPPING_KEYS)}
    item: dict[str, Any] = {}
    for key in sorted(mapping, key=lambda k: (order.get(k, len(order)), str(k))):
        value = mapping[key]
        if key in ("attributes", "timestamp_format") and isinstance(value, list | tuple):
            value = flow_list(value)
        elif key in ("activity_values", "partner_values") and isinstance(value, dict):
            value = dict(value)
        item[key] = value
    return item
