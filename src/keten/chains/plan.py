"""What a chain import does, said before it does it: the import plan.

`ImportPlan` lists what a definition file creates, changes and deletes in the chain model, the
name or colour it keeps because they were set in the web interface, and what goes with the
deletions elsewhere: seats, mutual-gains statements, perception scores, scan invitations,
memberships, links from covenants and decisions... found by following every foreign key to the
records that go (Django's own deletion collector), so a model added later is counted too.
`keten.chains.actions.import_chain_definition` makes the plan and applies it, or not.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.admin.utils import NestedObjects
from django.db import models
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from keten.analytics.model import ChainSpec
from keten.chains.checks import TOP_KEYS
from keten.chains.models import Activity, Agreement, Chain, KpiDefinition, Objective, Partner, Stage

# The chain's identity as the web interface sets it (governance: identity). A file "says
# otherwise" when it gives the key and its value differs from what the previous import gave;
# see docs/chain-definition.md, "Re-importing a chain".
IDENTITY_KEYS: tuple[str, ...] = ("name", "colour")
# The chain's own fields: the top-level keys of a file that are not lists of parts.
CHAIN_FIELDS: tuple[str, ...] = tuple(
    key for key in TOP_KEYS if key not in ("format", "slug", "partners", "stages", "agreements", "objectives")
)

ACTIONS = {
    "created": pgettext_lazy("import plan", "created"),
    "changed": pgettext_lazy("import plan", "changed"),
    "deleted": pgettext_lazy("import plan", "deleted"),
}
KINDS = {
    "chain": _("chain"),
    "partner": _("partner"),
    "stage": _("stage"),
    "activity": _("activity"),
    "agreement": _("agreement"),
    "objective": _("objective"),
    "KPI": _("KPI"),
}
KIND_OF_MODEL = {
    Partner: "partner",
    Stage: "stage",
    Activity: "activity",
    Agreement: "agreement",
    Objective: "objective",
    KpiDefinition: "KPI",
}
# The chain model itself: what the file describes. Everything else that a deletion reaches is
# a record of its own (governance, scan, memberships) and counts as a loss.
DEFINITION_MODELS: frozenset[type[models.Model]] = frozenset(
    {Chain, *KIND_OF_MODEL, Agreement.owners.through, KpiDefinition.partners.through}
)


@dataclass(frozen=True)
class Change:
    """One item of the chain model that the import creates, changes or deletes."""

    action: str  # created, changed, deleted
    kind: str  # a key of KINDS
    code: str
    name: str
    fields: tuple[str, ...] = ()  # for "changed": the file keys whose value changes

    @property
    def action_label(self) -> str:
        return ACTIONS[self.action]

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    def line(self) -> str:
        text = f"{self.action} {self.kind} '{self.code}' ({self.name})"
        return text + (f": {', '.join(self.fields)}" if self.fields else "")


@dataclass(frozen=True)
class Kept:
    """A name or colour set in the web interface that the import leaves as it is."""

    field: str
    value: str
    file_value: str

    def line(self) -> str:
        return (
            f"kept {self.field} '{self.value}': set in the web interface; "
            f"the file still says '{self.file_value}', as at the previous import"
        )


@dataclass(frozen=True)
class Dependent:
    """How many records of one kind go (or lose a link) with what the import deletes."""

    key: str  # English, stable: for the command line and the audit log
    label: Any  # the same, translated for the web page
    count: int

    def line(self) -> str:
        return f"{self.key}: {self.count}"


@dataclass(frozen=True)
class Blocker:
    """Something outside the chain model that may not be deleted (a delivery, an escalation)
    and still points at what the file leaves out."""

    kind: str
    code: str
    name: str
    records: Any  # the verbose name (plural) of the records that point at it
    detail: str

    def line(self) -> str:
        with translation.override(None):
            return str(self.label)

    @property
    def label(self) -> Any:
        return format_lazy(
            _(
                "{kind} '{code}' ({name}) cannot go: {records} still refer to it ({detail}); "
                "keep it in the file"
            ),
            kind=KINDS[self.kind],
            code=self.code,
            name=self.name,
            records=self.records,
            detail=self.detail,
        )


@dataclass
class ImportPlan:
    """What importing one definition file into the database does."""

    slug: str
    name: str
    created: bool
    changes: list[Change] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    dependents: list[Dependent] = field(default_factory=list)
    # Why the import cannot be applied at all, --allow-deletions or not.
    blockers: list[Blocker] = field(default_factory=list)
    applied: bool = False
    # Not applied because it differs from the plan that was shown and confirmed.
    stale: bool = False

    @property
    def needs_allow_deletions(self) -> bool:
        """True when applying deletes (or unlinks) records outside the chain model."""
        return bool(self.dependents)

    @property
    def deleted(self) -> dict[str, int]:
        return {d.key: d.count for d in self.dependents}

    def lines(self) -> list[str]:
        """The plan as text for the command line (English, like the command's other output)."""
        head = f"Plan for chain '{self.slug}' ({self.name}): " + (
            "new chain" if self.created else "update in place"
        )
        lines = [head]
        lines += [f"  {c.line()}" for c in self.changes]
        lines += [f"  {k.line()}" for k in self.kept]
        if not self.changes and not self.kept:
            lines.append("  no changes")
        if self.dependents:
            lines.append("Records elsewhere that depend on what goes, deleted or unlinked with it:")
            lines += [f"  {d.line()}" for d in self.dependents]
        if self.blockers:
            lines.append("Cannot be applied:")
            lines += [f"  {b.line()}" for b in self.blockers]
        return lines

    def digest(self) -> str:
        """A fingerprint of the plan, so a confirmation applies the plan that was shown."""
        with translation.override(None):
            return hashlib.sha256("\n".join(self.lines()).encode()).hexdigest()[:32]


# ---------------------------------------------------------------------------------------
# Identity


def resolve_identity(
    chain: Chain | None, spec: ChainSpec, keys: frozenset[str]
) -> tuple[dict[str, str], list[Kept], dict[str, str]]:
    """Return (identity to save, what is kept from the web interface, identity to remember as
    imported) for a file with top-level `keys`.

    A key the file leaves out keeps the chain's value. A key the file gives overwrites the
    chain's value, except when the chain's value was changed in the web interface since the
    previous import and the file repeats what that import gave: then the file says nothing new.
    """
    values: dict[str, str] = {}
    kept: list[Kept] = []
    imported = dict(chain.imported_identity) if chain is not None else {}
    for key in IDENTITY_KEYS:
        file_value = getattr(spec, key) if key in keys else None
        if chain is None:
            values[key] = file_value if file_value is not None else getattr(spec, key)
            continue
        current = getattr(chain, key)
        if file_value is None or file_value == current:
            values[key] = current
        elif key in imported and imported[key] == file_value and current != file_value:
            values[key] = current
            kept.append(Kept(key, current, file_value))
        else:
            values[key] = file_value
        if file_value is not None:
            imported[key] = file_value
    if chain is None:
        imported = dict(values)
    return values, kept, imported


# ---------------------------------------------------------------------------------------
# Differences in the chain model


def _by_code(items) -> dict[str, Any]:
    return {item.code: item for item in items}


def _order_changed(old: list[str], new: list[str], code: str) -> bool:
    """True when `code` moves relative to the codes both lists share."""
    common = set(old) & set(new)
    old_common = [c for c in old if c in common]
    new_common = [c for c in new if c in common]
    return old_common.index(code) != new_common.index(code)


def _diff(kind: str, old_items, new_items, fields: tuple[str, ...], **normalise) -> list[Change]:
    """Changes between two lists of specs with a `code`, comparing `fields` and the order."""
    old, new = _by_code(old_items), _by_code(new_items)
    old_order, new_order = list(old), list(new)
    changes = [Change("created", kind, code, item.name) for code, item in new.items() if code not in old]
    for code, item in new.items():
        if code not in old:
            continue
        before = old[code]
        differ = []
        for name in fields:
            a, b = getattr(before, name), getattr(item, name)
            if name in normalise:
                a, b = normalise[name](a), normalise[name](b)
            if a != b:
                differ.append(name)
        if _order_changed(old_order, new_order, code):
            differ.append("order")
        if differ:
            changes.append(Change("changed", kind, code, item.name, tuple(differ)))
    changes += [Change("deleted", kind, code, item.name) for code, item in old.items() if code not in new]
    return changes


def definition_changes(old: ChainSpec | None, new: ChainSpec) -> list[Change]:
    """What changes in the chain model, created first, then changed, then deleted."""
    changes: list[Change] = []
    if old is None:
        old = ChainSpec(slug=new.slug, name=new.name)  # a new chain: all of it is created
    else:
        differ = tuple(name for name in CHAIN_FIELDS if getattr(old, name) != getattr(new, name))
        if differ:
            changes.append(Change("changed", "chain", new.slug, new.name, differ))
    changes += _diff("partner", old.partners, new.partners, ("name", "kind", "role", "column_mapping"))
    changes += _diff("stage", old.stages, new.stages, ("name", "partner"))

    def activities(spec: ChainSpec):
        return [_ActivityRow(a.code, a.name, s.code) for s in spec.stages for a in s.activities]

    changes += _diff("activity", activities(old), activities(new), ("name", "stage"))
    changes += _diff(
        "agreement",
        old.agreements,
        new.agreements,
        (
            "name",
            "description",
            "from_activity",
            "to_activity",
            "max_days",
            "target_share",
            "days_kind",
            "owners",
        ),
        owners=lambda v: sorted(v),
    )
    changes += _diff("objective", old.objectives, new.objectives, ("name", "description"))

    def kpis(spec: ChainSpec):
        return [_KpiRow(k, o.code) for o in spec.objectives for k in o.kpis]

    changes += _diff(
        "KPI",
        kpis(old),
        kpis(new),
        ("name", "description", "kind", "parameters", "target", "direction", "partners", "objective"),
        partners=lambda v: sorted(v),
    )
    order = {"created": 0, "changed": 1, "deleted": 2}
    return sorted(changes, key=lambda c: order[c.action])  # stable: kinds keep their order


@dataclass(frozen=True)
class _ActivityRow:
    code: str
    name: str
    stage: str


class _KpiRow:
    """A KPI with the objective it belongs to, so a move between objectives shows."""

    def __init__(self, kpi, objective: str) -> None:
        self._kpi, self.objective = kpi, objective

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kpi, name)


