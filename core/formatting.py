"""Money and CEC hours as people read them; every app and template shows them the same way."""

from decimal import Decimal


def dollars(cents):
    """Integer cents as US dollars: 12500 → "$125.00" (nothing for no amount)."""
    if cents in (None, ""):
        return ""
    return f"${Decimal(cents) / 100:,.2f}"


def format_hours(value):
    """CEC hours without needless decimals: 8.00 → "8", 1.50 → "1.5"."""
    return f"{Decimal(value).normalize():f}"
