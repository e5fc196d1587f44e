"""Use cases on the chain model that touch several models at once."""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.db.models import F, Max

from keten.analytics.model import ChainSpec
from keten.chains.definition import DefinitionError, validate_chain_spec
from keten.chains.models import (
    Activity,
    Agreement,
    AuditEntry,
    Chain,
    KpiDefinition,
    Objective,
    Partner,
    Stage,
)
from keten.chains.plan import IDENTITY_KEYS, ImportPlan, consequences, definition_changes, resolve_identity


@transaction.atomic
def save_chain_spec(spec: ChainSpec) -> Chain:
    """Create the chain from `spec`, or update it in place to match, without a plan or a
    question: what the spec leaves out is deleted with whatever hangs on it. For code that
    builds chains itself (the demo, tests); definition files go through
    `import_chain_definition`, which says first what would be lost.

    Keeps the identity (primary keys) of partners, stages, activities, agreements, objectives
    and KPIs whose code stays the same, because other records point at them. Raises
    DefinitionError when `spec` is not valid. One transaction: when any step fails (for
    instance a partner that is to go but still has deliveries: ProtectedError), nothing changes."""
    validate_chain_spec(spec)
    chain = _save_definition(spec, imported_identity={key: getattr(spec, key) for key in IDENTITY_KEYS})
    _delete(_doomed(chain, spec))
    return chain


def import_chain_definition(
    spec: ChainSpec,
    keys: frozenset[str],
    *,
    user,
    source: str = "",
    apply: bool = True,
    allow_deletions: bool = False,
    expected_digest: str | None = None,
) -> ImportPlan:
    """Import a chain definition file read as (`spec`, its top-level `keys`): work out the plan
    and apply it when `apply`, unless it is blocked, or it would delete records outside the
    chain model (seats, gains statements, scan invitations, ...) and `allow_deletions` is not
    given. Returns the plan; `plan.applied` says whether it was applied.

    The plan is worked out by doing the import in a transaction and looking at what the
    deletions would take with them; when the plan is not applied, the transaction is rolled
    back, so the plan and the import can never disagree and nothing is ever half-applied.
    A name or colour set in the web interface is kept unless the file says otherwise
    (`keten.chains.plan.resolve_identity`). With `expected_digest` (the fingerprint of the plan
    someone confirmed), a plan that came out different is not applied (`plan.stale`).
    Raises DefinitionError when a new chain has no name.
    """
    with transaction.atomic():
        chain = Chain.objects.select_for_update().filter(slug=spec.slug).first()
        if chain is None and "name" not in keys:
            raise DefinitionError(["name: is required for a new chain"], source)
        identity, kept, imported_identity = resolve_identity(chain, spec, keys)
        spec = replace(spec, **identity)
        validate_chain_spec(spec)
        plan = ImportPlan(
            slug=spec.slug,
            name=spec.name,
            created=chain is None,
            changes=definition_changes(chain.to_spec() if chain else None, spec),
            kept=kept,
        )
        chain = _save_definition(spec, imported_identity=imported_identity)
        doomed = _doomed(chain, spec)
        plan.dependents, plan.blockers = consequences(doomed)
        plan.stale = expected_digest is not None and expected_digest != plan.digest()
        if not apply or plan.stale or plan.blockers or (plan.needs_allow_deletions and not allow_deletions):
            transaction.set_rollback(True)
            return plan
        _delete(doomed)
        detail = {"file": source, "created": plan.created}
        if plan.deleted:
            detail["deleted"] = plan.deleted
        if kept:
            detail["kept"] = sorted(k.field for k in kept)
        record_audit(user, chain, "chain.imported", **detail)
        plan.applied = True
        return plan


def _save_definition(spec: ChainSpec, *, imported_identity: dict) -> Chain:
    """Create or update everything `spec` holds; delete nothing yet (see `_doomed`)."""
    chain, _ = Chain.objects.update_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "description": spec.description,
            "ambition": spec.ambition,
            "administrative_ambition": spec.administrative_ambition,
            "colour": spec.colour,
            "timezone": spec.timezone,
            "horizon_days": spec.horizon_days,
            "goal_activities": list(spec.goal_activities),
            "reject_policy": spec.reject_policy,
            "repeated_events": spec.repeated_events,
            "earliest_event": spec.earliest_event,
            "future_days": spec.future_days,
            "closing_days": [day.isoformat() for day in sorted(spec.closing_days)],
            "liberation_day": spec.liberation_day,
            "imported_identity": imported_identity,
        },
    )
    partners = {}
    for position, p in enumerate(spec.partners):
        partners[p.code], _ = Partner.objects.update_or_create(
            chain=chain,
            code=p.code,
            defaults={
                "name": p.name,
                "kind": p.kind,
                "role": p.role,
                "column_mapping": dict(p.column_mapping),
                "position": position,
            },
        )
    _save_stages(chain, spec, partners)
    _save_agreements(chain, spec, partners)
    _save_objectives(chain, spec, partners)
    return chain


