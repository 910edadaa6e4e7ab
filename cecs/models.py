import datetime
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from holders.models import HolderProfile

HOURS = {"max_digits": 6, "decimal_places": 2}


def private_storage():
    """Uploads live outside the static root and MEDIA_URL: only views that check
    permission serve them."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def new_verification_code():
    return secrets.token_hex(5).upper()


class Source(models.TextChoices):
    AASC_CLASS = "aasc_class", "AASC class"
    EXPO_CLASS = "expo_class", "Expo class"
    COMMITTEE = "committee", "Committee or board service"
    VOLUNTEERING = "volunteering", "Volunteering"
    OTHER_PROVIDER = "other_provider", "Other provider"


class Category(models.TextChoices):
    IN_NETWORK = "in_network", "In-network education"
    PARTICIPATION = "participation", "Association participation"
    OTHER = "other", "Other education"


# Where each source counts; AASC and its Expo are the local association (in-network).
CATEGORY_OF_SOURCE = {
    Source.AASC_CLASS: Category.IN_NETWORK,
    Source.EXPO_CLASS: Category.IN_NETWORK,
    Source.COMMITTEE: Category.PARTICIPATION,
    Source.VOLUNTEERING: Category.PARTICIPATION,
    Source.OTHER_PROVIDER: Category.OTHER,
}


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
        ordering = ["aasc_class", "holder"]
        constraints = [
            models.UniqueConstraint(
                fields=["aasc_class", "holder"], name="one_attendance_per_class"
            ),
        ]

    def __str__(self):
        return f"{self.holder} at {self.aasc_class}"


class ReportingForm(models.Model):
    """A CEC Reporting Form for an Expo class, committee service or volunteering."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted to AASC"
        VERIFIED = "verified", "Verified and signed"
        RETURNED = "returned", "Returned for correction"

    ACTIVITY_TYPES = [
        (Source.EXPO_CLASS, Source.EXPO_CLASS.label),
        (Source.COMMITTEE, Source.COMMITTEE.label),
        (Source.VOLUNTEERING, Source.VOLUNTEERING.label),
    ]

    holder = models.ForeignKey(
        HolderProfile, on_delete=models.PROTECT, related_name="reporting_forms"
    )
    activity_type = models.CharField(max_length=20, choices=ACTIVITY_TYPES)
    title = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    date_from = models.DateField("date")
    date_to = models.DateField("last date", null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=40, default="America/Denver")
    gross_hours = models.DecimalField(**HOURS, null=True, blank=True)
    break_minutes = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(**HOURS, help_text="CECs claimed: hours net of meals and breaks.")
    description = models.TextField()
    upload = models.FileField(storage=private_storage, upload_to="forms/", blank=True)
    upload_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_from", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            # The admin changelist's order (oldest submitted first).
            models.Index(fields=["submitted_at", "id"], name="cecs_form_submitted_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=100), name="form_hours_in_range"
            ),
            models.CheckConstraint(
                condition=Q(date_to__isnull=True) | Q(date_to__gte=models.F("date_from")),
                name="form_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified")
                | (Q(verified_at__isnull=False) & ~Q(signer_name="")),
                name="verified_form_is_signed",
            ),
        ]

    def __str__(self):
        return f"{self.get_activity_type_display()}: {self.title}"

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class CecEntry(models.Model):
    """One CEC ledger line. Never deleted once counted: withdrawn, with history."""

    class Status(models.TextChoices):
        COUNTED = "counted", "Counted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    holder = models.ForeignKey(HolderProfile, on_delete=models.PROTECT, related_name="cec_entries")
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    earned_on = models.DateField(help_text="The date in AASC's time zone (America/Denver).")
    hours = models.DecimalField(**HOURS)
    source = models.CharField(max_length=20, choices=Source.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COUNTED)
    attendance = models.OneToOneField(
        Attendance, on_delete=models.PROTECT, null=True, blank=True, related_name="cec_entry"
    )
    reporting_form = models.OneToOneField(
        ReportingForm, on_delete=models.PROTECT, null=True, blank=True, related_name="cec_entry"
    )
    verification_code = models.CharField(max_length=12, unique=True, default=new_verification_code)
    correction_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-earned_on", "-pk"]
        verbose_name = "CEC entry"
        verbose_name_plural = "CEC entries"
        indexes = [models.Index(fields=["holder", "earned_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=100), name="entry_hours_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.title}: {self.hours} CEC ({self.earned_on})"


class Submission(models.Model):
    """The holder's CECs for one cycle, all in one submission, for NAAEI approval."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for NAAEI review"
        APPROVED = "approved", "Approved by NAAEI"
        REJECTED = "rejected", "Rejected by NAAEI"

    holder = models.ForeignKey(HolderProfile, on_delete=models.PROTECT, related_name="submissions")
    cycle = models.ForeignKey(
        "credentials.RenewalCycle", on_delete=models.PROTECT, related_name="submissions"
    )
    invoice = models.ForeignKey(
        "credentials.RenewalInvoice", on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    cecs_owed = models.DecimalField(**HOURS)
    in_network_minimum = models.DecimalField(**HOURS)
    total_hours = models.DecimalField(**HOURS)
    in_network_hours = models.DecimalField(**HOURS)
    participation_hours = models.DecimalField(**HOURS)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    entries = models.ManyToManyField(
        CecEntry, through="SubmissionEntry", related_name="submissions"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["submitted_at", "pk"]
        permissions = [("review_submission", "Can approve or reject CEC submissions")]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["submitted_at", "id"], name="cecs_sub_submitted_id_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "cycle"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_open_or_approved_submission_per_cycle",
                violation_error_message="You already have a submission for this renewal.",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="rejection_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="decision_has_a_time",
            ),
        ]

    def __str__(self):
        return f"{self.holder}: {self.cycle.year} CECs ({self.get_status_display().lower()})"


class SubmissionEntry(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="lines")
    entry = models.ForeignKey(CecEntry, on_delete=models.PROTECT, related_name="submission_lines")
    counted_hours = models.DecimalField(**HOURS)

    class Meta:
        ordering = ["entry__earned_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "entry"], name="entry_once_per_submission"
            ),
        ]

    def __str__(self):
        return f"{self.entry} in {self.submission}"


class Reservation(models.Model):
    """A holder's seat in an upcoming AASC class. Capacity is enforced in the database:
    the reservation services lock the class row and keep `AascClass.seats_taken`, which a
    check constraint holds at or under `seats`. Attendance, recorded by staff, is what
    adds the CECs (see `cecs.reservations.holder_reservations`)."""

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


class CalendarFeed(models.Model):
    """The secret address of a holder's calendar feed (.ics). Replacing the token turns
    off the old address; there is deliberately no history of tokens."""

    holder = models.OneToOneField(
        HolderProfile, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.holder}"
