"""What a CEC Reporting Form must satisfy: when the activity took place and the CECs
it claims. reporting_form_save (cecs/reporting/services.py) and the holder's form both
run reporting_form_check, so the page and the save refuse the same values."""

from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone

from core.errors import ApplicationError
from credentials.selectors import (
    EarningWindow,
    current_cycle,
    current_renewal_year,
    open_earning_windows,
)
from credentials.services import cycle_defaults

from ..ledger.hours import check_plausible, net_hours

DEFAULT_TIME_ZONE = "America/Denver"  # AASC's
US_TIME_ZONES = [
    ("America/Denver", "Mountain time (Denver, Colorado)"),
    ("America/Phoenix", "Arizona time (Phoenix, no daylight saving)"),
    ("America/Los_Angeles", "Pacific time (Los Angeles)"),
    ("America/Chicago", "Central time (Chicago)"),
    ("America/New_York", "Eastern time (New York)"),
    ("America/Anchorage", "Alaska time (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii time (Honolulu)"),
]
MAX_FORM_HOURS = Decimal(100)  # ReportingForm's form_hours_in_range constraint
EARLIEST_YEAR = 2000

TEXT_FIELDS = ("title", "organisation", "description")
WHEN_FIELDS = (
    "date_from",
    "date_to",
    "start_time",
    "end_time",
    "gross_hours",
    "break_minutes",
    "time_zone",
)
FORM_FIELDS = ("activity_type", *TEXT_FIELDS, *WHEN_FIELDS)


class ReportingFormInvalid(ApplicationError):
    """The form's values break a rule; `errors` maps each field at fault to messages."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(" ".join(message for messages in errors.values() for message in messages))


def reporting_form_check(
    *,
    date_from,
    date_to=None,
    start_time=None,
    end_time=None,
    gross_hours=None,
    break_minutes=0,
    time_zone=DEFAULT_TIME_ZONE,
    now=None,
):
    """Check when the activity took place and compute the CECs it claims.

    Returns the values to store: `date_to` (None for a single day), the times or the
    gross hours (whichever was given), `break_minutes` and `hours` (net of meals and
    breaks); and, not to store, `renewal_year`: the open renewal whose earning window
    holds the activity (the oldest, if two do). Raises ReportingFormInvalid naming the
    field at fault.
    """
    errors = {}
    refuse = partial(_refuse, errors)

    break_minutes = break_minutes or 0
    time_zone = _checked_time_zone(time_zone, refuse=refuse)
    # "Today" where the activity took place: a holder in New York just after midnight
    # may report the day that has begun there.
    today = (now or timezone.now()).astimezone(ZoneInfo(time_zone)).date()

    _check_first_day(date_from, today=today, refuse=refuse)
    date_to = _checked_last_day(date_to, date_from=date_from, today=today, refuse=refuse)
    renewal_year = None
    # Which renewal takes the activity is asked once both days are right: a last day at
    # fault may mean the first moves too (a form split in two).
    if "date_from" not in errors and "date_to" not in errors:
        renewal_year = _checked_window(
            date_from,
            date_to=date_to,
            windows=open_earning_windows(today=timezone.localdate(now or timezone.now())),
            refuse=refuse,
        )
    several_days = date_to is not None and "date_to" not in errors
    days = (date_to - date_from).days + 1 if several_days else 1

    hours = None
    times = start_time is not None or end_time is not None
    hours_field = _hours_field(
        start_time=start_time,
        end_time=end_time,
        gross_hours=gross_hours,
        several_days=several_days,
        refuse=refuse,
    )
    if hours_field is not None:
        hours = _net_hours(
            start_time=start_time,
            end_time=end_time,
            gross_hours=gross_hours,
            break_minutes=break_minutes,
            hours_field=hours_field,
            refuse=refuse,
        )
        # With a wrong last day the number of days is unknown: check the hours once it is fixed.
        if hours is not None and "date_to" not in errors:
            _check_hours_claimable(hours, days=days, hours_field=hours_field, refuse=refuse)
    if errors:
        raise ReportingFormInvalid(errors)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "start_time": start_time if times else None,
        "end_time": end_time if times else None,
        "gross_hours": None if times else gross_hours,
        "break_minutes": break_minutes,
        "time_zone": time_zone,
        "hours": hours,
        "renewal_year": renewal_year,
    }


def window_text(window):
    """'the 2027 renewal accepts CECs earned from January 1 to December 31, 2026'."""
    return f"the {window.year} renewal accepts CECs earned {_dates_text(window)}"


def outside_windows_text(date_from, *, windows):
    """Why `date_from` goes to no open renewal, naming each one's window; None if it fits one."""
    if any(window.start <= date_from <= window.end for window in windows):
        return None
    named = [window_text(windows[0])] + [
        f"the {window.year} renewal those {_dates_text(window)}" for window in windows[1:]
    ]
    return f"Dated {dateformat.format(date_from, 'F Y')}: {', and '.join(named)}."


