from django import template

from keten import formatting
from keten.monitor.definitions import DEFINITIONS

register = template.Library()


@register.simple_tag
def definition(key: str) -> str:
    """The figure's definition in the active language."""
    return str(DEFINITIONS[key])


@register.filter
def figure(value, unit: str) -> str:
    """A KPI value or target in its unit, as the report and the CSV headers write it."""
    return formatting.figure(value, unit)


@register.filter
def month(period) -> str:
    """A period (ISO date of its first day) as its month and year, in the active language."""
    return formatting.month_label(period)


@register.filter
def share_against(value, target) -> str:
    """A share that never reads the same as its (different) target."""
    return formatting.share_against(value, target)


@register.filter
def kpi_value(value, kpi) -> str:
    """A KPI's value as every surface writes it (beside its target)."""
    return formatting.figure(value, kpi.unit, kpi.target)
