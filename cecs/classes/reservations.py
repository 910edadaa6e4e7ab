"""The AASC class calendar: published upcoming classes, seat reservations, the classes
suggested to a holder who is short of CECs, and the holder's calendar feed.

Reads first (selectors), then writes (services), as in `cecs.ledger.selectors` and
`cecs.ledger.services`. Capacity lives in the database: a reservation locks the class row,
counts the active reservations and moves `AascClass.seats_taken` with F(), which the
`class_seats_not_overbooked` check constraint holds at or under `seats`; the partial
unique constraint allows one active reservation per holder and class.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from core.errors import ApplicationError

from ..models import (
    AascClass,
    Attendance,
    CalendarFeed,
    ClassCalendarVersion,
    Reservation,
    new_feed_token,
)

ZERO = Decimal(0)
RESERVED = Reservation.Status.RESERVED

# --- Selectors ---------------------------------------------------------------------


def has_seats_left():
    """Q for classes that can take one more reservation."""
    return Q(seats__isnull=True) | Q(seats_taken__lt=F("seats"))


def upcoming_classes(*, holder=None, now=None):
    """Published classes that have not started, soonest first. With `holder`, each has
    `my_reservation_id`: the holder's active reservation, or None."""
    now = now or timezone.now()
    classes = AascClass.objects.filter(published=True, starts_at__gt=now).order_by(
        "starts_at", "pk"
    )
    if holder is not None:
        classes = classes.annotate(
            my_reservation_id=Subquery(
                Reservation.objects.filter(
                    aasc_class=OuterRef("pk"), holder=holder, status=RESERVED
                ).values("pk")[:1]
            )
        )
    return classes


def class_calendar_version():
    """The version of the published class calendar (ClassCalendarVersion), or None before
    any class was ever written (then nothing is cached)."""
    versions = ClassCalendarVersion.objects.filter(pk=1).values_list("version", flat=True)
    return next(iter(versions[:1]), None)


def attended_subquery():
    """For a Reservation queryset: staff recorded the holder's attendance at the class."""
    return Exists(
        Attendance.objects.filter(
            aasc_class=OuterRef("aasc_class"),
            holder=OuterRef("holder"),
            withdrawn_at__isnull=True,
        )
    )


def holder_reservations(*, holder, upcoming_only=False, now=None):
    """The holder's active reservations, soonest first. Each has `attended`: staff have
    recorded the holder's attendance, so the class's CECs are in the ledger."""
    reservations = (
        Reservation.objects.filter(holder=holder, status=RESERVED)
        .select_related("aasc_class")
        .annotate(attended=attended_subquery())
        .order_by("aasc_class__starts_at", "aasc_class__held_on", "pk")
    )
    if upcoming_only:
        reservations = reservations.filter(aasc_class__starts_at__gt=now or timezone.now())
    return reservations


def reservation_for_holder(*, holder, pk):
    """One of the holder's own reservations (DoesNotExist for anyone else's)."""
    return Reservation.objects.select_related("aasc_class").get(pk=pk, holder=holder)


@dataclass
class ClassSuggestion:
    aasc_class: AascClass
    missing_after: Decimal  # CECs still missing once this class is attended

    @property
    def closes_gap(self):
        return self.missing_after == 0


@dataclass
class ClassSuggestions:
    """What the CEC status page offers a holder who is short of CECs for the cycle."""

    year: int
    window_start: object
    window_end: object
    missing: Decimal
    is_met: bool
    window_over: bool = False
    classes: list = field(default_factory=list)
    reserved: list = field(default_factory=list)  # upcoming reservations in the window

    @property
    def is_short(self):
        return not self.is_met

    @property
    def reserved_hours(self):
        return sum((r.aasc_class.hours for r in self.reserved), ZERO)

    @property
    def missing_after_reserved(self):
        return max(ZERO, self.missing - self.reserved_hours)