# ---------------------------------------------------------------------------------------
# What goes with the deletions


def consequences(doomed: list[models.Model]) -> tuple[list[Dependent], list[Blocker]]:
    """Return (records outside the chain model that go or lose a link with `doomed`, reasons
    the deletion cannot happen), by following every foreign key to `doomed` as a delete would."""
    if not doomed:
        return [], []
    collector = NestedObjects(using=doomed[0]._state.db or "default")
    for model in {type(obj) for obj in doomed}:
        collector.collect([obj for obj in doomed if type(obj) is model])
    counts: Counter[Any] = Counter()
    labels: dict[Any, Any] = {}
    for model, objs in collector.model_objs.items():
        if model in DEFINITION_MODELS:
            continue
        key, label = _label(model)
        counts[key] += len(objs)
        labels[key] = label
    for (fk, _value), batches in collector.field_updates.items():
        if fk.model in DEFINITION_MODELS:
            continue
        n = sum(b.count() if isinstance(b, models.QuerySet) else len(b) for b in batches)
        if n:
            label = format_lazy(
                _("{records} → {field} emptied"),
                records=fk.model._meta.verbose_name_plural,
                field=fk.verbose_name,
            )
            key = _english(label)
            counts[key] += n
            labels[key] = label
    dependents = [Dependent(key, labels[key], n) for key, n in sorted(counts.items()) if n]
    return dependents, _blockers(collector.protected, doomed)