def _save_stages(chain: Chain, spec: ChainSpec, partners: dict[str, Partner]) -> None:
    """Stages and activities are updated in place by code (an activity may move to another
    stage), so that a record pointing at one would survive a re-import."""
    # Out of the way first: positions are unique in a chain.
    top = chain.stages.aggregate(top=Max("position"))["top"]
    if top is not None:
        chain.stages.update(position=F("position") + top + 1 + len(spec.stages))
    stages = {s.code: s for s in chain.stages.all()}
    activities = {a.code: a for a in Activity.objects.filter(stage__chain=chain)}
    for position, s in enumerate(spec.stages):
        stage = stages.get(s.code) or Stage(chain=chain, code=s.code)
        stage.position, stage.name, stage.partner = position, s.name, partners[s.partner]
        stage.save()
        for i, a in enumerate(s.activities):
            activity = activities.get(a.code) or Activity(code=a.code)
            activity.stage, activity.position, activity.name = stage, i, a.name
            activity.save()


def _save_agreements(chain: Chain, spec: ChainSpec, partners: dict[str, Partner]) -> None:
    for position, a in enumerate(spec.agreements):
        agreement, _ = Agreement.objects.update_or_create(
            chain=chain,
            code=a.code,
            defaults={
                "position": position,
                "name": a.name,
                "description": a.description,
                "from_activity": a.from_activity,
                "to_activity": a.to_activity,
                "max_days": a.max_days,
                "target_share": a.target_share,
                "days_kind": a.days_kind,
            },
        )
        agreement.owners.set([partners[code] for code in a.owners])


def _save_objectives(chain: Chain, spec: ChainSpec, partners: dict[str, Partner]) -> None:
    for position, o in enumerate(spec.objectives):
        objective, _ = Objective.objects.update_or_create(
            chain=chain,
            code=o.code,
            defaults={"name": o.name, "description": o.description, "position": position},
        )
        for kpi_position, k in enumerate(o.kpis):
            # A KPI may move here from another objective (even one that goes) and keeps its identity.
            kpi = KpiDefinition.objects.filter(objective__chain=chain, code=k.code).first() or KpiDefinition(
                code=k.code
            )
            kpi.objective = objective
            kpi.position = kpi_position
            kpi.name = k.name
            kpi.description = k.description
            kpi.kind = k.kind
            kpi.parameters = dict(k.parameters)
            kpi.target = k.target
            kpi.direction = k.direction
            kpi.save()
            kpi.partners.set([partners[code] for code in k.partners])


def _doomed(chain: Chain, spec: ChainSpec) -> list:
    """What of the chain model `spec` leaves out, in the order it is deleted (after
    `_save_definition`, so moved activities and KPIs are no longer under what goes)."""
    activity_codes = [a.code for s in spec.stages for a in s.activities]
    return [
        *Activity.objects.filter(stage__chain=chain).exclude(code__in=activity_codes),
        *chain.stages.exclude(code__in=[s.code for s in spec.stages]),
        *chain.agreements.exclude(code__in=[a.code for a in spec.agreements]),
        *KpiDefinition.objects.filter(objective__chain=chain).exclude(code__in=[k.code for k in spec.kpis]),
        *chain.objectives.exclude(code__in=[o.code for o in spec.objectives]),
        *chain.partners.exclude(code__in=[p.code for p in spec.partners]),
    ]


def _delete(doomed: list) -> None:
    for obj in doomed:
        if type(obj).objects.filter(pk=obj.pk).exists():  # a stage's activities went with it
            obj.delete()


def record_audit(user, chain: Chain, action: str, **detail) -> AuditEntry:
    """Write one audit entry; `action` is a short dotted name such as `cases.viewed`."""
    return AuditEntry.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        chain=chain,
        action=action,
        detail=detail,
    )
