"""Small helpers for the scan's templates: dictionary look-ups and score cells."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get(mapping, key):
    """Return mapping[key], or None."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.simple_tag
def score_cell(cell, min_cell, tag="td"):
    """A table cell for a score: the number with its respondents, or why it is hidden."""
    if cell is None:
        return format_html("<{} class='num'>–</{}>", tag, tag)
    if cell.suppressed:
        return format_html(
            "<{} class='num suppressed' title='{}'>{}</{}>",
            tag,
            _("Fewer than %(n)s respondents: hidden to protect anonymity.") % {"n": min_cell},
            _("< %(n)s") % {"n": min_cell},
            tag,
        )
    if cell.score is None:
        return format_html("<{} class='num'>–</{}>", tag, tag)
    return format_html(
        "<{} class='num' data-score='{}'>{} <span class='n'>(n={})</span></{}>",
        tag,
        f"{cell.score:.2f}",
        number_format(cell.score, 2),
        cell.n,
        tag,
    )


@register.simple_tag
def count_cell(n, min_cell):
    """A response count, or the sign that it is hidden."""
    if n is None:
        return format_html("<td class='num suppressed'>{}</td>", _("< %(n)s") % {"n": min_cell})
    return format_html("<td class='num'>{}</td>", n)


@register.filter
def signed(value):
    """A difference with its sign, two decimals; a dash when unknown."""
    if value is None:
        return "–"
    if isinstance(value, int):  # gaps between 1-5 ratings are whole numbers
        return f"{value:+d}" if value else "0"
    return ("+" if value > 0 else "") + number_format(value, 2)


@register.filter
def percent(value):
    if value is None:
        return "–"
    return number_format(value * 100, 0) + "%"