def _label(model: type[models.Model]) -> tuple[str, Any]:
    """(English key, translatable label) for records of `model`; a link table of a
    many-to-many field reads as "<model> → <field> (links)"."""
    owner = model._meta.auto_created
    if owner:
        m2m = next(f for f in owner._meta.local_many_to_many if f.remote_field.through is model)
        label = format_lazy(
            _("{model} → {field} (links)"), model=owner._meta.verbose_name, field=m2m.verbose_name
        )
    else:
        label = model._meta.verbose_name_plural
    return _english(label), label


def _english(label: Any) -> str:
    with translation.override(None):
        return str(label)


def _blockers(protected: set[models.Model], doomed: list[models.Model]) -> list[Blocker]:
    """Why `doomed` cannot go: protected records that point at it and do not go themselves."""
    doomed_keys = {(type(obj), obj.pk): obj for obj in doomed}
    found: Counter[tuple[Any, Any]] = Counter()
    names: dict[tuple[Any, Any], list[str]] = {}
    for obj in protected:
        if (type(obj), obj.pk) in doomed_keys:
            continue  # it goes too (a stage of a partner that goes)
        for fk in obj._meta.concrete_fields:
            if not fk.is_relation or fk.remote_field.on_delete is not models.PROTECT:
                continue
            target = doomed_keys.get((fk.related_model, getattr(obj, fk.attname)))
            if target is None:
                continue
            found[(target, type(obj))] += 1
            if type(obj) in DEFINITION_MODELS:  # names of other records may hold anything
                names.setdefault((target, type(obj)), []).append(f"'{obj}'")
    blockers = []
    for (target, model), n in found.items():
        listed = names.get((target, model))
        detail = f"{n}: {', '.join(listed[:3])}" if listed else str(n)
        blockers.append(
            Blocker(
                KIND_OF_MODEL[type(target)], target.code, target.name, model._meta.verbose_name_plural, detail
            )
        )
    return sorted(blockers, key=lambda b: (b.kind, b.code, _english(b.records)))