def renewal_year_note(*, renewal_year, now=None):
    """What the holder is told after saving an activity that counts towards a renewal other
    than the current one (the one their dashboard shows), or None.

    It names the current renewal's window even once its grace period has ended, which is
    when most such activities are saved (April to October, for the next year's renewal)."""
    today = timezone.localdate(now or timezone.now())
    year = current_renewal_year(today=today)
    if renewal_year is None or renewal_year == year:
        return None
    cycle = current_cycle(today=today)  # None before any cycle: `year` is the calendar's
    dates = cycle_defaults(year) if cycle is None else vars(cycle)
    current = EarningWindow(year=year, start=dates["cec_window_start"], end=dates["cec_window_end"])
    return (
        f"This activity counts towards your {renewal_year} renewal, not the {year} one: "
        f"{window_text(current)}."
    )


# The steps of reporting_form_check, in the order it runs them. Each adds its messages with
# `refuse(field, message)`, so the errors keep the order in which the fields are checked.


def _refuse(errors, field, message):
    errors.setdefault(field, []).append(message)


def _checked_time_zone(time_zone, *, refuse):
    """The time zone to read the dates in: AASC's when the one given is not offered."""
    if time_zone not in dict(US_TIME_ZONES):
        refuse("time_zone", "Choose the time zone where the activity took place.")
        return DEFAULT_TIME_ZONE
    return time_zone


def _check_first_day(date_from, *, today, refuse):
    if date_from is None:
        refuse("date_from", "Give the date of the activity.")
    elif date_from.year < EARLIEST_YEAR:
        refuse("date_from", "Check the year: the date is too far in the past.")
    elif date_from > today:
        refuse("date_from", "The date is in the future: report an activity once it has happened.")


def _checked_last_day(date_to, *, date_from, today, refuse):
    """The last day to store: None for a single day (also when it repeats the first)."""
    if date_to is None or date_from is None:
        return date_to
    if date_to == date_from:
        return None
    if date_to < date_from:
        refuse("date_to", "The last day cannot be before the first.")
    elif date_to.year != date_from.year:
        refuse(
            "date_to",
            f"A form covers one calendar year: report the days in {date_to.year} "
            "on a separate form.",
        )
    elif date_to > today:
        refuse("date_to", "The last day is in the future: report the activity once it ends.")
    return date_to


def _checked_window(date_from, *, date_to, windows, refuse):
    """The year of the open renewal whose earning window holds the activity, or None."""
    refusal = outside_windows_text(date_from, windows=windows)
    if refusal is not None:
        refuse("date_from", refusal)
        return None
    window = next(window for window in windows if window.start <= date_from <= window.end)
    if date_to is not None and date_to > window.end:
        refuse(
            "date_to",
            f"The last day must be in the same renewal as the first: {window_text(window)}. "
            "Report the later days on a separate form.",
        )
    return window.year


def _dates_text(window):
    start, end = window.start, window.end
    if start.year == end.year:
        return f"from {dateformat.format(start, 'F j')} to {dateformat.format(end, 'F j, Y')}"
    return f"from {dateformat.format(start, 'F j, Y')} to {dateformat.format(end, 'F j, Y')}"


def _hours_field(*, start_time, end_time, gross_hours, several_days, refuse):
    """Which field gives the hours ("end_time" for times, "gross_hours" for a total), or
    None when the times and the total hours are missing or given in a way that conflicts."""
    times = start_time is not None or end_time is not None
    if times and (start_time is None or end_time is None):
        missing = "end_time" if end_time is None else "start_time"
        refuse(missing, "Give both the start and end times, or neither.")
    elif times and several_days:
        refuse(
            "start_time",
            "Times can be given for a single day only. For several days, leave the times "
            "empty and give the total hours.",
        )
    elif times and gross_hours is not None:
        refuse("gross_hours", "Give either the start and end times or the total hours, not both.")
    elif not times and gross_hours is None:
        refuse("gross_hours", "Give the start and end times, or the total hours.")
    else:
        return "end_time" if times else "gross_hours"
    return None


def _net_hours(*, start_time, end_time, gross_hours, break_minutes, hours_field, refuse):
    """The hours without meals and breaks, or None. Computed once without the breaks
    first, so that a fault in the times or total is not blamed on the breaks."""
    try:
        net_hours(start=start_time, end=end_time, gross_hours=gross_hours)
    except ApplicationError as error:
        refuse(hours_field, str(error))
        return None
    try:
        return net_hours(
            start=start_time, end=end_time, gross_hours=gross_hours, break_minutes=break_minutes
        )
    except ApplicationError as error:
        refuse("break_minutes", str(error))
        return None


def _check_hours_claimable(hours, *, days, hours_field, refuse):
    """Plausible for the number of days, and within what one form may claim."""
    try:
        check_plausible(hours, days=days)
    except ApplicationError as error:
        refuse(hours_field, str(error))
    else:
        if hours > MAX_FORM_HOURS:
            refuse(
                hours_field,
                f"A form can claim at most {MAX_FORM_HOURS:.0f} CECs; "
                "report the activity on several forms.",
            )
