"""The AASC class calendar. Reserving and cancelling seats (capacity in
the database), reservations turned "attended" by staff's attendance, and the classes
suggested to a holder short of CECs for the 2027 cycle (earning window: 2026)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from cecs.classes.reservations import (
    class_suggestions,
    holder_reservations,
    reservation_cancel,
    reservation_create,
    upcoming_classes,
)
from cecs.classes.services import attendance_record, attendance_withdraw
from cecs.ledger.selectors import cec_status
from cecs.ledger.services import entry_create
from cecs.models import AascClass, Reservation, Source
from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue
from tests.factories import AascClassFactory, HolderProfileFactory, holder_with, staff_user

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=DENVER)


def offered(title, day, *, hour=9, hours="3", seats=None, published=True, **fields):
    """A published AASC class starting at `hour` o'clock Denver time on `day`."""
    starts_at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=DENVER)
    return AascClassFactory(
        title=title,
        held_on=day,
        starts_at=starts_at,
        hours=Decimal(hours),
        seats=seats,
        published=published,
        location=fields.pop("location", "AASC office, 1220 N Union Blvd"),
        **fields,
    )


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM", "NALP")  # owes 8 for 2027, at least 5 in-network
    invoices_issue(cycle=cycle)
    return holder


def earn(holder, hours, source=Source.AASC_CLASS, earned_on=datetime.date(2026, 6, 1)):
    entry_create(
        holder=holder,
        title=f"{source} {hours}",
        provider="AASC",
        earned_on=earned_on,
        hours=Decimal(hours),
        source=source,
    )


def status_of(holder, cycle):
    invoice = RenewalInvoice.objects.get(holder=holder, cycle=cycle)
    return cec_status(holder=holder, cycle=cycle, invoice=invoice)


def suggestions_for(holder, cycle, now=NOW):
    return class_suggestions(holder=holder, status=status_of(holder, cycle), now=now)


def titles(suggestions):
    return [s.aasc_class.title for s in suggestions.classes]


# --- Reserving and cancelling ---------------------------------------------------------


def test_a_reservation_takes_a_seat_and_cancelling_frees_it(holder):
    leasing = offered("Leasing Law", datetime.date(2026, 12, 3), seats=1)
    other = HolderProfileFactory()

    reservation = reservation_create(aasc_class=leasing, holder=holder, now=NOW)

    assert (reservation.status, reservation.created_at) == (Reservation.Status.RESERVED, NOW)
    leasing.refresh_from_db()
    assert (leasing.seats_taken, leasing.seats_left, leasing.is_full) == (1, 0, True)
    with pytest.raises(ApplicationError, match="Leasing Law on December 3, 2026 is full"):
        reservation_create(aasc_class=leasing, holder=other, now=NOW)

    later = NOW + datetime.timedelta(hours=1)
    cancelled = reservation_cancel(reservation=reservation, now=later)
    assert (cancelled.status, cancelled.cancelled_at) == (Reservation.Status.CANCELLED, later)
    leasing.refresh_from_db()
    assert (leasing.seats_taken, leasing.seats_left) == (0, 1)

    # The freed seat is there for the next holder.
    assert reservation_create(aasc_class=leasing, holder=other, now=later).holder == other
    leasing.refresh_from_db()
    assert leasing.seats_taken == 1


def test_one_active_reservation_per_holder_and_class(holder):
    leasing = offered("Leasing Law", datetime.date(2026, 12, 3))
    first = reservation_create(aasc_class=leasing, holder=holder, now=NOW)

    with pytest.raises(ApplicationError, match="already reserved a seat in Leasing Law"):
        reservation_create(aasc_class=leasing, holder=holder, now=NOW)
    leasing.refresh_from_db()
    assert leasing.seats_taken == 1

    # The database refuses a second active row too, whatever the code does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(aasc_class=leasing, holder=holder, created_at=NOW)

    # After cancelling, the holder may reserve again: a new row; the old one stays.
    reservation_cancel(reservation=first, now=NOW)
    again = reservation_create(aasc_class=leasing, holder=holder, now=NOW)
    assert again.pk != first.pk
    assert list(
        Reservation.objects.filter(holder=holder).order_by("pk").values_list("status", flat=True)
    ) == ["cancelled", "reserved"]


