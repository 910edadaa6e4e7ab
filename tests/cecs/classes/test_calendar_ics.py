"""The holder's calendar file (.ics). It parses with the icalendar
library and holds the renewal due date and end of grace (all-day, dates as in Colorado)
and the holder's reserved classes (timed, TZID=America/Denver), and nobody else's."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from cecs.classes.ics import holder_calendar, renewal_dates
from cecs.classes.reservations import reservation_cancel, reservation_create
from credentials.services import invoices_issue
from tests.factories import AascClassFactory, HolderProfileFactory, holder_with

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=DENVER)


def offered(title, starts_at, *, hours="3", **fields):
    return AascClassFactory(
        title=title,
        held_on=starts_at.date(),
        starts_at=starts_at,
        hours=Decimal(hours),
        location=fields.pop("location", "AASC office, 1220 N Union Blvd"),
        published=True,
        **fields,
    )


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM", "NALP")
    invoices_issue(cycle=cycle)
    return holder


def parse(body):
    return Calendar.from_ical(body)


def events(calendar):
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_file_parses_and_holds_the_renewal_dates_as_all_day_events(holder):
    calendar = parse(holder_calendar(holder=holder, now=NOW))

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-TIMEZONE"]) == "America/Denver"
    found = events(calendar)
    assert set(found) == {
        "AASC 2027 credential renewal due",
        "AASC 2027 renewal: grace period ends",
    }
    due = found["AASC 2027 credential renewal due"]
    grace = found["AASC 2027 renewal: grace period ends"]
    # All-day: DATE values (no time, no zone), the day itself to the next.
    assert due["DTSTART"].params["VALUE"] == "DATE"
    assert due.decoded("DTSTART") == datetime.date(2027, 1, 1)
    assert due.decoded("DTEND") == datetime.date(2027, 1, 2)
    assert grace.decoded("DTSTART") == datetime.date(2027, 3, 31)
    assert grace.decoded("DTEND") == datetime.date(2027, 4, 1)
    assert "$50.00 reinstatement fee" in str(grace["DESCRIPTION"])
    assert str(due["TRANSP"]) == "TRANSPARENT"
    # Stable identifiers, so a feed updates the events instead of duplicating them.
    again = events(parse(holder_calendar(holder=holder, now=NOW + datetime.timedelta(days=1))))
    assert [str(e["UID"]) for e in found.values()] == [str(e["UID"]) for e in again.values()]


def test_reserved_classes_are_timed_events_in_america_denver(holder):
    winter = offered(
        "Fair Housing Essentials",
        datetime.datetime(2026, 12, 3, 9, 0, tzinfo=DENVER),
        online_url="https://meet.example.org/fair-housing",
        instructor="Lee Grant",
    )
    summer = offered(  # daylight saving time: UTC-6 instead of UTC-7
        "Summer Maintenance Law",
        datetime.datetime(2027, 7, 15, 13, 30, tzinfo=DENVER),
        hours="2.5",
        ends_at=datetime.datetime(2027, 7, 15, 16, 30, tzinfo=DENVER),
    )
    reservation_create(aasc_class=winter, holder=holder, now=NOW)
    reservation_create(aasc_class=summer, holder=holder, now=NOW)

    body = holder_calendar(holder=holder, now=NOW)
    calendar = parse(body)

    timezones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert timezones == ["America/Denver"]
    found = events(calendar)
    fair = found["AASC class: Fair Housing Essentials"]
    assert fair["DTSTART"].params["TZID"] == "America/Denver"
    assert b"DTSTART;TZID=America/Denver:20261203T090000" in body
    start, end = fair.decoded("DTSTART"), fair.decoded("DTEND")
    assert start == datetime.datetime(2026, 12, 3, 9, 0, tzinfo=DENVER)
    assert start.utcoffset() == datetime.timedelta(hours=-7)
    assert end - start == datetime.timedelta(hours=3)  # no end given: its hours
    assert str(fair["LOCATION"]) == "AASC office, 1220 N Union Blvd"
    assert str(fair["URL"]) == "https://meet.example.org/fair-housing"
    assert "3 in-network CECs" in str(fair["DESCRIPTION"])
    assert "Instructor: Lee Grant" in str(fair["DESCRIPTION"])

    law = found["AASC class: Summer Maintenance Law"]
    assert b"DTSTART;TZID=America/Denver:20270715T133000" in body
    assert b"DTEND;TZID=America/Denver:20270715T163000" in body
    assert law.decoded("DTSTART").utcoffset() == datetime.timedelta(hours=-6)


def test_only_the_holders_active_reservations_are_in_the_file(holder):
    mine = offered("Mine", datetime.datetime(2026, 12, 3, 9, 0, tzinfo=DENVER))
    cancelled = offered("Cancelled", datetime.datetime(2026, 12, 4, 9, 0, tzinfo=DENVER))
    theirs = offered("Theirs", datetime.datetime(2026, 12, 5, 9, 0, tzinfo=DENVER))
    reservation_create(aasc_class=mine, holder=holder, now=NOW)
    reservation_cancel(
        reservation=reservation_create(aasc_class=cancelled, holder=holder, now=NOW), now=NOW
    )
    other = HolderProfileFactory()
    reservation_create(aasc_class=theirs, holder=other, now=NOW)

    summaries = set(events(parse(holder_calendar(holder=holder, now=NOW))))
    assert "AASC class: Mine" in summaries
    assert "AASC class: Cancelled" not in summaries
    assert "AASC class: Theirs" not in summaries


def test_a_class_without_a_start_time_is_an_all_day_event(holder):
    old = AascClassFactory(title="Old Class", held_on=datetime.date(2026, 12, 3), published=False)
    # Reserved while it was published with a time; staff later took both away.
    later = offered("Old Class 2", datetime.datetime(2026, 12, 3, 9, 0, tzinfo=DENVER))
    reservation = reservation_create(aasc_class=later, holder=holder, now=NOW)
    reservation.aasc_class = old
    reservation.save(update_fields=["aasc_class"])

    event = events(parse(holder_calendar(holder=holder, now=NOW)))["AASC class: Old Class"]
    assert event.decoded("DTSTART") == datetime.date(2026, 12, 3)


def test_renewal_dates_come_from_the_cycle_without_an_invoice(cycle):
    holder = holder_with("CAS")  # no invoice issued yet
    dates = renewal_dates(holder=holder, today=NOW.date())
    assert (dates.year, dates.due_on, dates.grace_ends_on) == (
        2027,
        datetime.date(2027, 1, 1),
        datetime.date(2027, 3, 31),
    )


def test_a_holder_renewing_nothing_has_no_renewal_events(cycle):
    holder = holder_with("CAMT")  # a lifetime credential
    invoices_issue(cycle=cycle)
    assert renewal_dates(holder=holder, today=NOW.date()) is None
    assert events(parse(holder_calendar(holder=holder, now=NOW))) == {}


def test_the_invoice_snapshot_sets_the_dates(holder, cycle):
    cycle.due_on = datetime.date(2027, 1, 15)
    cycle.save(update_fields=["due_on"])
    # The invoice was issued with January 1: the holder's file keeps it.
    found = events(parse(holder_calendar(holder=holder, now=NOW)))
    assert found["AASC 2027 credential renewal due"].decoded("DTSTART") == datetime.date(2027, 1, 1)


def test_the_feed_variant_asks_calendar_apps_to_refresh(holder):
    calendar = parse(holder_calendar(holder=holder, now=NOW, feed=True))
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar.decoded("REFRESH-INTERVAL") == datetime.timedelta(hours=12)
