"""Path converters that match only well-formed values, so a hostile address is a 404.

Django's `str` matches anything but "/", including a NUL byte (%00), which PostgreSQL refuses
in a text value: the query raised ValueError and the page was a 500. `int` matches any number
of digits, and `date(0, 1, 1)` or a year past 9999 raised in the transcript views. A value
these converters reject never reaches the view: the resolver treats it as no match (404).

Import this module from a URLconf before using the names: `from core import converters`.
"""

from django.urls import register_converter

MIN_YEAR = 1900
MAX_YEAR = 9999  # datetime.date's limit


class YearConverter:
    """A four-digit calendar year from 1900 to 9999."""

    regex = "[0-9]{4}"

    def to_python(self, value):
        year = int(value)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"year {year} is out of range")  # the resolver's "no match"
        return year

    def to_url(self, value):
        return f"{int(value):04d}"


class CodeConverter:
    """A document number such as AASC-2027-000042 or AASC-2027-000042-P1: ASCII letters,
    digits and hyphens, at most 40 (the longest such column, Payment.receipt_number)."""

    regex = "[A-Za-z0-9][A-Za-z0-9-]{0,39}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


class TokenConverter:
    """A secret from secrets.token_urlsafe (base64url alphabet), at most 64 characters
    (CalendarFeed.token)."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(YearConverter, "year")
register_converter(CodeConverter, "code")
register_converter(TokenConverter, "token")
