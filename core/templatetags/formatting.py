"""`{% load formatting %}`: money and CEC hours in every app's templates."""

from django import template

from core.formatting import dollars as dollars_text
from core.formatting import format_hours

register = template.Library()


@register.filter
def dollars(cents):
    """Integer cents as US dollars: 12500 → $125.00."""
    return dollars_text(cents)


@register.filter
def cecs(hours):
    """CEC hours without needless decimals: 8.00 → 8, 1.50 → 1.5."""
    if hours in (None, ""):
        return ""
    return format_hours(hours)