def class_suggestions(*, holder, status, now=None):
    """Upcoming published classes that would help close the holder's CEC gap for the
    cycle of `status` (a `cecs.ledger.selectors.CecStatus`).

    None when the requirement is met, waived or nothing is owed. Otherwise the classes
    held inside the cycle's earning window and not yet started, with a seat left and not
    already reserved by the holder, soonest first; each says how many CECs would still be
    missing after it and the classes the holder already reserved in the window. AASC
    classes are in-network, so one class lowers both the total and the in-network
    shortfall by its hours. Reserved classes count only once attended, but they are
    planned: when they cover the gap, no more classes are suggested."""
    now = now or timezone.now()
    suggestions = ClassSuggestions(
        year=status.year,
        window_start=status.window_start,
        window_end=status.window_end,
        missing=ZERO if status.is_met else status.missing,
        is_met=status.is_met,
    )
    if status.is_met:
        return suggestions
    today = timezone.localdate(now)
    suggestions.window_over = status.window_end < today
    in_window = Q(held_on__gte=max(status.window_start, today), held_on__lte=status.window_end)
    reserved_by_holder = Reservation.objects.filter(
        aasc_class=OuterRef("pk"), holder=holder, status=RESERVED
    )
    attended_by_holder = Attendance.objects.filter(aasc_class=OuterRef("pk"), holder=holder)
    classes = (
        upcoming_classes(now=now)
        .filter(in_window)
        .filter(has_seats_left())
        .exclude(Exists(reserved_by_holder))
        .exclude(Exists(attended_by_holder))
    )
    suggestions.reserved = [
        reservation
        for reservation in holder_reservations(holder=holder, upcoming_only=True, now=now)
        if status.window_start <= reservation.aasc_class.held_on <= status.window_end
    ]
    still_missing = suggestions.missing_after_reserved
    if still_missing == 0:  # the classes already reserved close the gap once attended
        return suggestions
    suggestions.classes = [
        ClassSuggestion(aasc_class, max(ZERO, still_missing - aasc_class.hours))
        for aasc_class in classes
    ]
    return suggestions


def feed_for_token(*, token):
    """The calendar feed with this secret token (DoesNotExist otherwise)."""
    return CalendarFeed.objects.select_related("holder").get(token=token)


# --- Services ----------------------------------------------------------------------


def _locked_class(aasc_class):
    return AascClass.objects.select_for_update().get(pk=aasc_class.pk)


def _when(aasc_class):
    return f"{timezone.localtime(aasc_class.starts_at):%B %-d, %Y}"


@transaction.atomic
def reservation_create(*, aasc_class, holder, now=None):
    """Reserve a seat for `holder` in `aasc_class`.

    The class row is locked first, so two reservations of the last seat queue and the
    second finds the class full; the counter's check constraint and the partial unique
    constraint back this up if a write ever skips the lock."""
    now = now or timezone.now()
    aasc_class = _locked_class(aasc_class)
    if not aasc_class.published:
        raise ApplicationError("This class is not open for reservations.")
    if aasc_class.starts_at is None or aasc_class.starts_at <= now:
        raise ApplicationError("This class has already started; seats can no longer be reserved.")
    active = Reservation.objects.filter(aasc_class=aasc_class, status=RESERVED)
    if active.filter(holder=holder).exists():
        raise ApplicationError(f"You have already reserved a seat in {aasc_class.title}.")
    if aasc_class.seats is not None and active.count() >= aasc_class.seats:
        raise ApplicationError(f"{aasc_class.title} on {_when(aasc_class)} is full.")
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                aasc_class=aasc_class, holder=holder, status=RESERVED, created_at=now
            )
            AascClass.objects.filter(pk=aasc_class.pk).update(seats_taken=F("seats_taken") + 1)
    except IntegrityError as error:
        raise ApplicationError(
            f"The seat in {aasc_class.title} could not be reserved: it is full or already yours."
        ) from error
    aasc_class.seats_taken += 1
    reservation.aasc_class = aasc_class
    return reservation


@transaction.atomic
def reservation_cancel(*, reservation, now=None):
    """Cancel a reservation before the class starts: the seat is free again at once.

    Same lock order as `reservation_create`: the class, then the reservation."""
    now = now or timezone.now()
    aasc_class = _locked_class(reservation.aasc_class)
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.status != RESERVED:
        raise ApplicationError("This reservation is already cancelled.")
    if aasc_class.starts_at is not None and aasc_class.starts_at <= now:
        raise ApplicationError(
            "This class has already started, so the reservation can no longer be cancelled."
        )
    reservation.status = Reservation.Status.CANCELLED
    reservation.cancelled_at = now
    reservation.save(update_fields=["status", "cancelled_at"])
    AascClass.objects.filter(pk=aasc_class.pk).update(seats_taken=F("seats_taken") - 1)
    aasc_class.seats_taken -= 1
    reservation.aasc_class = aasc_class
    return reservation


def calendar_feed_get_or_create(*, holder):
    feed, _ = CalendarFeed.objects.get_or_create(holder=holder)
    return feed


@transaction.atomic
def calendar_feed_reset(*, holder):
    """A new secret address for the holder's feed; the old one stops working."""
    feed = calendar_feed_get_or_create(holder=holder)
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    return feed
