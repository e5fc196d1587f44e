"""Use cases on the chain model that touch several models at once."""

from __future__ import annotations

from django.db import transaction

from keten.analytics.model import ChainSpec
from keten.chains.definition import validate_chain_spec
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


@transaction.atomic
def save_chain_spec(spec: ChainSpec) -> Chain:
    """Create the chain from `spec`, or update it in place to match, keeping the identity
    (primary keys) of partners, agreements, objectives and KPIs whose code stays the same,
    because other records (memberships, decisions, stories) point at them.

    Raises DefinitionError when `spec` is not valid. Everything happens in one transaction:
    when any step fails (for instance a partner that is to go but is still referred to
    elsewhere: ProtectedError), nothing is changed."""
    validate_chain_spec(spec)
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

    # Stages and activities are referenced by code only, so they are simply rebuilt.
    chain.stages.all().delete()
    for position, s in enumerate(spec.stages):
        stage = Stage.objects.create(
            chain=chain, position=position, code=s.code, name=s.name, partner=partners[s.partner]
        )
        Activity.objects.bulk_create(
            Activity(stage=stage, position=i, code=a.code, name=a.name) for i, a in enumerate(s.activities)
        )

    chain.agreements.exclude(code__in=[a.code for a in spec.agreements]).delete()
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
            },
        )
        agreement.owners.set([partners[code] for code in a.owners])

    kpi_codes = [k.code for k in spec.kpis]
    KpiDefinition.objects.filter(objective__chain=chain).exclude(code__in=kpi_codes).delete()
    for position, o in enumerate(spec.objectives):
        objective, _ = Objective.objects.update_or_create(
            chain=chain,
            code=o.code,
            defaults={"name": o.name, "description": o.description, "position": position},
        )
        for kpi_position, k in enumerate(o.kpis):
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
    # Only now: a KPI may have moved here from an objective that goes, and keeps its identity.
    chain.objectives.exclude(code__in=[o.code for o in spec.objectives]).delete()

    chain.partners.exclude(code__in=list(partners)).delete()
    return chain


def record_audit(user, chain: Chain, action: str, **detail) -> AuditEntry:
    """Write one audit entry; `action` is a short dotted name such as `cases.viewed`."""
    return AuditEntry.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        chain=chain,
        action=action,
        detail=detail,
    )
