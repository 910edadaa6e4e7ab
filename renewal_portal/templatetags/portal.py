from decimal import Decimal

from django import template

from cecs.hours import format_hours

register = template.Library()


@register.filter
def dollars(cents):
    """Integer cents as US dollars: 12500 → $125.00."""
    if cents in (None, ""):
        return ""
    return f"${Decimal(cents) / 100:,.2f}"


@register.filter
def cecs(hours):
    """CEC hours without needless decimals: 8.00 → 8, 1.50 → 1.5."""
    if hours in (None, ""):
        return ""
    return format_hours(hours)