def test_cancelling_twice_or_after_the_class_started_is_refused(holder):
    leasing = offered("Leasing Law", datetime.date(2026, 12, 3))
    reservation = reservation_create(aasc_class=leasing, holder=holder, now=NOW)
    reservation_cancel(reservation=reservation, now=NOW)
    with pytest.raises(ApplicationError, match="already cancelled"):
        reservation_cancel(reservation=reservation, now=NOW)
    leasing.refresh_from_db()
    assert leasing.seats_taken == 0

    reservation = reservation_create(aasc_class=leasing, holder=holder, now=NOW)
    started = leasing.starts_at + datetime.timedelta(minutes=1)
    with pytest.raises(ApplicationError, match="already started"):
        reservation_cancel(reservation=reservation, now=started)
    leasing.refresh_from_db()
    assert leasing.seats_taken == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"published": False}, "not open for reservations"),
        ({"starts_at": NOW - datetime.timedelta(minutes=1)}, "already started"),
        ({"starts_at": NOW}, "already started"),
    ],
)
def test_only_published_classes_that_have_not_started_take_reservations(holder, fields, message):
    leasing = offered("Leasing Law", datetime.date(2026, 12, 3))
    AascClass.objects.filter(pk=leasing.pk).update(**fields)
    with pytest.raises(ApplicationError, match=message):
        reservation_create(aasc_class=leasing, holder=holder, now=NOW)
    assert not Reservation.objects.exists()


def test_unlimited_seats_never_fill(holder):
    open_class = offered("Open House", datetime.date(2026, 12, 3), seats=None)
    for _ in range(3):
        reservation_create(aasc_class=open_class, holder=HolderProfileFactory(), now=NOW)
    open_class.refresh_from_db()
    assert (open_class.seats_taken, open_class.seats_left, open_class.is_full) == (3, None, False)


