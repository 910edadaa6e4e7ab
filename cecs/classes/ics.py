"""A holder's renewal calendar as an iCalendar (RFC 5545) file, written with the
`icalendar` library: the renewal due date and the end of the grace period (all-day
events, dates as in America/Denver) and the AASC classes the holder reserved (timed
events with TZID=America/Denver and the zone's VTIMEZONE).

The same file is the signed-in holder's download and the body of their secret feed
address; it only ever holds that one holder's data.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from core.formatting import dollars, format_hours
from credentials.selectors import current_cycle, holder_invoice, renewing_credentials

from .reservations import holder_reservations

PRODID = "-//AASC//Credential renewal portal//EN"
UID_DOMAIN = "renewals.aasc-portal"
FILENAME = "aasc-renewal-calendar.ics"
CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_REFRESH = datetime.timedelta(hours=12)


def portal_zone():
    return ZoneInfo(settings.TIME_ZONE)  # America/Denver, AASC's


@dataclass(frozen=True)
class RenewalDates:
    year: int
    due_on: datetime.date
    grace_ends_on: datetime.date
    late_fee_cents: int
    completed: bool


def renewal_dates(*, holder, today=None):
    """The current cycle's dates for this holder: from their invoice (its snapshot) when
    issued, else from the cycle if it renews one of their credentials; else None."""
    today = today or timezone.localdate()
    cycle = current_cycle(today=today)
    if cycle is None:
        return None
    invoice = holder_invoice(holder=holder, cycle=cycle)
    if invoice is not None:
        return RenewalDates(
            cycle.year,
            invoice.due_on,
            invoice.grace_ends_on,
            cycle.late_fee_cents,
            invoice.completed_at is not None,
        )
    if renewing_credentials(cycle=cycle).filter(holder=holder).exists():
        return RenewalDates(
            cycle.year, cycle.due_on, cycle.grace_ends_on, cycle.late_fee_cents, False
        )
    return None


def _event(*, uid, stamp, summary, description):
    event = Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("description", description)
    return event


def _all_day(event, day):
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a deadline, not a busy day
    return event


def renewal_events(*, holder, dates, stamp):
    year = dates.year
    done = f" Your {year} renewal is complete." if dates.completed else ""
    late_fee = dollars(dates.late_fee_cents)
    due = _event(
        uid=f"renewal-{year}-due-h{holder.pk}",
        stamp=stamp,
        summary=f"AASC {year} credential renewal due",
        description=(
            f"Your {year} renewal (fee and CECs) is due today. Until the end of the grace "
            f"period on {dates.grace_ends_on:%B %-d, %Y} you can still renew without the "
            f"{late_fee} reinstatement fee.{done}"
        ),
    )
    grace = _event(
        uid=f"renewal-{year}-grace-end-h{holder.pk}",
        stamp=stamp,
        summary=f"AASC {year} renewal: grace period ends",
        description=(
            f"Last day to complete your {year} renewal without the {late_fee} "
            f"reinstatement fee; credentials not renewed by then lapse.{done}"
        ),
    )
    return [_all_day(due, dates.due_on), _all_day(grace, dates.grace_ends_on)]


def class_event(*, reservation, stamp, classes_url=""):
    aasc_class = reservation.aasc_class
    hours = format_hours(aasc_class.hours)
    lines = [
        f"{hours} in-network CEC{'s' if aasc_class.hours != 1 else ''} once AASC records "
        "your attendance.",
        f"Instructor: {aasc_class.instructor}",
    ]
    if aasc_class.online_url:
        lines.append(f"Join online: {aasc_class.online_url}")
    if classes_url:
        lines.append(f"Your reservations: {classes_url}")
    event = _event(
        uid=f"aasc-class-{aasc_class.pk}-h{reservation.holder_id}",
        stamp=stamp,
        summary=f"AASC class: {aasc_class.title}",
        description="\n".join(lines),
    )
    if aasc_class.starts_at is None:  # a class from before the calendar: its date only
        _all_day(event, aasc_class.held_on)
    else:
        zone = portal_zone()
        event.add("dtstart", aasc_class.starts_at.astimezone(zone))
        event.add("dtend", aasc_class.calendar_end.astimezone(zone))
    if aasc_class.location or aasc_class.online_url:
        event.add("location", aasc_class.location or aasc_class.online_url)
    if aasc_class.online_url:
        event.add("url", aasc_class.online_url)
    event.add("status", "CONFIRMED")
    return event


def holder_calendar(*, holder, now=None, classes_url="", feed=False):
    """The holder's calendar file, as bytes."""
    now = now or timezone.now()
    stamp = now.astimezone(datetime.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "AASC credential renewal")
    calendar.add("x-wr-timezone", portal_zone().key)
    if feed:
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", FEED_REFRESH)
    dates = renewal_dates(holder=holder, today=timezone.localdate(now))
    if dates is not None:
        for event in renewal_events(holder=holder, dates=dates, stamp=stamp):
            calendar.add_component(event)
    for reservation in holder_reservations(holder=holder):
        calendar.add_component(
            class_event(reservation=reservation, stamp=stamp, classes_url=classes_url)
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()
