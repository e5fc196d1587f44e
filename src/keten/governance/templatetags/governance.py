"""Template tags other apps embed: `{% load governance %}` then `{% escalation_figures chain %}`
(the latest period's escalation figures) and `{% representation_warnings chain %}`."""

from django import template

from keten.governance import reporting

register = template.Library()


@register.inclusion_tag("governance/includes/escalation_figures.html")
def escalation_figures(chain, grain: str = "month"):
    figures = reporting.escalation_metrics(chain, grain)
    return {"chain": chain, "current": figures[-1] if figures else None}


@register.inclusion_tag("governance/includes/representation_warnings.html")
def representation_warnings(chain):
    return {"chain": chain, "warnings": reporting.representation_warnings(chain)}