def test_the_database_refuses_more_reservations_than_seats(holder):
    """The counter's check constraint backs the lock: no write can overbook a class."""
    leasing = offered("Leasing Law", datetime.date(2026, 12, 3), seats=1)
    reservation_create(aasc_class=leasing, holder=holder, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        AascClass.objects.filter(pk=leasing.pk).update(seats_taken=F("seats_taken") + 1)


@pytest.mark.parametrize(
    "fields",
    [
        {"seats": 0},
        {"published": True, "starts_at": None},
        {"published": True, "location": "", "online_url": ""},
        {"ends_at": datetime.datetime(2026, 12, 3, 8, 0, tzinfo=DENVER)},
    ],
)
def test_class_constraints(fields):
    leasing = offered("Leasing Law", datetime.date(2026, 12, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        AascClass.objects.filter(pk=leasing.pk).update(**fields)


def test_upcoming_classes_are_published_and_not_started_soonest_first(holder):
    later = offered("Later", datetime.date(2026, 12, 10))
    sooner = offered("Sooner", datetime.date(2026, 12, 3))
    offered("Draft", datetime.date(2026, 12, 4), published=False)
    offered("Started", datetime.date(2026, 11, 26), hour=9)
    AascClassFactory(title="Old class without a time")  # March 2026, before the calendar

    assert list(upcoming_classes(now=NOW)) == [sooner, later]
    reservation = reservation_create(aasc_class=later, holder=holder, now=NOW)
    mine = {c.title: c.my_reservation_id for c in upcoming_classes(holder=holder, now=NOW)}
    assert mine == {"Sooner": None, "Later": reservation.pk}


def test_a_reservation_shows_attended_once_staff_record_attendance(holder):
    leasing = offered("Leasing Law", datetime.date(2026, 12, 3))
    reservation_create(aasc_class=leasing, holder=holder, now=NOW)
    (reservation,) = holder_reservations(holder=holder)
    assert reservation.attended is False

    staff = staff_user()
    attendance, _ = attendance_record(aasc_class=leasing, holder=holder, actor=staff)
    (reservation,) = holder_reservations(holder=holder)
    assert reservation.attended is True
    # Attendance is what adds the CECs (the ledger issue's service).
    assert attendance.cec_entry.hours == Decimal(3)

    attendance_withdraw(attendance=attendance, actor=staff, reason="Recorded by mistake")
    (reservation,) = holder_reservations(holder=holder)
    assert reservation.attended is False


def test_holder_reservations_are_the_holders_own_and_active(holder):
    leasing = offered("Leasing Law", datetime.date(2026, 12, 3))
    fair = offered("Fair Housing", datetime.date(2026, 12, 1))
    mine = reservation_create(aasc_class=leasing, holder=holder, now=NOW)
    cancelled = reservation_create(aasc_class=fair, holder=holder, now=NOW)
    reservation_cancel(reservation=cancelled, now=NOW)
    reservation_create(aasc_class=fair, holder=HolderProfileFactory(), now=NOW)

    assert list(holder_reservations(holder=holder)) == [mine]


# --- Suggestions on the CEC status page -------------------------------------------------


@pytest.fixture
def calendar(holder):
    """Classes around the 2027 cycle's earning window (January 1 - December 31, 2026),
    seen on November 26, 2026."""
    classes = {
        "past": offered("Already Held", datetime.date(2026, 11, 20)),
        "today_started": offered("This Morning", datetime.date(2026, 11, 26), hour=8),
        "today_later": offered("This Afternoon", datetime.date(2026, 11, 26), hour=14, hours="2"),
        "december": offered("Fair Housing", datetime.date(2026, 12, 3), hours="3"),
        "late_december": offered("Maintenance Law", datetime.date(2026, 12, 30), hours="8"),
        "january": offered("Next Year's Class", datetime.date(2027, 1, 14)),
        "draft": offered("Not Yet Published", datetime.date(2026, 12, 5), published=False),
        "full": offered("Full Class", datetime.date(2026, 12, 8), seats=1),
    }
    reservation_create(aasc_class=classes["full"], holder=HolderProfileFactory(), now=NOW)
    return classes


def test_a_short_holder_is_offered_upcoming_classes_in_the_window_soonest_first(
    holder, cycle, calendar
):
    earn(holder, "4")  # 4 of 8 so far, 1 more in-network needed

    suggestions = suggestions_for(holder, cycle)

    assert suggestions.is_short
    assert suggestions.missing == 4
    assert titles(suggestions) == ["This Afternoon", "Fair Housing", "Maintenance Law"]
    gap = {s.aasc_class.title: (s.missing_after, s.closes_gap) for s in suggestions.classes}
    assert gap == {
        "This Afternoon": (Decimal(2), False),
        "Fair Housing": (Decimal(1), False),
        "Maintenance Law": (Decimal(0), True),
    }


def test_a_class_with_exactly_the_missing_hours_closes_the_gap(holder, cycle, calendar):
    earn(holder, "5")  # 3 missing
    suggestions = suggestions_for(holder, cycle)
    december = next(s for s in suggestions.classes if s.aasc_class.title == "Fair Housing")
    assert (december.missing_after, december.closes_gap) == (0, True)


def test_an_in_network_shortfall_alone_is_a_gap_classes_close(holder, cycle, calendar):
    earn(holder, "4")
    earn(holder, "4", Source.OTHER_PROVIDER)  # 8 of 8, but only 4 of 5 in-network
    suggestions = suggestions_for(holder, cycle)
    assert suggestions.missing == 1
    assert all(s.closes_gap for s in suggestions.classes)


def test_reserved_classes_are_not_suggested_but_listed_as_reserved(holder, cycle, calendar):
    reservation_create(aasc_class=calendar["december"], holder=holder, now=NOW)
    reservation_create(aasc_class=calendar["january"], holder=holder, now=NOW)

    suggestions = suggestions_for(holder, cycle)

    assert "Fair Housing" not in titles(suggestions)
    # Only the reservation inside the window helps with this cycle.
    assert [r.aasc_class.title for r in suggestions.reserved] == ["Fair Housing"]
    assert (suggestions.reserved_hours, suggestions.missing_after_reserved) == (3, 5)


def test_reserved_classes_that_cover_the_gap_stop_the_suggestions(holder, cycle, calendar):
    earn(holder, "5")  # 3 missing
    reservation_create(aasc_class=calendar["december"], holder=holder, now=NOW)  # 3 CECs

    suggestions = suggestions_for(holder, cycle)

    assert suggestions.is_short  # still: CECs count once attendance is recorded
    assert (suggestions.missing, suggestions.missing_after_reserved) == (3, 0)
    assert [r.aasc_class.title for r in suggestions.reserved] == ["Fair Housing"]
    assert suggestions.classes == []


def test_suggestions_count_what_is_left_after_the_reserved_classes(holder, cycle, calendar):
    reservation_create(aasc_class=calendar["today_later"], holder=holder, now=NOW)  # 2 CECs
    suggestions = suggestions_for(holder, cycle)
    gap = {s.aasc_class.title: (s.missing_after, s.closes_gap) for s in suggestions.classes}
    assert gap == {"Fair Housing": (Decimal(3), False), "Maintenance Law": (Decimal(0), True)}


def test_requirement_exactly_met_means_no_suggestions(holder, cycle, calendar):
    earn(holder, "8")
    suggestions = suggestions_for(holder, cycle)
    assert suggestions.is_met and not suggestions.is_short
    assert suggestions.missing == 0
    assert suggestions.classes == []


def test_requirement_exceeded_means_no_suggestions(holder, cycle, calendar):
    earn(holder, "6")
    earn(holder, "2", Source.COMMITTEE)
    earn(holder, "3", Source.OTHER_PROVIDER)
    suggestions = suggestions_for(holder, cycle)
    assert suggestions.is_met
    assert suggestions.classes == []


def test_cecs_earned_outside_the_window_leave_the_holder_short(holder, cycle, calendar):
    earn(holder, "8", earned_on=datetime.date(2025, 6, 1))
    assert titles(suggestions_for(holder, cycle)) == [
        "This Afternoon",
        "Fair Housing",
        "Maintenance Law",
    ]


def test_after_the_window_closed_nothing_is_suggested(holder, cycle, calendar):
    january = datetime.datetime(2027, 1, 10, 9, 0, tzinfo=DENVER)
    suggestions = suggestions_for(holder, cycle, now=january)
    assert suggestions.is_short and suggestions.window_over
    assert suggestions.classes == []
