"""CEC arithmetic: one CEC is one hour of education, meals and breaks excluded."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from core.errors import ApplicationError

MAX_HOURS_PER_DAY = Decimal(12)
TWO_PLACES = Decimal("0.01")


def net_hours(*, start=None, end=None, gross_hours=None, break_minutes=0):
    """Hours net of meals and breaks, from start and end times or from gross hours."""
    if start is not None and end is not None:
        if end <= start:
            raise ApplicationError("The end time must be after the start time.")
        minutes = (
            datetime.datetime.combine(datetime.date.min, end)
            - datetime.datetime.combine(datetime.date.min, start)
        ).total_seconds() / 60
        gross = Decimal(minutes) / 60
    elif gross_hours is not None:
        gross = Decimal(gross_hours)
        if gross <= 0:
            raise ApplicationError("Hours must be more than zero.")
    else:
        raise ApplicationError("Give either the start and end times or the number of hours.")
    if break_minutes < 0:
        raise ApplicationError("Break minutes cannot be negative.")
    net = gross - Decimal(break_minutes) / 60
    if net <= 0:
        raise ApplicationError("Meals and breaks cannot take up the whole activity.")
    return net.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def check_plausible(hours, *, days=1):
    if hours > MAX_HOURS_PER_DAY * days:
        raise ApplicationError(
            f"{hours} hours is more than {MAX_HOURS_PER_DAY * days:.0f} for "
            f"{days} day(s); check the hours or split the activity."
        )


def aasc_date(moment):
    """The calendar date of an aware datetime in AASC's zone: "earned in 2026" means a
    date in 2026 in Colorado."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def earned_on_for(*, day, at_time=None, time_zone=None):
    """The AASC date of an activity on `day` at `at_time` in `time_zone`."""
    if at_time is None:
        return day
    moment = datetime.datetime.combine(
        day, at_time, tzinfo=ZoneInfo(time_zone or settings.TIME_ZONE)
    )
    return aasc_date(moment)
