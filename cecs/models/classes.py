"""AASC classes: the class, who attended, seat reservations and the calendar feed."""

import datetime
import secrets

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from holders.models import HolderProfile
from holders.renewal_version import renewal_version_triggers

from .ledger import HOURS


class AascClass(models.Model):
    title = models.CharField(max_length=200)
    held_on = models.DateField("date")
    instructor = models.CharField(max_length=200)
    hours = models.DecimalField(
        **HOURS, help_text="Hours of instruction, meals and breaks excluded."
    )
    # The class calendar: published upcoming classes holders can reserve.
    starts_at = models.DateTimeField(
        "starts at", null=True, blank=True, help_text="In America/Denver time."
    )
    ends_at = models.DateTimeField(
        "ends at",
        null=True,
        blank=True,
        help_text="Optional; calendars otherwise show the class as long as its hours.",
    )
    location = models.CharField(max_length=300, blank=True, help_text="Address or room.")
    online_url = models.URLField("online link", blank=True)
    seats = models.PositiveIntegerField(
        null=True, blank=True, help_text="Leave empty for unlimited seats."
    )
    seats_taken = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Active reservations; kept by the reservation services.",
    )
    published = models.BooleanField(
        default=False, help_text="Published classes are shown to holders, who can reserve a seat."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "title"]
        verbose_name = "AASC class"
        verbose_name_plural = "AASC classes"
        indexes = [models.Index(fields=["published", "starts_at"])]
        # Every write to the classes (a reservation's seat too) changes the version of the
        # calendar every holder's classes page is cached by (ClassCalendarVersion).
        triggers = [
            pgtrigger.Trigger(
                name="class_calendar_version",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=(
                    "INSERT INTO cecs_classcalendarversion (id, version) VALUES (1, 1) "
                    "ON CONFLICT (id) DO UPDATE "
                    "SET version = cecs_classcalendarversion.version + 1; RETURN NULL;"
                ),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="class_hours_in_range"
            ),
            models.CheckConstraint(
                condition=Q(seats__isnull=True) | Q(seats__gte=1),
                name="class_seats_positive",
                violation_error_message="A class needs at least one seat (or leave it empty).",
            ),
            models.CheckConstraint(
                condition=Q(seats__isnull=True) | Q(seats_taken__lte=F("seats")),
                name="class_seats_not_overbooked",
                violation_error_message="More seats are reserved than the class has.",
            ),
            models.CheckConstraint(
                condition=Q(published=False) | Q(starts_at__isnull=False),
                name="published_class_has_a_start",
                violation_error_message="Give the start time before publishing the class.",
            ),
            models.CheckConstraint(
                condition=Q(published=False) | ~Q(location="") | ~Q(online_url=""),
                name="published_class_has_a_place",
                violation_error_message="Give a location or an online link before publishing.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | (Q(starts_at__isnull=False) & Q(ends_at__gt=F("starts_at"))),
                name="class_ends_after_it_starts",
                violation_error_message="The class must end after it starts.",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.held_on:%b %-d, %Y})"

    @property
    def seats_left(self):
        """Seats still free, or None for unlimited seating."""
        if self.seats is None:
            return None
        return max(0, self.seats - self.seats_taken)

    @property
    def is_full(self):
        return self.seats is not None and self.seats_taken >= self.seats

    @property
    def calendar_end(self):
        """When the class ends: `ends_at`, else its start plus its hours."""
        if self.starts_at is None:
            return None
        if self.ends_at is not None:
            return self.ends_at
        return self.starts_at + datetime.timedelta(minutes=int(self.hours * 60))


class Attendance(models.Model):
    aasc_class = models.ForeignKey(AascClass, on_delete=models.PROTECT, related_name="attendances")
    holder = models.ForeignKey(HolderProfile, on_delete=models.PROTECT, related_name="attendances")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="attendance")
        ordering = ["aasc_class", "holder"]
        verbose_name = "class attendance"
        verbose_name_plural = "class attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["aasc_class", "holder"], name="one_attendance_per_class"
            ),
        ]

    def __str__(self):
        return f"{self.holder} at {self.aasc_class}"


class Reservation(models.Model):
    """A holder's seat in an upcoming AASC class. Capacity is enforced in the database:
    the reservation services lock the class row and keep `AascClass.seats_taken`, which a
    check constraint holds at or under `seats`. Attendance, recorded by staff, is what
    adds the CECs (see `cecs.classes.reservations.holder_reservations`)."""

    class Status(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        CANCELLED = "cancelled", "Cancelled"

    aasc_class = models.ForeignKey(
        AascClass, on_delete=models.PROTECT, related_name="reservations", verbose_name="class"
    )
    holder = models.ForeignKey(
        HolderProfile, on_delete=models.PROTECT, related_name="class_reservations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESERVED)
    created_at = models.DateTimeField("reserved at")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="reservation")
        ordering = ["aasc_class__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["aasc_class", "holder"],
                condition=Q(status="reserved"),
                name="one_reservation_per_class_and_holder",
                violation_error_message="You have already reserved a seat in this class.",
            ),
            models.CheckConstraint(
                condition=(Q(status="reserved") & Q(cancelled_at__isnull=True))
                | (Q(status="cancelled") & Q(cancelled_at__isnull=False)),
                name="cancelled_reservation_has_a_time",
            ),
        ]

    def __str__(self):
        return f"{self.holder} in {self.aasc_class} ({self.get_status_display().lower()})"


def new_feed_token():
    return secrets.token_urlsafe(32)


class ClassCalendarVersion(models.Model):
    """One row, changed by PostgreSQL in the transaction of every write to the classes
    (AascClass's trigger; a reservation takes a seat on the class row): with the holder's
    renewal version it keys the cached classes page (cecs.classes.views). Written only by
    the trigger, which creates the row when it is missing; no row, no caching."""

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"Class calendar version {self.version}"


class CalendarFeed(models.Model):
    """The secret address of a holder's calendar feed (.ics). Replacing the token turns
    off the old address; there is deliberately no history of tokens."""

    holder = models.OneToOneField(
        HolderProfile, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The feed's address is on the cached classes page (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="feed")

    def __str__(self):
        return f"Calendar feed of {self.holder}"
